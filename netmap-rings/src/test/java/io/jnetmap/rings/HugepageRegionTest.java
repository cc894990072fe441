package io.jnetmap.rings;

import io.jnetmap.sys.NativeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A region on hugetlbfs (what UIO needs for physically contiguous DMA memory): the test reserves a
 * few 2 MiB pages, mounts hugetlbfs in a directory of its own, and puts everything back after.
 */
class HugepageRegionTest {
    private static final Path NR = Path.of("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
    @TempDir Path mnt;
    private String saved;
    private boolean mounted;

    @BeforeEach
    void reserveAndMount() throws Exception {
        assumeTrue(Files.isWritable(NR), "needs root and 2 MiB hugepage support to reserve pages");
        saved = Files.readString(NR).trim();
        Files.writeString(NR, Integer.toString(Integer.parseInt(saved) + 40));
        assumeTrue(Integer.parseInt(Files.readString(NR).trim()) >= Integer.parseInt(saved) + 40,
                "the kernel could not reserve 40 hugepages here");
        Process p = new ProcessBuilder("mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "nodev", mnt.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "mount hugetlbfs: " + out);
        mounted = true;
    }

    @AfterEach
    void restore() throws Exception {
        if (mounted) new ProcessBuilder("umount", mnt.toString()).start().waitFor();
        if (saved != null) Files.writeString(NR, saved);
    }

    @Test
    void aPipeRunsOnAHugepageRegion() {
        String name = "huge" + ProcessHandle.current().pid();
        System.setProperty("jnetmap.region.dir", mnt.toString());
        try (NetmapPort m = NetmapPort.open("netmap:" + name + "{1"); NetmapPort s = NetmapPort.open("netmap:" + name + "}1")) {
            assertTrue(m.region().onHugepages(), "the region must know it sits on hugetlbfs");
            assertEquals(0, m.region().address() % (2 << 20), "hugepage mappings are 2 MiB aligned");
            assertEquals(0, m.region().bufferPoolOffset() % (2 << 20), "the buffer pool starts on a hugepage");
            NetmapRing tx = m.txRing(0);
            tx.buffers().putLong(tx.slotBufOffset(tx.head()), 0x1122334455667788L);
            tx.len(tx.head(), 60);
            tx.advance(tx.next(tx.head()));
            m.txsync();
            s.rxsync();
            NetmapRing rx = s.rxRing(0);
            assertEquals(1, rx.space());
            assertEquals(0x1122334455667788L, rx.buffers().getLong(rx.slotBufOffset(rx.head())));
        } finally {
            System.clearProperty("jnetmap.region.dir");
        }
    }

    @Test
    void tooFewHugepagesSaysHowToReserveMore() throws Exception {
        RegionConfig big = RegionConfig.defaults().inDirectory(mnt).withBuffers(60_000); // ~120 MiB > 80 MiB reserved
        NativeException e = assertThrows(NativeException.class, () -> MemoryRegion.createPrivate("toobig", big));
        assertTrue(e.getMessage().contains("nm-bind hugepages --size 2M --count"), e.getMessage());
        try (var left = Files.list(mnt)) {
            assertEquals(0, left.count(), "nothing left behind on the hugetlbfs mount");
        }
    }
}
