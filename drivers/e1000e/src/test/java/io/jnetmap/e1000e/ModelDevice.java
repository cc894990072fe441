package io.jnetmap.e1000e;

import io.jnetmap.nic.DmaMemory;
import io.jnetmap.nic.DmaWindow;
import io.jnetmap.nic.NicDevice;
import io.jnetmap.nic.NicInterrupts;
import io.jnetmap.nic.Registers;
import io.jnetmap.pci.PciException;
import io.jnetmap.pci.PciId;
import io.jnetmap.sys.EventFd;
import io.jnetmap.sys.Mapping;
import io.jnetmap.sys.OffHeapBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link NicDevice} whose registers are an {@link E1000eModel} and whose DMA is identity-mapped
 * real memory (device address = virtual address), with eventfds for interrupt vectors.
 */
final class ModelDevice implements NicDevice {
    /** Every model device shares one "IOMMU": like the VFIO container, one translation for all NICs. */
    static final Object DOMAIN = new Object();

    final E1000eModel model;
    final PciId id;
    final String address;
    /** "MSIX", "MSI", "INTX", or null for a device without interrupts. */
    final String interruptMode;
    final List<Mapping> dma = new ArrayList<>();
    int liveDma, liveWindows, resets, interruptEnables;
    boolean busMaster, closed;
    private EventFd[] fds;

    ModelDevice(E1000eModel model, PciId id, String address, String interruptMode) {
        this.model = model;
        this.id = id;
        this.address = address;
        this.interruptMode = interruptMode;
    }

    @Override public String address() { return address; }
    @Override public PciId id() { return id; }
    @Override public String accessMethod() { return "model"; }

    @Override
    public Registers registers(int bar, long minSize) {
        if (bar != 0 || minSize > E1000eModel.SIZE) throw new PciException(PciException.Reason.BAR, "model has BAR0 of 128 KiB only");
        return model;
    }

    @Override
    public DmaMemory allocateDma(long size, int alignment, String what) {
        long len = (size + 4095) & ~4095L;
        Mapping m = Mapping.anonymous(len, what);
        dma.add(m);
        liveDma++;
        return new DmaMemory() {
            boolean closed;
            @Override public OffHeapBuffer buffer() { return m.buffer(); }
            @Override public long iova() { return m.address(); }
            @Override public long size() { return size; }
            @Override public void close() {
                if (closed) return;
                closed = true;
                liveDma--;
                m.close();
            }
        };
    }

    @Override
    public DmaWindow mapDma(long vaddr, long length) {
        liveWindows++;
        return new DmaWindow() {
            boolean closed;
            @Override public long iova(long va, long len) {
                if (va < vaddr || va + len > vaddr + length) throw new IllegalArgumentException("outside the window");
                return va;
            }
            @Override public void close() {
                if (closed) return;
                closed = true;
                liveWindows--;
            }
        };
    }

    @Override public Object dmaDomain() { return DOMAIN; }

    @Override
    public NicInterrupts enableInterrupts(int wanted) {
        if (interruptMode == null) throw new PciException(PciException.Reason.INTERRUPTS, address + " has no interrupts (model)");
        interruptEnables++;
        int n = interruptMode.equals("MSIX") ? Math.min(wanted, 5) : 1;
        fds = new EventFd[n];
        for (int i = 0; i < n; i++) fds[i] = new EventFd("model vector " + i);
        synchronized (model) {
            model.vectors = fds;
            model.msixMode = interruptMode.equals("MSIX");
        }
        EventFd[] mine = fds;
        return new NicInterrupts() {
            boolean closed;
            @Override public String mode() { return interruptMode; }
            @Override public int count() { return mine.length; }
            @Override public int fd(int vector) { return mine[vector].fd(); }
            @Override public long acknowledge(int vector) { return mine[vector].drain(); }
            @Override public void close() {
                if (closed) return;
                closed = true;
                synchronized (model) {
                    model.vectors = null;
                }
                for (EventFd f : mine) f.close();
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

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        resets++;
        model.reset();
        busMaster = false;
    }
}
