package io.jnetmap.rings;

import java.util.ArrayList;
import java.util.List;

/**
 * A private region sized for one {@link LoopbackNic}, the NIC, and ports bound to it by netmap
 * name. Closing closes the ports, then the region.
 */
final class NicFixture implements AutoCloseable {
    static final int SPARE_BUFFERS = 8;
    private static int seq;

    final MemoryRegion region;
    final LoopbackNic nic;
    final int freeBeforeNic;
    private final List<NetmapPort> ports = new ArrayList<>();

    private NicFixture(MemoryRegion region, LoopbackNic nic, int freeBeforeNic) {
        this.region = region;
        this.nic = nic;
        this.freeBeforeNic = freeBeforeNic;
    }

    /** A NIC named test0 with the given rings (each of {@code slots} slots) in a region with a few spare buffers. */
    static NicFixture create(int nTx, int nRx, int nHostTx, int nHostRx, int slots) {
        return create(nTx, nRx, nHostTx, nHostRx, slots, 0);
    }

    /** As {@link #create(int, int, int, int, int)}, the NIC taking at most {@code maxTxFragments} slots per packet (0: no cap). */
    static NicFixture create(int nTx, int nRx, int nHostTx, int nHostRx, int slots, int maxTxFragments) {
        int rings = nTx + nRx + nHostTx + nHostRx;
        RegionConfig c = RegionConfig.defaults()
                .withBuffers(NetmapLayout.FIRST_BUFFER + rings * slots + SPARE_BUFFERS)
                .withMaxSlots(Math.max(slots, 2))
                .withRings(Math.max(rings, 2))
                .withIfs(4);
        MemoryRegion region = MemoryRegion.createPrivate("test" + ProcessHandle.current().pid() + "_" + next(), c);
        int free = region.freeBuffers();
        try {
            return new NicFixture(region, new LoopbackNic("test0", region, nTx, nRx, nHostTx, nHostRx, slots, maxTxFragments), free);
        } catch (RuntimeException e) {
            region.close();
            throw e;
        }
    }

    /** One TX and one RX ring. */
    static NicFixture simple(int slots) {
        return create(1, 1, 0, 0, slots);
    }

    private static synchronized int next() { return seq++; }

    /** Binds a port to the NIC, e.g. {@code "netmap:test0-1"}; closed with the fixture. */
    NetmapPort open(String spec) {
        NetmapPort p = NetmapPort.bind(PortName.parse(spec), nic);
        ports.add(p);
        return p;
    }

    NetmapPort open() { return open("netmap:test0"); }

    @Override
    public void close() {
        try {
            for (NetmapPort p : ports) p.close();
        } finally {
            region.close();
        }
    }
}
