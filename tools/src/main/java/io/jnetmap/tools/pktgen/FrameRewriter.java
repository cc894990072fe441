package io.jnetmap.tools.pktgen;

import io.jnetmap.sys.OffHeapBuffer;

import static io.jnetmap.tools.pktgen.FrameTemplate.*;

/**
 * Turns a {@link FrameTemplate} into a stream of packets that differ from it in a few fields:
 * addresses and ports walking {@code -s}/{@code -d} ranges (source port fastest, then source
 * address, destination port, destination address, as netmap's pkt-gen) or random ({@code -z}/{@code -Z}),
 * a 32-bit sequence number in the first payload bytes (txseq), ping's sequence and timestamp, or a
 * random length in [min, max). Both checksums follow every change incrementally (RFC 1624), so a
 * packet costs a few word writes whatever its size. One instance per sending thread; allocates nothing
 * after construction.
 */
public final class FrameRewriter implements FrameSource {
    private final FrameTemplate t;
    private final int maxLen, minLen;
    private final boolean varyAddr, varyPorts, varyLen, seqMode, pingMode, randomSrc, randomDst, rewrites;
    private final int sa0, sa1, sp0, sp1, da0, da1, dp0, dp1;
    private final Ipv4Range src, dst;
    private final Payload payload;
    private long rnd;

    // the current packet
    private int srcIp, dstIp, sport, dport, len, seq, ipSum, udpSum;
    // ping: payload words 0..5 as three big-endian 32-bit values, as currently counted in udpSum
    private int w0, w1, w2;

    /** What varies from packet to packet. */
    public enum Payload { FIXED, SEQUENCE, PING }

    /**
     * @param minLen shortest length, or {@code t.length()} for a fixed length; lengths are drawn from [minLen, t.length())
     */
    public FrameRewriter(FrameTemplate t, Ipv4Range src, Ipv4Range dst, boolean randomSrc, boolean randomDst,
                         Payload payload, int minLen, long seed) {
        this.t = t;
        this.maxLen = t.length();
        if (minLen > maxLen || minLen < FrameTemplate.MIN_LENGTH)
            throw new IllegalArgumentException("shortest length " + minLen + " must be " + MIN_LENGTH + ".." + maxLen);
        this.minLen = minLen;
        this.src = src;
        this.dst = dst;
        this.payload = payload;
        this.sa0 = src.firstAddress(); this.sa1 = src.lastAddress(); this.sp0 = src.firstPort(); this.sp1 = src.lastPort();
        this.da0 = dst.firstAddress(); this.da1 = dst.lastAddress(); this.dp0 = dst.firstPort(); this.dp1 = dst.lastPort();
        this.randomSrc = randomSrc;
        this.randomDst = randomDst;
        this.varyAddr = !src.singleAddress() || !dst.singleAddress();
        this.varyPorts = !src.singlePort() || !dst.singlePort() || randomSrc || randomDst;
        this.varyLen = minLen < maxLen;
        this.seqMode = payload == Payload.SEQUENCE;
        this.pingMode = payload == Payload.PING;
        this.rewrites = varyAddr || varyPorts || varyLen || seqMode || pingMode;
        this.rnd = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
        this.srcIp = t.sourceAddress(); this.dstIp = t.destinationAddress();
        this.sport = t.sourcePort(); this.dport = t.destinationPort();
        this.len = maxLen;
        this.ipSum = t.ipChecksum();
        this.udpSum = t.udpChecksum();
        this.w0 = (t.word(PAYLOAD) << 16) | t.word(PAYLOAD + 2);
        this.w1 = (t.word(PAYLOAD + 4) << 16) | t.word(PAYLOAD + 6);
        this.w2 = (t.word(PAYLOAD + 8) << 16) | t.word(PAYLOAD + 10);
        if (seqMode) setSequence(0);
        if (varyLen) setLength(randomLength());
    }

    /** Whether packets differ from the template (otherwise a buffer written once can be sent again as is). */
    @Override
    public boolean rewritesEachPacket() { return rewrites; }
    @Override
    public int fixedLength() { return len; }
    @Override
    public int maxLength() { return maxLen; }
    @Override
    public FrameRewriter copy(long seed) {
        return new FrameRewriter(t, src, dst, randomSrc, randomDst, payload, minLen, seed);
    }
    public FrameTemplate template() { return t; }
    /** Length of the current packet. */
    public int length() { return len; }

    /**
     * Writes the current packet into {@code buf} at {@code off} and moves on to the next one.
     *
     * @param fresh the buffer does not hold an earlier packet of this rewriter: copy the whole template first
     * @return the packet's length
     */
    @Override
    public int writeNext(OffHeapBuffer buf, int off, boolean fresh) {
        int n = write(buf, off, fresh);
        step();
        return n;
    }

    /** Writes the current packet without moving on. */
    public int write(OffHeapBuffer buf, int off, boolean fresh) {
        if (fresh) t.writeTo(buf, off, maxLen);
        if (varyAddr) {
            buf.putInt(off + IP_SRC, Integer.reverseBytes(srcIp));
            buf.putInt(off + IP_DST, Integer.reverseBytes(dstIp));
        }
        if (varyLen) {
            putBE16(buf, off + IP_LEN, len - IP);
            putBE16(buf, off + UDP_LEN, len - UDP);
        }
        if (varyAddr || varyLen) putBE16(buf, off + IP_SUM, ipSum);
        if (varyPorts) {
            putBE16(buf, off + UDP_SPORT, sport);
            putBE16(buf, off + UDP_DPORT, dport);
        }
        if (rewrites) putBE16(buf, off + UDP_SUM, udpSum == 0 ? 0xffff : udpSum);
        if (seqMode) buf.putInt(off + PAYLOAD, Integer.reverseBytes(seq));
        if (pingMode) {
            // host (little-endian) order, as netmap's pkt-gen writes them
            buf.putInt(off + PAYLOAD, Integer.reverseBytes(w0));
            buf.putInt(off + PAYLOAD + 4, Integer.reverseBytes(w1));
            buf.putInt(off + PAYLOAD + 8, Integer.reverseBytes(w2));
        }
        return len;
    }

    /** Advances addresses, ports, sequence and length to the next packet. */
    public void step() {
        if (varyAddr || varyPorts) {
            boolean carry = randomSrc ? randomizeSource() : stepSource();
            if (randomDst) randomizeDestination();
            else if (carry) stepDestination();
        }
        if (seqMode) setSequence(seq + 1);
        if (varyLen) setLength(randomLength());
    }

    /** Ping: sequence number and timestamp of the current packet, stored little-endian at payload offsets 0, 4, 8. */
    public void stampPing(int sequence, int seconds, int nanos) {
        int a = Integer.reverseBytes(sequence), b = Integer.reverseBytes(seconds), c = Integer.reverseBytes(nanos);
        udpSum = Checksum.update32(udpSum, w0, a);
        udpSum = Checksum.update32(udpSum, w1, b);
        udpSum = Checksum.update32(udpSum, w2, c);
        w0 = a; w1 = b; w2 = c;
    }

    /** txseq: the sequence number of the current packet (big-endian in payload bytes 0-3). */
    public void setSequence(int s) {
        if (!seqMode) throw new IllegalStateException("not a sequence rewriter");
        udpSum = Checksum.update32(udpSum, w0, s);
        w0 = s;
        seq = s;
    }

    public int sequence() { return seq; }

    private void setLength(int n) {
        if (n == len) return;
        ipSum = Checksum.update16(ipSum, len - IP, n - IP);
        udpSum = Checksum.update16(udpSum, len - UDP, n - UDP); // pseudo header
        udpSum = Checksum.update16(udpSum, len - UDP, n - UDP); // UDP header
        udpSum = Checksum.update16(udpSum, t.payloadSum(len - PAYLOAD), t.payloadSum(n - PAYLOAD));
        len = n;
    }

    private int randomLength() {
        return minLen + (int) (((nextRandom() >>> 32) * (maxLen - minLen)) >>> 32);
    }

    private boolean stepSource() {
        if (sport < sp1) { setSourcePort(sport + 1); return false; }
        setSourcePort(sp0);
        if (Integer.compareUnsigned(srcIp, sa1) < 0) { setSourceAddress(srcIp + 1); return false; }
        setSourceAddress(sa0);
        return true;
    }

    private void stepDestination() {
        if (dport < dp1) { setDestinationPort(dport + 1); return; }
        setDestinationPort(dp0);
        if (Integer.compareUnsigned(dstIp, da1) < 0) { setDestinationAddress(dstIp + 1); return; }
        setDestinationAddress(da0);
    }

    private boolean randomizeSource() {
        setSourcePort(randomPort(sp0, sp1));
        if (sa0 != sa1) setSourceAddress(randomAddress(sa0, sa1));
        return true;
    }

    private void randomizeDestination() {
        setDestinationPort(randomPort(dp0, dp1));
        if (da0 != da1) setDestinationAddress(randomAddress(da0, da1));
    }

    /** A port in [p0, p1], or in 1..65535 when the range is a single port. */
    private int randomPort(int p0, int p1) {
        if (p0 == p1) { p0 = 1; p1 = 65535; }
        return p0 + (int) (((nextRandom() >>> 32) * (p1 - p0 + 1)) >>> 32);
    }

    private int randomAddress(int a0, int a1) {
        long n = Integer.toUnsignedLong(a1) - Integer.toUnsignedLong(a0) + 1;
        return a0 + (int) Long.remainderUnsigned(nextRandom(), n);
    }

    private void setSourceAddress(int a) {
        if (a == srcIp) return;
        ipSum = Checksum.update32(ipSum, srcIp, a);
        udpSum = Checksum.update32(udpSum, srcIp, a);
        srcIp = a;
    }

    private void setDestinationAddress(int a) {
        if (a == dstIp) return;
        ipSum = Checksum.update32(ipSum, dstIp, a);
        udpSum = Checksum.update32(udpSum, dstIp, a);
        dstIp = a;
    }

    private void setSourcePort(int p) {
        if (p == sport) return;
        udpSum = Checksum.update16(udpSum, sport, p);
        sport = p;
    }

    private void setDestinationPort(int p) {
        if (p == dport) return;
        udpSum = Checksum.update16(udpSum, dport, p);
        dport = p;
    }

    /** xorshift64*: fast, allocation-free, good enough to scatter addresses and lengths. */
    private long nextRandom() {
        long x = rnd;
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        rnd = x;
        return x * 0x2545F4914F6CDD1DL;
    }

    private static void putBE16(OffHeapBuffer b, int off, int v) {
        b.putShort(off, Short.reverseBytes((short) v));
    }
}
