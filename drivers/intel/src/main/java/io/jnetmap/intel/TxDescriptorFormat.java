package io.jnetmap.intel;

import io.jnetmap.sys.OffHeapBuffer;

/**
 * How a chip's 16-byte transmit data descriptor is written and how its completion is seen: the
 * one thing the descriptor-ring code ({@link IntelTxRing}) does not know. e1000e uses Intel's
 * legacy format ({@link LegacyTxFormat}); igb's advanced data descriptor is another implementation
 * (same address word, command bits elsewhere, DD in the same place).
 */
public interface TxDescriptorFormat {
    /**
     * Writes one fragment of a packet at byte {@code off} of the ring: buffer {@code iova},
     * {@code len} bytes; {@code first}/{@code eop} mark the packet's first and last descriptor,
     * {@code rs} asks for a status write-back (DD) when the chip is done with this descriptor and
     * every one before it. {@code packetLen} is the whole packet's length (for formats that carry
     * it in the first descriptor). Plain stores: the tail doorbell publishes them.
     */
    void write(OffHeapBuffer ring, int off, long iova, int len, boolean first, boolean eop, boolean rs, int packetLen);

    /**
     * Adds RS to the descriptor at {@code off}, written by {@link #write} with {@code rs} false:
     * how a batch of single-slot packets gets its few report points after its loop.
     */
    void requestReport(OffHeapBuffer ring, int off);

    /** Whether the chip wrote back DD for the descriptor at {@code off} (an acquire load). */
    boolean done(OffHeapBuffer ring, int off);

    /** Whether {@link #write} needs {@code packetLen} (the ring code then sums fragment lengths). */
    default boolean needsPacketLength() { return false; }
}
