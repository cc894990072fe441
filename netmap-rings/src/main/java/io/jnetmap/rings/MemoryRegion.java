package io.jnetmap.rings;

import io.jnetmap.sys.Errno;
import io.jnetmap.sys.Libc;
import io.jnetmap.sys.Mapping;
import io.jnetmap.sys.NativeException;
import io.jnetmap.sys.OffHeapBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A netmap memory region: netmap_if objects, ring objects and the buffer pool in one file-backed
 * mapping, so that another process can map the same file and share rings and buffers (netmap pipes
 * between JVMs), and so that a NIC can be given the whole region for DMA (zero copy).
 *
 * <pre>
 * [header pages: what this file is, allocator state, pipe table]
 * [bitmaps: free netmap_ifs, ring objects, buffers]
 * [netmap_if pool]
 * [ring pool: netmap_ring header (256 B) + slots (16 B each) + jnetmap's kring state]
 * [buffer pool, 2 MiB aligned: buffer i at bufPool + i * bufSize; 0 and 1 reserved]
 * </pre>
 *
 * Allocation happens at open and close only, under a lock word in the header that works across
 * processes (it records the holder's pid so a crashed holder's lock can be taken over).
 */
public final class MemoryRegion implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryRegion.class);

    static final int MAGIC = 0x524D4E4A; // "JNMR"
    /** 2: the kring state's lines (issue #17: K_BUSY with the owner's fields, hwtail 128 bytes away) and 384-byte pipe entries. */
    static final int VERSION = 2;
    private static final long HUGE_PAGE = 2L << 20;

    // header fields
    private static final int H_MAGIC = 0, H_VERSION = 4, H_SIZE = 8, H_BUF_SIZE = 16, H_NUM_BUFS = 20,
            H_RING_OBJ_SIZE = 24, H_NUM_RINGS = 28, H_IF_OBJ_SIZE = 32, H_NUM_IFS = 36, H_MAX_SLOTS = 40,
            H_IF_POOL = 48, H_RING_POOL = 56, H_BUF_POOL = 64, H_BUF_BITMAP = 72, H_RING_BITMAP = 80,
            H_IF_BITMAP = 88, H_LOCK = 96, H_FREE_BUFS = 100, H_CREATOR = 104, H_PIPES = 108,
            H_KEEP = 112, H_EXT = 116,
            H_PIDS = 128, MAX_PIDS = 64, H_PIPE_TABLE = 512;
    static final int MAX_PIPES = 64, PIPE_ENTRY_SIZE = 384;
    private static final int HEADER_BYTES = H_PIPE_TABLE + MAX_PIPES * PIPE_ENTRY_SIZE;
    static final int IF_OBJ_SIZE = 1024;

    /** Per ring object, after the slots: jnetmap's kernel-side ring state (see {@link Kring}), then 4 bytes per slot. */
    static final int KSTATE_SIZE = 256;
    /**
     * What two CPUs writing different data must keep between them: a 64-byte line plus the one
     * the spatial prefetcher pulls with it (Intel's adjacent-line prefetcher works on 128-byte
     * aligned pairs), so a pipe's two threads never make each other's lines bounce.
     */
    static final int LINE_PAIR = 128;

    private static final Map<String, MemoryRegion> OPEN = new HashMap<>();

    private final String name;
    private final Path file;
    private final Mapping mapping;
    private final OffHeapBuffer mem;
    private final OffHeapBuffer header;
    private final boolean hugetlb;
    private final int bufSize, numBuffers, ringObjSize, numRings, numIfs, maxSlots;
    private final long ifPool, ringPool, bufPool, bufBitmap, ringBitmap, ifBitmap;
    private final OffHeapBuffer buffers;
    private final int pid = Libc.getpid();
    private int refs;

    private MemoryRegion(String name, Path file, Mapping mapping, boolean hugetlb) {
        this.name = name;
        this.file = file;
        this.mapping = mapping;
        this.mem = mapping.buffer();
        this.hugetlb = hugetlb;
        this.header = mem.slice(0, HEADER_BYTES);
        this.bufSize = header.getInt(H_BUF_SIZE);
        this.numBuffers = header.getInt(H_NUM_BUFS);
        this.ringObjSize = header.getInt(H_RING_OBJ_SIZE);
        this.numRings = header.getInt(H_NUM_RINGS);
        this.numIfs = header.getInt(H_NUM_IFS);
        this.maxSlots = header.getInt(H_MAX_SLOTS);
        this.ifPool = header.getLong(H_IF_POOL);
        this.ringPool = header.getLong(H_RING_POOL);
        this.bufPool = header.getLong(H_BUF_POOL);
        this.bufBitmap = header.getLong(H_BUF_BITMAP);
        this.ringBitmap = header.getLong(H_RING_BITMAP);
        this.ifBitmap = header.getLong(H_IF_BITMAP);
        this.buffers = mem.slice(bufPool, (long) numBuffers * bufSize);
    }

    // ------------------------------------------------------------------ open, create, close

    /**
     * The region called {@code name}: the one this process has open, else the file another process
     * created, else a new one made with {@code config}. Each call must be paired with {@link #close}.
     */
    public static MemoryRegion attach(String name, RegionConfig config) {
        checkName(name);
        synchronized (OPEN) {
            MemoryRegion r = OPEN.get(name);
            if (r == null) {
                r = openOrCreate(name, config);
                OPEN.put(name, r);
            }
            r.refs++;
            return r;
        }
    }

    /** A fresh region that no other process can find (deleted from its directory once mapped). */
    public static MemoryRegion createPrivate(String name, RegionConfig config) {
        checkName(name);
        Path f = config.directory().resolve("jnetmap." + name + "." + Libc.getpid() + "." + System.nanoTime());
        MemoryRegion r = create(name, f, config);
        Libc.unlink(f.toString());
        r.refs = 1;
        return r;
    }

    private static void checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9_.:-]{1,64}"))
            throw new IllegalArgumentException("region name '" + name + "' must be 1-64 characters of [A-Za-z0-9_.:-]");
    }

    static Path fileFor(String name, RegionConfig config) {
        return config.directory().resolve("jnetmap." + name.replace(':', '_'));
    }

    private static MemoryRegion openOrCreate(String name, RegionConfig config) {
        Path f = fileFor(name, config);
        for (int attempt = 0; attempt < 3; attempt++) {
            if (Files.exists(f)) {
                MemoryRegion r = openExisting(name, f);
                if (r != null) return r;
                continue; // it vanished while we looked: its last user removed it
            }
            try {
                return create(name, f, config);
            } catch (NativeException e) {
                if (e.errno() != Errno.EEXIST) throw e;
            }
        }
        throw new IllegalStateException("region file " + f + " keeps appearing and vanishing; is another process cycling it?");
    }

    private static MemoryRegion create(String name, Path f, RegionConfig c) {
        int page = Libc.pageSize();
        boolean huge = isHugetlbfs(c.directory());
        long bitmapBytes = align(bitmapWords(c.numBuffers()) * 8L + bitmapWords(c.numRings()) * 8L
                + bitmapWords(c.numIfs()) * 8L, page);
        long headerPages = align(HEADER_BYTES, page);
        long ifPool = headerPages + bitmapBytes;
        int ringObj = ringObjectSize(c.maxSlotsPerRing(), page);
        long ringPool = align(ifPool + (long) c.numIfs() * IF_OBJ_SIZE, page);
        long bufPool = align(ringPool + (long) c.numRings() * ringObj, HUGE_PAGE);
        long total = align(bufPool + (long) c.numBuffers() * c.bufSize(), HUGE_PAGE);
        if (total > Integer.MAX_VALUE)
            throw new IllegalArgumentException("region '" + name + "' would need " + total
                    + " bytes; at most 2 GiB per region: use fewer buffers or rings");
        if (!Files.isDirectory(c.directory()))
            throw new IllegalArgumentException("region directory " + c.directory() + " does not exist"
                    + (huge ? "" : "; mount tmpfs there or choose another directory"));
        int fd = Libc.open(f.toString(), Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL, 0600, null);
        Mapping m;
        try {
            try {
                Libc.ftruncate(fd, total, f.toString());
                m = Mapping.shared(fd, total, 0, f.toString());
            } catch (NativeException e) {
                Libc.unlink(f.toString());
                if (huge && (e.errno() == Errno.ENOMEM || e.errno() == Errno.EINVAL || e.errno() == Errno.ENOSPC))
                    throw new NativeException(e.call(), e.argument(), e.errno(),
                            "not enough hugepages for a " + (total >> 20) + " MiB region: reserve more with "
                                    + "tools/nm-bind hugepages --size 2M --count " + (total / HUGE_PAGE + 8));
                throw e;
            }
        } finally {
            Libc.closeQuietly(fd);
        }
        OffHeapBuffer h = m.buffer();
        h.putLong(H_SIZE, total);
        h.putInt(H_BUF_SIZE, c.bufSize());
        h.putInt(H_NUM_BUFS, c.numBuffers());
        h.putInt(H_RING_OBJ_SIZE, ringObj);
        h.putInt(H_NUM_RINGS, c.numRings());
        h.putInt(H_IF_OBJ_SIZE, IF_OBJ_SIZE);
        h.putInt(H_NUM_IFS, c.numIfs());
        h.putInt(H_MAX_SLOTS, c.maxSlotsPerRing());
        h.putLong(H_IF_POOL, ifPool);
        h.putLong(H_RING_POOL, ringPool);
        h.putLong(H_BUF_POOL, bufPool);
        h.putLong(H_BUF_BITMAP, headerPages);
        h.putLong(H_RING_BITMAP, headerPages + bitmapWords(c.numBuffers()) * 8L);
        h.putLong(H_IF_BITMAP, headerPages + (bitmapWords(c.numBuffers()) + bitmapWords(c.numRings())) * 8L);
        h.putInt(H_FREE_BUFS, c.numBuffers() - NetmapLayout.FIRST_BUFFER);
        h.putInt(H_CREATOR, Libc.getpid());
        h.putInt(H_VERSION, VERSION);
        MemoryRegion r = new MemoryRegion(name, f, m, huge);
        // buffers 0 and 1 are never handed out, as in netmap
        r.markUsed(r.bufBitmap, 0);
        r.markUsed(r.bufBitmap, 1);
        r.registerPid();
        h.putIntRelease(H_MAGIC, MAGIC); // last: a concurrent opener waits for it
        LOG.debug("created region {} ({} MiB, {} buffers of {} B) at {}", name, total >> 20, c.numBuffers(), c.bufSize(), f);
        return r;
    }

    private static MemoryRegion openExisting(String name, Path f) {
        int fd;
        try {
            fd = Libc.open(f.toString(), Libc.O_RDWR, 0, null);
        } catch (NativeException e) {
            if (e.errno() == Errno.ENOENT) return null;
            throw e;
        }
        try {
            int page = Libc.pageSize();
            long deadline = System.nanoTime() + 2_000_000_000L;
            long size;
            while (true) {
                size = Files.size(f);
                if (size >= page) {
                    try (Mapping probe = Mapping.shared(fd, page, 0, f.toString())) {
                        int magic = probe.buffer().getIntAcquire(H_MAGIC);
                        if (magic == MAGIC) {
                            int v = probe.buffer().getInt(H_VERSION);
                            if (v != VERSION)
                                throw new IllegalStateException(f + " is a jnetmap region of layout version " + v
                                        + ", this jnetmap uses version " + VERSION + ": close the programs using it, or delete the file");
                            size = probe.buffer().getLong(H_SIZE);
                            break;
                        }
                        if (magic != 0)
                            throw new IllegalStateException(f + " is not a jnetmap memory region (magic 0x"
                                    + Integer.toHexString(magic) + "); delete it or choose another port name");
                    }
                }
                if (System.nanoTime() > deadline)
                    throw new IllegalStateException(f + " is not a jnetmap memory region (no header after 2 s); "
                            + "delete it or choose another port name");
                Thread.onSpinWait();
                sleepQuietly(5);
            }
            if (Files.size(f) < size)
                throw new IllegalStateException(f + " is shorter than its header says (" + Files.size(f) + " < " + size
                        + " bytes); delete it");
            Mapping m = Mapping.shared(fd, size, 0, f.toString());
            MemoryRegion r = new MemoryRegion(name, f, m, isHugetlbfs(f.getParent()));
            r.registerPid();
            return r;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("reading " + f, e);
        } finally {
            Libc.closeQuietly(fd);
        }
    }

    private static boolean isHugetlbfs(Path dir) {
        try {
            Path real = dir.toRealPath();
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length > 2 && f[2].equals("hugetlbfs") && real.startsWith(Path.of(f[1]))) return true;
            }
        } catch (java.io.IOException e) {
            return false;
        }
        return false;
    }

    static int ringObjectSize(int maxSlots, int page) {
        return (int) align(kstateOffset(maxSlots) + KSTATE_SIZE + 4L * maxSlots, page);
    }

    /** Offset of the kring state inside a ring object of {@code numSlots} slots. */
    static int kstateOffset(int numSlots) {
        return (int) align(NetmapLayout.ringBytes(numSlots), LINE_PAIR); // the peer writes the last slots: not our pair
    }

    private static long align(long v, long a) { return (v + a - 1) / a * a; }
    private static int bitmapWords(int n) { return (n + 63) / 64; }

    private static void sleepQuietly(long ms) {
        try { Thread.sleep(ms); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
    }

    /** Releases one {@link #attach}; the last one unmaps, and removes the file when no process uses it. */
    @Override
    public void close() {
        synchronized (OPEN) {
            if (refs <= 0) return;
            if (--refs > 0) return;
            OPEN.remove(name, this);
            boolean last;
            lock();
            try {
                unregisterPid();
                last = livePids() == 0;
            } finally {
                unlock();
            }
            if (last && file != null && header.getIntVolatile(H_KEEP) != 0) {
                LOG.debug("region {} stays: it holds persistent ports", name);
            } else if (last && file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (java.io.IOException e) {
                    LOG.warn("could not remove region file {}: {}", file, e.toString());
                }
            }
            mapping.close();
        }
    }

    // ------------------------------------------------------------------ accessors

    public String name() { return name; }
    public Path file() { return file; }
    public boolean onHugepages() { return hugetlb; }
    /** Base virtual address of the whole region (for DMA mapping). */
    public long address() { return mapping.address(); }
    public long length() { return mapping.length(); }
    /** The whole region. */
    public OffHeapBuffer memory() { return mem; }
    public int bufSize() { return bufSize; }
    public int numBuffers() { return numBuffers; }
    public int maxSlotsPerRing() { return maxSlots; }
    /** The buffer pool: buffer {@code i} starts at byte {@code i * bufSize()}. */
    public OffHeapBuffer buffers() { return buffers; }
    /** Offset of the buffer pool from the start of the region. */
    public long bufferPoolOffset() { return bufPool; }
    /** Virtual address of buffer {@code idx}. */
    public long bufferAddress(int idx) { return mapping.address() + bufPool + (long) idx * bufSize; }
    public boolean validBuffer(int idx) { return idx >= NetmapLayout.FIRST_BUFFER && idx < numBuffers; }
    public int freeBuffers() { return header.getIntVolatile(H_FREE_BUFS); }

    long ringObjectOffset(int ringObj) { return ringPool + (long) ringObj * ringObjSize; }
    long ifObjectOffset(int ifObj) { return ifPool + (long) ifObj * IF_OBJ_SIZE; }
    OffHeapBuffer header() { return header; }

    // ------------------------------------------------------------------ cross-process lock and pids

    void lock() {
        long deadline = System.nanoTime() + 5_000_000_000L;
        int spins = 0;
        while (!header.compareAndSetInt(H_LOCK, 0, pid)) {
            int holder = header.getIntVolatile(H_LOCK);
            if (holder != 0 && holder != pid && !pidAlive(holder)) {
                if (header.compareAndSetInt(H_LOCK, holder, pid)) {
                    LOG.warn("region {}: took over the lock of process {}, which died holding it", name, holder);
                    return;
                }
            }
            if (++spins > 100) sleepQuietly(1); else Thread.onSpinWait();
            if (System.nanoTime() > deadline)
                throw new IllegalStateException("region " + name + ": lock held by process " + holder
                        + " for over 5 s; is it stopped in a debugger?");
        }
    }

    void unlock() { header.putIntRelease(H_LOCK, 0); }

    static boolean pidAlive(int pid) {
        return pid > 0 && Files.exists(Path.of("/proc/" + pid));
    }

    private void registerPid() {
        lock();
        try {
            for (int i = 0; i < MAX_PIDS; i++) {
                int p = header.getInt(H_PIDS + 4 * i);
                if (p == pid) return;
            }
            for (int i = 0; i < MAX_PIDS; i++) {
                int p = header.getInt(H_PIDS + 4 * i);
                if (p == 0 || !pidAlive(p)) {
                    header.putInt(H_PIDS + 4 * i, pid);
                    return;
                }
            }
            throw new IllegalStateException("region " + name + " is mapped by " + MAX_PIDS + " live processes already");
        } finally {
            unlock();
        }
    }

    private void unregisterPid() {
        for (int i = 0; i < MAX_PIDS; i++)
            if (header.getInt(H_PIDS + 4 * i) == pid) header.putInt(H_PIDS + 4 * i, 0);
    }

    private int livePids() {
        int n = 0;
        for (int i = 0; i < MAX_PIDS; i++) {
            int p = header.getInt(H_PIDS + 4 * i);
            if (p != 0 && p != pid && pidAlive(p)) n++;
        }
        return n;
    }

    // ------------------------------------------------------------------ allocators (call under lock())

    private boolean isUsed(long bitmap, int i) {
        return (mem.getLong((int) (bitmap + (i >>> 6) * 8L)) & (1L << (i & 63))) != 0;
    }

    private void markUsed(long bitmap, int i) {
        int off = (int) (bitmap + (i >>> 6) * 8L);
        mem.putLong(off, mem.getLong(off) | (1L << (i & 63)));
    }

    private void markFree(long bitmap, int i) {
        int off = (int) (bitmap + (i >>> 6) * 8L);
        mem.putLong(off, mem.getLong(off) & ~(1L << (i & 63)));
    }

    private int allocate(long bitmap, int n, String what) {
        for (int w = 0; w < bitmapWords(n); w++) {
            long word = mem.getLong((int) (bitmap + w * 8L));
            if (word == -1L) continue;
            int i = w * 64 + Long.numberOfTrailingZeros(~word);
            if (i >= n) break;
            markUsed(bitmap, i);
            return i;
        }
        throw new IllegalStateException("region " + name + " has no free " + what + " left (" + n
                + " in all); close other ports or create the region with more");
    }

    int allocateRingObject(int numSlots) {
        if (numSlots > maxSlots)
            throw new IllegalArgumentException(numSlots + " slots per ring is more than region " + name
                    + " holds (" + maxSlots + "); ask for fewer slots");
        int r = allocate(ringBitmap, numRings, "ring objects");
        mem.fill((int) ringObjectOffset(r), ringObjSize, (byte) 0);
        return r;
    }

    void freeRingObject(int r) { markFree(ringBitmap, r); }

    int allocateIfObject() {
        int i = allocate(ifBitmap, numIfs, "netmap_if objects");
        mem.fill((int) ifObjectOffset(i), IF_OBJ_SIZE, (byte) 0);
        return i;
    }

    void freeIfObject(int i) { markFree(ifBitmap, i); }

    int allocateBuffer() {
        int b = allocate(bufBitmap, numBuffers, "buffers");
        header.putInt(H_FREE_BUFS, header.getInt(H_FREE_BUFS) - 1);
        return b;
    }

    void freeBuffer(int b) {
        if (!validBuffer(b) || !isUsed(bufBitmap, b)) {
            LOG.warn("region {}: buffer {} freed but not allocated; ignored", name, b);
            return;
        }
        markFree(bufBitmap, b);
        header.putInt(H_FREE_BUFS, header.getInt(H_FREE_BUFS) + 1);
    }

    /** Whether buffer {@code b} is currently allocated (tests and leak checks). */
    public boolean bufferAllocated(int b) {
        lock();
        try {
            return isUsed(bufBitmap, b);
        } finally {
            unlock();
        }
    }

    // ------------------------------------------------------------------ extension object, persistence

    /**
     * The ring object a region user keeps its own shared state in (a VALE switch's port table),
     * or -1 if none was set. Call under {@link #lock()}.
     */
    int extObject() { return header.getInt(H_EXT) - 1; }

    void extObject(int ringObject) { header.putInt(H_EXT, ringObject + 1); }

    /** Size of one ring object: the most an {@link #extObject() extension object} can hold. */
    int ringObjectSize() { return ringObjSize; }

    /**
     * Whether the file stays when its last process closes it (a switch with persistent ports,
     * as {@code vale-ctl -n} makes); call under {@link #lock()}.
     */
    void keep(boolean keep) { header.putIntVolatile(H_KEEP, keep ? 1 : 0); }

    // ------------------------------------------------------------------ pipe table

    int pipeEntryOffset(int i) { return H_PIPE_TABLE + i * PIPE_ENTRY_SIZE; }

    @Override
    public String toString() {
        return "MemoryRegion[" + name + ", " + (mapping.length() >> 20) + " MiB, " + numBuffers + " x " + bufSize + " B]";
    }
}
