package io.jnetmap.tools.pktgen;

import io.jnetmap.sys.OffHeapBuffer;

import java.nio.charset.StandardCharsets;

/**
 * pkt-gen's frame: Ethernet, IPv4 (no options, TOS 0x10, DF, TTL 64), UDP, and netmap's repeating
 * text as payload, NUL-terminated. Both checksums are valid. The template is built once at the
 * longest length a run sends; {@link FrameRewriter} turns it into each packet by rewriting only the
 * fields that vary, with incremental checksum updates, using {@link #payloadSum} for other lengths.
 */
public final class FrameTemplate {
    // offsets in the frame
    public static final int ETH_DST = 0, ETH_SRC = 6, ETH_TYPE = 12,
            IP = 14, IP_LEN = 16, IP_ID = 18, IP_OFF = 20, IP_TTL = 22, IP_PROTO = 23, IP_SUM = 24, IP_SRC = 26, IP_DST = 30,
            UDP = 34, UDP_SPORT = 34, UDP_DPORT = 36, UDP_LEN = 38, UDP_SUM = 40, PAYLOAD = 42;
    public static final int ETHERTYPE_IPV4 = 0x0800, IPPROTO_UDP = 17;
    /** Shortest Ethernet frame without CRC. */
    public static final int MIN_LENGTH = 60;
    /** netmap pkt-gen's payload text, repeated and cut to size. */
    public static final String PAYLOAD_TEXT = "netmap pkt-gen DIRECT payload\nhttp://info.iet.unipi.it/~luigi/netmap/ ";

    /** RFC 2544 benchmarking addresses (198.18.0.0/15), port 1234 as netmap. */
    public static final Ipv4Range DEFAULT_SOURCE = Ipv4Range.parse("198.18.0.1");
    public static final Ipv4Range DEFAULT_DESTINATION = Ipv4Range.parse("198.19.0.1");

    private final byte[] frame;
    private final int[] payloadSums; // index: payload length
    private final MacAddress srcMac, dstMac;
    private final int srcIp, dstIp, srcPort, dstPort;

    private FrameTemplate(MacAddress srcMac, MacAddress dstMac, int srcIp, int dstIp, int srcPort, int dstPort, int length) {
        if (length < PAYLOAD + 4 || length > 65535)
            throw new IllegalArgumentException("frame length " + length + " must be " + (PAYLOAD + 4) + "..65535");
        this.srcMac = srcMac; this.dstMac = dstMac;
        this.srcIp = srcIp; this.dstIp = dstIp; this.srcPort = srcPort; this.dstPort = dstPort;
        byte[] f = new byte[length];
        System.arraycopy(dstMac.bytes(), 0, f, ETH_DST, 6);
        System.arraycopy(srcMac.bytes(), 0, f, ETH_SRC, 6);
        put16(f, ETH_TYPE, ETHERTYPE_IPV4);
        f[IP] = 0x45;                    // version 4, 5 words of header
        f[IP + 1] = 0x10;                // TOS: low delay, as netmap
        put16(f, IP_LEN, length - IP);
        put16(f, IP_ID, 0);
        put16(f, IP_OFF, 0x4000);        // don't fragment
        f[IP_TTL] = 64;
        f[IP_PROTO] = IPPROTO_UDP;
        put32(f, IP_SRC, srcIp);
        put32(f, IP_DST, dstIp);
        put16(f, IP_SUM, Checksum.finish(Checksum.sum(f, IP, 20, 0)));
        put16(f, UDP_SPORT, srcPort);
        put16(f, UDP_DPORT, dstPort);
        put16(f, UDP_LEN, length - UDP);
        byte[] text = PAYLOAD_TEXT.getBytes(StandardCharsets.US_ASCII);
        for (int i = PAYLOAD; i < length; i++) f[i] = text[(i - PAYLOAD) % text.length];
        f[length - 1] = 0;               // NUL-terminated, as netmap
        this.frame = f;
        int[] ps = new int[length - PAYLOAD + 1];
        for (int n = 1; n < ps.length; n++) {
            int b = f[PAYLOAD + n - 1] & 0xff;
            ps[n] = Checksum.add(ps[n - 1], ((n - 1) & 1) == 0 ? b << 8 : b);
        }
        this.payloadSums = ps;
        put16(f, UDP_SUM, udpChecksum(f, length));
    }

    /** A UDP/IPv4 frame of {@code length} bytes (no CRC). */
    public static FrameTemplate udp(MacAddress srcMac, MacAddress dstMac, int srcIp, int dstIp, int srcPort, int dstPort, int length) {
        return new FrameTemplate(srcMac, dstMac, srcIp, dstIp, srcPort, dstPort, length);
    }

    /** The frame for the first packet of {@code -s}/{@code -d} ranges. */
    public static FrameTemplate udp(MacAddress srcMac, MacAddress dstMac, Ipv4Range src, Ipv4Range dst, int length) {
        return udp(srcMac, dstMac, src.firstAddress(), dst.firstAddress(), src.firstPort(), dst.firstPort(), length);
    }

    /** The UDP checksum of the datagram in {@code f} (IPv4 pseudo header + UDP header + payload), from scratch. */
    static int udpChecksum(byte[] f, int length) {
        int udpLen = length - UDP;
        int s = Checksum.sum(f, IP_SRC, 8, 0);         // pseudo header: addresses
        s = Checksum.add(s, IPPROTO_UDP);
        s = Checksum.add(s, udpLen);
        s = Checksum.add(s, get16(f, UDP_SPORT));
        s = Checksum.add(s, get16(f, UDP_DPORT));
        s = Checksum.add(s, udpLen);
        s = Checksum.sum(f, PAYLOAD, length - PAYLOAD, s);
        return Checksum.finishUdp(s);
    }

    public int length() { return frame.length; }
    /** A copy of the frame bytes. */
    public byte[] bytes() { return frame.clone(); }
    public int ipChecksum() { return get16(frame, IP_SUM); }
    public int udpChecksum() { return get16(frame, UDP_SUM); }
    public MacAddress sourceMac() { return srcMac; }
    public MacAddress destinationMac() { return dstMac; }
    public int sourceAddress() { return srcIp; }
    public int destinationAddress() { return dstIp; }
    public int sourcePort() { return srcPort; }
    public int destinationPort() { return dstPort; }
    /** The 16-bit word of the template at {@code off} (big-endian). */
    public int word(int off) { return get16(frame, off); }

    /**
     * One's complement sum of the first {@code payloadLength} payload bytes of the template (an odd
     * last byte counts as a high byte), for checksums of shorter frames.
     */
    public int payloadSum(int payloadLength) { return payloadSums[payloadLength]; }

    /** Copies the first {@code length} bytes of the template to {@code buf} at {@code off}. */
    public void writeTo(OffHeapBuffer buf, int off, int length) {
        buf.putBytes(off, frame, 0, length);
    }

    static int get16(byte[] b, int off) { return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff); }
    static void put16(byte[] b, int off, int v) { b[off] = (byte) (v >>> 8); b[off + 1] = (byte) v; }
    static void put32(byte[] b, int off, int v) { put16(b, off, v >>> 16); put16(b, off + 2, v); }
}
