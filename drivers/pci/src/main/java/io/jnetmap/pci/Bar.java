package io.jnetmap.pci;

import io.jnetmap.sys.Mapping;
import io.jnetmap.sys.OffHeapBuffer;

import java.lang.invoke.VarHandle;

/**
 * A memory BAR mapped into this process (uncached: VFIO's region mmap or sysfs resourceN, never
 * the write-combining variant). {@link #registers()} is the raw view; the accessors here give
 * register semantics: 32- and 16-bit reads are acquire loads and writes release stores, so a
 * doorbell write is ordered after the descriptor stores before it and a status read is never
 * hoisted out of a polling loop. 8-bit accesses (Realtek) use plain accesses fenced the same way.
 * Accesses must be naturally aligned.
 */
public final class Bar {
    private final int index;
    private final long size;
    private final Mapping mapping;
    private final OffHeapBuffer regs;

    Bar(int index, Mapping mapping) {
        this(index, mapping, mapping.length());
    }

    /** {@code size}: the BAR's real size, when the mapping had to be rounded up to whole pages. */
    Bar(int index, Mapping mapping, long size) {
        this.index = index;
        this.size = size;
        this.mapping = mapping;
        this.regs = mapping.buffer();
    }

    public int index() { return index; }
    public long size() { return size; }
    /** Virtual address of the mapping (diagnostics). */
    public long address() { return mapping.address(); }
    /** The mapped registers, little-endian. Use putIntRelease for doorbells, getIntAcquire for status. */
    public OffHeapBuffer registers() { return regs; }

    public int read32(int offset) { return regs.getIntAcquire(offset); }
    public void write32(int offset, int value) { regs.putIntRelease(offset, value); }
    public int read16(int offset) { return regs.getShortAcquire(offset) & 0xffff; }
    public void write16(int offset, int value) { regs.putShortRelease(offset, (short) value); }

    public int read8(int offset) {
        int v = regs.getByte(offset) & 0xff;
        VarHandle.acquireFence();
        return v;
    }

    public void write8(int offset, int value) {
        VarHandle.releaseFence();
        regs.putByte(offset, (byte) value);
    }

    void unmap() { mapping.close(); }

    @Override
    public String toString() { return "BAR" + index + "[" + size + " bytes at 0x" + Long.toHexString(address()) + "]"; }
}
