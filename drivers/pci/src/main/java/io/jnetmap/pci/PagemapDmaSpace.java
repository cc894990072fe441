package io.jnetmap.pci;

import io.jnetmap.sys.Libc;
import io.jnetmap.sys.Mapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DMA without an IOMMU (UIO): devices are given physical addresses, read from pagemap after the
 * memory is locked. Only memory on hugepages keeps a fixed physical address for sure (the
 * kernel may migrate 4 KiB pages even when locked), and only within one hugepage are addresses
 * contiguous; {@link DmaRegion} checks every range a driver asks about against the page table.
 * One instance per process ({@link #shared}).
 */
public final class PagemapDmaSpace extends DmaSpace {
    private static final Logger LOG = LoggerFactory.getLogger(PagemapDmaSpace.class);
    private static PagemapDmaSpace shared;

    private final HostPaths paths;
    private Pagemap pagemap;

    PagemapDmaSpace(HostPaths paths) {
        this.paths = paths;
    }

    /** The process's physical-address space (created on first use with {@code paths}). */
    static synchronized PagemapDmaSpace shared(HostPaths paths) {
        if (shared == null) shared = new PagemapDmaSpace(paths);
        return shared;
    }

    @Override
    public String description() { return "physical memory (UIO)"; }

    @Override
    Translation doMap(long vaddr, long length) {
        if (pagemap == null) pagemap = new Pagemap(paths.pagemap());
        // mlock faults every page in (writable private pages are un-shared) and keeps it resident.
        Libc.mlock(vaddr, length, "UIO DMA memory " + DmaRegion.range(vaddr, length));
        try {
            long[] pages = pagemap.physicalPages(vaddr, length);
            warnIfSmallPages(vaddr, length, pages);
            return Translation.byPage(pages);
        } catch (RuntimeException e) {
            Libc.munlock(vaddr, length);
            throw e;
        }
    }

    /** Memory whose 2 MiB-aligned blocks are not contiguous is not on hugepages: its addresses may move. */
    private static void warnIfSmallPages(long vaddr, long length, long[] pages) {
        int perHuge = (int) (HugePages.SIZE >>> DmaRegion.PAGE_SHIFT);
        for (int i = 0; i + perHuge <= pages.length; i += perHuge) {
            if (((vaddr + ((long) i << DmaRegion.PAGE_SHIFT)) & (HugePages.SIZE - 1)) != 0) continue;
            for (int j = 1; j < perHuge; j++) {
                if (pages[i + j] != pages[i] + ((long) j << DmaRegion.PAGE_SHIFT)) {
                    LOG.warn("UIO DMA region {} is on 4 KiB pages: buffers must not cross a page, and the kernel may move such "
                            + "pages; put it on hugetlbfs", DmaRegion.range(vaddr, length));
                    return;
                }
            }
        }
    }

    @Override
    void doUnmap(long vaddr, long length, long delta) {
        Libc.munlock(vaddr, length);
    }

    @Override
    Mapping newChunk(long size) {
        int[] errno = new int[1];
        Mapping m = HugePages.tryMap(size, "UIO DMA chunk", errno);
        if (m == null) {
            long free = HugePages.free(paths);
            throw PciException.noHugepages("DMA memory (descriptor rings)" + (free >= 0 ? ", " + free + " free now" : ""),
                    size, null);
        }
        return m;
    }

    @Override
    long contiguityLimit() { return HugePages.SIZE; }

    /** Releases pagemap (tests). */
    void close() {
        closeAll();
        if (pagemap != null) pagemap.close();
    }
}
