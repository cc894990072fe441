package io.jnetmap.pci;

import io.jnetmap.sys.OffHeapBuffer;

/**
 * A piece of DMA memory from a {@link DmaAllocator}: a descriptor ring, say. {@link #buffer()} is
 * the CPU's view, {@link #iova()} what to write into the NIC's base-address registers.
 */
public final class DmaBuffer implements AutoCloseable {
    private final DmaAllocator allocator;
    private final DmaAllocator.Chunk chunk;
    private final long vaddr, iova, size;
    private final String what;
    private final OffHeapBuffer buffer;
    private boolean closed;

    DmaBuffer(DmaAllocator allocator, DmaAllocator.Chunk chunk, long vaddr, long iova, long size, String what) {
        this.allocator = allocator;
        this.chunk = chunk;
        this.vaddr = vaddr;
        this.iova = iova;
        this.size = size;
        this.what = what;
        this.buffer = OffHeapBuffer.wrap(vaddr, size);
    }

    public OffHeapBuffer buffer() { return buffer; }
    public long vaddr() { return vaddr; }
    /** The device address of the first byte (the whole buffer is device-contiguous). */
    public long iova() { return iova; }
    /** Device address of the byte at {@code offset}. */
    public long iova(long offset) { return iova + offset; }
    public long size() { return size; }
    public String what() { return what; }
    DmaAllocator.Chunk chunk() { return chunk; }

    /** Returns the memory to the allocator; the device must no longer use it. Idempotent. */
    @Override
    public void close() {
        synchronized (allocator) {
            if (closed) return;
            closed = true;
        }
        allocator.free(this);
    }

    @Override
    public String toString() {
        return "DmaBuffer[" + what + " " + DmaRegion.range(vaddr, size) + " iova 0x" + Long.toHexString(iova) + "]";
    }
}
