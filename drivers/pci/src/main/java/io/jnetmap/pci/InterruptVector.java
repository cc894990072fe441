package io.jnetmap.pci;

import io.jnetmap.sys.Libc;
import io.jnetmap.sys.PollSet;

/**
 * One interrupt vector delivered to user space as a file descriptor that poll(2) reports readable
 * (POLLIN) when the vector fired: an eventfd under VFIO, /dev/uioN under UIO. A port's poll()
 * puts {@link #fd()} in its poll set; when it is readable the driver reads and clears its own
 * cause registers (ICR, ...) and then calls {@link #acknowledge()}, which consumes the signal
 * and re-arms the vector where the platform masked it (VFIO INTx, UIO's INTx Disable bit).
 */
public abstract class InterruptVector implements AutoCloseable {
    private final int index;
    private final InterruptMode mode;
    private PollSet single;

    InterruptVector(int index, InterruptMode mode) {
        this.index = index;
        this.mode = mode;
    }

    /** The vector number (MSI-X table entry) this fd stands for. */
    public final int index() { return index; }
    public final InterruptMode mode() { return mode; }

    /** A file descriptor to poll for POLLIN; do not read or close it. */
    public abstract int fd();

    /**
     * Consumes pending signals and re-arms the vector. Returns how many interrupts fired since the
     * last call (0 if none). Never blocks.
     */
    public abstract long acknowledge();

    /** Waits up to {@code timeoutMillis} (negative: forever) for this vector; true if it fired. Does not acknowledge. */
    public final boolean await(int timeoutMillis) {
        synchronized (this) {
            if (single == null) {
                single = new PollSet(1);
                single.set(0, fd(), Libc.POLLIN);
            }
        }
        return single.poll(timeoutMillis) > 0 && (single.revents(0) & Libc.POLLIN) != 0;
    }

    /** Releases the fd; called by {@link Interrupts#close()}. */
    @Override
    public void close() {
        synchronized (this) {
            if (single != null) single.close();
            single = null;
        }
    }

    @Override
    public String toString() { return getClass().getSimpleName() + "[" + mode + " " + index + ", fd " + fd() + "]"; }
}
