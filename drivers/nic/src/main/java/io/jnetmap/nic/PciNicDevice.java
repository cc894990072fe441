package io.jnetmap.nic;

import io.jnetmap.pci.Bar;
import io.jnetmap.pci.DmaBuffer;
import io.jnetmap.pci.DmaRegion;
import io.jnetmap.pci.Interrupts;
import io.jnetmap.pci.OpenOptions;
import io.jnetmap.pci.PciAddress;
import io.jnetmap.pci.PciDevice;
import io.jnetmap.pci.PciId;
import io.jnetmap.sys.OffHeapBuffer;

/** A {@link NicDevice} that is a real PCI function opened through VFIO or UIO ({@link PciDevice}). */
public final class PciNicDevice implements NicDevice {
    private final PciDevice pci;

    private PciNicDevice(PciDevice pci) {
        this.pci = pci;
    }

    /** Opens the device at {@code address} (bound to vfio-pci or uio_pci_generic). */
    public static PciNicDevice open(PciAddress address, OpenOptions options) {
        return new PciNicDevice(PciDevice.open(address, options));
    }

    /** Wraps a device the caller opened; closing this closes it. */
    public static PciNicDevice wrap(PciDevice device) {
        return new PciNicDevice(device);
    }

    /** The underlying PCI device (configuration space, access method). */
    public PciDevice pci() { return pci; }

    @Override
    public String address() { return pci.address().toString(); }

    @Override
    public PciId id() { return pci.id(); }

    @Override
    public String accessMethod() { return pci.accessMethod().name(); }

    @Override
    public Registers registers(int bar, long minSize) {
        return new BarRegisters(pci.bar(bar, minSize));
    }

    @Override
    public DmaMemory allocateDma(long size, int alignment, String what) {
        DmaBuffer b = pci.dma().allocator().allocate(size, alignment, what);
        return new DmaMemory() {
            @Override public OffHeapBuffer buffer() { return b.buffer(); }
            @Override public long iova() { return b.iova(); }
            @Override public long size() { return b.size(); }
            @Override public void close() { b.close(); }
            @Override public String toString() { return b.toString(); }
        };
    }

    @Override
    public DmaWindow mapDma(long vaddr, long length) {
        DmaRegion r = pci.dma().map(vaddr, length);
        return new DmaWindow() {
            @Override public long iova(long va, long len) { return r.iova(va, len); }
            @Override public void close() { r.close(); }
            @Override public String toString() { return r.toString(); }
        };
    }

    @Override
    public Object dmaDomain() { return pci.dma(); }

    @Override
    public NicInterrupts enableInterrupts(int wanted) {
        Interrupts irqs = pci.enableInterrupts(wanted);
        return new NicInterrupts() {
            @Override public String mode() { return irqs.mode().name(); }
            @Override public int count() { return irqs.count(); }
            @Override public int fd(int vector) { return irqs.vector(vector).fd(); }
            @Override public long acknowledge(int vector) { return irqs.vector(vector).acknowledge(); }
            @Override public void close() { irqs.close(); }
            @Override public String toString() { return irqs.toString(); }
        };
    }

    @Override
    public int configRead16(int offset) { return pci.config().read16(offset); }

    @Override
    public void configWrite16(int offset, int value) { pci.config().write16(offset, value); }

    @Override
    public void enableBusMaster() { pci.config().enableMemoryAndBusMaster(); }

    @Override
    public void disableBusMaster() { pci.config().disableBusMaster(); }

    @Override
    public void reset() { pci.reset(); }

    @Override
    public void close() { pci.close(); }

    @Override
    public String toString() { return "PciNicDevice[" + pci + "]"; }

    /** Register access through a mapped BAR: acquire loads, release stores (see {@link Bar}). */
    static final class BarRegisters implements Registers {
        private final Bar bar;

        BarRegisters(Bar bar) { this.bar = bar; }

        @Override public int read32(int offset) { return bar.read32(offset); }
        @Override public void write32(int offset, int value) { bar.write32(offset, value); }
        @Override public int read16(int offset) { return bar.read16(offset); }
        @Override public void write16(int offset, int value) { bar.write16(offset, value); }
        @Override public int read8(int offset) { return bar.read8(offset); }
        @Override public void write8(int offset, int value) { bar.write8(offset, value); }
        @Override public String toString() { return bar.toString(); }
    }
}
