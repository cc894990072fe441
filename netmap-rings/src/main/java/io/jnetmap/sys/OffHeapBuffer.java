package io.jnetmap.sys;

import com.kenai.jffi.MemoryIO;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A window on native memory at a fixed address: DMA memory, a mapped BAR, a shared ring region.
 * Backed by a little-endian direct {@link ByteBuffer} (device registers and netmap's structs are
 * little-endian on x86-64) with VarHandle views for ordered access.
 *
 * <p>Method names say the ordering: {@code putInt} is a plain store (descriptors: x86 keeps stores
 * in order, the JIT may not, so publish them with a later release store), {@code putIntRelease}
 * orders every earlier load and store before it (doorbells, ring indices), {@code getIntAcquire}
 * orders every later access after it (descriptor status words, a peer's index).
 * Ordered accessors need natural alignment.
 *
 * <p>Instances that {@link #allocate allocate} own their memory and free it on {@link #close};
 * views of someone else's memory ({@link #wrap}, {@link #slice}) never free.
 */
public final class OffHeapBuffer implements AutoCloseable {
    private static final VarHandle I16 = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private final long address;
    private final int capacity;
    private final ByteBuffer buf;
    private final boolean owned;
    private boolean closed;

    private OffHeapBuffer(long address, int capacity, boolean owned) {
        if (address == 0) throw new IllegalArgumentException("null address");
        if (capacity < 0) throw new IllegalArgumentException("negative capacity " + capacity);
        this.address = address;
        this.capacity = capacity;
        this.owned = owned;
        this.buf = MEMORY.newDirectByteBuffer(address, capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A view of {@code capacity} bytes at {@code address}; the caller keeps the memory alive. */
    public static OffHeapBuffer wrap(long address, long capacity) {
        return new OffHeapBuffer(address, checkedCapacity(capacity), false);
    }

    /** Zeroed native memory (malloc; not page-aligned: use {@link Mapping} for DMA), freed on close. */
    public static OffHeapBuffer allocate(int size) {
        long a = MEMORY.allocateMemory(Math.max(size, 1), true);
        if (a == 0) throw new OutOfMemoryError("native allocation of " + size + " bytes failed");
        return new OffHeapBuffer(a, size, true);
    }

    private static int checkedCapacity(long capacity) {
        if (capacity < 0 || capacity > Integer.MAX_VALUE)
            throw new IllegalArgumentException("a buffer view holds at most 2 GiB, asked for " + capacity + " bytes");
        return (int) capacity;
    }

    public long address() { return address; }
    public int capacity() { return capacity; }
    /** The little-endian direct ByteBuffer over this memory (shared, do not change its order). */
    public ByteBuffer byteBuffer() { return buf; }

    /** A view of {@code length} bytes at {@code offset}, sharing this memory. */
    public OffHeapBuffer slice(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > capacity)
            throw new IndexOutOfBoundsException("slice [" + offset + ", +" + length + ") of " + capacity + " bytes");
        return wrap(address + offset, length);
    }

    // ---- plain access
    public byte getByte(int off) { return buf.get(off); }
    public void putByte(int off, byte v) { buf.put(off, v); }
    public short getShort(int off) { return buf.getShort(off); }
    public void putShort(int off, short v) { buf.putShort(off, v); }
    public int getInt(int off) { return buf.getInt(off); }
    public void putInt(int off, int v) { buf.putInt(off, v); }
    public long getLong(int off) { return buf.getLong(off); }
    public void putLong(int off, long v) { buf.putLong(off, v); }
    /** Unsigned 16-bit value. */
    public int getUnsignedShort(int off) { return buf.getShort(off) & 0xffff; }

    // ---- ordered access
    public short getShortAcquire(int off) { return (short) I16.getAcquire(buf, off); }
    public void putShortRelease(int off, short v) { I16.setRelease(buf, off, v); }
    public int getIntAcquire(int off) { return (int) I32.getAcquire(buf, off); }
    public void putIntRelease(int off, int v) { I32.setRelease(buf, off, v); }
    public int getIntVolatile(int off) { return (int) I32.getVolatile(buf, off); }
    public void putIntVolatile(int off, int v) { I32.setVolatile(buf, off, v); }
    public long getLongAcquire(int off) { return (long) I64.getAcquire(buf, off); }
    public void putLongRelease(int off, long v) { I64.setRelease(buf, off, v); }
    public long getLongVolatile(int off) { return (long) I64.getVolatile(buf, off); }
    public void putLongVolatile(int off, long v) { I64.setVolatile(buf, off, v); }

    // ---- atomics (control paths and cross-process wake-ups)
    public boolean compareAndSetInt(int off, int expected, int v) { return I32.compareAndSet(buf, off, expected, v); }
    public int getAndAddInt(int off, int delta) { return (int) I32.getAndAdd(buf, off, delta); }
    public boolean compareAndSetLong(int off, long expected, long v) { return I64.compareAndSet(buf, off, expected, v); }
    public long getAndAddLong(int off, long delta) { return (long) I64.getAndAdd(buf, off, delta); }

    // ---- bulk
    public void getBytes(int off, byte[] dst, int dstOff, int len) { buf.get(off, dst, dstOff, len); }
    public void putBytes(int off, byte[] src, int srcOff, int len) { buf.put(off, src, srcOff, len); }

    /** Copies {@code len} bytes from {@code src} at {@code srcOff} to this buffer at {@code off}. */
    public void copyFrom(OffHeapBuffer src, int srcOff, int off, int len) {
        buf.put(off, src.buf, srcOff, len);
    }

    public void fill(int off, int len, byte value) {
        if (off < 0 || len < 0 || off + len > capacity)
            throw new IndexOutOfBoundsException("fill [" + off + ", +" + len + ") of " + capacity + " bytes");
        MEMORY.setMemory(address + off, len, value);
    }

    @Override
    public void close() {
        if (owned && !closed) {
            closed = true;
            MEMORY.freeMemory(address);
        }
    }

    @Override
    public String toString() {
        return "OffHeapBuffer[0x" + Long.toHexString(address) + ", " + capacity + " bytes]";
    }
}
