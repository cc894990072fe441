package io.jnetmap.pci;

import io.jnetmap.sys.Mapping;

import java.util.ArrayList;
import java.util.List;

/**
 * A DMA space whose "physical" pages come in runs of {@code runPages} adjacent frames, each run far
 * from and below the previous one: the shape of hugepages (or 4 KiB pages) as pagemap shows them.
 * With runPages 0 it is linear with the given delta, like the VFIO container. Counts map/unmap calls.
 */
final class FakeDmaSpace extends DmaSpace {
    final int runPages;
    final long delta;
    final long chunk;
    final List<long[]> mapped = new ArrayList<>();
    final List<long[]> unmapped = new ArrayList<>();
    private long nextRunBase = 0x40_0000_0000L;

    FakeDmaSpace(int runPages, long delta, long chunk) {
        this.runPages = runPages;
        this.delta = delta;
        this.chunk = chunk;
    }

    @Override
    public String description() { return "fake space"; }

    @Override
    Translation doMap(long vaddr, long length) {
        mapped.add(new long[] {vaddr, length});
        if (runPages == 0) return Translation.linear(delta);
        long[] pages = new long[(int) (length >>> 12)];
        for (int i = 0; i < pages.length; i++) {
            if (i % runPages == 0) nextRunBase -= 0x1000_0000L; // next run: 256 MiB lower, not adjacent
            pages[i] = nextRunBase + (long) (i % runPages) * 4096;
        }
        return Translation.byPage(pages);
    }

    @Override
    void doUnmap(long vaddr, long length, long delta) {
        unmapped.add(new long[] {vaddr, length});
    }

    @Override
    Mapping newChunk(long size) { return Mapping.anonymous(size, "fake DMA chunk"); }

    @Override
    long chunkSize() { return chunk; }

    @Override
    long contiguityLimit() { return runPages == 0 ? Long.MAX_VALUE : runPages * 4096L; }
}
