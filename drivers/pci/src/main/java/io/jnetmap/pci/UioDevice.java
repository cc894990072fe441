package io.jnetmap.pci;

import io.jnetmap.sys.Errno;
import io.jnetmap.sys.Libc;
import io.jnetmap.sys.Mapping;
import io.jnetmap.sys.NativeException;
import io.jnetmap.sys.OffHeapBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A device reached without an IOMMU: BARs mmap'd from sysfs {@code resourceN} (uncached), the
 * command register through sysfs {@code config}, INTx through {@code /dev/uioN} from
 * uio_pci_generic, and DMA with physical addresses ({@link PagemapDmaSpace}). Needs root.
 *
 * <p>{@code /dev/uioN} is opened with the device, before bus mastering is turned on, and held
 * until it is closed, whether interrupts are on or not: uio_pci_generic clears bus mastering
 * when that fd is released, which the kernel does for us when the process dies (kill -9, a JVM
 * crash). Without it nothing would stop the card's DMA into hugepages the kernel has taken back.
 * For the same reason the interrupt vector reads that fd rather than a second one, whose close
 * (interrupts off) would clear bus mastering under a running device.
 */
final class UioDevice extends PciDevice {
    private static final Logger LOG = LoggerFactory.getLogger(UioDevice.class);

    private final int configFd;
    private final ConfigSpace config;
    /** /dev/uioN, held from open to close (see the class comment); -1 when the device has no UIO node. */
    private int uioFd = -1;
    private String uioNode;

    private UioDevice(SysfsPciFunction fn, OpenOptions options, int configFd) {
        super(fn, options);
        this.configFd = configFd;
        this.config = new ConfigSpace(configFd, 0, fn.address() + " (sysfs)");
    }

    /** Opens /dev/uioN if uio_pci_generic drives the device; without it a crash would leave bus mastering on: say so. */
    private void holdUioNode() {
        Optional<String> uio = sysfs().uioName();
        if (uio.isEmpty()) {
            LOG.warn("{} has no UIO node (not bound to uio_pci_generic): if this process dies, bus mastering stays on and the"
                    + " card may DMA into freed memory until the next open. Bind it with `{}`", address(),
                    PciException.bindCommand(address(), "uio_pci_generic"));
            return;
        }
        uioNode = options.paths().dev(uio.get()).toString();
        try {
            uioFd = Libc.open(uioNode, Libc.O_RDWR | Libc.O_NONBLOCK, 0, null);
        } catch (NativeException e) {
            throw IommuContainer.denied(e, uioNode, "open the UIO node of " + address());
        }
    }

    static UioDevice open(SysfsPciFunction fn, OpenOptions options) {
        Path cfg = fn.directory().resolve("config");
        int fd;
        try {
            fd = Libc.open(cfg.toString(), Libc.O_RDWR, 0, null);
        } catch (NativeException e) {
            throw IommuContainer.denied(e, cfg.toString(), "open the config space of " + fn.address() + " for UIO");
        }
        UioDevice d = null;
        try {
            d = new UioDevice(fn, options, fd);
            d.holdUioNode(); // before bus mastering goes on: from here a crash turns it off
            String type = fn.iommuGroupType();
            if (fn.iommuGroup().isPresent() && !"identity".equals(type)) {
                LOG.warn("{} is behind an IOMMU that translates its DMA (group {} type {}): UIO's physical addresses will not"
                        + " reach memory; use VFIO", fn.address(), fn.iommuGroup().getAsInt(), type);
            }
            if (options.resetOnOpen()) d.resetQuietly("open");
            d.config.enableMemoryAndBusMaster();
            return d;
        } catch (RuntimeException e) {
            if (d != null) {
                d.config.close();
                if (d.uioFd >= 0) Libc.closeQuietly(d.uioFd);
            }
            Libc.closeQuietly(fd);
            throw e;
        }
    }

    @Override
    public AccessMethod accessMethod() { return AccessMethod.UIO; }

    @Override
    public ConfigSpace config() { return config; }

    /**
     * Physical memory, unless an IOMMU translates this device's DMA (then physical addresses
     * would be wrong: refuse rather than let the device scribble elsewhere).
     */
    @Override
    public DmaSpace dma() {
        checkOpen();
        SysfsPciFunction fn = sysfs();
        if (fn.iommuGroup().isPresent() && !"identity".equals(fn.iommuGroupType())) {
            throw new PciException(PciException.Reason.IOMMU_TRANSLATES, address() + " is in IOMMU group "
                    + fn.iommuGroup().getAsInt() + " (type " + fn.iommuGroupType() + "), so its DMA goes through the IOMMU and"
                    + " physical addresses are wrong under UIO. Use VFIO (`" + PciException.bindCommand(address(), "vfio-pci")
                    + "`), or boot with iommu=pt");
        }
        return PagemapDmaSpace.shared(options.paths());
    }

    @Override
    Bar mapBar(int index) {
        List<SysfsPciFunction.Resource> res = sysfs().resources();
        SysfsPciFunction.Resource r = index < res.size() ? res.get(index) : null;
        if (r == null || r.size() == 0) {
            throw new PciException(PciException.Reason.BAR, address() + " has no BAR" + index
                    + " (sysfs resource line " + index + " is empty): the driver expects registers there; is this the right device?");
        }
        if (!r.isMemory()) {
            throw new PciException(PciException.Reason.BAR, "BAR" + index + " of " + address()
                    + " is an I/O-port BAR and cannot be mmap'd; the registers are in a memory BAR");
        }
        Path file = sysfs().directory().resolve("resource" + index);
        int fd;
        try {
            fd = Libc.open(file.toString(), Libc.O_RDWR, 0, null);
        } catch (NativeException e) {
            throw IommuContainer.denied(e, file.toString(), "map BAR" + index + " of " + address());
        }
        try {
            long len = (r.size() + DmaRegion.PAGE_MASK) & ~DmaRegion.PAGE_MASK;
            return new Bar(index, Mapping.shared(fd, len, 0, address() + " BAR" + index), r.size());
        } finally {
            Libc.closeQuietly(fd); // the mapping outlives the fd
        }
    }

    /** Function reset through sysfs {@code reset} (the kernel saves and restores config space around it). */
    @Override
    void resetFunction() {
        Path f = sysfs().directory().resolve("reset");
        if (!Files.exists(f)) {
            LOG.debug("{}: no sysfs reset method; skipped", address());
            return;
        }
        try {
            Files.writeString(f, "1", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new PciException(PciException.Reason.FAILED, address() + ": writing 1 to " + f + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public int maxVectors(InterruptMode mode) {
        checkOpen();
        if (mode != InterruptMode.INTX) return 0;
        return sysfs().uioName().isPresent() && config.read8(ConfigSpace.INTERRUPT_PIN) != 0 ? 1 : 0;
    }

    @Override
    Interrupts doEnableInterrupts(InterruptMode mode, int count) {
        Optional<String> uio = sysfs().uioName();
        if (uio.isEmpty() || uioFd < 0) {
            throw new PciException(PciException.Reason.INTERRUPTS, address() + " has no UIO node: bind it to uio_pci_generic (`"
                    + PciException.bindCommand(address(), "uio_pci_generic") + "`)");
        }
        UioVector v = new UioVector(uioFd, uioNode, config, eventCount(uio.get()));
        config.setIntxDisabled(false);
        LOG.debug("{}: INTx through {}", address(), uioNode);
        return new Interrupts(InterruptMode.INTX, List.of(v), () -> {
            if (!configClosed) config.setIntxDisabled(true);
        });
    }

    /** Interrupts counted so far ({@code /sys/.../uio/uioN/event}), so the first acknowledge counts only new ones. */
    private int eventCount(String uio) {
        Path f = sysfs().directory().resolve("uio").resolve(uio).resolve("event");
        try {
            return Integer.parseInt(Files.readString(f, StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private volatile boolean configClosed;

    @Override
    void release() {
        try {
            // Nothing else stops a UIO device's DMA before its memory is freed.
            config.disableBusMaster();
        } catch (RuntimeException e) {
            LOG.warn("{}: clearing bus master at close failed: {}", address(), e.getMessage());
        }
        configClosed = true;
        config.close();
        Libc.closeQuietly(configFd);
        if (uioFd >= 0) Libc.closeQuietly(uioFd); // uio_pci_generic clears bus mastering again: harmless
        uioFd = -1;
    }

    /**
     * INTx through /dev/uioN: a read returns the total interrupt count (s32); uio_pci_generic sets
     * the command register's INTx Disable on each interrupt, so acknowledging clears it again. The
     * fd is the device's, which closes it.
     */
    static final class UioVector extends InterruptVector {
        private final int fd;
        private final String node;
        private final ConfigSpace config;
        private final OffHeapBuffer count = OffHeapBuffer.allocate(4);
        private int last;

        UioVector(int fd, String node, ConfigSpace config, int initialCount) {
            super(0, InterruptMode.INTX);
            this.fd = fd;
            this.node = node;
            this.config = config;
            this.last = initialCount;
        }

        @Override
        public int fd() { return fd; }

        @Override
        public synchronized long acknowledge() {
            long n = Libc.readNonBlocking(fd, count.address(), 4, node);
            if (n == -Errno.EAGAIN || n == -Errno.EINTR) return 0;
            if (n != 4) throw new PciException(PciException.Reason.INTERRUPTS, node + ": read returned " + n + " bytes, not 4");
            int total = count.getInt(0);
            long fired = Math.max(1, total - last);
            last = total;
            config.setIntxDisabled(false);
            return fired;
        }

        @Override
        public void close() {
            super.close();
            count.close(); // not the fd: closing it would clear bus mastering (the device closes it last)
        }
    }
}
