package io.jnetmap.nic;

import io.jnetmap.pci.PciException;
import io.jnetmap.pci.PciId;
import io.jnetmap.sys.EventFd;
import io.jnetmap.sys.Mapping;
import io.jnetmap.sys.OffHeapBuffer;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link NicDevice} for drivers' unit tests: registers from a {@link DeviceModel}, DMA at
 * identity addresses over real memory (device address = virtual address, so the model reads and
 * writes descriptors and buffers where the driver put them), interrupt vectors as eventfds the
 * driver can poll. Counts what a test wants to check after close: live DMA memory, live DMA
 * windows, resets, bus mastering.
 */
public final class ModelDevice implements NicDevice {
    /** Every model device shares one "IOMMU", like the VFIO container: one translation of the region for all NICs. */
    public static final Object DOMAIN = new Object();

    private final DeviceModel model;
    private final PciId id;
    private final String address;
    private final String interruptMode;
    private final AtomicInteger liveDma = new AtomicInteger(), liveWindows = new AtomicInteger(), interruptsTaken = new AtomicInteger();
    private volatile int resets, interruptEnables;
    private volatile boolean busMaster, closed;
    /** The driver's vectors, and the ones the model signals while {@link #loseInterrupts} is on. */
    private EventFd[] vectors, lostVectors;
    private boolean losing;
    /**
     * Configuration space: IDs, a capability list with the PCI Express capability at
     * {@link #PCIE_CAP} (where the 82576 has it), Link Control with L0s and L1
     * enabled as a BIOS leaves them. Survives resets, as the real one's capability registers do
     * for what a driver writes (tests set fields directly).
     */
    public final byte[] config = new byte[256];
    public static final int PCIE_CAP = 0xA0;
    /** Configuration space writes, {offset, value}. */
    public final java.util.List<int[]> configWrites = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param interruptMode "MSIX", "MSI", "INTX", or null for a device whose interrupts cannot be enabled
     */
    public ModelDevice(DeviceModel model, PciId id, String address, String interruptMode) {
        this.model = model;
        this.id = id;
        this.address = address;
        this.interruptMode = interruptMode;
        put16(0x00, id.vendor());
        put16(0x02, id.device());
        put16(0x06, 0x10);                       // status: capability list
        config[0x34] = (byte) PCIE_CAP;
        put16(PCIE_CAP, CAP_PCIE);               // PCI Express, last in the list
        put16(PCIE_CAP + PCIE_LINK_CONTROL, 0x3); // ASPM L0s and L1 enabled
    }

    public int get16(int off) { return (config[off] & 0xff) | (config[off + 1] & 0xff) << 8; }

    public void put16(int off, int v) {
        config[off] = (byte) v;
        config[off + 1] = (byte) (v >>> 8);
    }

    @Override
    public synchronized int configRead16(int offset) { return get16(offset); }

    @Override
    public synchronized void configWrite16(int offset, int value) {
        configWrites.add(new int[] {offset, value & 0xffff});
        put16(offset, value);
    }

    public DeviceModel model() { return model; }
    public int liveDma() { return liveDma.get(); }
    public int liveWindows() { return liveWindows.get(); }
    public int resets() { return resets; }
    /** Interrupts the driver took: acknowledgements of a vector that had fired. */
    public int interruptsTaken() { return interruptsTaken.get(); }
    public int interruptEnables() { return interruptEnables; }
    public boolean busMaster() { return busMaster; }
    public boolean isClosed() { return closed; }

    @Override public String address() { return address; }
    @Override public PciId id() { return id; }
    @Override public String accessMethod() { return "model"; }

    @Override
    public Registers registers(int bar, long minSize) {
        if (bar != model.registerBar() || minSize > model.barSize())
            throw new PciException(PciException.Reason.BAR, "the model has BAR" + model.registerBar() + " of "
                    + model.barSize() + " bytes only (asked for BAR" + bar + ", " + minSize + " bytes)");
        return model;
    }

    @Override
    public DmaMemory allocateDma(long size, int alignment, String what) {
        Mapping m = Mapping.anonymous((size + 4095) & ~4095L, what); // page-aligned: any alignment up to 4 KiB
        liveDma.incrementAndGet();
        return new DmaMemory() {
            private boolean freed;
            @Override public OffHeapBuffer buffer() { return m.buffer(); }
            @Override public long iova() { return m.address(); }
            @Override public long size() { return size; }
            @Override public synchronized void close() {
                if (freed) return;
                freed = true;
                liveDma.decrementAndGet();
                m.close();
            }
        };
    }

    @Override
    public DmaWindow mapDma(long vaddr, long length) {
        liveWindows.incrementAndGet();
        return new DmaWindow() {
            private boolean unmapped;
            @Override public long iova(long va, long len) {
                if (va < vaddr || va + len > vaddr + length)
                    throw new IllegalArgumentException("0x" + Long.toHexString(va) + "+" + len + " is outside the DMA window");
                return va;
            }
            @Override public synchronized void close() {
                if (unmapped) return;
                unmapped = true;
                liveWindows.decrementAndGet();
            }
        };
    }

    @Override public Object dmaDomain() { return DOMAIN; }

    @Override
    public NicInterrupts enableInterrupts(int wanted) {
        if (interruptMode == null) throw new PciException(PciException.Reason.INTERRUPTS, address + " has no interrupts (model)");
        interruptEnables++;
        int n = interruptMode.equals("MSIX") ? Math.min(wanted, model.msixVectors()) : 1;
        EventFd[] fds = new EventFd[n];
        for (int i = 0; i < n; i++) fds[i] = new EventFd(address + " vector " + i);
        EventFd[] lost = new EventFd[n];
        for (int i = 0; i < n; i++) lost[i] = new EventFd(address + " vector " + i + " (lost)");
        synchronized (this) {
            vectors = fds;
            lostVectors = lost;
            model.attachVectors(losing ? lost : fds, interruptMode);
        }
        return new NicInterrupts() {
            private boolean off;
            @Override public String mode() { return interruptMode; }
            @Override public int count() { return fds.length; }
            @Override public int fd(int vector) { return fds[vector].fd(); }
            @Override public long acknowledge(int vector) {
                long n = fds[vector].drain();
                if (n > 0) interruptsTaken.incrementAndGet();
                return n;
            }
            @Override public synchronized void close() {
                if (off) return;
                off = true;
                synchronized (ModelDevice.this) {
                    model.attachVectors(null, interruptMode);
                    vectors = lostVectors = null;
                }
                for (EventFd f : fds) f.close();
                for (EventFd f : lost) f.close();
            }
        };
    }

    /**
     * From now on every interrupt message the chip sends is lost on its way ({@code true}) or
     * delivered again ({@code false}): the model goes on as if it had sent it (auto-clear,
     * auto-mask, its counters), the driver's vector never fires. What a dropped MSI-X write, an
     * interrupt a racing ICR read swallowed or a remapping fault looks like to the driver.
     */
    public synchronized void loseInterrupts(boolean lose) {
        losing = lose;
        if (vectors != null) model.attachVectors(lose ? lostVectors : vectors, interruptMode);
    }

    @Override public void enableBusMaster() { busMaster = true; }
    @Override public void disableBusMaster() { busMaster = false; }

    @Override
    public void reset() {
        resets++;
        model.reset();
    }

    /** As PciDevice: a function reset, bus mastering off. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        resets++;
        model.reset();
        busMaster = false;
    }
}
