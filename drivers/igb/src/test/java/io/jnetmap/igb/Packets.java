package io.jnetmap.igb;

import io.jnetmap.nic.TestFrames;

import static io.jnetmap.nic.TestFrames.putInt;

/**
 * The igb tests' addresses and frames: numbered raw frames from the peer, IPv4 UDP/TCP flows. The
 * frame builders and ring helpers they share with the other drivers' tests are {@link TestFrames}'.
 */
final class Packets {
    static final byte[] MAC = {0x02, 0, 0, 0, 0, 0x02};
    static final byte[] PEER = {0x02, 0, 0, 0, 0, 0x01};

    private Packets() { }

    /** A frame to {@code dst} from PEER, EtherType 0x88b5, sequence number at 14, then a pattern of it. */
    static byte[] numbered(byte[] dst, int seq, int size) { return TestFrames.numbered(dst, PEER, seq, size); }

    /** An IPv4 frame to us: UDP (17) or TCP (6) from 198.18.0.1:sport to 198.19.0.1:dport, sequence number in the payload. */
    static byte[] flow(int proto, int srcHost, int sport, int dport, int seq, int size) {
        byte[] f = new byte[Math.max(size, 64)];
        System.arraycopy(MAC, 0, f, 0, 6);
        System.arraycopy(PEER, 0, f, 6, 6);
        f[12] = 0x08;
        f[13] = 0x00;
        f[14] = 0x45;
        int ipLen = f.length - 14;
        f[16] = (byte) (ipLen >>> 8);
        f[17] = (byte) ipLen;
        f[22] = 64;
        f[23] = (byte) proto;
        f[26] = (byte) 198; f[27] = 18; f[28] = (byte) (srcHost >>> 8); f[29] = (byte) srcHost;
        f[30] = (byte) 198; f[31] = 19; f[32] = 0; f[33] = 1;
        f[34] = (byte) (sport >>> 8); f[35] = (byte) sport;
        f[36] = (byte) (dport >>> 8); f[37] = (byte) dport;
        putInt(f, 46, seq);
        return f;
    }

    static byte[] srcAddr(byte[] flow) { return java.util.Arrays.copyOfRange(flow, 26, 30); }
    static byte[] dstAddr(byte[] flow) { return java.util.Arrays.copyOfRange(flow, 30, 34); }
}
