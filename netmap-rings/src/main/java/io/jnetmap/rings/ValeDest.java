package io.jnetmap.rings;

import io.jnetmap.sys.Libc;
import io.jnetmap.sys.OffHeapBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.VarHandle;

/**
 * One VALE port's RX ring as a destination, seen from one process: VALE's lease scheme
 * (nm_bdg_flush's nkr_hwlease / nkr_leases), made to work across processes with CAS on words in
 * the shared switch state instead of the kring's queue lock.
 *
 * <ul>
 * <li><b>reserve</b> (one CAS on RESERVE = hwlease | lease index | sequence | port generation |
 *     closed): a sender takes up to the free space between hwlease and the receiver's hwcur
 *     (less one slot), and a lease number; then it claims its lease entry (CAS from the value it
 *     saw before reserving) with its range, pid and the time;</li>
 * <li><b>copy</b> into the reserved slots' buffers, outside any lock;</li>
 * <li><b>done</b>: the entry is marked done, then anyone who finds the oldest unpublished lease
 *     done advances PUBLISH (hwtail | lease index | sequence) past it, and on over every later
 *     lease already done, so hwtail moves in reservation order whichever sender finishes first.
 *     Only the receiver turns PUBLISH into its kring's hwtail, in its rxsync.</li>
 * </ul>
 *
 * <b>Recovery.</b> A sender killed between reserve and done would hold hwtail back for good. The
 * receiver's rxsync (and a sender that finds the ring full) watches the oldest lease: once it has
 * been stuck for {@value #STALL_MS} ms and its owner's pid is gone, its slots are made zero-length
 * frames (as netmap fills the unused part of a lease) and it is published as if done. A lease
 * whose owner died between its reserve and its claim (a window of a few instructions) has no pid;
 * it is recovered after {@value #UNCLAIMED_MS} ms. A live owner is never overtaken: a sender
 * stopped with SIGSTOP holds its lease, and the others' frames to that port are dropped (counted)
 * once the ring is full, without blocking.
 */
final class ValeDest {
    private static final Logger LOG = LoggerFactory.getLogger(ValeDest.class);

    static final long STALL_MS = 2, UNCLAIMED_MS = 1000;
    /** Lease entry states (bits 32..39 of the entry's first word). */
    static final int CLAIMED = 1, DONE = 2, ABANDONED = 3;
    private static final int LEASE_SIZE = 16;
    /** reserve() result when the port's generation changed (removed, or its entry reused). */
    static final long STALE = -1;

    final ValeSwitch sw;
    final int port, gen;
    final Kring kring;
    final NetmapRing ring;
    private final OffHeapBuffer shared, leases;
    private final int e, n, gen15, pid = Libc.getpid();
    private long lastPidCheck;

    ValeDest(ValeSwitch sw, int port, int gen, Kring kring, int leaseObject) {
        this.sw = sw;
        this.port = port;
        this.gen = gen;
        this.gen15 = gen & 0x7fff;
        this.kring = kring;
        this.ring = kring.ring();
        this.shared = sw.shared();
        this.e = ValeSwitch.entry(port);
        this.n = kring.numSlots();
        MemoryRegion r = sw.region();
        this.leases = r.memory().slice(r.ringObjectOffset(leaseObject), (long) LEASE_SIZE * n);
    }

    int numSlots() { return n; }

    // ---- word layouts
    static long reserveWord(int hwlease, int idx, int seq, int gen, boolean closed) {
        return (hwlease & 0xffffL) | (idx & 0xffffL) << 16 | (seq & 0xffffL) << 32 | (gen & 0x7fffL) << 48 | (closed ? 1L << 63 : 0);
    }
    private static int lo16(long w) { return (int) (w & 0xffff); }
    private static int mid16(long w) { return (int) (w >>> 16) & 0xffff; }
    private static int seq16(long w) { return (int) (w >>> 32) & 0xffff; }
    private static int gen15(long w) { return (int) (w >>> 48) & 0x7fff; }
    private static boolean closed(long w) { return w < 0; }
    /** Lease entry word: seq (48..63), state (32..39), start (16..31), end (0..15). */
    private static long leaseWord(int seq, int state, int start, int end) {
        return (seq & 0xffffL) << 48 | (long) state << 32 | (start & 0xffffL) << 16 | (end & 0xffffL);
    }
    private static int leaseSeq(long w) { return (int) (w >>> 48); }
    private static int leaseState(long w) { return (int) (w >>> 32) & 0xff; }
    private static int leaseStart(long w) { return (int) (w >>> 16) & 0xffff; }
    private static int leaseEnd(long w) { return (int) w & 0xffff; }

    private int add(int i, int k) { int v = i + k; return v >= n ? v - n : v; }
    private int distance(int a, int b) { int d = b - a; return d < 0 ? d + n : d; }

    // ---- reserve, claim

    /**
     * Reserves up to {@code want} slots. Returns {@link #STALE} if the port is not the one this
     * view was made for, else {@code lease index << 48 | seq << 32 | start << 16 | count}
     * (count 0: the ring is full or closing, nothing reserved).
     */
    long reserve(int want) {
        for (;;) {
            long r = shared.getLongVolatile(e + ValeSwitch.E_RESERVE);
            if (gen15(r) != gen15) return STALE;
            if (closed(r)) return 0;
            int hwlease = lo16(r), idx = mid16(r), seq = seq16(r);
            int rxcur = shared.getIntAcquire(e + ValeSwitch.E_RXCUR);
            int space = distance(hwlease, rxcur == 0 ? n - 1 : rxcur - 1);
            if (space == 0) {
                recover();
                return 0;
            }
            int got = Math.min(want, space);
            long before = leases.getLongVolatile(idx * LEASE_SIZE);
            long next = reserveWord(add(hwlease, got), idx + 1 == n ? 0 : idx + 1, seq + 1, gen15, false);
            if (!shared.compareAndSetLong(e + ValeSwitch.E_RESERVE, r, next)) continue;
            leases.putLong(idx * LEASE_SIZE + 8, (long) pid << 32 | (nowMs() & 0xffffffffL));
            // the claim fails only if recovery gave up on this lease already (we were stalled for a second)
            if (!leases.compareAndSetLong(idx * LEASE_SIZE, before, leaseWord(seq, CLAIMED, hwlease, add(hwlease, got))))
                return 0;
            return (long) idx << 48 | (long) seq << 32 | (long) hwlease << 16 | got;
        }
    }

    static int count(long res) { return (int) (res & 0xffff); }
    static int start(long res) { return (int) (res >>> 16) & 0xffff; }

    /**
     * Ends a lease of which the first {@code used} slots were filled: the rest become zero-length
     * frames, the lease is marked done, and everything done in order is published.
     */
    void done(long res, int used) {
        int idx = (int) (res >>> 48) & 0xffff, seq = (int) (res >>> 32) & 0xffff, start = start(res), got = count(res);
        for (int j = add(start, used), k = used; k < got; k++, j = j + 1 == n ? 0 : j + 1) emptySlot(j);
        leases.putLongVolatile(idx * LEASE_SIZE, leaseWord(seq, DONE, start, add(start, got)));
        publish();
    }

    private void emptySlot(int j) {
        ring.len(j, 0);
        ring.slotFlags(j, 0);
    }

    /** Advances PUBLISH over every done lease at its front; anyone may call it. */
    void publish() {
        for (;;) {
            long p = shared.getLongVolatile(e + ValeSwitch.E_PUBLISH);
            int idx = mid16(p), seq = seq16(p);
            long l = leases.getLongVolatile(idx * LEASE_SIZE);
            if (leaseSeq(l) != seq || leaseState(l) < DONE) return;
            long np = (leaseEnd(l) & 0xffffL) | (long) (idx + 1 == n ? 0 : idx + 1) << 16 | ((seq + 1) & 0xffffL) << 32;
            shared.compareAndSetLong(e + ValeSwitch.E_PUBLISH, p, np);
        }
    }

    /** The hwtail senders have published so far. */
    int publishedTail() { return lo16(shared.getLongVolatile(e + ValeSwitch.E_PUBLISH)); }

    /** Whether a reserved lease is not published yet. */
    boolean outstanding() {
        return seq16(shared.getLongVolatile(e + ValeSwitch.E_RESERVE)) != seq16(shared.getLongVolatile(e + ValeSwitch.E_PUBLISH));
    }

    /** The receiver's rxsync: slots up to {@code hwcur} are free again for senders. */
    void receiverReleased(int hwcur) { shared.putIntRelease(e + ValeSwitch.E_RXCUR, hwcur); }

    // ---- recovery from a dead sender

    private static long nowMs() { return System.nanoTime() / 1_000_000L; }

    /**
     * Checks the oldest unpublished lease; recovers it if its owner died (see the class comment).
     * Cheap when nothing is stuck. Returns whether it recovered one.
     */
    boolean recover() {
        long p = shared.getLongVolatile(e + ValeSwitch.E_PUBLISH);
        long r = shared.getLongVolatile(e + ValeSwitch.E_RESERVE);
        int tail = lo16(p), idx = mid16(p), seq = seq16(p);
        if (seq16(r) == seq) return false;
        long l = leases.getLongVolatile(idx * LEASE_SIZE);
        if (leaseSeq(l) == seq && leaseState(l) >= DONE) { publish(); return false; }
        long now = nowMs();
        long st = shared.getLongVolatile(e + ValeSwitch.E_STUCK);
        long mark = 1L << 48 | (long) seq << 32;
        if ((st & ~0xffffffffL) != mark) { // first time this lease is seen stuck: start its clock
            shared.compareAndSetLong(e + ValeSwitch.E_STUCK, st, mark | (now & 0xffffffffL));
            return false;
        }
        long stuckFor = (now - st) & 0xffffffffL;
        int from, to;
        if (leaseSeq(l) == seq && leaseState(l) == CLAIMED) {
            if (stuckFor < STALL_MS || now - lastPidCheck < 1) return false;
            lastPidCheck = now;
            int owner = (int) (leases.getLong(idx * LEASE_SIZE + 8) >>> 32);
            if (owner == pid || MemoryRegion.pidAlive(owner)) return false;
            from = leaseStart(l);
            to = leaseEnd(l);
            LOG.warn("switch {}: port {}: sender process {} died holding slots {}..{}; they become empty frames",
                    sw.name(), port, owner, from, to);
        } else {
            if (stuckFor < UNCLAIMED_MS) return false;
            from = tail;
            if (seq16(r) == ((seq + 1) & 0xffff)) {
                to = lo16(r); // the only outstanding lease ends where the next reservation starts
            } else {
                long nx = leases.getLongVolatile((idx + 1 == n ? 0 : idx + 1) * LEASE_SIZE);
                if (leaseSeq(nx) != ((seq + 1) & 0xffff)) return false; // the next owner has not claimed yet either
                to = leaseStart(nx);
            }
            LOG.warn("switch {}: port {}: a sender reserved slots {}..{} and never claimed them for {} ms; they become empty frames",
                    sw.name(), port, from, to, stuckFor);
        }
        for (int j = from; j != to; j = j + 1 == n ? 0 : j + 1) emptySlot(j);
        if (!leases.compareAndSetLong(idx * LEASE_SIZE, l, leaseWord(seq, ABANDONED, from, to))) return false;
        shared.getAndAddLong(e + ValeSwitch.E_RECOVERED, 1);
        publish();
        wake();
        return true;
    }

    /**
     * Closes the port to new reservations and waits up to {@code timeoutMs} for the leases already
     * taken to be published (recovering dead senders'). Returns whether all were.
     */
    boolean closeAndDrain(long timeoutMs) {
        for (;;) {
            long r = shared.getLongVolatile(e + ValeSwitch.E_RESERVE);
            if (closed(r) || shared.compareAndSetLong(e + ValeSwitch.E_RESERVE, r, r | 1L << 63)) break;
        }
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (outstanding()) {
            publish();
            recover();
            if (System.nanoTime() > deadline) return false;
            Thread.onSpinWait();
            try { Thread.sleep(1); } catch (InterruptedException ie) { Thread.currentThread().interrupt(); return false; }
        }
        return true;
    }

    // ---- counters and wake-ups

    void countDrops(long frames) { shared.getAndAddLong(e + ValeSwitch.E_DROPS, frames); }
    void countForwarded(long frames) { shared.getAndAddLong(e + ValeSwitch.E_FORWARDED, frames); }

    /** Wakes the receiver if it sleeps in poll (it announced itself in the waiter count). */
    void wake() {
        VarHandle.fullFence(); // our publication before we look for a sleeper (it looks at the ring after announcing itself)
        if (shared.getIntVolatile(e + ValeSwitch.E_WAITERS) > 0) Futex.bumpAndWake(shared, e + ValeSwitch.E_WAKE);
    }

    @Override
    public String toString() { return "ValeDest[" + sw.name() + " #" + port + "]"; }
}
