package io.jnetmap.nic;

/**
 * A range of this process's memory made reachable by a device (the netmap region), with the
 * translation from virtual to device addresses. Closing gives this handle back; the range stays
 * mapped while other handles over it are open.
 */
public interface DmaWindow extends AutoCloseable {
    /**
     * The device address of {@code [vaddr, vaddr+len)}, which must be inside the window and
     * contiguous for the device; throws otherwise (with a message saying how to fix it).
     */
    long iova(long vaddr, long len);

    @Override
    void close();
}
