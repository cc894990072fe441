package io.jnetmap.tools.pktgen;

/**
 * The Internet checksum (RFC 1071) over 16-bit big-endian words, and its incremental update
 * (RFC 1624, equation 3) for a field that changes from one value to another. Sums are kept
 * folded to 16 bits and not complemented; checksums are the complemented form found in headers.
 */
public final class Checksum {
    private Checksum() { }

    /** One's complement sum of {@code b[off, off+len)} added to {@code initial}; an odd last byte is a high byte. */
    public static int sum(byte[] b, int off, int len, int initial) {
        long s = initial & 0xffffL;
        int i = 0;
        for (; i + 1 < len; i += 2) s += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
        if (i < len) s += (b[off + i] & 0xff) << 8;
        return fold(s);
    }

    /** Adds two sums (or a sum and a 16-bit word) in one's complement arithmetic. */
    public static int add(int a, int b) {
        return fold((a & 0xffffL) + (b & 0xffffL));
    }

    /** Adds a 32-bit value as its two 16-bit words. */
    public static int add32(int sum, int v) {
        return fold((sum & 0xffffL) + (v >>> 16) + (v & 0xffff));
    }

    public static int fold(long s) {
        while ((s >>> 16) != 0) s = (s & 0xffff) + (s >>> 16);
        return (int) s;
    }

    /** The header field for a sum: its complement. */
    public static int finish(int sum) {
        return ~sum & 0xffff;
    }

    /** A UDP checksum field: as {@link #finish}, but a computed 0 is sent as 0xffff (0 means "none"). */
    public static int finishUdp(int sum) {
        int c = ~sum & 0xffff;
        return c == 0 ? 0xffff : c;
    }

    /** RFC 1624: checksum field {@code hc} after a 16-bit word covered by it changes from {@code oldWord} to {@code newWord}. */
    public static int update16(int hc, int oldWord, int newWord) {
        int s = (~hc & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        s = (s & 0xffff) + (s >>> 16);
        s = (s & 0xffff) + (s >>> 16);
        return ~s & 0xffff;
    }

    /** RFC 1624 for a 32-bit field (two words), e.g. an IPv4 address or a sequence number. */
    public static int update32(int hc, int oldValue, int newValue) {
        int s = (~hc & 0xffff) + (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff)
                + (newValue >>> 16) + (newValue & 0xffff);
        s = (s & 0xffff) + (s >>> 16);
        s = (s & 0xffff) + (s >>> 16);
        return ~s & 0xffff;
    }
}
