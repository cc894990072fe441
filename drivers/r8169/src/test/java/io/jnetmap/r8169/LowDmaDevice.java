package io.jnetmap.r8169;

import io.jnetmap.nic.DmaMemory;
import io.jnetmap.nic.DmaWindow;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.nic.NicDevice;
import io.jnetmap.nic.NicInterrupts;
import io.jnetmap.nic.Registers;
import io.jnetmap.pci.PciId;
import io.jnetmap.sys.OffHeapBuffer;

/**
 * A {@link ModelDevice} whose device addresses lie below 4 GiB, as an IOMMU or low physical
 * memory gives them, for the versions that reach only 32-bit addresses: each mapping gets its own
 * range of device addresses from a bump allocator under 4 GiB, and the model translates them back
 * ({@link #toVa}).
 */
final class LowDmaDevice implements NicDevice {
    static final Object DOMAIN = new Object();
    /** Mappings: {iova, va, length}. */
    private static final java.util.List<long[]> MAPPINGS = new java.util.ArrayList<>();
    private static long next = 0x1000_0000L;
    private final ModelDevice dev;

    LowDmaDevice(ModelDevice dev, R8169Model model) {
        this.dev = dev;
        model.lowDma = true;
    }

    private static synchronized long map(long va, long len) {
        long iova = next;
        next = (next + len + 0xfff) & ~0xfffL;
        if (next > (1L << 32)) throw new IllegalStateException("test setup: the 4 GiB of test device addresses are used up");
        MAPPINGS.add(new long[] {iova, va, len});
        return iova;
    }

    /** The virtual address behind device address {@code iova}. */
    static synchronized long toVa(long iova) {
        for (long[] m : MAPPINGS) if (iova >= m[0] && iova < m[0] + m[2]) return m[1] + (iova - m[0]);
        throw new IllegalStateException("device address 0x" + Long.toHexString(iova) + " is not mapped");
    }

    @Override public String address() { return dev.address(); }
    @Override public PciId id() { return dev.id(); }
    @Override public String accessMethod() { return "model (DMA below 4 GiB)"; }
    @Override public Registers registers(int bar, long minSize) { return dev.registers(bar, minSize); }

    @Override
    public DmaMemory allocateDma(long size, int alignment, String what) {
        DmaMemory m = dev.allocateDma(size, alignment, what);
        long iova = map(m.iova(), (size + 4095) & ~4095L); // page-aligned, as ModelDevice's
        return new DmaMemory() {
            @Override public OffHeapBuffer buffer() { return m.buffer(); }
            @Override public long iova() { return iova; }
            @Override public long size() { return m.size(); }
            @Override public void close() { m.close(); }
        };
    }

    @Override
    public DmaWindow mapDma(long vaddr, long length) {
        DmaWindow w = dev.mapDma(vaddr, length);
        long base = map(vaddr, length);
        return new DmaWindow() {
            @Override public long iova(long va, long len) { return base + (w.iova(va, len) - vaddr); }
            @Override public void close() { w.close(); }
        };
    }

    @Override public Object dmaDomain() { return DOMAIN; }
    @Override public NicInterrupts enableInterrupts(int wanted) { return dev.enableInterrupts(wanted); }
    @Override public int configRead16(int offset) { return dev.configRead16(offset); }
    @Override public void configWrite16(int offset, int value) { dev.configWrite16(offset, value); }
    @Override public void enableBusMaster() { dev.enableBusMaster(); }
    @Override public void disableBusMaster() { dev.disableBusMaster(); }
    @Override public void reset() { dev.reset(); }
    @Override public void close() { dev.close(); }
}
