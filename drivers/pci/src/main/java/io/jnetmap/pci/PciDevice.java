package io.jnetmap.pci;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * A PCI function opened for a user-space driver, through VFIO or UIO: its BARs mapped, its
 * configuration space, a device address space for DMA, and interrupts as pollable fds.
 *
 * <pre>{@code
 * try (PciDevice dev = PciDevice.open("0000:03:00.0")) {        // or an interface name, or "03:00.0"
 *     String model = SUPPORTED.require(dev);                       // SupportedDevices: refuse foreign chips
 *     Bar regs = dev.bar(0, 128 * 1024);                           // r8169: dev.bar(2, 256)
 *     DmaBuffer ring = dev.dma().allocator().allocate(n * 16, DmaAllocator.INTEL_RING_ALIGNMENT, "rx ring 0");
 *     regs.write32(RDBAL, (int) ring.iova()); regs.write32(RDBAH, (int) (ring.iova() >>> 32));
 *     DmaRegion bufs = dev.dma().map(netmapRegionVaddr, netmapRegionLength);   // zero copy
 *     desc.putLong(0, bufs.iova(bufVaddr, bufSize));
 *     Interrupts irqs = dev.enableInterrupts(1);                  // MSI-X, else MSI, else INTx
 *     // poll(irqs.vector(0).fd()), read ICR, then irqs.vector(0).acknowledge()
 * }
 * }</pre>
 * Opening enables memory space and bus mastering and (by default) resets the function; closing
 * disables interrupts, resets it, unmaps its BARs and leaves the shared DMA space to the other
 * devices still open (it goes away with the last one).
 */
public abstract class PciDevice implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PciDevice.class);

    private final SysfsPciFunction sysfs;
    private final PciId id;
    final OpenOptions options;
    private final Bar[] bars = new Bar[6];
    private Interrupts interrupts;
    private boolean closed;

    PciDevice(SysfsPciFunction sysfs, OpenOptions options) {
        this.sysfs = sysfs;
        this.options = options;
        this.id = sysfs.id();
    }

    /** Opens a device by PCI address or interface name with default options. */
    public static PciDevice open(String nameOrAddress) {
        return open(nameOrAddress, OpenOptions.defaults());
    }

    public static PciDevice open(String nameOrAddress, OpenOptions options) {
        return open(PciAddress.resolve(nameOrAddress, options.paths()), options);
    }

    /** Opens {@code address} through VFIO or UIO as {@code options} say (AUTO: VFIO if it has an IOMMU group). */
    public static PciDevice open(PciAddress address, OpenOptions options) {
        SysfsPciFunction fn = new SysfsPciFunction(address, options.paths());
        AccessMethod m = AccessMethod.choose(fn, options.access());
        claim(fn);
        try {
            PciDevice d = m == AccessMethod.VFIO ? VfioDevice.open(fn, options) : UioDevice.open(fn, options);
            LOG.info("opened {} [{}] through {} (reset methods {})", address, d.id(), m, fn.resetMethods());
            return d;
        } catch (RuntimeException e) {
            unclaim(fn);
            throw e;
        }
    }

    /** Functions open in this process (by sysfs directory): two drivers on one NIC would fight, and a reset would pull it from under one. */
    private static final Set<Path> OPEN = new HashSet<>();

    private static void claim(SysfsPciFunction fn) {
        synchronized (OPEN) {
            if (!OPEN.add(fn.directory())) {
                throw new PciException(PciException.Reason.BUSY, fn.address() + " is already open in this process: share that"
                        + " PciDevice (one driver instance per NIC)");
            }
        }
    }

    private static void unclaim(SysfsPciFunction fn) {
        synchronized (OPEN) {
            OPEN.remove(fn.directory());
        }
    }

    public final PciAddress address() { return sysfs.address(); }
    public final SysfsPciFunction sysfs() { return sysfs; }
    /** Vendor and device ID, read at open. */
    public final PciId id() { return id; }
    public abstract AccessMethod accessMethod();

    /** Configuration space (command register, capabilities). */
    public abstract ConfigSpace config();

    /** BAR {@code index} mapped (once; later calls return the same mapping). */
    public final synchronized Bar bar(int index) {
        checkOpen();
        if (index < 0 || index > 5) throw new IllegalArgumentException("BAR index " + index + " (0..5)");
        if (bars[index] == null) bars[index] = mapBar(index);
        return bars[index];
    }

    /** BAR {@code index}, refused with a BAR error if it is smaller than {@code minSize} (wrong device, or a broken board). */
    public final Bar bar(int index, long minSize) {
        Bar b = bar(index);
        if (b.size() < minSize) {
            throw new PciException(PciException.Reason.BAR, "BAR" + index + " of " + sysfs.describe() + " is " + b.size()
                    + " bytes, but the driver needs at least " + minSize + ": this is not the device the driver expects"
                    + " (check the PCI ID and which BAR holds the registers)");
        }
        return b;
    }

    abstract Bar mapBar(int index);

    /** Resets the function (VFIO_DEVICE_RESET; sysfs {@code reset} under UIO) and re-enables memory space and bus mastering. */
    public final synchronized void reset() {
        checkOpen();
        resetFunction();
        config().enableMemoryAndBusMaster();
    }

    /** The access method's function reset; does not touch the command register afterwards. */
    abstract void resetFunction();

    /** The process-wide device address space this device's DMA goes through (shared by all devices of its kind). */
    public abstract DmaSpace dma();

    /** How many vectors {@code mode} offers on this device (0: not available). */
    public abstract int maxVectors(InterruptMode mode);

    /** Up to {@code wanted} vectors: MSI-X if the device and access method offer it, else MSI, else INTx (one vector). */
    public final synchronized Interrupts enableInterrupts(int wanted) {
        checkOpen();
        if (wanted < 1) throw new IllegalArgumentException("wanted " + wanted + " vectors");
        PciException last = null;
        for (InterruptMode m : InterruptMode.values()) {
            if (maxVectors(m) == 0) continue;
            try {
                return enableInterrupts(m, wanted);
            } catch (PciException e) {
                LOG.info("{}: {} interrupts failed ({}); trying the next kind", address(), m, e.getMessage());
                last = e;
            }
        }
        throw new PciException(PciException.Reason.INTERRUPTS, address() + " offers no usable interrupts (MSI-X, MSI or INTx)"
                + (last == null ? "" : ": " + last.getMessage()), last);
    }

    /** Up to {@code wanted} vectors of {@code mode} exactly; INTERRUPTS error if not possible. */
    public final synchronized Interrupts enableInterrupts(InterruptMode mode, int wanted) {
        checkOpen();
        if (interrupts != null && !interrupts.isClosed()) {
            throw new IllegalStateException(address() + " already has interrupts enabled (" + interrupts + "); close them first");
        }
        int max = maxVectors(mode);
        if (max == 0) {
            throw new PciException(PciException.Reason.INTERRUPTS, address() + " has no " + mode + " interrupts through "
                    + accessMethod() + (accessMethod() == AccessMethod.UIO ? " (UIO offers INTx only)" : ""));
        }
        interrupts = doEnableInterrupts(mode, mode == InterruptMode.INTX ? 1 : Math.min(wanted, max));
        return interrupts;
    }

    abstract Interrupts doEnableInterrupts(InterruptMode mode, int count);

    final void checkOpen() {
        if (closed) throw new IllegalStateException(address() + " is closed");
    }

    public final synchronized boolean isClosed() { return closed; }

    @Override
    public final synchronized void close() {
        if (closed) return;
        closed = true;
        if (interrupts != null) {
            try {
                interrupts.close();
            } catch (RuntimeException e) {
                LOG.warn("{}: disabling interrupts at close failed: {}", address(), e.getMessage());
            }
        }
        try {
            if (options.resetOnClose()) resetQuietly("close");
        } finally {
            for (int i = 0; i < bars.length; i++) {
                if (bars[i] != null) {
                    try {
                        bars[i].unmap();
                    } catch (RuntimeException e) {
                        LOG.warn("{}: unmapping BAR{} failed: {}", address(), i, e.getMessage());
                    }
                    bars[i] = null;
                }
            }
            try {
                release();
            } finally {
                unclaim(sysfs);
            }
        }
        LOG.info("closed {}", address());
    }

    final void resetQuietly(String when) {
        try {
            resetFunction();
        } catch (RuntimeException e) {
            LOG.warn("{}: reset on {} failed: {}", address(), when, e.getMessage());
        }
    }

    /** Closes whatever the access method holds (device fd, group, config file). */
    abstract void release();

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + address() + " " + id + (closed ? " closed" : "") + "]";
    }
}
