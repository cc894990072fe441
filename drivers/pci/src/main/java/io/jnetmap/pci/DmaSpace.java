package io.jnetmap.pci;

import io.jnetmap.sys.Mapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything devices of one kind can address in this process: the VFIO container's IOMMU
 * mappings ({@link IommuContainer}) or physical memory as pagemap reports it ({@link PagemapDmaSpace}).
 * There is one of each per process, shared by all ports, as netmap's global allocator is: the
 * netmap memory region is mapped once and every port's descriptors point into it.
 *
 * <p>{@link #map} is reference-counted by range: mapping a range that lies inside one already
 * mapped only adds a user; the last {@link DmaRegion#close} unmaps it. A range that partly overlaps
 * an existing mapping is refused (the IOMMU would refuse it too).
 */
public abstract class DmaSpace {
    private static final Logger LOG = LoggerFactory.getLogger(DmaSpace.class);

    /** One mapping made in the device's address space, shared by all handles over it. */
    static final class Entry {
        final long vaddr, length, delta;
        final long[] pages;
        int users;
        boolean dead;

        Entry(long vaddr, long length, long delta, long[] pages) {
            this.vaddr = vaddr;
            this.length = length;
            this.delta = delta;
            this.pages = pages;
        }

        long end() { return vaddr + length; }
    }

    /** What a space did to make a range addressable: a linear offset, or a per-page table. */
    record Translation(long delta, long[] pages) {
        static Translation linear(long delta) { return new Translation(delta, null); }
        static Translation byPage(long[] pages) { return new Translation(0, pages); }
    }

    private final TreeMap<Long, Entry> entries = new TreeMap<>();
    private DmaAllocator allocator;
    private boolean closed;

    /**
     * Makes {@code [vaddr, vaddr+length)} (page-aligned, already mapped in this process: e.g. the
     * netmap memory region) addressable by every device of this space. Returns a new handle; close it
     * when done.
     */
    public final DmaRegion map(long vaddr, long length) {
        if (length <= 0 || (vaddr & DmaRegion.PAGE_MASK) != 0 || (length & DmaRegion.PAGE_MASK) != 0) {
            throw new IllegalArgumentException("DMA mapping " + DmaRegion.range(vaddr, length)
                    + " must be non-empty and 4 KiB-aligned at both ends");
        }
        synchronized (this) {
            if (closed) throw new IllegalStateException(description() + " is closed: open a device first");
            Map.Entry<Long, Entry> floor = entries.floorEntry(vaddr);
            if (floor != null && floor.getValue().end() >= vaddr + length && floor.getValue().end() > vaddr) {
                Entry e = floor.getValue();
                e.users++;
                return handle(e, vaddr, length);
            }
            Entry overlapping = firstOverlap(vaddr, length);
            if (overlapping != null) {
                throw new PciException(PciException.Reason.FAILED, "DMA mapping " + DmaRegion.range(vaddr, length)
                        + " partly overlaps the mapping " + DmaRegion.range(overlapping.vaddr, overlapping.length)
                        + " in " + description() + "; map a memory region once, as a whole");
            }
            Translation t = doMap(vaddr, length);
            Entry e = new Entry(vaddr, length, t.delta(), t.pages());
            e.users = 1;
            entries.put(vaddr, e);
            LOG.debug("{}: mapped {} ({})", description(), DmaRegion.range(vaddr, length),
                    t.pages() == null ? "iova = vaddr + " + t.delta() : "page table");
            return handle(e, vaddr, length);
        }
    }

    private Entry firstOverlap(long vaddr, long length) {
        Map.Entry<Long, Entry> floor = entries.floorEntry(vaddr);
        if (floor != null && floor.getValue().end() > vaddr) return floor.getValue();
        Map.Entry<Long, Entry> next = entries.higherEntry(vaddr);
        if (next != null && next.getKey() < vaddr + length) return next.getValue();
        return null;
    }

    private DmaRegion handle(Entry e, long vaddr, long length) {
        long[] pages = null;
        if (e.pages != null) {
            int first = (int) ((vaddr - e.vaddr) >>> DmaRegion.PAGE_SHIFT);
            pages = Arrays.copyOfRange(e.pages, first, first + (int) (length >>> DmaRegion.PAGE_SHIFT));
        }
        return new DmaRegion(this, e, vaddr, length, e.delta, pages);
    }

    final void release(Entry e) {
        synchronized (this) {
            if (e.dead || --e.users > 0) return;
            e.dead = true;
            entries.remove(e.vaddr);
            try {
                doUnmap(e.vaddr, e.length, e.delta);
                LOG.debug("{}: unmapped {}", description(), DmaRegion.range(e.vaddr, e.length));
            } catch (RuntimeException ex) {
                LOG.warn("{}: unmapping {} failed: {}", description(), DmaRegion.range(e.vaddr, e.length), ex.getMessage());
            }
        }
    }

    /** The allocator for descriptor rings and other small DMA memory of this space. */
    public final synchronized DmaAllocator allocator() {
        if (allocator == null) allocator = new DmaAllocator(this, this::newChunk, chunkSize(), contiguityLimit());
        return allocator;
    }

    /** Number of distinct ranges mapped now (for tests and diagnostics). */
    public final synchronized int mappingCount() { return entries.size(); }

    /** Human-readable name for messages, e.g. "VFIO container" or "physical memory (UIO)". */
    public abstract String description();

    /** Makes the range addressable: called once per distinct range, under this object's lock. */
    abstract Translation doMap(long vaddr, long length);

    /** Undoes {@link #doMap}, under this object's lock. */
    abstract void doUnmap(long vaddr, long length, long delta);

    /** Fresh memory suitable as an allocator chunk ({@code size} is a multiple of {@link #chunkSize()}). */
    abstract Mapping newChunk(long size);

    /** The allocator's chunk size: 2 MiB (one hugepage). */
    long chunkSize() { return 2L << 20; }

    /** The largest allocation that can be device-contiguous (a hugepage under UIO; no limit under VFIO). */
    abstract long contiguityLimit();

    /**
     * Drops every mapping (the device address space is going away): the allocator's chunks are
     * freed; handles still held by others stay usable for lookups but no longer reach a device.
     */
    final void closeAll() {
        DmaAllocator a;
        synchronized (this) {
            if (closed) return;
            closed = true;
            a = allocator;
        }
        // Outside this lock: the allocator takes its own lock and then this one (lock order allocator -> space).
        if (a != null) a.closeAll();
        synchronized (this) {
            unmapAllLeft();
        }
    }

    private void unmapAllLeft() {
        List<Entry> left = new ArrayList<>(entries.values());
        for (Entry e : left) {
            LOG.warn("{}: {} still mapped by {} user(s) at close; unmapping", description(),
                    DmaRegion.range(e.vaddr, e.length), e.users);
            e.dead = true;
            try {
                doUnmap(e.vaddr, e.length, e.delta);
            } catch (RuntimeException ex) {
                LOG.debug("unmap at close failed", ex);
            }
        }
        entries.clear();
    }

    final synchronized boolean isClosed() { return closed; }
}
