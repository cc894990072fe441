package io.jnetmap.nic;

import io.jnetmap.sys.OffHeapBuffer;

/**
 * Device-reachable memory owned by a driver: a descriptor ring. {@link #buffer()} is the CPU's
 * view (zeroed when allocated), {@link #iova()} the address to program into the NIC's
 * base-address registers. The whole range is contiguous for the device.
 */
public interface DmaMemory extends AutoCloseable {
    OffHeapBuffer buffer();

    /** Device address of the first byte. */
    long iova();

    long size();

    /** Gives the memory back; the device must no longer use it. */
    @Override
    void close();
}
