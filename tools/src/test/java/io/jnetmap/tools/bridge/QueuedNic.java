package io.jnetmap.tools.bridge;

import io.jnetmap.rings.Kring;
import io.jnetmap.rings.MemoryRegion;
import io.jnetmap.rings.NetmapAdapter;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.PortName;
import io.jnetmap.rings.RegionConfig;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A multi-queue NIC without hardware whose TX queues drain independently, as a real NIC's do: each
 * TX ring hands its frames (their first int, a sequence number) to its own queue, and a queue that
 * is not held puts them on the one wire at once and completes them; a held queue keeps them (the
 * ring stays full) until {@link #release}. RX never receives.
 */
final class QueuedNic extends NetmapAdapter {
    private final List<ArrayDeque<Integer>> queued = new ArrayList<>();
    private final boolean[] held;
    private final List<Integer> wire = new ArrayList<>();

    QueuedNic(String name, int txRings, int rxRings, int slots) {
        super(name, MemoryRegion.createPrivate(name, RegionConfig.defaults()));
        held = new boolean[txRings];
        for (int q = 0; q < txRings; q++) queued.add(new ArrayDeque<>());
        createKrings(txRings, rxRings, 0, 0, slots, slots);
    }

    NetmapPort open() { return NetmapPort.bind(PortName.parse("netmap:" + name()), this); }

    synchronized void hold(int q) { held[q] = true; }

    /** The queue sends what it kept; the ring's slots come back at its next txsync. */
    synchronized void release(int q) {
        held[q] = false;
        wire.addAll(queued.get(q));
        queued.get(q).clear();
    }

    /** The sequence numbers on the wire so far, in wire order. */
    synchronized List<Integer> wire() { return List.copyOf(wire); }

    synchronized int queued(int q) { return queued.get(q).size(); }

    @Override
    public synchronized int txsync(Kring k, int flags) {
        NetmapRing r = k.ring();
        int head = k.rhead();
        for (int i = k.hwcur(); i != head; i = k.next(i)) queued.get(k.ringId()).add(r.buffers().getInt(r.slotBufOffset(i)));
        k.hwcur(head);
        if (!held[k.ringId()]) {
            wire.addAll(queued.get(k.ringId()));
            queued.get(k.ringId()).clear();
            k.hwtail(k.prev(head)); // every slot sent: all free again
        }
        return 0;
    }

    @Override
    public int rxsync(Kring k, int flags) {
        k.hwcur(k.rhead());
        return 0;
    }

    @Override
    protected void register(boolean on) { }

    @Override
    protected void destroy() {
        freeKrings();
        region.close();
    }
}
