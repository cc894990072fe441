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
    private final AtomicInteger liveDma = new AtomicInteger(), liveWindows = new AtomicInteger();
    private volatile int resets, interruptEnables;
    private volatile boolean busMaster, closed;

    /**
     * @param interruptMode "MSIX", "MSI", "INTX", or null for a device whose interrupts cannot be enabled
     */
    public ModelDevice(DeviceModel model, PciId id, String address, String interruptMode) {
        this.model = model;
        this.id = id;
        this.address = address;
        this.interruptMode = interruptMode;
    }

    public DeviceModel model() { return model; }
    public int liveDma() { return liveDma.get(); }
    public int liveWindows() { return liveWindows.get(); }
    public int resets() { return resets; }
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
        model.attachVectors(fds, interruptMode);
        return new NicInterrupts() {
            private boolean off;
            @Override public String mode() { return interruptMode; }
            @Override public int count() { return fds.length; }
            @Override public int fd(int vector) { return fds[vector].fd(); }
            @Override public long acknowledge(int vector) { return fds[vector].drain(); }
            @Override public synchronized void close() {
                if (off) return;
                off = true;
                model.attachVectors(null, interruptMode);
                for (EventFd f : fds) f.close();
            }
        };
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
