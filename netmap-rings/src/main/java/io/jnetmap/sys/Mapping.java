package io.jnetmap.sys;

/**
 * An mmap'd range: anonymous memory, a shared file, a BAR. Unmapped on close.
 * {@link #buffer()} is the little-endian view of the first 2 GiB at most.
 */
public final class Mapping implements AutoCloseable {
    private final long address;
    private final long length;
    private final String what;
    private final OffHeapBuffer buffer;
    private boolean closed;

    private Mapping(long address, long length, String what) {
        this.address = address;
        this.length = length;
        this.what = what;
        this.buffer = OffHeapBuffer.wrap(address, Math.min(length, Integer.MAX_VALUE));
    }

    /** Maps {@code length} bytes of {@code fd} at {@code offset}, shared, read-write. */
    public static Mapping shared(int fd, long length, long offset, String what) {
        long a = Libc.mmap(0, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, offset, what);
        return new Mapping(a, length, what);
    }

    /** Private anonymous zeroed memory, populated. */
    public static Mapping anonymous(long length, String what) {
        long a = Libc.mmap(0, length, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_POPULATE, -1, 0, what);
        return new Mapping(a, length, what);
    }

    /** Adopts a range mapped elsewhere (e.g. with flags this class has no factory for). */
    public static Mapping adopt(long address, long length, String what) {
        return new Mapping(address, length, what);
    }

    public long address() { return address; }
    public long length() { return length; }
    public OffHeapBuffer buffer() { return buffer; }
    public String description() { return what; }

    public void lock() { Libc.mlock(address, length, what); }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.munmap(address, length);
        }
    }

    @Override
    public String toString() {
        return "Mapping[" + what + " at 0x" + Long.toHexString(address) + ", " + length + " bytes]";
    }
}
