package io.jnetmap.pci;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The UIO path end to end against a fake sysfs: config and resource0 are plain files (pread,
 * pwrite and mmap work on them as on sysfs), /dev/uio0 is a FIFO the test writes counts into.
 */
class UioDeviceTest {
    static final String NIC = "0000:03:00.0";
    @TempDir
    Path tmp;
    FakeSysfs fs;
    Path dir;

    @BeforeEach
    void tree() throws IOException, InterruptedException {
        fs = new FakeSysfs(tmp);
        dir = fs.device(NIC, 0x8086, 0x10d3);
        fs.driver(NIC, "uio_pci_generic");
        ByteBuffer cfg = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        cfg.putShort(0, (short) 0x8086).putShort(2, (short) 0x10d3);
        cfg.putShort(ConfigSpace.COMMAND, (short) ConfigSpace.COMMAND_INTX_DISABLE); // as the kernel leaves it after an interrupt
        cfg.put(ConfigSpace.INTERRUPT_PIN, (byte) 1);
        Files.write(dir.resolve("config"), cfg.array());
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("resource0").toFile(), "rw")) {
            f.setLength(128 * 1024);
        }
        FakeSysfs.write(dir.resolve("reset"), "");
        FakeSysfs.write(dir.resolve("uio/uio0/event"), "5\n");
        Process p = new ProcessBuilder("mkfifo", tmp.resolve("dev/uio0").toString()).start();
        assertEquals(0, p.waitFor());
    }

    private int command() throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("config"))).order(ByteOrder.LITTLE_ENDIAN);
        return b.getShort(ConfigSpace.COMMAND) & 0xffff;
    }

    private PciDevice open() {
        return PciDevice.open(NIC, OpenOptions.defaults().paths(fs.paths).access(AccessMethod.AUTO));
    }

    @Test
    void opensMapsResetsAndCloses() throws IOException {
        try (PciDevice d = open()) {
            assertEquals(AccessMethod.UIO, d.accessMethod());
            assertEquals(new PciId(0x8086, 0x10d3), d.id());
            assertEquals("1", Files.readString(dir.resolve("reset")), "reset through sysfs on open");
            int cmd = command();
            assertEquals(ConfigSpace.COMMAND_MEMORY | ConfigSpace.COMMAND_MASTER,
                    cmd & (ConfigSpace.COMMAND_MEMORY | ConfigSpace.COMMAND_MASTER), "memory space and bus master on");
            assertEquals(0x8086, d.config().read16(ConfigSpace.VENDOR_ID));

            Bar bar = d.bar(0, 128 * 1024);
            assertSame(bar, d.bar(0));
            assertEquals(128 * 1024, bar.size());
            bar.write32(0x5400, 0x00000002);
            bar.write32(0x5404, 0x80000100);
            assertEquals(0x80000100, bar.read32(0x5404));
            try (FileChannel ch = FileChannel.open(dir.resolve("resource0"), StandardOpenOption.READ)) {
                ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(b, 0x5400);
                assertEquals(2, b.getInt(0));
                assertEquals(0x80000100, b.getInt(4), "the mapping is shared with the resource file");
            }

            PciException small = assertThrows(PciException.class, () -> d.bar(0, 1024 * 1024));
            assertEquals(PciException.Reason.BAR, small.reason());
            assertTrue(small.getMessage().contains("BAR0 of 0000:03:00.0 [8086:10d3]") && small.getMessage().contains("131072")
                    && small.getMessage().contains("1048576"), small.getMessage());
            PciException io = assertThrows(PciException.class, () -> d.bar(2));
            assertTrue(io.getMessage().contains("I/O-port"), io.getMessage());
            PciException none = assertThrows(PciException.class, () -> d.bar(1));
            assertTrue(none.getMessage().contains("has no BAR1"), none.getMessage());

            assertTrue(d.dma() instanceof PagemapDmaSpace);
            assertEquals(0, d.maxVectors(InterruptMode.MSIX));
            assertEquals(1, d.maxVectors(InterruptMode.INTX));
            FakeSysfs.write(dir.resolve("reset"), "");
        }
        assertEquals("1", Files.readString(dir.resolve("reset")), "reset through sysfs on close");
        assertEquals(0, command() & ConfigSpace.COMMAND_MASTER, "bus mastering off after close");
    }

    @Test
    void intxThroughUioIsPollableAndReEnabledOnAcknowledge() throws IOException {
        try (PciDevice d = open()) {
            Interrupts irqs = d.enableInterrupts(4);
            assertEquals(InterruptMode.INTX, irqs.mode());
            assertEquals(1, irqs.count());
            assertEquals(0, command() & ConfigSpace.COMMAND_INTX_DISABLE, "INTx enabled when armed");
            InterruptVector v = irqs.vector(0);
            assertFalse(v.await(0));
            assertEquals(0, v.acknowledge());

            // The "kernel" takes an interrupt: masks INTx and bumps the count from 5 to 7.
            setCommandBits(ConfigSpace.COMMAND_INTX_DISABLE);
            try (FileChannel uio = FileChannel.open(tmp.resolve("dev/uio0"), StandardOpenOption.WRITE)) {
                ByteBuffer c = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, 7);
                uio.write(c);
            }
            assertTrue(v.await(1000));
            assertEquals(2, v.acknowledge(), "interrupts since the count at enable time");
            assertEquals(0, command() & ConfigSpace.COMMAND_INTX_DISABLE, "re-enabled");
            assertFalse(v.await(0));
            assertThrows(IllegalStateException.class, () -> d.enableInterrupts(1), "one set at a time");
        }
        assertTrue((command() & ConfigSpace.COMMAND_INTX_DISABLE) != 0, "INTx masked again after close");
    }

    /**
     * uio_pci_generic clears bus mastering when /dev/uioN is released, which the kernel does when a
     * process dies: so the device holds it from open to close, interrupts on or off, and turning
     * interrupts off does not close it (that would stop DMA under a running device).
     */
    @Test
    void theUioNodeIsHeldFromOpenToCloseSoACrashTurnsBusMasteringOff() throws IOException {
        Path node = tmp.resolve("dev/uio0").toRealPath();
        try (PciDevice d = open()) {
            assertEquals(1, fdsOn(node), "held with interrupts off: a kill -9 releases it and the kernel clears bus mastering");
            Interrupts irqs = d.enableInterrupts(1);
            assertEquals(1, fdsOn(node), "the interrupt vector reads the device's fd, not a second one");
            irqs.close();
            assertEquals(1, fdsOn(node), "interrupts off: still held");
        }
        assertEquals(0, fdsOn(node), "closed with the device");
    }

    /** How many of this process's fds are open on {@code file}. */
    static long fdsOn(Path file) throws IOException {
        long n = 0;
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).equals(file)) n++;
                } catch (IOException gone) {
                    // the directory's own fd, closed by now
                }
            }
        }
        return n;
    }

    @Test
    void dmaIsRefusedBehindATranslatingIommu() {
        fs.group(NIC, 4, "DMA");
        try (PciDevice d = PciDevice.open(NIC, OpenOptions.defaults().paths(fs.paths).access(AccessMethod.UIO))) {
            PciException e = assertThrows(PciException.class, d::dma);
            assertEquals(PciException.Reason.IOMMU_TRANSLATES, e.reason());
            assertTrue(e.getMessage().contains("--driver vfio-pci") && e.getMessage().contains("iommu=pt"), e.getMessage());
        }
    }

    @Test
    void aDeviceOpensOncePerProcess() {
        try (PciDevice d = open()) {
            PciException e = assertThrows(PciException.class, this::open);
            assertEquals(PciException.Reason.BUSY, e.reason());
            assertTrue(e.getMessage().contains("already open in this process"), e.getMessage());
        }
        open().close(); // released on close
    }

    @Test
    void permissionErrorsSayWhatToDo() {
        PciException e = IommuContainer.denied(new io.jnetmap.sys.NativeException("open", "/dev/vfio/7", io.jnetmap.sys.Errno.EACCES),
                "/dev/vfio/7", "open IOMMU group 7 of 0000:03:00.0");
        assertEquals(PciException.Reason.PERMISSION_DENIED, e.reason());
        assertTrue(e.getMessage().contains("permission denied to open IOMMU group 7 of 0000:03:00.0")
                && e.getMessage().contains("run as root") && e.getMessage().contains("chown $USER /dev/vfio/7")
                && e.getMessage().contains("ulimit -l"), e.getMessage());
    }

    @Test
    void failedOpenLeavesNothingOpen() throws IOException {
        Files.delete(dir.resolve("config"));
        PciException e = assertThrows(PciException.class, this::open);
        assertTrue(e.getMessage().contains("config"), e.getMessage());
        FakeSysfs.write(dir.resolve("config"), "\u0086\u0080");
        assertThrows(PciException.class, this::open, "short config space");
        assertThrows(PciException.class, this::open, "and again: the failed opens released their claim");
    }

    private void setCommandBits(int bits) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve("config"), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, ConfigSpace.COMMAND);
            int v = (b.getShort(0) & 0xffff) | bits;
            b.clear();
            b.putShort(0, (short) v);
            ch.write(b, ConfigSpace.COMMAND);
        }
    }
}
