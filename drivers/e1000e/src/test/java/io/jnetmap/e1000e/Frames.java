package io.jnetmap.e1000e;

import io.jnetmap.nic.TestFrames;

/**
 * The e1000e tests' addresses and numbered frames (sent from the port's MAC); the frame builders
 * and ring helpers they use are {@link TestFrames}'.
 */
final class Frames {
    static final byte[] MAC = {0x02, 0, 0, 0, 0, 0x01};
    static final byte[] PEER = {0x02, 0, 0, 0, 0, 0x02};

    private Frames() { }

    /** A frame to {@code dst} from MAC, EtherType 0x88b5, sequence number, then a pattern of the number. */
    static byte[] numbered(byte[] dst, int seq, int size) { return TestFrames.numbered(dst, MAC, seq, size); }

    static byte[] numbered(int seq, int size) { return numbered(PEER, seq, size); }

    /** A frame to us (the port's MAC). */
    static byte[] toUs(int seq, int size) { return TestFrames.numbered(MAC, PEER, seq, size); }
}
