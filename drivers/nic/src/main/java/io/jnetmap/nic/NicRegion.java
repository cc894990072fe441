package io.jnetmap.nic;

import io.jnetmap.rings.MemoryRegion;
import io.jnetmap.rings.RegionConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The process's netmap memory region for NICs: one region shared by every NIC port of the process
 * (netmap's global allocator), so that a bridge between two NICs swaps buffers instead of copying
 * them. It is DMA-mapped once per device address space (the VFIO container, or physical memory
 * under UIO), and the device address of every buffer is computed once, here: a driver's data path
 * turns a slot's buffer index into a descriptor address with one array load.
 *
 * <p>The region is private to the process (created with {@link MemoryRegion#createPrivate} and
 * unlinked at once): a NIC belongs to one process, and a crashed process leaves nothing behind.
 * It lives on a hugetlbfs mount when there is one (UIO needs physically contiguous buffers and
 * stable physical addresses), otherwise in /dev/shm.
 *
 * <p>Settings (system properties): {@value #DIR_PROPERTY} (else {@code jnetmap.region.dir}, else
 * the first 2 MiB hugetlbfs mount, else /dev/shm), {@value #BUFFERS_PROPERTY} (buffers, default
 * enough for several NICs' rings), {@value #BUFSIZE_PROPERTY} (bytes per buffer, default 2048),
 * {@value #RINGS_PROPERTY} (ring objects, default 64 or twice the first NIC's rings: an 82599 with 64
 * queue pairs has 130).
 */
public final class NicRegion {
    private static final Logger LOG = LoggerFactory.getLogger(NicRegion.class);

    public static final String NAME = "nic";
    public static final String DIR_PROPERTY = "jnetmap.nic.region.dir", BUFFERS_PROPERTY = "jnetmap.nic.region.buffers",
            BUFSIZE_PROPERTY = "jnetmap.nic.region.bufsize", RINGS_PROPERTY = "jnetmap.nic.region.rings";
    /** Default pool: 32 Ki buffers (64 MiB of 2 KiB buffers), rings of four NICs with room to spare. */
    static final int DEFAULT_BUFFERS = 32768 + 2;

    private static MemoryRegion region;
    private static int leases;
    private static final Map<Object, Translation> TRANSLATIONS = new IdentityHashMap<>();

    private NicRegion() { }

    /** One device address space's view of the region. */
    private static final class Translation {
        final Object domain;
        final DmaWindow window;
        final long[] iovas;
        int users;

        Translation(Object domain, DmaWindow window, long[] iovas) {
            this.domain = domain;
            this.window = window;
            this.iovas = iovas;
        }
    }

    /**
     * A NIC's use of the region: the region and the device address of each of its buffers in the
     * NIC's address space. Close it when the NIC's adapter goes away.
     */
    public static final class Lease implements AutoCloseable {
        private final MemoryRegion region;
        private final Translation translation;
        private boolean closed;

        private Lease(MemoryRegion region, Translation translation) {
            this.region = region;
            this.translation = translation;
        }

        public MemoryRegion region() { return region; }

        /**
         * Device address of buffer {@code i} at index {@code i} (indices 0 and 1 are reserved but
         * translated too). The array is shared: never write it.
         */
        public long[] bufferIovas() { return translation.iovas; }

        @Override
        public void close() {
            synchronized (NicRegion.class) {
                if (closed) return;
                closed = true;
                if (--translation.users == 0) {
                    TRANSLATIONS.remove(translation.domain);
                    translation.window.close();
                }
                if (--leases == 0) {
                    LOG.debug("last NIC left; unmapping region {}", region);
                    region.close();
                    NicRegion.region = null;
                }
            }
        }
    }

    /** {@link #acquire(NicDevice, int, int)} for a NIC of at most 64 rings. */
    public static Lease acquire(NicDevice device, int buffersWanted) {
        return acquire(device, buffersWanted, 0);
    }

    /**
     * The region for {@code device}, created on first use (sized for at least
     * {@code buffersWanted} buffers more than the defaults hold, and twice {@code ringsWanted}
     * rings) and mapped into the device's address space on its first NIC.
     */
    public static Lease acquire(NicDevice device, int buffersWanted, int ringsWanted) {
        synchronized (NicRegion.class) {
            boolean created = false;
            if (region == null) {
                region = create(buffersWanted, ringsWanted);
                created = true;
            }
            try {
                Translation t = TRANSLATIONS.get(device.dmaDomain());
                if (t == null) {
                    t = translate(device, region);
                    TRANSLATIONS.put(device.dmaDomain(), t);
                }
                t.users++;
                leases++;
                return new Lease(region, t);
            } catch (RuntimeException e) {
                if (created && leases == 0) {
                    region.close();
                    region = null;
                }
                throw e;
            }
        }
    }

    private static Translation translate(NicDevice device, MemoryRegion r) {
        DmaWindow w = device.mapDma(r.address(), r.length());
        try {
            int n = r.numBuffers(), size = r.bufSize();
            long[] iovas = new long[n];
            for (int i = 0; i < n; i++) iovas[i] = w.iova(r.bufferAddress(i), size);
            LOG.debug("{}: region {} mapped for DMA through {}", device.address(), r, w);
            return new Translation(device.dmaDomain(), w, iovas);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    private static MemoryRegion create(int buffersWanted, int ringsWanted) {
        RegionConfig base = RegionConfig.fromSystemProperties();
        int bufSize = Integer.getInteger(BUFSIZE_PROPERTY, base.bufSize());
        int buffers = Integer.getInteger(BUFFERS_PROPERTY, Math.max(DEFAULT_BUFFERS, 4 * buffersWanted + 2));
        int maxSlots = Math.max(base.maxSlotsPerRing(), 4096);
        String explicit = System.getProperty(DIR_PROPERTY, System.getProperty("jnetmap.region.dir"));
        Path dir = explicit != null ? Path.of(explicit) : hugetlbfsMount();
        if (dir == null) dir = RegionConfig.SHM;
        int rings = Integer.getInteger(RINGS_PROPERTY, Math.max(Math.max(base.numRings(), 64), 2 * ringsWanted));
        RegionConfig cfg = new RegionConfig(bufSize, buffers, maxSlots, rings, Math.max(base.numIfs(), 64), dir);
        try {
            MemoryRegion r = MemoryRegion.createPrivate(NAME, cfg);
            LOG.info("NIC memory region: {} in {}{}", r, dir, r.onHugepages() ? " (hugepages)" : "");
            return r;
        } catch (RuntimeException e) {
            if (explicit != null || dir.equals(RegionConfig.SHM)) throw e;
            LOG.warn("NIC memory region on hugepages in {} failed ({}); using {} instead: UIO devices need hugepages"
                    + " (reserve them with tools/nm-bind hugepages)", dir, e.getMessage(), RegionConfig.SHM);
            return MemoryRegion.createPrivate(NAME, cfg.inDirectory(RegionConfig.SHM));
        }
    }

    /** The first hugetlbfs mount with 2 MiB pages (or no pagesize option), or null. */
    static Path hugetlbfsMount() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length < 4 || !f[2].equals("hugetlbfs")) continue;
                if (f[3].contains("pagesize=") && !f[3].contains("pagesize=2M")) continue;
                Path p = Path.of(f[1]);
                if (Files.isDirectory(p) && Files.isWritable(p)) return p;
            }
        } catch (IOException e) {
            LOG.debug("reading /proc/self/mounts: {}", e.toString());
        }
        return null;
    }

    /** Whether a NIC region exists in this process now (tests). */
    public static synchronized boolean isOpen() { return region != null; }
}
