package io.jnetmap.tools.bridge;

import io.jnetmap.rings.Kring;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.PortName;
import io.jnetmap.tools.pktgen.FakeNic;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A multi-queue NIC without hardware whose TX queues drain independently, as a real NIC's do: each
 * TX ring hands its frames (their first int, a sequence number) to its own queue, and a queue that
 * is not held puts them on the one wire at once and completes them; a held queue keeps them (the
 * ring stays full) until {@link #release}. RX never receives.
 */
final class QueuedNic extends FakeNic {
    static final int SLOTS = 512;
    private final List<ArrayDeque<Integer>> queued = new ArrayList<>();
    private final boolean[] held;
    private final List<Integer> wire = new ArrayList<>();

    QueuedNic(String name, int rings) {
        super(name, rings, true, new byte[] {2, 0, 0, 0, 0, 1});
        held = new boolean[rings];
        for (int q = 0; q < rings; q++) queued.add(new ArrayDeque<>());
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
}
