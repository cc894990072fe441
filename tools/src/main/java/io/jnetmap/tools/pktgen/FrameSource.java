package io.jnetmap.tools.pktgen;

import io.jnetmap.sys.OffHeapBuffer;

/** Where a sender's frames come from: a rewritten template or the records of a pcap file. */
public interface FrameSource {
    /**
     * Writes the next frame into {@code buf} at {@code off} and returns its length.
     *
     * @param fresh the buffer does not hold an earlier frame of this source (write all of it)
     */
    int writeNext(OffHeapBuffer buf, int off, boolean fresh);

    /** Whether frames differ: if not, a buffer written once is sent again as is, with {@link #fixedLength()}. */
    boolean rewritesEachPacket();

    /** Length of every frame when {@link #rewritesEachPacket()} is false. */
    int fixedLength();

    /** Longest frame this source writes. */
    int maxLength();

    /** A fresh source for another thread, from the same frames. */
    FrameSource copy(long seed);
}
