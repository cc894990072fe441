package io.jnetmap.e1000e;

/** IPv4 frames for the host ring tests: ICMP echo requests to the kernel, and checks of what it sends back. */
final class HostFrames {
    static final int ETH = 14, IP = 20;

    private HostFrames() { }

    /** An ICMP echo request {@code src -> dst} with identifier {@code id} and sequence {@code seq}, valid checksums. */
    static byte[] echoRequest(byte[] srcMac, byte[] dstMac, byte[] srcIp, byte[] dstIp, int id, int seq) {
        byte[] f = new byte[ETH + IP + 8 + 56];
        System.arraycopy(dstMac, 0, f, 0, 6);
        System.arraycopy(srcMac, 0, f, 6, 6);
        f[12] = 0x08;
        ipHeader(f, srcIp, dstIp, 1, IP + 8 + 56);
        f[34] = 8; // echo request
        put16(f, 38, id);
        put16(f, 40, seq);
        for (int k = 42; k < f.length; k++) f[k] = (byte) (k * 7 + seq);
        put16(f, 36, checksum(f, 34, f.length - 34, 0));
        return f;
    }

    private static void ipHeader(byte[] f, byte[] src, byte[] dst, int proto, int totalLen) {
        f[14] = 0x45;
        put16(f, 16, totalLen);
        f[20] = 0x40; // DF
        f[22] = 64;
        f[23] = (byte) proto;
        System.arraycopy(src, 0, f, 26, 4);
        System.arraycopy(dst, 0, f, 30, 4);
        put16(f, 24, checksum(f, 14, IP, 0));
    }

    static boolean isIpv4(byte[] f, int proto) {
        return f.length >= ETH + IP && f[12] == 0x08 && f[13] == 0x00 && f[14] == 0x45 && f[23] == proto;
    }

    /** The echo reply to {@link #echoRequest} with these fields, with valid IP and ICMP checksums. */
    static boolean isEchoReply(byte[] f, byte[] srcIp, byte[] dstIp, int id, int seq) {
        if (!isIpv4(f, 1) || f.length < 42 || f[34] != 0) return false;
        if (!same(f, 26, srcIp) || !same(f, 30, dstIp)) return false;
        return ipChecksumOk(f) && checksum(f, 34, ipPayloadLength(f), 0) == 0
                && get16(f, 38) == id && get16(f, 40) == seq;
    }

    static int ipPayloadLength(byte[] f) { return get16(f, 16) - IP; }

    static boolean ipChecksumOk(byte[] f) { return checksum(f, 14, IP, 0) == 0; }

    /** Whether a UDP frame's checksum is complete (over the pseudo-header), not left to an offload. */
    static boolean udpChecksumOk(byte[] f) {
        int len = ipPayloadLength(f);
        long pseudo = get16(f, 26) + get16(f, 28) + get16(f, 30) + get16(f, 32) + 17 + len;
        return get16(f, 40) != 0 && checksum(f, 34, len, pseudo) == 0;
    }

    static int checksum(byte[] f, int off, int len, long initial) {
        long sum = initial;
        for (int k = 0; k + 1 < len; k += 2) sum += get16(f, off + k);
        if ((len & 1) != 0) sum += (f[off + len - 1] & 0xff) << 8;
        while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (int) (~sum & 0xffff);
    }

    static boolean same(byte[] f, int off, byte[] v) {
        for (int k = 0; k < v.length; k++) if (f[off + k] != v[k]) return false;
        return true;
    }

    static int get16(byte[] f, int off) { return (f[off] & 0xff) << 8 | (f[off + 1] & 0xff); }

    static void put16(byte[] f, int off, int v) {
        f[off] = (byte) (v >> 8);
        f[off + 1] = (byte) v;
    }
}
