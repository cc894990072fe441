package io.jnetmap.sys;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.LastError;
import com.kenai.jffi.Library;
import com.kenai.jffi.MemoryIO;
import com.kenai.jffi.Type;

import java.nio.charset.StandardCharsets;

/**
 * The libc calls jnetmap needs, through jffi. Every call that fails throws a
 * {@link NativeException} naming the call, its argument and the errno; no caller sees raw errno.
 *
 * <p>All calls go through jffi's numeric invoker ({@code invokeN*}), which passes every argument
 * as a 64-bit integer; int results come back zero-extended and are narrowed here.
 * Variadic functions (open, ioctl, fcntl, syscall) get variadic call contexts.
 */
public final class Libc {
    // open(2)
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80,
            O_TRUNC = 0x200, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    // mmap(2)
    public static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_PRIVATE = 2,
            MAP_ANONYMOUS = 0x20, MAP_LOCKED = 0x2000, MAP_POPULATE = 0x8000, MAP_HUGETLB = 0x40000,
            MAP_HUGE_2MB = 21 << 26, MAP_HUGE_1GB = 30 << 26;
    // poll(2)
    public static final short POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;
    // eventfd(2)
    public static final int EFD_NONBLOCK = 0x800, EFD_CLOEXEC = 0x80000, EFD_SEMAPHORE = 1;
    // futex(2), shared (not FUTEX_PRIVATE) so it works across processes mapping the same file
    static final int FUTEX_WAIT = 0, FUTEX_WAKE = 1;
    private static final long SYS_FUTEX = 202; // x86_64
    // membarrier(2) (Linux 4.16 for the GLOBAL_EXPEDITED pair)
    public static final int MEMBARRIER_CMD_QUERY = 0, MEMBARRIER_CMD_GLOBAL_EXPEDITED = 1 << 1,
            MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 1 << 2;
    private static final long SYS_MEMBARRIER = 324; // x86_64

    private static final Invoker INV = Invoker.getInstance();
    private static final MemoryIO MEM = MemoryIO.getInstance();

    private static final long F_OPEN = sym("open"), F_CLOSE = sym("close"), F_READ = sym("read"),
            F_WRITE = sym("write"), F_PREAD = sym("pread64"), F_PWRITE = sym("pwrite64"), F_IOCTL = sym("ioctl"),
            F_MMAP = sym("mmap64"), F_MUNMAP = sym("munmap"), F_MLOCK = sym("mlock"), F_MUNLOCK = sym("munlock"),
            F_FTRUNCATE = sym("ftruncate64"), F_POLL = sym("poll"), F_EVENTFD = sym("eventfd"),
            F_GETPAGESIZE = sym("getpagesize"), F_STRERROR = sym("strerror"), F_UNLINK = sym("unlink"),
            F_SYSCALL = sym("syscall"), F_FCNTL = sym("fcntl"), F_SOCKET = sym("socket"), F_GETPID = sym("getpid"),
            F_SETAFFINITY = sym("sched_setaffinity"), F_GETAFFINITY = sym("sched_getaffinity");

    private static final Type I = Type.SINT, L = Type.SLONG, P = Type.POINTER;
    private static final CallContext C_OPEN = variadic(I, 2, P, I, I);
    private static final CallContext C_I_I = ctx(I, I);
    private static final CallContext C_RW = ctx(L, I, P, L);
    private static final CallContext C_PRW = ctx(L, I, P, L, L);
    private static final CallContext C_IOCTL = variadic(I, 2, I, Type.ULONG, P);
    private static final CallContext C_MMAP = ctx(P, P, Type.ULONG, I, I, I, L);
    private static final CallContext C_PL = ctx(I, P, Type.ULONG);
    private static final CallContext C_FTRUNC = ctx(I, I, L);
    private static final CallContext C_POLL = ctx(I, P, Type.ULONG, I);
    private static final CallContext C_EVENTFD = ctx(I, Type.UINT, I);
    private static final CallContext C_VOID_I = ctx(I);
    private static final CallContext C_STRERROR = ctx(P, I);
    private static final CallContext C_P = ctx(I, P);
    private static final CallContext C_SYSCALL6 = variadic(L, 1, L, L, L, L, L, L);
    private static final CallContext C_FCNTL = variadic(I, 2, I, I, L);
    private static final CallContext C_SOCKET = ctx(I, I, I, I);
    private static final CallContext C_AFFINITY = ctx(I, I, Type.ULONG, P);
    /** sizeof(cpu_set_t): glibc's fixed 1024-CPU mask. */
    private static final int CPU_SET_BYTES = 128;

    private static final int PAGE_SIZE = (int) INV.invokeN0(C_VOID_I, F_GETPAGESIZE);

    private Libc() { }

    private static long sym(String name) {
        long a = Library.getDefault().getSymbolAddress(name);
        if (a == 0) throw new UnsatisfiedLinkError("libc symbol " + name + " not found");
        return a;
    }

    private static CallContext ctx(Type ret, Type... params) {
        return CallContext.getCallContext(ret, params, CallingConvention.DEFAULT, true);
    }

    private static CallContext variadic(Type ret, int fixed, Type... params) {
        return CallContext.getCallContext(ret, fixed, params, CallingConvention.DEFAULT, true);
    }

    private static int errno() {
        return LastError.getInstance().get();
    }

    /** A NUL-terminated copy of {@code s} in native memory; the caller frees it. */
    private static long cString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        long p = MEM.allocateMemory(b.length + 1, true);
        MEM.putZeroTerminatedByteArray(p, b, 0, b.length);
        return p;
    }

    static String strerror(int errno) {
        long p = INV.invokeN1(C_STRERROR, F_STRERROR, errno);
        return p == 0 ? "unknown error" : new String(MEM.getZeroTerminatedByteArray(p), StandardCharsets.UTF_8);
    }

    public static int pageSize() { return PAGE_SIZE; }

    public static int getpid() { return (int) INV.invokeN0(C_VOID_I, F_GETPID); }

    /** open(2); {@code hint} (may be null) is added to the error message, to say what to do. */
    public static int open(String path, int flags, int mode, String hint) {
        long p = cString(path);
        try {
            int fd = (int) INV.invokeN3(C_OPEN, F_OPEN, p, flags | O_CLOEXEC, mode);
            if (fd < 0) throw new NativeException("open", path, errno(), hint);
            return fd;
        } finally {
            MEM.freeMemory(p);
        }
    }

    public static int open(String path, int flags) { return open(path, flags, 0, null); }

    public static void close(int fd) {
        if ((int) INV.invokeN1(C_I_I, F_CLOSE, fd) < 0) throw new NativeException("close", "fd " + fd, errno());
    }

    /** Closes without throwing: for cleanup paths that must go on. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) INV.invokeN1(C_I_I, F_CLOSE, fd);
    }

    public static void unlink(String path) {
        long p = cString(path);
        try {
            if ((int) INV.invokeN1(C_P, F_UNLINK, p) < 0) throw new NativeException("unlink", path, errno());
        } finally {
            MEM.freeMemory(p);
        }
    }

    public static long read(int fd, long addr, long len, String what) {
        return checked(INV.invokeN3(C_RW, F_READ, fd, addr, len), "read", what);
    }

    /** read(2) that returns -EAGAIN instead of throwing, for non-blocking fds. */
    public static long readNonBlocking(int fd, long addr, long len, String what) {
        return nonBlocking(INV.invokeN3(C_RW, F_READ, fd, addr, len), "read", what);
    }

    public static long write(int fd, long addr, long len, String what) {
        return checked(INV.invokeN3(C_RW, F_WRITE, fd, addr, len), "write", what);
    }

    /** write(2) that returns -EAGAIN instead of throwing, for non-blocking fds. */
    public static long writeNonBlocking(int fd, long addr, long len, String what) {
        return nonBlocking(INV.invokeN3(C_RW, F_WRITE, fd, addr, len), "write", what);
    }

    public static long pread(int fd, long addr, long len, long offset, String what) {
        return checked(INV.invokeN4(C_PRW, F_PREAD, fd, addr, len, offset), "pread", what);
    }

    public static long pwrite(int fd, long addr, long len, long offset, String what) {
        return checked(INV.invokeN4(C_PRW, F_PWRITE, fd, addr, len, offset), "pwrite", what);
    }

    /** A read/write-style result {@code n} of {@code call}: n when it is 0 or more, else a NativeException with the errno. */
    private static long checked(long n, String call, String what) {
        if (n < 0) throw new NativeException(call, what, errno());
        return n;
    }

    /** As {@link #checked}, but EAGAIN and EINTR come back as -errno, for non-blocking fds. */
    private static long nonBlocking(long n, String call, String what) {
        if (n >= 0) return n;
        int e = errno();
        if (e == Errno.EAGAIN || e == Errno.EINTR) return -e;
        throw new NativeException(call, what, e);
    }

    /** ioctl(2) with a pointer (or an integer passed by value) as its argument; returns its non-negative result. */
    public static int ioctl(int fd, long request, long arg, String name) {
        int rc = (int) INV.invokeN3(C_IOCTL, F_IOCTL, fd, request, arg);
        if (rc < 0) throw new NativeException("ioctl", name, errno());
        return rc;
    }

    /** ioctl(2) returning -errno instead of throwing, for callers that turn errnos into their own advice. */
    public static int ioctlOrErrno(int fd, long request, long arg) {
        int rc = (int) INV.invokeN3(C_IOCTL, F_IOCTL, fd, request, arg);
        return rc < 0 ? -errno() : rc;
    }

    public static long mmap(long addr, long len, int prot, int flags, int fd, long offset, String what) {
        long a = INV.invokeN6(C_MMAP, F_MMAP, addr, len, prot, flags, fd, offset);
        if (a == -1L) throw new NativeException("mmap", what + ", " + len + " bytes", errno());
        return a;
    }

    /** mmap returning -errno instead of throwing (e.g. to fall back from hugepages). */
    public static long mmapOrErrno(long addr, long len, int prot, int flags, int fd, long offset) {
        long a = INV.invokeN6(C_MMAP, F_MMAP, addr, len, prot, flags, fd, offset);
        return a == -1L ? -errno() : a;
    }

    public static void munmap(long addr, long len) {
        if ((int) INV.invokeN2(C_PL, F_MUNMAP, addr, len) < 0)
            throw new NativeException("munmap", "0x" + Long.toHexString(addr) + ", " + len + " bytes", errno());
    }

    public static void mlock(long addr, long len, String what) {
        if ((int) INV.invokeN2(C_PL, F_MLOCK, addr, len) < 0)
            throw new NativeException("mlock", what + ", " + len + " bytes", errno(),
                    "raise the locked-memory limit (ulimit -l) or run as root");
    }

    public static void munlock(long addr, long len) {
        INV.invokeN2(C_PL, F_MUNLOCK, addr, len);
    }

    public static void ftruncate(int fd, long len, String what) {
        if ((int) INV.invokeN2(C_FTRUNC, F_FTRUNCATE, fd, len) < 0)
            throw new NativeException("ftruncate", what + ", " + len + " bytes", errno());
    }

    /**
     * poll(2) on {@code n} pollfd structs at {@code fds}. Returns the number ready, 0 on timeout;
     * an interrupted poll returns 0 (callers loop on their own deadline).
     */
    public static int poll(long fds, int n, int timeoutMillis) {
        int rc = (int) INV.invokeN3(C_POLL, F_POLL, fds, n, timeoutMillis);
        if (rc < 0) {
            int e = errno();
            if (e == Errno.EINTR) return 0;
            throw new NativeException("poll", n + " fds", e);
        }
        return rc;
    }

    public static int eventfd(int initval, int flags) {
        int fd = (int) INV.invokeN2(C_EVENTFD, F_EVENTFD, initval, flags | EFD_CLOEXEC);
        if (fd < 0) throw new NativeException("eventfd", "initval " + initval, errno());
        return fd;
    }

    public static void setNonBlocking(int fd, String what) {
        final int F_GETFL = 3, F_SETFL = 4;
        int fl = (int) INV.invokeN3(C_FCNTL, F_FCNTL, fd, F_GETFL, 0);
        if (fl < 0 || (int) INV.invokeN3(C_FCNTL, F_FCNTL, fd, F_SETFL, fl | O_NONBLOCK) < 0)
            throw new NativeException("fcntl", what + ", O_NONBLOCK", errno());
    }

    public static int socket(int domain, int type, int protocol) {
        int fd = (int) INV.invokeN3(C_SOCKET, F_SOCKET, domain, type | O_CLOEXEC, protocol);
        if (fd < 0) throw new NativeException("socket", "domain " + domain + ", type " + type, errno());
        return fd;
    }

    /**
     * The CPUs the calling thread may run on (sched_getaffinity(2) with pid 0, which is this
     * thread), in increasing order.
     */
    public static int[] threadAffinity() {
        try (OffHeapBuffer mask = OffHeapBuffer.allocate(CPU_SET_BYTES)) {
            if ((int) INV.invokeN3(C_AFFINITY, F_GETAFFINITY, 0, CPU_SET_BYTES, mask.address()) < 0)
                throw new NativeException("sched_getaffinity", "this thread", errno());
            int n = 0;
            int[] cpus = new int[CPU_SET_BYTES * 8];
            for (int cpu = 0; cpu < cpus.length; cpu++)
                if ((mask.getByte(cpu >>> 3) & (1 << (cpu & 7))) != 0) cpus[n++] = cpu;
            return java.util.Arrays.copyOf(cpus, n);
        }
    }

    /**
     * Lets the calling thread (only it: pid 0 of sched_setaffinity(2) is the caller's thread) run
     * on {@code cpus} only; one CPU pins it (netmap pkt-gen's {@code -a}). The scheduler moves the
     * thread there before this returns.
     */
    public static void setThreadAffinity(int... cpus) {
        if (cpus.length == 0) throw new IllegalArgumentException("no CPU given");
        try (OffHeapBuffer mask = OffHeapBuffer.allocate(CPU_SET_BYTES)) {
            for (int cpu : cpus) {
                if (cpu < 0 || cpu >= CPU_SET_BYTES * 8)
                    throw new IllegalArgumentException("CPU " + cpu + ": CPUs are numbered 0 to " + (CPU_SET_BYTES * 8 - 1));
                mask.putByte(cpu >>> 3, (byte) (mask.getByte(cpu >>> 3) | (1 << (cpu & 7))));
            }
            if ((int) INV.invokeN3(C_AFFINITY, F_SETAFFINITY, 0, CPU_SET_BYTES, mask.address()) < 0) {
                int e = errno();
                throw new NativeException("sched_setaffinity", "CPUs " + java.util.Arrays.toString(cpus), e,
                        e == Errno.EINVAL ? "use CPUs this process may run on (taskset -p " + getpid() + " lists them)" : null);
            }
        }
    }

    /**
     * Sleeps while the int at {@code addr} equals {@code expected}, at most {@code timeoutNanos}
     * (negative: no limit). Returns on wake-up, value change, timeout or signal alike: callers re-check.
     */
    public static void futexWait(long addr, int expected, long timeoutNanos, OffHeapBuffer timespecScratch) {
        long ts = 0;
        if (timeoutNanos >= 0) {
            timespecScratch.putLong(0, timeoutNanos / 1_000_000_000L);
            timespecScratch.putLong(8, timeoutNanos % 1_000_000_000L);
            ts = timespecScratch.address();
        }
        long rc = INV.invokeN6(C_SYSCALL6, F_SYSCALL, SYS_FUTEX, addr, FUTEX_WAIT, expected & 0xffffffffL, ts, 0);
        if (rc < 0) {
            int e = errno();
            if (e != Errno.EAGAIN && e != Errno.EINTR && e != Errno.ETIMEDOUT)
                throw new NativeException("futex", "FUTEX_WAIT at 0x" + Long.toHexString(addr), e);
        }
    }

    /**
     * membarrier(2) with {@code cmd} and no flags: for {@link #MEMBARRIER_CMD_QUERY} the commands
     * this kernel supports (a bit mask), else 0. Returns -errno when the kernel refuses (ENOSYS on
     * a kernel without it, EINVAL for an unknown command, EPERM under a seccomp filter).
     */
    public static int membarrier(int cmd) {
        long rc = INV.invokeN6(C_SYSCALL6, F_SYSCALL, SYS_MEMBARRIER, cmd, 0, 0, 0, 0);
        return rc < 0 ? -errno() : (int) rc;
    }

    /** Wakes up to {@code count} waiters sleeping on the int at {@code addr}. */
    public static void futexWake(long addr, int count) {
        long rc = INV.invokeN6(C_SYSCALL6, F_SYSCALL, SYS_FUTEX, addr, FUTEX_WAKE, count, 0, 0);
        if (rc < 0) throw new NativeException("futex", "FUTEX_WAKE at 0x" + Long.toHexString(addr), errno());
    }
}
