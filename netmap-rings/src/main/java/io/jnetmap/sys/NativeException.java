package io.jnetmap.sys;

/**
 * A failed libc call. The message names the call, what it was applied to (a path, an ioctl name,
 * a device) and the errno by symbol and text, e.g.
 * {@code open(/dev/vfio/7): EBUSY (Device or resource busy)}.
 */
public class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String call;
    private final String argument;
    private final int errno;

    public NativeException(String call, String argument, int errno) {
        this(call, argument, errno, null);
    }

    public NativeException(String call, String argument, int errno, String hint) {
        super(call + "(" + argument + "): " + Errno.name(errno) + " (" + Libc.strerror(errno) + ")"
                + (hint == null ? "" : ". " + hint));
        this.call = call;
        this.argument = argument;
        this.errno = errno;
    }

    public String call() { return call; }
    public String argument() { return argument; }
    public int errno() { return errno; }
    public String errnoName() { return Errno.name(errno); }
}
