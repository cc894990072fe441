package io.jnetmap.tools.pktgen;

/** Test references: checksums computed the plain way, straight from RFC 768 / RFC 791, and frame field access. */
final class Frames {
    private Frames() { }

    static int u16(byte[] f, int off) { return ((f[off] & 0xff) << 8) | (f[off + 1] & 0xff); }
    static int u32(byte[] f, int off) { return (u16(f, off) << 16) | u16(f, off + 2); }

    /** Sum of 16-bit big-endian words with end-around carry; an odd last byte is padded with a zero. */
    static int onesSum(byte[] f, int off, int len) {
        long sum = 0;
        for (int i = 0; i < len; i += 2) {
            int hi = f[off + i] & 0xff;
            int lo = i + 1 < len ? f[off + i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
        return (int) sum;
    }

    /** IPv4 header checksum of a frame (header at 14, 20 bytes) as it should be, computed with the field zeroed. */
    static int expectedIpChecksum(byte[] f) {
        byte[] h = java.util.Arrays.copyOfRange(f, 14, 34);
        h[10] = 0;
        h[11] = 0;
        return ~onesSum(h, 0, 20) & 0xffff;
    }

    /** UDP checksum of a frame of {@code len} bytes as it should be: pseudo header + UDP header (sum zeroed) + data. */
    static int expectedUdpChecksum(byte[] f, int len) {
        int udpLen = len - 34;
        byte[] p = new byte[12 + udpLen];
        System.arraycopy(f, 26, p, 0, 8);   // source and destination address
        p[8] = 0;
        p[9] = 17;                           // protocol
        p[10] = (byte) (udpLen >> 8);
        p[11] = (byte) udpLen;
        System.arraycopy(f, 34, p, 12, udpLen);
        p[12 + 6] = 0;
        p[12 + 7] = 0;
        int c = ~onesSum(p, 0, p.length) & 0xffff;
        return c == 0 ? 0xffff : c;
    }

    /** Both checksums of a frame are right (the receiver's check: the sum over the header including it is 0xffff). */
    static void assertValid(byte[] f, int len, String what) {
        if (u16(f, 24) != expectedIpChecksum(f))
            throw new AssertionError(what + ": IP checksum 0x" + Integer.toHexString(u16(f, 24)) + ", expected 0x" + Integer.toHexString(expectedIpChecksum(f)));
        if (onesSum(f, 14, 20) != 0xffff) throw new AssertionError(what + ": IP header does not sum to 0xffff");
        if (u16(f, 40) != expectedUdpChecksum(f, len))
            throw new AssertionError(what + ": UDP checksum 0x" + Integer.toHexString(u16(f, 40)) + ", expected 0x" + Integer.toHexString(expectedUdpChecksum(f, len)));
        if (u16(f, 16) != len - 14) throw new AssertionError(what + ": IP total length " + u16(f, 16) + " for a " + len + "-byte frame");
        if (u16(f, 38) != len - 34) throw new AssertionError(what + ": UDP length " + u16(f, 38) + " for a " + len + "-byte frame");
    }
}
