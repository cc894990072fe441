package io.jnetmap.rings;

import io.jnetmap.sys.OffHeapBuffer;

import java.lang.invoke.VarHandle;

import static io.jnetmap.rings.MonitorControl.*;
import static io.jnetmap.rings.NetmapLayout.NS_TXMON;

/**
 * One owner kring as copy monitors see it (netmap_monitor.c's parent sync): TX frames are copied
 * when the application sends them ([hwcur, head) at txsync, before the back-end runs), RX frames
 * when the port receives them (the new [hwtail before, hwtail after) of an rxsync). Each copy goes
 * to the monitor ring fed by this kring, stamped with the time of the sync in the slot's
 * {@code ptr} (nanoseconds since the epoch) and, from TX, NS_TXMON. When a monitor ring has
 * fewer free slots than there are new frames, the oldest new frames are skipped, as netmap does,
 * and counted as the monitor's drops: a monitor never holds the owner back.
 *
 * <p>A monitor ring takes both directions of one ring pair, which two owner threads may drive; a
 * busy word makes one of them the writer: the other one counts its frames as dropped rather than
 * wait. The same word lets a detaching monitor wait until no copy into its ring is under way.
 * Nothing here allocates once a monitor's ring has been seen.
 */
final class MonitorTap {
    private final MonitorControl control;
    private final OffHeapBuffer table;
    private final int maskOffset;
    private final int monitorRing;
    private final int txmon;
    private final Kring[] targets = new Kring[MAX_MONITORS];
    private final int[] targetObjects = new int[MAX_MONITORS];
    /** RX: where the current rxsync's new frames start. */
    private int monTail;
    /** TX: the slot after the last one offered, valid while the monitors' generation is {@link #txGeneration}. */
    private int txNext = -1, txGeneration;

    MonitorTap(MonitorControl control, Kring kring, boolean tx, int index) {
        this.control = control;
        this.table = control.table;
        this.maskOffset = control.maskOffset(tx, index);
        this.monitorRing = control.monitorRing(tx, index);
        this.txmon = tx ? NS_TXMON : 0;
    }

    /** Whether any monitor watches this kring: the one read a sync pays when none does. */
    boolean active() { return table.getIntAcquire(maskOffset) != 0; }

    /**
     * Before an rxsync: whether to offer its new frames, which start at the tail the user saw last
     * (a pipe's peer may have published them already; they are new to the port's user).
     */
    boolean beforeRx(Kring k) {
        if (table.getIntAcquire(maskOffset) == 0) return false;
        monTail = k.rtail();
        return true;
    }

    /**
     * After an rxsync: offers [monTail, the tail this sync published). Not hwtail: a pipe's peer
     * may have moved it since, and those frames are the next sync's.
     */
    void received(Kring k) {
        int tail = k.rtail();
        if (tail != monTail) deliver(k, monTail, tail);
    }

    /**
     * At a txsync, before the back-end: offers [from, to) = [hwcur, head), less what an earlier
     * sync offered already: a back-end that keeps an unfinished NS_MOREFRAG chain (a pipe) leaves
     * hwcur before it, and its first fragments must not be offered twice.
     */
    void sent(Kring k, int from, int to) {
        int gen = control.generation();
        if (gen == txGeneration && txNext >= 0 && k.distance(from, txNext) <= k.distance(from, to)) from = txNext;
        if (from != to) deliver(k, from, to);
        txNext = to;
        txGeneration = gen;
    }

    private void deliver(Kring k, int from, int to) {
        int mask = table.getIntAcquire(maskOffset);
        if (mask == 0) return;
        long now = Clock.epochNanos();
        int n = k.distance(from, to);
        while (mask != 0) {
            int m = Integer.numberOfTrailingZeros(mask);
            mask &= mask - 1;
            copyTo(m, k, from, n, now);
        }
    }

    private void copyTo(int m, Kring k, int from, int n, long now) {
        int e = control.entry(m);
        int busy = e + E_BUSY + 4 * monitorRing, drops = e + E_DROPS + 8 * monitorRing;
        if (!table.compareAndSetInt(busy, 0, 1)) { // the ring pair's other direction is writing it now
            table.getAndAddLong(drops, n);
            return;
        }
        try {
            if ((table.getIntVolatile(maskOffset) & (1 << m)) == 0) return; // detached meanwhile
            Kring mk = target(m, e);
            if (mk == null) return;
            int i = mk.hwtail();
            int hwcur = mk.hwcur();
            VarHandle.acquireFence(); // the monitor read the slots it released before it moved hwcur
            int free = mk.lim() - mk.distance(hwcur, i);
            int copy = Math.min(n, free), skip = n - copy;
            if (skip > 0) table.getAndAddLong(drops, skip);
            if (copy == 0) return;
            int beg = from + skip;
            if (beg >= k.numSlots()) beg -= k.numSlots();
            NetmapRing src = k.ring(), dst = mk.ring();
            OffHeapBuffer sb = src.buffers(), db = dst.buffers();
            int max = dst.bufSize();
            for (int c = 0; c < copy; c++) {
                int len = Math.min(src.len(beg), max);
                db.copyFrom(sb, src.slotBufOffset(beg), dst.slotBufOffset(i), len);
                dst.len(i, len);
                dst.slotFlags(i, (src.slotFlags(beg) & ~NS_TXMON) | txmon);
                dst.ptr(i, now);
                beg = k.next(beg);
                i = mk.next(i);
            }
            mk.hwtail(i); // release: the slots and buffers above are visible first
            wake(control, e);
        } finally {
            table.putIntRelease(busy, 0);
        }
    }

    /** Monitor {@code m}'s ring for this kring; a flyweight is made once per ring the monitor allocated. */
    private Kring target(int m, int e) {
        int obj = table.getIntAcquire(e + E_RING + 4 * monitorRing) - 1;
        if (obj < 0) return null;
        Kring t = targets[m];
        if (t == null || targetObjects[m] != obj) {
            t = new Kring(null, control.region, obj, false, monitorRing >= control.monitorNicRings(), monitorRing);
            targets[m] = t;
            targetObjects[m] = obj;
        }
        return t;
    }

    /** Wakes monitor entry {@code e} if it announced that it sleeps. */
    static void wake(MonitorControl control, int e) {
        VarHandle.fullFence(); // the publication must be visible before we look for a sleeper
        OffHeapBuffer t = control.table;
        if (t.getIntVolatile(e + E_WAITERS) > 0) Futex.bumpAndWake(t, e + E_SEQ);
    }
}
