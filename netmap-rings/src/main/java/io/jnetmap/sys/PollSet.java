package io.jnetmap.sys;

/**
 * A reusable array of {@code struct pollfd} (int fd, short events, short revents: 8 bytes each) for
 * poll(2). Allocated once; polling allocates nothing.
 */
public final class PollSet implements AutoCloseable {
    private static final int POLLFD_SIZE = 8;
    private final OffHeapBuffer fds;
    private final int size;

    public PollSet(int size) {
        this.size = size;
        this.fds = OffHeapBuffer.allocate(size * POLLFD_SIZE);
        for (int i = 0; i < size; i++) set(i, -1, (short) 0); // poll ignores negative fds
    }

    public int size() { return size; }

    public void set(int i, int fd, short events) {
        fds.putInt(i * POLLFD_SIZE, fd);
        fds.putShort(i * POLLFD_SIZE + 4, events);
        fds.putShort(i * POLLFD_SIZE + 6, (short) 0);
    }

    public int fd(int i) { return fds.getInt(i * POLLFD_SIZE); }

    public short revents(int i) { return fds.getShort(i * POLLFD_SIZE + 6); }

    /** poll(2) over all entries; returns how many have events (0 on timeout or signal). */
    public int poll(int timeoutMillis) {
        for (int i = 0; i < size; i++) fds.putShort(i * POLLFD_SIZE + 6, (short) 0);
        return Libc.poll(fds.address(), size, timeoutMillis);
    }

    @Override
    public void close() { fds.close(); }
}
