package io.jnetmap.pci;

import io.jnetmap.sys.Mapping;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Physical addresses of real memory on this host through /proc/self/pagemap (needs root: the
 * build runs as root here; without it the tests that need real frame numbers are skipped).
 */
class PagemapTest {
    private static final int PAGES = 64;

    @TempDir
    Path tmp;

    private static boolean root() { return "root".equals(System.getProperty("user.name")); }

    @Test
    void translatesRealAnonymousMemoryAndRefusesNonAdjacentPages() {
        Assumptions.assumeTrue(root(), "pagemap shows frame numbers to root only");
        PagemapDmaSpace space = new PagemapDmaSpace(HostPaths.rootedAt(Path.of("/")));
        try (Mapping m = Mapping.anonymous(PAGES * 4096L, "test memory")) {
            for (int i = 0; i < PAGES; i++) m.buffer().putLong(i * 4096, i); // make every page its own
            DmaRegion r = space.map(m.address(), m.length());
            long va = m.address();

            // A 4 KiB page is contiguous with itself, and its bytes have consecutive physical addresses.
            for (int i = 0; i < PAGES; i++) {
                long page = va + i * 4096L;
                assertTrue(r.isContiguous(page, 4096), "page " + i);
                long p = r.iova(page);
                assertEquals(0, p & 0xfff, "page-aligned physical address");
                assertNotEquals(0, p);
                assertEquals(p + 4095, r.iova(page + 4095));
                assertEquals(p + 0x800, r.iova(page + 0x800, 0x800));
            }

            // Anonymous pages are typically scattered: find two neighbours that are not physically adjacent.
            int split = -1;
            for (int i = 0; i + 1 < PAGES; i++) {
                if (r.iova(va + (i + 1) * 4096L) != r.iova(va + i * 4096L) + 4096) {
                    split = i;
                    break;
                }
            }
            Assumptions.assumeTrue(split >= 0, "all " + PAGES + " anonymous pages happened to be physically contiguous");
            long straddle = va + split * 4096L + 2048;
            assertFalse(r.isContiguous(straddle, 4096));
            PciException e = assertThrows(PciException.class, () -> r.requireContiguous(straddle, 4096, "rx buffer"));
            assertEquals(PciException.Reason.NOT_CONTIGUOUS, e.reason());
            assertThrows(PciException.class, () -> r.iova(straddle, 4096));
            r.close();
            assertEquals(0, space.mappingCount());
        } finally {
            space.close();
        }
    }

    @Test
    void agreesWithAnIndependentPagemapRead() throws IOException {
        Assumptions.assumeTrue(root(), "pagemap shows frame numbers to root only");
        PagemapDmaSpace space = new PagemapDmaSpace(HostPaths.rootedAt(Path.of("/")));
        try (Mapping m = Mapping.anonymous(4 * 4096L, "test memory")) {
            m.buffer().putInt(0, 1);
            DmaRegion r = space.map(m.address(), m.length());
            try (FileChannel ch = FileChannel.open(Path.of("/proc/self/pagemap"), StandardOpenOption.READ)) {
                ByteBuffer e = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(e, (m.address() >>> 12) * 8);
                long pfn = e.getLong(0) & Pagemap.PFN_MASK;
                assertEquals(pfn << 12, r.iova(m.address()));
            }
            r.close();
        } finally {
            space.close();
        }
    }

    @Test
    void allocatorOnRealPhysicalPagesKeepsRingsInsideOnePage() {
        Assumptions.assumeTrue(root(), "pagemap shows frame numbers to root only");
        PagemapDmaSpace space = new PagemapDmaSpace(HostPaths.rootedAt(Path.of("/")));
        try {
            // 4 KiB pages stand in for hugepages: each page is one contiguous chunk.
            DmaAllocator a = new DmaAllocator(space, n -> Mapping.anonymous(n, "chunk"), 4096, 4096);
            java.util.List<DmaBuffer> rings = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                DmaBuffer b = a.allocate(1536, DmaAllocator.REALTEK_RING_ALIGNMENT, "ring " + i);
                rings.add(b);
                assertEquals(0, b.iova() % 256);
                assertEquals(b.iova() >>> 12, (b.iova() + b.size() - 1) >>> 12, "inside one physical page");
            }
            rings.forEach(DmaBuffer::close);
            assertEquals(0, space.mappingCount() - 1, "only the kept chunk stays mapped");
        } finally {
            space.close();
        }
    }

    @Test
    void zeroFrameNumbersAreRefusedWithTheReason() throws IOException {
        // A pagemap of zeros (what an unprivileged process sees, minus the present bits).
        Path fake = tmp.resolve("pagemap");
        try (Mapping m = Mapping.anonymous(2 * 4096L, "test memory")) {
            try (RandomAccessFile f = new RandomAccessFile(fake.toFile(), "rw")) {
                f.setLength(((m.address() >>> 12) + 16) * 8); // sparse: reads as zeros
            }
            PagemapDmaSpace space = new PagemapDmaSpace(HostPaths.rootedAt(Path.of("/")).withPagemap(fake));
            try {
                PciException e = assertThrows(PciException.class, () -> space.map(m.address(), m.length()));
                assertEquals(PciException.Reason.NO_PHYSICAL_ADDRESSES, e.reason());
                assertTrue(e.getMessage().contains("page frame number 0") && e.getMessage().contains("CAP_SYS_ADMIN")
                        && e.getMessage().contains("Run as root") && e.getMessage().contains("VFIO"), e.getMessage());
                assertEquals(0, space.mappingCount(), "nothing left half-mapped");
            } finally {
                space.close();
            }
        }
    }

    @Test
    void presentPagesWithZeroFrameAreRefusedToo() throws IOException {
        // Exactly what a non-root process reads: bit 63 (present) set, PFN field zero.
        Path fake = tmp.resolve("pagemap");
        try (Mapping m = Mapping.anonymous(2 * 4096L, "test memory")) {
            long first = m.address() >>> 12;
            try (FileChannel ch = FileChannel.open(fake, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ByteBuffer e = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                e.putLong(Pagemap.PRESENT).putLong(Pagemap.PRESENT).flip();
                ch.write(e, first * 8);
            }
            PagemapDmaSpace space = new PagemapDmaSpace(HostPaths.rootedAt(Path.of("/")).withPagemap(fake));
            try {
                PciException e = assertThrows(PciException.class, () -> space.map(m.address(), m.length()));
                assertEquals(PciException.Reason.NO_PHYSICAL_ADDRESSES, e.reason());
                assertTrue(e.getMessage().contains("CAP_SYS_ADMIN"), e.getMessage());
            } finally {
                space.close();
            }
        }
    }

    @Test
    void noHugepagesMessageSaysHowToReserveThem() {
        PciException e = PciException.noHugepages("DMA memory", 3L << 20, null);
        assertEquals(PciException.Reason.NO_HUGEPAGES, e.reason());
        assertTrue(e.getMessage().contains("`tools/nm-bind hugepages --size 2M --count "), e.getMessage());
    }

    @Test
    void uioChunksNeedHugepages() {
        // This host has none reserved (nr_hugepages=0); if it has some, the allocation simply works.
        Assumptions.assumeTrue(HugePages.free(HostPaths.system()) == 0, "hugepages are reserved here");
        PagemapDmaSpace space = new PagemapDmaSpace(HostPaths.system());
        try {
            PciException e = assertThrows(PciException.class, () -> space.allocator().allocate(4096, 128, "rx ring"));
            assertEquals(PciException.Reason.NO_HUGEPAGES, e.reason());
            assertTrue(e.getMessage().contains("nm-bind hugepages --size 2M"), e.getMessage());
        } finally {
            space.close();
        }
    }

}
