package io.jnetmap.sys;

/**
 * A Linux eventfd: the kernel (VFIO interrupts) or another thread signals it, a poller waits on it.
 * Non-blocking; {@link #drain()} consumes the count without blocking.
 */
public final class EventFd implements AutoCloseable {
    private final int fd;
    private final OffHeapBuffer word = OffHeapBuffer.allocate(8);
    private final String name;
    private boolean closed;

    public EventFd(String name) {
        this.name = name;
        this.fd = Libc.eventfd(0, Libc.EFD_NONBLOCK);
    }

    public int fd() { return fd; }
    public String name() { return name; }

    /** Adds one to the counter, waking a poller. */
    public void signal() {
        word.putLong(0, 1);
        Libc.writeNonBlocking(fd, word.address(), 8, "eventfd " + name);
    }

    /** Returns the count accumulated since the last drain (0 if none), resetting it. */
    public long drain() {
        long n = Libc.readNonBlocking(fd, word.address(), 8, "eventfd " + name);
        return n == 8 ? word.getLong(0) : 0;
    }

    /** Waits up to {@code timeoutMillis} (negative: forever) for a signal; true if signalled. Does not drain. */
    public boolean await(int timeoutMillis) {
        try (PollSet p = new PollSet(1)) {
            p.set(0, fd, Libc.POLLIN);
            return p.poll(timeoutMillis) > 0;
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.closeQuietly(fd);
            word.close();
        }
    }
}
