package io.jnetmap.tools.pktgen;

import java.util.Locale;

/** A 48-bit Ethernet address, parsed as ether_aton(3) does: six hex bytes separated by ':' (or '-'). */
public record MacAddress(long value) {
    public static final MacAddress ZERO = new MacAddress(0);
    public static final MacAddress BROADCAST = new MacAddress(0xffff_ffff_ffffL);

    public static MacAddress parse(String s) {
        String[] parts = s == null ? new String[0] : s.trim().split("[:-]", -1);
        if (parts.length != 6)
            throw new IllegalArgumentException("invalid MAC address '" + s + "': expected six hex bytes like 02:00:00:00:00:01");
        long v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 2)
                throw new IllegalArgumentException("invalid MAC address '" + s + "': '" + p + "' is not a hex byte (expected e.g. 02:00:00:00:00:01)");
            int b;
            try {
                b = Integer.parseInt(p, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid MAC address '" + s + "': '" + p + "' is not a hex byte (expected e.g. 02:00:00:00:00:01)");
            }
            v = (v << 8) | b;
        }
        return new MacAddress(v);
    }

    public byte[] bytes() {
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) b[i] = (byte) (value >>> (40 - 8 * i));
        return b;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            if (i > 0) sb.append(':');
            sb.append(String.format(Locale.ROOT, "%02x", (value >>> (40 - 8 * i)) & 0xff));
        }
        return sb.toString();
    }
}
