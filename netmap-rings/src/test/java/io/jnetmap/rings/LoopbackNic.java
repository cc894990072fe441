package io.jnetmap.rings;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static io.jnetmap.rings.NetmapLayout.*;

/**
 * A test back-end: a "NIC" whose TX rings loop back into its RX rings, and which records every
 * slot the ring layer hands it. It behaves like a netmap driver (ixgbe_netmap.h): txsync pushes
 * [hwcur, rhead) to descriptors, clears NS_BUF_CHANGED / NS_REPORT, and reclaims completions when
 * forced or when the ring is full; rxsync imports frames from hwtail on (keeping one slot empty),
 * then re-arms [hwcur, rhead) with whatever buffer the slot holds.
 *
 * <p>Every slot it is handed is checked: the buffer index must be in [2, numBuffers), the length
 * at most the buffer size, and the kring's pointers in range and in order. A failed check is
 * recorded in {@link #violations} and also thrown, so neither a test nor a property can miss it.
 *
 * <p>Host krings are served by a {@link HostStack} (a TAP named {@link #tapName}), not by this
 * class, as for every adapter.
 *
 * <p>Completion: with {@link #completeAtOnce} the device finishes every pushed TX slot at once;
 * otherwise a test calls {@link #complete} (lazy completions, as a real NIC).
 */
final class LoopbackNic extends NetmapAdapter {
    /** One slot handed to the device: TX push or RX re-arm. */
    record Handed(boolean tx, int ring, int slot, int bufIdx, int len, int flags) { }

    /** A frame on the wire towards an RX ring. */
    record Frame(byte[] data, int flags) { }

    final List<Handed> handed = new ArrayList<>();
    final List<String> violations = new ArrayList<>();
    int txsyncCalls, rxsyncCalls;
    boolean completeAtOnce = true;
    /** Frames sent on TX kring i arrive on RX kring i mod (number of RX krings). */
    boolean loopback = true;
    boolean registered, destroyed;

    private final int[] done;          // per TX kring: slots the device finished, not yet reclaimed
    private final int[] inFlight;      // per TX kring: slots pushed and not yet finished
    private final int[][] armed;       // per RX kring: buffer programmed into each descriptor
    private final List<ConcurrentLinkedQueue<Frame>> wire = new ArrayList<>();

    /** Its {@link #maxTxFragments} (0: no cap); read by the krings as they are made. */
    private final int maxTxFragments;

    LoopbackNic(String name, MemoryRegion region, int nTx, int nRx, int nHostTx, int nHostRx, int slots) {
        this(name, region, nTx, nRx, nHostTx, nHostRx, slots, 0);
    }

    LoopbackNic(String name, MemoryRegion region, int nTx, int nRx, int nHostTx, int nHostRx, int slots, int maxTxFragments) {
        super(name, region);
        this.maxTxFragments = maxTxFragments;
        createKrings(nTx, nRx, nHostTx, nHostRx, slots, slots);
        done = new int[totalTxKrings()];
        inFlight = new int[totalTxKrings()];
        armed = new int[totalRxKrings()][];
        for (int r = 0; r < totalRxKrings(); r++) {
            NetmapRing ring = rxKring(r).ring();
            armed[r] = new int[ring.numSlots()];
            for (int i = 0; i < ring.numSlots(); i++) armed[r][i] = ring.bufIdx(i);
            wire.add(new ConcurrentLinkedQueue<>());
        }
    }

    @Override
    public int maxTxFragments() { return maxTxFragments; }

    // ---- what tests drive

    /** Puts a frame on the wire towards RX kring {@code ring}; the next rxsync imports it. Thread-safe. */
    void inject(int ring, byte[] data, int flags) {
        wire.get(ring).add(new Frame(data, flags));
    }

    void inject(int ring, byte[] data) { inject(ring, data, 0); }

    /** Frames still waiting on the wire for RX kring {@code ring}. */
    int waiting(int ring) { return wire.get(ring).size(); }

    /** The device finishes {@code n} more pushed slots of TX kring {@code ring} (at most those in flight). */
    void complete(int ring, int n) {
        int k = Math.min(n, inFlight[ring]);
        inFlight[ring] -= k;
        done[ring] += k;
    }

    /** TX slots of kring {@code ring} pushed and not yet reclaimed into tail. */
    int unreclaimed(int ring) { return inFlight[ring] + done[ring]; }

    List<Handed> handedTx() { return handed.stream().filter(Handed::tx).toList(); }
    List<Handed> handedRx() { return handed.stream().filter(h -> !h.tx()).toList(); }

    // ---- the back-end

    @Override
    public int txsync(Kring k, int flags) {
        txsyncCalls++;
        checkPointers(k);
        int r = k.ringId();
        int hwcur = k.hwcur(), head = k.rhead(), hwtail = k.hwtail();
        NetmapRing ring = k.ring();
        int pushed = 0;
        for (int i = hwcur; i != head; i = k.next(i)) {
            int idx = ring.bufIdx(i), len = ring.len(i), fl = ring.slotFlags(i);
            handed.add(new Handed(true, r, i, idx, len, fl));
            checkSlot(k, i, idx, len);
            if (loopback && totalRxKrings() > 0) {
                byte[] data = new byte[len];
                region.buffers().getBytes(idx * region.bufSize(), data, 0, len);
                wire.get(r % totalRxKrings()).add(new Frame(data, fl & NS_MOREFRAG));
            }
            ring.slotFlags(i, fl & ~(NS_BUF_CHANGED | NS_REPORT));
            pushed++;
        }
        k.hwcur(head);
        inFlight[r] += pushed;
        if (completeAtOnce) complete(r, pushed);
        // reclaim (NAF_FORCE_RECLAIM, or the user has no free slot left)
        if ((flags & SyncFlags.FORCE_RECLAIM) != 0 || head == hwtail) {
            int reclaim = done[r];
            done[r] = 0;
            int t = hwtail;
            for (int j = 0; j < reclaim; j++) t = k.next(t);
            k.hwtail(t);
        }
        return 0;
    }

    @Override
    public int rxsync(Kring k, int flags) {
        rxsyncCalls++;
        checkPointers(k);
        int r = k.ringId();
        int hwcur = k.hwcur(), head = k.rhead(), hwtail = k.hwtail();
        NetmapRing ring = k.ring();
        // part 1: import, one slot always stays empty
        ConcurrentLinkedQueue<Frame> q = wire.get(r);
        int t = hwtail;
        while (k.next(t) != hwcur && !q.isEmpty()) {
            Frame f = q.poll();
            int len = Math.min(f.data().length, region.bufSize());
            region.buffers().putBytes(armed[r][t] * region.bufSize(), f.data(), 0, len);
            ring.len(t, len);
            ring.slotFlags(t, f.flags() & NS_MOREFRAG);
            t = k.next(t);
        }
        k.hwtail(t);
        // part 2: re-arm released slots with the buffer each slot holds now
        for (int i = hwcur; i != head; i = k.next(i)) {
            int idx = ring.bufIdx(i), len = ring.len(i), fl = ring.slotFlags(i);
            handed.add(new Handed(false, r, i, idx, len, fl));
            checkSlot(k, i, idx, len);
            armed[r][i] = idx;
            if ((fl & NS_BUF_CHANGED) != 0) ring.slotFlags(i, fl & ~NS_BUF_CHANGED);
        }
        k.hwcur(head);
        return 0;
    }

    /** What a driver relies on after the prologue: hwcur, rhead and hwtail in the ring, rhead within [hwcur, hwtail]. */
    private void checkPointers(Kring k) {
        int n = k.numSlots(), hwcur = k.hwcur(), head = k.rhead(), hwtail = k.hwtail();
        if (!inRange(n, hwcur, head, hwtail))
            fail(k, "pointers out of range: hwcur " + hwcur + ", rhead " + head + ", hwtail " + hwtail);
        if (k.distance(hwcur, head) > k.distance(hwcur, hwtail))
            fail(k, "rhead " + head + " is not within [hwcur " + hwcur + ", hwtail " + hwtail + "]");
    }

    private static boolean inRange(int n, int... v) {
        for (int x : v) if (x < 0 || x >= n) return false;
        return true;
    }

    private void checkSlot(Kring k, int i, int idx, int len) {
        if (idx < FIRST_BUFFER || idx >= region.numBuffers())
            fail(k, "slot " + i + " handed over with buffer index " + idx);
        if (len > region.bufSize())
            fail(k, "slot " + i + " handed over with length " + len);
    }

    private int fail(Kring k, String what) {
        String v = (k.isTx() ? "TX" : "RX") + " kring " + k.ringId() + ": " + what;
        violations.add(v);
        throw new AssertionError("back-end saw an invalid ring: " + v);
    }

    /** The TAP that backs the host rings when a port binds them (null: this NIC has no host stack). */
    String tapName;

    @Override
    protected HostStack createHostStack() {
        if (tapName == null) return super.createHostStack();
        return HostStack.open(tapName, null, 1500);
    }

    @Override
    protected void register(boolean on) { registered = on; }

    @Override
    protected void destroy() {
        freeKrings();
        destroyed = true;
    }
}
