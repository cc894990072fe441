package io.jnetmap.rings;

import java.nio.file.Path;

/**
 * The sizes of a memory region, as netmap's allocator parameters (dev.netmap.buf_size, buf_num,
 * ring_size, ring_num, if_size, if_num). Defaults fit 8 pipes of 1024 slots, or a few NIC ports.
 *
 * @param bufSize bytes per buffer, a power of two from 64 to 65536 (netmap: 2048)
 * @param numBuffers buffers in the pool, counting the two reserved ones
 * @param maxSlotsPerRing largest ring this region can hold (sizes the ring objects)
 * @param numRings ring objects in the region
 * @param numIfs netmap_if objects (one per open port)
 * @param directory where the backing file lives: /dev/shm by default, a hugetlbfs mount for DMA
 */
public record RegionConfig(int bufSize, int numBuffers, int maxSlotsPerRing, int numRings, int numIfs, Path directory) {
    public static final Path SHM = Path.of("/dev/shm");
    public static final int MAX_SLOTS = 16384;

    public RegionConfig {
        if (bufSize < 64 || bufSize > 65536 || Integer.bitCount(bufSize) != 1)
            throw new IllegalArgumentException("buffer size " + bufSize + " must be a power of two from 64 to 65536");
        if (numBuffers < 4)
            throw new IllegalArgumentException("a region needs at least 4 buffers (2 are reserved), asked for " + numBuffers);
        if ((long) numBuffers * bufSize > Integer.MAX_VALUE)
            throw new IllegalArgumentException("buffer pool of " + numBuffers + " x " + bufSize
                    + " bytes exceeds 2 GiB; use fewer or smaller buffers");
        if (maxSlotsPerRing < 2 || maxSlotsPerRing > MAX_SLOTS)
            throw new IllegalArgumentException("ring size " + maxSlotsPerRing + " must be 2.." + MAX_SLOTS);
        if (numRings < 2) throw new IllegalArgumentException("a region needs at least 2 rings");
        if (numIfs < 1) throw new IllegalArgumentException("a region needs at least 1 netmap_if");
        if (directory == null) directory = SHM;
    }

    public static RegionConfig defaults() {
        return new RegionConfig(NetmapLayout.DEFAULT_BUF_SIZE, 16384 + NetmapLayout.FIRST_BUFFER, 4096, 64, 32, SHM);
    }

    /**
     * Defaults overridden by system properties {@code jnetmap.region.buffers},
     * {@code jnetmap.region.bufsize}, {@code jnetmap.region.maxslots}, {@code jnetmap.region.rings},
     * {@code jnetmap.region.dir} (a hugetlbfs mount for DMA-friendly memory).
     */
    public static RegionConfig fromSystemProperties() {
        RegionConfig d = defaults();
        return new RegionConfig(Integer.getInteger("jnetmap.region.bufsize", d.bufSize()),
                Integer.getInteger("jnetmap.region.buffers", d.numBuffers()),
                Integer.getInteger("jnetmap.region.maxslots", d.maxSlotsPerRing()),
                Integer.getInteger("jnetmap.region.rings", d.numRings()),
                Integer.getInteger("jnetmap.region.ifs", d.numIfs()),
                Path.of(System.getProperty("jnetmap.region.dir", d.directory().toString())));
    }

    public RegionConfig withBuffers(int n) { return new RegionConfig(bufSize, n, maxSlotsPerRing, numRings, numIfs, directory); }
    public RegionConfig withBufSize(int n) { return new RegionConfig(n, numBuffers, maxSlotsPerRing, numRings, numIfs, directory); }
    public RegionConfig withMaxSlots(int n) { return new RegionConfig(bufSize, numBuffers, n, numRings, numIfs, directory); }
    public RegionConfig withRings(int n) { return new RegionConfig(bufSize, numBuffers, maxSlotsPerRing, n, numIfs, directory); }
    public RegionConfig withIfs(int n) { return new RegionConfig(bufSize, numBuffers, maxSlotsPerRing, numRings, n, directory); }
    public RegionConfig inDirectory(Path d) { return new RegionConfig(bufSize, numBuffers, maxSlotsPerRing, numRings, numIfs, d); }
}
