package io.jnetmap.tools.pktgen;

/**
 * A range of IPv4 addresses and UDP ports for {@code -s}/{@code -d}, as pkt-gen takes them:
 * {@code ADDR[:PORT]}, {@code ADDR:PORT-PORT} (a port range), {@code ADDR[:PORT]-ADDR[:PORT]}
 * (an address range; the end port defaults to the start port). The port defaults to 1234.
 * Bounds are inclusive and put in order. Addresses are unsigned 32-bit values in an int.
 */
public record Ipv4Range(String text, int firstAddress, int lastAddress, int firstPort, int lastPort) {
    public static final int DEFAULT_PORT = 1234;

    public boolean singleAddress() { return firstAddress == lastAddress; }
    public boolean singlePort() { return firstPort == lastPort; }
    public boolean single() { return singleAddress() && singlePort(); }
    /** Number of addresses in the range. */
    public long addressCount() { return Integer.toUnsignedLong(lastAddress) - Integer.toUnsignedLong(firstAddress) + 1; }

    public static Ipv4Range parse(String s) {
        if (s == null || s.isBlank()) throw bad(s, "it is empty");
        String t = s.trim();
        int dash = t.indexOf('-');
        String left = dash < 0 ? t : t.substring(0, dash);
        String right = dash < 0 ? null : t.substring(dash + 1);
        int colon = left.indexOf(':');
        int a0 = address(s, colon < 0 ? left : left.substring(0, colon));
        int p0 = colon < 0 ? DEFAULT_PORT : port(s, left.substring(colon + 1));
        int a1 = a0, p1 = p0;
        if (right != null) {
            if (right.indexOf('.') >= 0) {
                int c = right.indexOf(':');
                a1 = address(s, c < 0 ? right : right.substring(0, c));
                if (c >= 0) p1 = port(s, right.substring(c + 1));
            } else {
                if (colon < 0) throw bad(s, "a port range needs a first port, as in 198.18.0.1:1000-2000");
                p1 = port(s, right);
            }
        }
        if (Integer.compareUnsigned(a0, a1) > 0) { int x = a0; a0 = a1; a1 = x; }
        if (p0 > p1) { int x = p0; p0 = p1; p1 = x; }
        return new Ipv4Range(t, a0, a1, p0, p1);
    }

    private static int address(String s, String a) {
        String[] q = a.split("\\.", -1);
        if (q.length != 4) throw bad(s, "'" + a + "' is not an IPv4 address");
        int v = 0;
        for (String x : q) {
            if (x.isEmpty() || x.length() > 3 || !x.chars().allMatch(Character::isDigit))
                throw bad(s, "'" + a + "' is not an IPv4 address");
            int b = Integer.parseInt(x);
            if (b > 255) throw bad(s, "'" + a + "' is not an IPv4 address (" + b + " > 255)");
            v = (v << 8) | b;
        }
        return v;
    }

    private static int port(String s, String p) {
        if (p.isEmpty() || p.length() > 5 || !p.chars().allMatch(Character::isDigit))
            throw bad(s, "'" + p + "' is not a port number");
        int v = Integer.parseInt(p);
        if (v > 65535) throw bad(s, "port " + v + " is above 65535");
        return v;
    }

    private static IllegalArgumentException bad(String s, String why) {
        return new IllegalArgumentException("invalid address '" + s + "': " + why
                + "; expected ADDR[:PORT[-PORT]] or ADDR[:PORT]-ADDR[:PORT], e.g. 198.18.0.1:1234");
    }

    public static String format(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "." + (address & 0xff);
    }

    @Override
    public String toString() { return text; }
}
