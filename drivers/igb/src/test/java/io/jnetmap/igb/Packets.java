package io.jnetmap.igb;

import io.jnetmap.nic.TestFrames;

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
        return TestFrames.flow(MAC, PEER, proto, srcHost, sport, dport, seq, size);
    }
}
