package io.jnetmap.bench;

import io.jnetmap.nic.DmaMemory;
import io.jnetmap.nic.DmaWindow;
import io.jnetmap.sys.Mapping;
import io.jnetmap.sys.OffHeapBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * The DMA side of the benchmark stand-in NICs: descriptor memory at identity device addresses
 * (device address = virtual address) over real, zeroed, page-aligned memory, a DMA window that
 * only checks bounds, and the CPU's view of a ring the driver programmed, which must lie in
 * memory handed out here. Control path only: nothing here runs per packet.
 */
final class StandInDma {
    private final String device;
    private final List<Dma> live = new ArrayList<>();

    StandInDma(String device) { this.device = device; }

    DmaMemory allocate(long size, int alignment, String what) {
        if (alignment > 4096) throw new IllegalArgumentException("alignment " + alignment + " > 4096");
        Dma m = new Dma(Mapping.anonymous((size + 4095) & ~4095L, what), size);
        live.add(m);
        return m;
    }

    DmaWindow window(long vaddr, long length) {
        return new DmaWindow() {
            @Override
            public long iova(long va, long len) {
                if (va < vaddr || va + len > vaddr + length)
                    throw new IllegalArgumentException("0x" + Long.toHexString(va) + "+" + len + " is outside the DMA window");
                return va;
            }

            @Override public void close() { }
        };
    }

    /** The CPU's view of {@code bytes} of a ring at {@code iova}: it must lie in memory this device handed out. */
    OffHeapBuffer view(long iova, long bytes, String what) {
        for (Dma m : live)
            if (iova >= m.iova() && iova + bytes <= m.iova() + m.size()) return m.buffer().slice(iova - m.iova(), bytes);
        throw new IllegalStateException(device + ": " + what + " at 0x" + Long.toHexString(iova) + " (" + bytes
                + " B) is not in DMA memory of this device");
    }

    /** The CPU's view from {@code iova} to the end of the allocation holding it (a ring without a length register). */
    OffHeapBuffer viewToEnd(long iova, String what) {
        for (Dma m : live)
            if (iova >= m.iova() && iova < m.iova() + m.size()) return m.buffer().slice(iova - m.iova(), m.size() - (iova - m.iova()));
        throw new IllegalStateException(device + ": " + what + " at 0x" + Long.toHexString(iova) + " is not in DMA memory of this device");
    }

    /** Allocations not yet given back. */
    int live() { return live.size(); }

    /** Frees what the driver did not. */
    void closeAll() {
        while (!live.isEmpty()) live.get(live.size() - 1).close();
    }

    private final class Dma implements DmaMemory {
        private final Mapping mapping;
        private final long size;

        Dma(Mapping mapping, long size) {
            this.mapping = mapping;
            this.size = size;
        }

        @Override public OffHeapBuffer buffer() { return mapping.buffer(); }
        @Override public long iova() { return mapping.address(); }
        @Override public long size() { return size; }

        @Override
        public void close() {
            if (live.remove(this)) mapping.close();
        }
    }
}
