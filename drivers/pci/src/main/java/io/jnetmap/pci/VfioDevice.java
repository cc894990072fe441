package io.jnetmap.pci;

import io.jnetmap.sys.Errno;
import io.jnetmap.sys.EventFd;
import io.jnetmap.sys.Libc;
import io.jnetmap.sys.Mapping;
import io.jnetmap.sys.OffHeapBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * A device opened through VFIO: a device fd from its IOMMU group in the process's
 * {@link IommuContainer}. BARs are mmap'd region by region, configuration space is read and
 * written through the config region, interrupts arrive on eventfds (VFIO_DEVICE_SET_IRQS).
 */
final class VfioDevice extends PciDevice {
    private static final Logger LOG = LoggerFactory.getLogger(VfioDevice.class);

    private final IommuContainer container;
    private final IommuContainer.Group group;
    private final int fd;
    private final Vfio.DeviceInfo info;
    private final ConfigSpace config;
    private final OffHeapBuffer scratch = OffHeapBuffer.allocate(64);

    private VfioDevice(SysfsPciFunction fn, OpenOptions options, IommuContainer container, IommuContainer.Group group,
                       int fd) {
        super(fn, options);
        this.container = container;
        this.group = group;
        this.fd = fd;
        try {
            Vfio.encodeDeviceInfo(scratch);
            Libc.ioctl(fd, Vfio.DEVICE_GET_INFO, scratch.address(), "VFIO_DEVICE_GET_INFO " + fn.address());
            this.info = Vfio.decodeDeviceInfo(scratch);
            Vfio.RegionInfo cfg = regionInfo(Vfio.PCI_CONFIG_REGION_INDEX);
            if (cfg.size() == 0) throw new PciException(PciException.Reason.FAILED, fn.address() + ": VFIO reports no config region");
            this.config = new ConfigSpace(fd, cfg.offset(), fn.address() + " (VFIO)");
        } catch (RuntimeException e) {
            scratch.close();
            throw e;
        }
    }

    static VfioDevice open(SysfsPciFunction fn, OpenOptions options) {
        int number = fn.iommuGroup().orElseThrow();
        IommuContainer.Group g = IommuContainer.attach(options.paths(), number, fn);
        IommuContainer c = g.container;
        int dfd = -1;
        VfioDevice d = null;
        try {
            dfd = c.deviceFd(g, fn.address());
            d = new VfioDevice(fn, options, c, g, dfd);
            LOG.debug("{}: VFIO device flags 0x{}, {} regions, {} irq types", fn.address(),
                    Integer.toHexString(d.info.flags()), d.info.numRegions(), d.info.numIrqs());
            if (options.resetOnOpen()) d.resetQuietly("open");
            d.config.enableMemoryAndBusMaster();
            return d;
        } catch (RuntimeException e) {
            if (d != null) {
                d.config.close();
                d.scratch.close();
            }
            Libc.closeQuietly(dfd);
            IommuContainer.detach(g);
            throw e;
        }
    }

    @Override
    public AccessMethod accessMethod() { return AccessMethod.VFIO; }

    @Override
    public ConfigSpace config() { return config; }

    @Override
    public DmaSpace dma() {
        checkOpen();
        return container;
    }

    synchronized Vfio.RegionInfo regionInfo(int index) {
        Vfio.encodeRegionInfo(scratch, index);
        int rc = Libc.ioctlOrErrno(fd, Vfio.DEVICE_GET_REGION_INFO, scratch.address());
        if (rc < 0) {
            throw new PciException(PciException.Reason.BAR, address() + ": VFIO_DEVICE_GET_REGION_INFO(" + index + ") failed: "
                    + Errno.name(-rc));
        }
        return Vfio.decodeRegionInfo(scratch);
    }

    @Override
    Bar mapBar(int index) {
        Vfio.RegionInfo r = regionInfo(index);
        if (r.size() == 0) {
            throw new PciException(PciException.Reason.BAR, address() + " has no BAR" + index
                    + " (VFIO region size 0): the driver expects registers there; is this the right device?");
        }
        if (!r.mappable()) {
            throw new PciException(PciException.Reason.BAR, "BAR" + index + " of " + address() + " cannot be mmap'd (VFIO flags 0x"
                    + Integer.toHexString(r.flags()) + "): an I/O-port BAR? The registers are in a memory BAR");
        }
        Mapping m = Mapping.shared(fd, r.size(), r.offset(), address() + " BAR" + index);
        return new Bar(index, m);
    }

    @Override
    void resetFunction() {
        if (!info.canReset()) {
            LOG.debug("{}: VFIO says the device cannot be reset; skipped", address());
            return;
        }
        int rc = Libc.ioctlOrErrno(fd, Vfio.DEVICE_RESET, 0);
        if (rc < 0) throw new PciException(PciException.Reason.FAILED, address() + ": VFIO_DEVICE_RESET failed: " + Errno.name(-rc));
    }

    synchronized Vfio.IrqInfo irqInfo(int index) {
        Vfio.encodeIrqInfo(scratch, index);
        int rc = Libc.ioctlOrErrno(fd, Vfio.DEVICE_GET_IRQ_INFO, scratch.address());
        if (rc < 0) return new Vfio.IrqInfo(index, 0, 0);
        return Vfio.decodeIrqInfo(scratch);
    }

    @Override
    public int maxVectors(InterruptMode mode) {
        checkOpen();
        if (mode.vfioIndex >= info.numIrqs()) return 0;
        return irqInfo(mode.vfioIndex).count();
    }

    @Override
    Interrupts doEnableInterrupts(InterruptMode mode, int count) {
        Vfio.IrqInfo irq = irqInfo(mode.vfioIndex);
        List<EventFd> fds = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) fds.add(new EventFd(address() + " " + mode + " " + i));
            int[] raw = fds.stream().mapToInt(EventFd::fd).toArray();
            try (OffHeapBuffer set = OffHeapBuffer.allocate(Vfio.irqSetSize(count))) {
                Vfio.encodeIrqSetEventfds(set, mode.vfioIndex, 0, raw);
                int rc = Libc.ioctlOrErrno(fd, Vfio.DEVICE_SET_IRQS, set.address());
                if (rc < 0) {
                    throw new PciException(PciException.Reason.INTERRUPTS, address() + ": VFIO_DEVICE_SET_IRQS " + mode + " x"
                            + count + " failed: " + Errno.name(-rc));
                }
            }
        } catch (RuntimeException e) {
            fds.forEach(EventFd::close);
            throw e;
        }
        // VFIO masks INTx on delivery (AUTOMASKED): acknowledge must unmask it.
        boolean unmask = mode == InterruptMode.INTX && irq.automasked();
        List<InterruptVector> vectors = new ArrayList<>();
        for (int i = 0; i < count; i++) vectors.add(new EventFdVector(i, mode, fds.get(i), unmask ? this::unmaskIntx : null));
        LOG.debug("{}: {} x{} on eventfds", address(), mode, count);
        return new Interrupts(mode, vectors, () -> disableIrqs(mode));
    }

    private void unmaskIntx() {
        try (OffHeapBuffer set = OffHeapBuffer.allocate(Vfio.IRQ_SET_HEADER)) {
            Vfio.encodeIrqSetNone(set, Vfio.PCI_INTX_IRQ_INDEX, Vfio.IRQ_SET_ACTION_UNMASK, 0, 1);
            Libc.ioctl(fd, Vfio.DEVICE_SET_IRQS, set.address(), "VFIO_DEVICE_SET_IRQS unmask INTx " + address());
        }
    }

    private void disableIrqs(InterruptMode mode) {
        if (isClosedFd()) return;
        try (OffHeapBuffer set = OffHeapBuffer.allocate(Vfio.IRQ_SET_HEADER)) {
            Vfio.encodeIrqSetNone(set, mode.vfioIndex, Vfio.IRQ_SET_ACTION_TRIGGER, 0, 0);
            int rc = Libc.ioctlOrErrno(fd, Vfio.DEVICE_SET_IRQS, set.address());
            if (rc < 0) LOG.warn("{}: disabling {} failed: {}", address(), mode, Errno.name(-rc));
        }
    }

    private volatile boolean fdClosed;

    private boolean isClosedFd() { return fdClosed; }

    @Override
    void release() {
        fdClosed = true;
        Libc.closeQuietly(fd);
        config.close();
        scratch.close();
        IommuContainer.detach(group);
    }

    /** A vector signalled on an eventfd; INTx additionally unmasked after each acknowledge. */
    static final class EventFdVector extends InterruptVector {
        private final EventFd eventFd;
        private final Runnable unmask;

        EventFdVector(int index, InterruptMode mode, EventFd eventFd, Runnable unmask) {
            super(index, mode);
            this.eventFd = eventFd;
            this.unmask = unmask;
        }

        @Override
        public int fd() { return eventFd.fd(); }

        @Override
        public long acknowledge() {
            long n = eventFd.drain();
            if (n > 0 && unmask != null) unmask.run();
            return n;
        }

        @Override
        public void close() {
            super.close();
            eventFd.close();
        }
    }
}
