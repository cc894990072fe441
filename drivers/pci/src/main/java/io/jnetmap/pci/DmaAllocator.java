package io.jnetmap.pci;

import io.jnetmap.sys.Mapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Allocates DMA memory for descriptor rings and similar small, long-lived structures. Memory
 * comes in chunks (2 MiB hugepages where possible) mapped into the {@link DmaSpace} once; an
 * allocation is carved from one chunk at the requested alignment and never crosses a chunk, so
 * under UIO it never straddles two physically unrelated hugepages. A chunk is given back when its
 * last allocation is freed.
 */
public final class DmaAllocator {
    private static final Logger LOG = LoggerFactory.getLogger(DmaAllocator.class);

    /** Ring base alignment for Intel NICs (RDLEN/TDLEN granularity; 16 would do for the base). */
    public static final int INTEL_RING_ALIGNMENT = 128;
    /** Ring base alignment for Realtek NICs (r8169_main.c: "must be 256 byte aligned"). */
    public static final int REALTEK_RING_ALIGNMENT = 256;

    /** One piece of memory mapped for DMA, allocated from front to back. */
    static final class Chunk {
        final Mapping memory;
        final DmaRegion region;
        long next;
        int live;

        Chunk(Mapping memory, DmaRegion region) {
            this.memory = memory;
            this.region = region;
        }

        long start() { return region.vaddr(); }
        long end() { return region.vaddr() + region.length(); }
    }

    private final DmaSpace space;
    private final LongFunction<Mapping> source;
    private final long chunkSize;
    private final long contiguityLimit;
    private final List<Chunk> chunks = new ArrayList<>();
    private boolean spaceClosed;

    /**
     * @param source fresh memory of the given size (a multiple of chunkSize), mapped by this allocator into {@code space}
     * @param contiguityLimit the largest allocation that can be device-contiguous (Long.MAX_VALUE under VFIO)
     */
    DmaAllocator(DmaSpace space, LongFunction<Mapping> source, long chunkSize, long contiguityLimit) {
        if (Long.bitCount(chunkSize) != 1 || chunkSize < DmaRegion.PAGE_SIZE)
            throw new IllegalArgumentException("chunk size " + chunkSize + " must be a power of two >= 4096");
        this.space = space;
        this.source = source;
        this.chunkSize = chunkSize;
        this.contiguityLimit = contiguityLimit;
    }

    public long chunkSize() { return chunkSize; }

    /**
     * {@code size} zeroed bytes whose device address is a multiple of {@code alignment} (a power of
     * two) and which the device sees as one contiguous range. {@code what} names it in errors.
     */
    public synchronized DmaBuffer allocate(long size, int alignment, String what) {
        if (size <= 0) throw new IllegalArgumentException(what + ": DMA allocation of " + size + " bytes");
        if (alignment <= 0 || Integer.bitCount(alignment) != 1)
            throw new IllegalArgumentException(what + ": alignment " + alignment + " is not a power of two");
        if (alignment > chunkSize)
            throw new IllegalArgumentException(what + ": alignment " + alignment + " exceeds the chunk size " + chunkSize);
        if (size > contiguityLimit) {
            throw new PciException(PciException.Reason.NOT_CONTIGUOUS, what + ": " + size
                    + " bytes cannot be device-contiguous in " + space.description() + ", whose contiguous unit is "
                    + contiguityLimit + " bytes (one hugepage); split it");
        }
        if (spaceClosed) throw new IllegalStateException(space.description() + " is closed");
        for (Chunk c : chunks) {
            DmaBuffer b = carve(c, size, alignment, what);
            if (b != null) return b;
        }
        // Chunks start page-aligned in device space, so only larger alignments need slack.
        long need = size + (alignment > DmaRegion.PAGE_SIZE ? alignment : 0);
        long chunkBytes = (need + chunkSize - 1) / chunkSize * chunkSize;
        Chunk c = newChunk(chunkBytes, what);
        DmaBuffer b = carve(c, size, alignment, what);
        if (b == null) {
            // Only possible if fresh memory is not device-contiguous where it should be.
            freeChunk(c);
            throw new PciException(PciException.Reason.NOT_CONTIGUOUS, what + ": fresh DMA memory "
                    + DmaRegion.range(c.start(), c.end() - c.start()) + " has no device-contiguous " + size + "-byte piece aligned to "
                    + alignment + " in " + space.description());
        }
        return b;
    }

    /** First fit in {@code c} at or after its bump pointer, or null. Checks alignment of the device address. */
    private DmaBuffer carve(Chunk c, long size, int alignment, String what) {
        long va = c.start() + c.next;
        while (va + size <= c.end()) {
            long iova = c.region.iova(va);
            long aligned = va + ((alignment - (iova & (alignment - 1))) & (alignment - 1));
            if (aligned + size > c.end()) return null;
            if (c.region.isContiguous(aligned, size)) {
                c.next = aligned + size - c.start();
                c.live++;
                DmaBuffer b = new DmaBuffer(this, c, aligned, c.region.iova(aligned, size), size, what);
                b.buffer().fill(0, (int) Math.min(size, Integer.MAX_VALUE), (byte) 0);
                return b;
            }
            // Skip to where this piece's contiguous run ends and try again there.
            va = aligned + c.region.contiguousLength(aligned);
        }
        return null;
    }

    private Chunk newChunk(long bytes, String what) {
        Mapping m = source.apply(bytes);
        try {
            DmaRegion r = space.map(m.address(), m.length());
            Chunk c = new Chunk(m, r);
            chunks.add(c);
            LOG.debug("{}: new DMA chunk {} for {}", space.description(), DmaRegion.range(m.address(), m.length()), what);
            return c;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    synchronized void free(DmaBuffer b) {
        Chunk c = b.chunk();
        if (--c.live == 0) {
            if (spaceClosed || chunks.size() > 1) {
                chunks.remove(c);
                freeChunk(c);
            } else {
                c.next = 0; // keep the last chunk for the next ring
            }
        }
    }

    private static void freeChunk(Chunk c) {
        c.region.close();
        c.memory.close();
    }

    /** The space is going away: free idle chunks now, the rest when their last buffer is freed. */
    synchronized void closeAll() {
        spaceClosed = true;
        for (Chunk c : new ArrayList<>(chunks)) {
            if (c.live == 0) {
                chunks.remove(c);
                freeChunk(c);
            } else {
                LOG.warn("{}: {} DMA buffer(s) still allocated at close; freed when released", space.description(), c.live);
            }
        }
    }

    /** Number of chunks held now (tests). */
    synchronized int chunkCount() { return chunks.size(); }
}
