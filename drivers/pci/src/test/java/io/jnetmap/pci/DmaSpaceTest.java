package io.jnetmap.pci;

import io.jnetmap.sys.Mapping;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared-space rules: one mapping per range however many ports map it, unmapped with the last user. */
class DmaSpaceTest {
    @Test
    void sameRangeTwiceMapsOnceAndUnmapsWithTheLastUser() {
        FakeDmaSpace s = new FakeDmaSpace(0, 0, 1 << 21);
        try (Mapping m = Mapping.anonymous(1 << 20, "netmap region")) {
            DmaRegion a = s.map(m.address(), m.length());
            DmaRegion b = s.map(m.address(), m.length());
            assertEquals(1, s.mapped.size(), "mapped once");
            assertEquals(1, s.mappingCount());
            assertTrue(a.isIdentity());
            assertEquals(m.address() + 100, b.iova(m.address() + 100));
            a.close();
            a.close(); // idempotent: must not count twice
            assertTrue(s.unmapped.isEmpty(), "still used by b");
            b.close();
            assertEquals(1, s.unmapped.size());
            assertEquals(0, s.mappingCount());
        }
    }

    @Test
    void aRangeInsideAMappedOneSharesIt() {
        FakeDmaSpace s = new FakeDmaSpace(0, 0x1000_0000L, 1 << 21);
        try (Mapping m = Mapping.anonymous(1 << 20, "netmap region")) {
            DmaRegion whole = s.map(m.address(), m.length());
            DmaRegion part = s.map(m.address() + 0x10000, 0x4000);
            assertEquals(1, s.mapped.size());
            assertEquals(m.address() + 0x10000, part.vaddr());
            assertEquals(m.address() + 0x10008 + 0x1000_0000L, part.iova(m.address() + 0x10008));
            assertThrows(IllegalArgumentException.class, () -> part.iova(m.address()), "outside the handle's range");
            whole.close();
            assertTrue(s.unmapped.isEmpty());
            part.close();
            assertEquals(1, s.unmapped.size());
        }
    }

    @Test
    void partialOverlapIsRefused() {
        FakeDmaSpace s = new FakeDmaSpace(0, 0, 1 << 21);
        try (Mapping m = Mapping.anonymous(1 << 20, "netmap region")) {
            DmaRegion a = s.map(m.address(), 0x8000);
            PciException e = assertThrows(PciException.class, () -> s.map(m.address() + 0x4000, 0x8000));
            assertTrue(e.getMessage().contains("partly overlaps"), e.getMessage());
            assertThrows(PciException.class, () -> s.map(m.address() - 0x4000 + 0x8000 - 0x4000, 0x10000));
            DmaRegion b = s.map(m.address() + 0x8000, 0x8000); // adjacent, not overlapping
            assertEquals(2, s.mappingCount());
            a.close();
            b.close();
        }
    }

    @Test
    void unalignedRangesAreRefused() {
        FakeDmaSpace s = new FakeDmaSpace(0, 0, 1 << 21);
        assertThrows(IllegalArgumentException.class, () -> s.map(0x1000_0800L, 0x1000));
        assertThrows(IllegalArgumentException.class, () -> s.map(0x1000_0000L, 0x800));
        assertThrows(IllegalArgumentException.class, () -> s.map(0x1000_0000L, 0));
    }

    @Test
    void closingTheSpaceUnmapsWhatIsLeft() {
        FakeDmaSpace s = new FakeDmaSpace(0, 0, 1 << 21);
        try (Mapping m = Mapping.anonymous(1 << 20, "netmap region")) {
            DmaRegion a = s.map(m.address(), m.length());
            s.closeAll();
            assertEquals(1, s.unmapped.size());
            a.close(); // late close of a handle: no second unmap
            assertEquals(1, s.unmapped.size());
            assertThrows(IllegalStateException.class, () -> s.map(m.address(), m.length()));
        }
    }

    @Test
    void pageTableLookupsAndContiguity() {
        FakeDmaSpace s = new FakeDmaSpace(2, 0, 1 << 21); // pairs of adjacent pages
        try (Mapping m = Mapping.anonymous(0x8000, "region")) {
            long va = m.address();
            DmaRegion r = s.map(va, m.length());
            assertFalse(r.isIdentity());
            long p0 = r.iova(va);
            assertEquals(p0 + 0x1234, r.iova(va + 0x1234), "second page of the pair follows the first");
            assertEquals(p0 + 0x800, r.iova(va + 0x800, 0x1000), "a page-straddling buffer inside a run");
            assertTrue(r.isContiguous(va, 0x2000));
            assertFalse(r.isContiguous(va + 0x1800, 0x1000), "crosses from run 0 into run 1");
            assertEquals(0x800, r.contiguousLength(va + 0x1800));
            PciException e = assertThrows(PciException.class, () -> r.iova(va + 0x1800, 0x1000));
            assertEquals(PciException.Reason.NOT_CONTIGUOUS, e.reason());
            PciException e2 = assertThrows(PciException.class, () -> r.requireContiguous(va + 0x1f00, 0x200, "rx buffer 3"));
            assertTrue(e2.getMessage().contains("rx buffer 3") && e2.getMessage().contains("hugepages"), e2.getMessage());
            assertThrows(IllegalArgumentException.class, () -> r.iova(va + 0x8000));
            assertThrows(IllegalArgumentException.class, () -> r.iova(va - 1));
            r.close();
        }
    }

    @Test
    void bulkCheckOfABufferPool() {
        FakeDmaSpace s = new FakeDmaSpace(2, 0, 1 << 21); // 8 KiB contiguous runs
        try (Mapping m = Mapping.anonymous(0x10000, "buffer pool")) {
            long va = m.address();
            DmaRegion r = s.map(va, m.length());
            r.requireEachContiguous(va, 32, 2048, 2048, "netmap buffer"); // 2 KiB buffers never cross a 4 KiB page
            PciException e = assertThrows(PciException.class, () -> r.requireEachContiguous(va, 10, 3000, 2048, "netmap buffer"));
            assertEquals(PciException.Reason.NOT_CONTIGUOUS, e.reason());
            assertTrue(e.getMessage().contains("netmap buffer 5 "), "names the first bad piece (15000..17048 crosses 16 KiB): " + e.getMessage());
            assertThrows(PciException.class, () -> r.requireEachContiguous(va, 33, 2048, 2048, "netmap buffer"), "runs off the end");
            r.close();
        }
        FakeDmaSpace vfio = new FakeDmaSpace(0, 0, 1 << 21);
        try (Mapping m = Mapping.anonymous(0x10000, "buffer pool")) {
            DmaRegion r = vfio.map(m.address(), m.length());
            r.requireEachContiguous(m.address(), 10, 3000, 2048, "netmap buffer"); // IOVA space is linear
            r.close();
        }
    }
}
