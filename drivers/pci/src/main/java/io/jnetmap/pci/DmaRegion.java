package io.jnetmap.pci;

/**
 * A range of this process's memory that devices can reach, and the translation from its virtual
 * addresses to the addresses a device must be given (IOVAs under VFIO, physical addresses under
 * UIO). Drivers write {@link #iova(long)} straight into descriptors, so the lookup allocates
 * nothing and takes no lock: under VFIO it is an add, under UIO one array load.
 *
 * <p>Each {@link DmaSpace#map} call returns its own handle; {@link #close()} gives it back, and the
 * range is unmapped from the device when the last handle over it is closed (or when its space
 * goes away: then lookups still compute but the device no longer reaches the memory).
 */
public final class DmaRegion implements AutoCloseable {
    static final int PAGE_SHIFT = 12;
    static final long PAGE_SIZE = 1L << PAGE_SHIFT, PAGE_MASK = PAGE_SIZE - 1;

    private final DmaSpace space;
    private final DmaSpace.Entry entry;
    private final long base, length;
    /** Linear translation: iova = vaddr + delta (identity under VFIO: delta 0). */
    private final long delta;
    /** Per 4 KiB page device address (null when linear); runEnd[i]: region offset where page i's contiguous run ends. */
    private final long[] pages, runEnd;
    private boolean closed;

    DmaRegion(DmaSpace space, DmaSpace.Entry entry, long base, long length, long delta, long[] pages) {
        this.space = space;
        this.entry = entry;
        this.base = base;
        this.length = length;
        this.delta = delta;
        this.pages = pages;
        this.runEnd = pages == null ? null : runEnds(pages, length);
    }

    /** For each page, the region offset at which the run of physically adjacent pages containing it ends. */
    static long[] runEnds(long[] pages, long length) {
        long[] end = new long[pages.length];
        if (pages.length == 0) return end;
        end[pages.length - 1] = length;
        for (int i = pages.length - 2; i >= 0; i--) {
            end[i] = pages[i + 1] == pages[i] + PAGE_SIZE ? end[i + 1] : (long) (i + 1) << PAGE_SHIFT;
        }
        return end;
    }

    /** First virtual address of the region. */
    public long vaddr() { return base; }
    public long length() { return length; }
    public DmaSpace space() { return space; }
    /** True when device addresses equal virtual addresses (VFIO's identity mapping). */
    public boolean isIdentity() { return pages == null && delta == 0; }

    public boolean contains(long vaddr, long len) {
        long off = vaddr - base;
        return off >= 0 && len >= 0 && off <= length && len <= length - off;
    }

    /**
     * The device address of the byte at {@code vaddr}. Throws if {@code vaddr} is outside the
     * region. Only the one byte is translated: use {@link #iova(long, long)} (or check once with
     * {@link #requireContiguous}) for a buffer that could cross a page.
     */
    public long iova(long vaddr) {
        long off = vaddr - base;
        if (off < 0 || off >= length) throw outside(vaddr, 1);
        if (pages == null) return vaddr + delta;
        return pages[(int) (off >>> PAGE_SHIFT)] + (off & PAGE_MASK);
    }

    /**
     * The device address of {@code [vaddr, vaddr+len)}, checking that the device sees it as one
     * contiguous range (always so under VFIO; under UIO it must not straddle non-adjacent pages).
     */
    public long iova(long vaddr, long len) {
        long off = vaddr - base;
        if (off < 0 || len <= 0 || off >= length || len > length - off) throw outside(vaddr, len);
        if (pages == null) return vaddr + delta;
        int page = (int) (off >>> PAGE_SHIFT);
        if (off + len > runEnd[page]) throw notContiguous(vaddr, len);
        return pages[page] + (off & PAGE_MASK);
    }

    /** Whether the device sees {@code [vaddr, vaddr+len)} as one contiguous range. */
    public boolean isContiguous(long vaddr, long len) {
        long off = vaddr - base;
        if (off < 0 || len <= 0 || off >= length || len > length - off) return false;
        return pages == null || off + len <= runEnd[(int) (off >>> PAGE_SHIFT)];
    }

    /** Throws NOT_CONTIGUOUS (naming {@code what}) unless {@link #isContiguous}. */
    public void requireContiguous(long vaddr, long len, String what) {
        if (!contains(vaddr, len) || len <= 0) {
            throw new PciException(PciException.Reason.NOT_CONTIGUOUS, what + " " + range(vaddr, len)
                    + " is not inside the DMA region " + range(base, length));
        }
        if (!isContiguous(vaddr, len)) {
            throw new PciException(PciException.Reason.NOT_CONTIGUOUS, what + " " + range(vaddr, len)
                    + " spans physically non-adjacent pages, so a device cannot read it in one piece; "
                    + "put DMA memory on 2 MiB hugepages (hugetlbfs) and keep buffers from crossing a hugepage boundary");
        }
    }

    /**
     * Checks {@code count} equal pieces {@code size} bytes long, {@code stride} apart from
     * {@code first} (a netmap buffer pool, a slot array): each must be inside the region and
     * device-contiguous. Done once when a port attaches, so per-packet lookups can use
     * {@link #iova(long)} alone.
     */
    public void requireEachContiguous(long first, long count, long stride, long size, String what) {
        if (count < 0 || stride < 0 || size <= 0) throw new IllegalArgumentException(what + ": count " + count + ", stride " + stride + ", size " + size);
        if (count == 0) return;
        if (!contains(first, size) || !contains(first + (count - 1) * stride, size)) {
            requireContiguous(contains(first, size) ? first + (count - 1) * stride : first, size, what);
        }
        if (pages == null) return;
        for (long i = 0; i < count; i++) {
            long va = first + i * stride;
            if (!isContiguous(va, size)) requireContiguous(va, size, what + " " + i);
        }
    }

    /** Length of the physically contiguous run starting at {@code vaddr} (to the region end under VFIO). */
    public long contiguousLength(long vaddr) {
        long off = vaddr - base;
        if (off < 0 || off >= length) throw outside(vaddr, 1);
        return (pages == null ? length : runEnd[(int) (off >>> PAGE_SHIFT)]) - off;
    }

    private IllegalArgumentException outside(long vaddr, long len) {
        return new IllegalArgumentException(range(vaddr, len) + " is outside the DMA region " + range(base, length));
    }

    private PciException notContiguous(long vaddr, long len) {
        return new PciException(PciException.Reason.NOT_CONTIGUOUS, range(vaddr, len)
                + " spans physically non-adjacent pages of DMA region " + range(base, length));
    }

    static String range(long vaddr, long len) {
        return "[0x" + Long.toHexString(vaddr) + ", 0x" + Long.toHexString(vaddr + len) + ")";
    }

    DmaSpace.Entry entry() { return entry; }

    /** Gives this handle back; the last handle over a range unmaps it. Idempotent. */
    @Override
    public void close() {
        synchronized (space) {
            if (closed) return;
            closed = true;
        }
        space.release(entry);
    }

    @Override
    public String toString() {
        return "DmaRegion" + range(base, length) + (pages == null ? (delta == 0 ? " identity" : " iova+" + delta) : " by page")
                + " in " + space.description();
    }
}
