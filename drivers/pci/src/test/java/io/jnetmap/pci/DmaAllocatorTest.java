package io.jnetmap.pci;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Alignment and boundary rules of the ring allocator. */
class DmaAllocatorTest {
    @Test
    void intelAndRealtekAlignments() {
        FakeDmaSpace s = new FakeDmaSpace(0, 0, 1 << 21);
        DmaAllocator a = s.allocator();
        List<DmaBuffer> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            DmaBuffer intel = a.allocate(16 * 8 + i * 16, DmaAllocator.INTEL_RING_ALIGNMENT, "intel ring " + i);
            DmaBuffer realtek = a.allocate(16 * 3 + i, DmaAllocator.REALTEK_RING_ALIGNMENT, "realtek ring " + i);
            assertEquals(0, intel.iova() % 128, intel.toString());
            assertEquals(0, realtek.iova() % 256, realtek.toString());
            all.add(intel);
            all.add(realtek);
        }
        assertNoOverlap(all);
        for (DmaBuffer b : all) assertEquals(0, b.buffer().getLong(0), "zeroed");
        assertEquals(1, a.chunkCount(), "small rings share one chunk");
        all.forEach(DmaBuffer::close);
    }

    @Test
    void alignmentIsOfTheDeviceAddress() {
        // A linear space whose IOVAs are offset from vaddrs by 64 bytes (not a real case: shows which address is aligned).
        FakeDmaSpace s = new FakeDmaSpace(0, 64, 1 << 21);
        DmaBuffer b = s.allocator().allocate(1000, 256, "ring");
        assertEquals(0, b.iova() % 256);
        assertEquals(b.vaddr() + 64, b.iova());
        b.close();
    }

    @Test
    void neverCrossesAPhysicallyContiguousChunk() {
        // UIO-like: runs of 2 pages (8 KiB) physically contiguous, 16 KiB chunks.
        FakeDmaSpace s = new FakeDmaSpace(2, 0, 16 * 1024);
        DmaAllocator a = s.allocator();
        List<DmaBuffer> all = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            DmaBuffer b = a.allocate(3000, 128, "ring " + i);
            all.add(b);
            DmaRegion r = b.chunk().region;
            assertTrue(r.isContiguous(b.vaddr(), b.size()), b + " straddles a run boundary");
            assertEquals(r.iova(b.vaddr() + b.size() - 1), b.iova() + b.size() - 1);
            long runOffset = b.iova() & (8 * 1024 - 1);
            assertTrue(runOffset + b.size() <= 8 * 1024, b.toString());
        }
        assertNoOverlap(all);
        all.forEach(DmaBuffer::close);
        assertEquals(1, a.chunkCount(), "idle chunks given back except the last");
    }

    @Test
    void tooLargeForOneContiguousPieceIsRefusedWithTheReason() {
        FakeDmaSpace s = new FakeDmaSpace(2, 0, 16 * 1024);
        PciException e = assertThrows(PciException.class, () -> s.allocator().allocate(12 * 1024, 128, "huge ring"));
        assertEquals(PciException.Reason.NOT_CONTIGUOUS, e.reason());
        assertTrue(e.getMessage().contains("huge ring"), e.getMessage());
    }

    @Test
    void largerThanAChunkUnderVfioGetsItsOwnChunk() {
        FakeDmaSpace s = new FakeDmaSpace(0, 0, 16 * 1024);
        DmaBuffer small = s.allocator().allocate(100, 128, "small");
        DmaBuffer big = s.allocator().allocate(40 * 1024, 128, "big");
        assertEquals(40 * 1024, big.size());
        assertEquals(2, s.allocator().chunkCount());
        big.close();
        assertEquals(1, s.allocator().chunkCount());
        small.close();
    }

    @Test
    void freedMemoryIsReused() {
        FakeDmaSpace s = new FakeDmaSpace(0, 0, 16 * 1024);
        DmaAllocator a = s.allocator();
        DmaBuffer x = a.allocate(8 * 1024, 128, "x");
        long first = x.vaddr();
        x.buffer().putLong(0, -1);
        x.close();
        DmaBuffer y = a.allocate(8 * 1024, 128, "y");
        assertEquals(first, y.vaddr(), "empty chunk reset");
        assertEquals(0, y.buffer().getLong(0), "re-zeroed");
        y.close();
    }

    @Test
    void badArguments() {
        DmaAllocator a = new FakeDmaSpace(0, 0, 16 * 1024).allocator();
        assertThrows(IllegalArgumentException.class, () -> a.allocate(0, 128, "x"));
        assertThrows(IllegalArgumentException.class, () -> a.allocate(64, 100, "x"));
        assertThrows(IllegalArgumentException.class, () -> a.allocate(64, 32 * 1024, "x"));
    }

    private static void assertNoOverlap(List<DmaBuffer> all) {
        List<DmaBuffer> sorted = new ArrayList<>(all);
        sorted.sort((p, q) -> Long.compare(p.vaddr(), q.vaddr()));
        for (int i = 1; i < sorted.size(); i++) {
            DmaBuffer p = sorted.get(i - 1), q = sorted.get(i);
            assertTrue(p.vaddr() + p.size() <= q.vaddr(), p + " overlaps " + q);
        }
    }
}
