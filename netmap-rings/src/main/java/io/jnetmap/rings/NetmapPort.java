package io.jnetmap.rings;

import io.jnetmap.sys.OffHeapBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

import static io.jnetmap.rings.NetmapLayout.*;

/**
 * An open netmap port: one binding of an adapter's rings, what an fd bound with NIOCREGIF is in
 * netmap. Rings are numbered as in netmap_user.h: {@link #txRing(int)} covers NIC TX rings, then
 * host TX rings; {@link #rxRing(int)} likewise. Only the rings the name selects are bound
 * ({@link #firstTxRing()}..{@link #lastTxRing()}, inclusive, as libnetmap's first/last_tx_ring).
 *
 * <pre>{@code
 * try (NetmapPort port = NetmapPort.open("netmap:demo{1")) {
 *     NetmapRing tx = port.txRing(0);
 *     int i = tx.head();
 *     tx.buffers().putBytes(tx.slotBufOffset(i), frame, 0, frame.length);
 *     tx.len(i, frame.length);
 *     tx.advance(tx.next(i));
 *     port.txsync();
 * }
 * }</pre>
 *
 * <p>As in netmap, a ring is meant to be driven by one thread at a time; a sync that finds another
 * thread (or process) inside a sync of the same ring skips that ring (netmap's nm_kr_tryget: the
 * ioctls and poll pass over it, no error), so poll() on {@code netmap:X} and a thread on
 * {@code netmap:X-K} never import twice or corrupt the tail. Syncs take no locks (one CAS per
 * ring and sync) and allocate nothing.
 *
 * <p>Closing a port that another thread is polling or syncing is safe, as closing a netmap fd
 * is: that thread's call ends with an error ({@link #poll} returns POLLERR, a sync throws
 * {@link IllegalStateException}, both saying the port was closed), and the port's memory is
 * unmapped only after it has left. The rings themselves must not be touched after close (as
 * after netmap's munmap).
 */
public final class NetmapPort implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NetmapPort.class);

    public static final int POLLIN = 0x1, POLLOUT = 0x4, POLLERR = 0x8;
    /**
     * 100, not less: at 20 a pkt-gen pipe run on Temurin 25 fell into a regime of frequent sleeps
     * in about half the runs (80-95 Mpps against 150-180; each sleeper's membarrier interrupts the
     * busy peer, which then also waits too long and sleeps). At 50, 100 and 200 every run was fast
     * (issue #17, bench/README.md "pkt-gen every run").
     */
    static final int DEFAULT_SPIN_MICROS = 100;
    private static final long SPIN_NANOS = Math.max(0, Long.getLong("jnetmap.poll.spinMicros", DEFAULT_SPIN_MICROS)) * 1000L;

    private final PortName name;
    private final NetmapAdapter adapter;
    private final MemoryRegion region;
    private final int ifObject;
    private final NetmapIf nif;
    private final NetmapRing[] txRings, rxRings;
    private final Kring[] boundTx, boundRx;
    private final int firstTx, lastTx, firstRx, lastRx;
    private final boolean noTxPoll;
    /** SyncFlags.CAN_FORWARD_DOWN when this port binds every NIC TX ring (netmap's condition for NS_FORWARD to the NIC), else 0. */
    private final int forwardDown;
    private String lastError;
    /**
     * {@link #CLOSED} once {@link #close} began, plus the number of threads inside a poll or sync
     * of this port beyond the one in {@link #solo}: close waits until they left before it unmaps
     * anything they may read. Never a lock; see {@link #enter}.
     */
    @SuppressWarnings("unused") // through CALLS
    private volatile int calls;
    /**
     * 1 while a thread is inside a poll or sync through the fast path (the usual case: one thread
     * drives the port): it comes in with one CAS and leaves with a release store, where the
     * {@link #calls} count costs an atomic add each way.
     */
    @SuppressWarnings("unused") // through SOLO
    private volatile int solo;
    private static final int CLOSED = 0x8000_0000;
    /** How a call came in ({@link #enter}), so that it leaves the same way. */
    private static final int REFUSED = 0, IN_SOLO = 1, IN_COUNTED = 2;
    private static final VarHandle CALLS, SOLO;

    static {
        try {
            CALLS = MethodHandles.lookup().findVarHandle(NetmapPort.class, "calls", int.class);
            SOLO = MethodHandles.lookup().findVarHandle(NetmapPort.class, "solo", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private NetmapPort(PortName name, NetmapAdapter adapter) {
        this.name = name;
        this.adapter = adapter;
        this.region = adapter.region();
        int nTx = adapter.numTxRings(), nRx = adapter.numRxRings();
        int hTx = adapter.numHostTxRings(), hRx = adapter.numHostRxRings();
        int[] tx = nTx + hTx == 0 ? new int[] {0, 0} : range(name, nTx, hTx, true); // a monitor has no TX rings
        int[] rx = range(name, nRx, hRx, false);
        if ((name.flags() & NR_RX_RINGS_ONLY) != 0) tx = new int[] {0, 0};
        if ((name.flags() & NR_TX_RINGS_ONLY) != 0) rx = new int[] {0, 0};
        firstTx = tx[0]; lastTx = tx[1] - 1; firstRx = rx[0]; lastRx = rx[1] - 1;
        noTxPoll = (name.flags() & NR_NO_TX_POLL) != 0;
        forwardDown = nTx > 0 && firstTx == 0 && lastTx >= nTx - 1 ? SyncFlags.CAN_FORWARD_DOWN : 0;

        int reportedHostTx = Math.max(1, hTx), reportedHostRx = Math.max(1, hRx);
        txRings = new NetmapRing[nTx + reportedHostTx];
        rxRings = new NetmapRing[nRx + reportedHostRx];
        boundTx = new Kring[tx[1] - tx[0]];
        boundRx = new Kring[rx[1] - rx[0]];
        if ((nTx + reportedHostTx + nRx + reportedHostRx) * 8 + IF_RING_OFS > MemoryRegion.IF_OBJ_SIZE)
            throw new IllegalStateException(name + " has too many rings for a netmap_if");
        region.lock();
        try {
            ifObject = region.allocateIfObject();
        } finally {
            region.unlock();
        }
        long ifOff = region.ifObjectOffset(ifObject);
        OffHeapBuffer ifMem = region.memory().slice(ifOff, MemoryRegion.IF_OBJ_SIZE);
        // ni_name is the adapter's name: for a pipe end netmap's NAME{ID / NAME}ID, not the region NAME
        NetmapIf.format(ifMem, name.isPipe() ? adapter.name() : name.name(), nTx, nRx, reportedHostTx, reportedHostRx);
        nif = new NetmapIf(ifMem);
        for (int i = tx[0]; i < tx[1]; i++) {
            Kring k = adapter.txKring(i);
            boundTx[i - tx[0]] = k;
            txRings[i] = k.ring();
            nif.ringOfs(i, k.ringOffset() - ifOff);
        }
        for (int i = rx[0]; i < rx[1]; i++) {
            Kring k = adapter.rxKring(i);
            boundRx[i - rx[0]] = k;
            rxRings[i] = k.ring();
            nif.ringOfs(nif.rxRingOfsIndex(i), k.ringOffset() - ifOff);
        }
    }

    /** Which rings a mode binds (netmap_interp_ringid): [first, last) in the adapter's numbering. */
    static int[] range(PortName n, int hw, int host, boolean tx) {
        switch (n.mode()) {
            case ALL_NIC, PIPE_MASTER, PIPE_SLAVE: return new int[] {0, hw};
            case SW:
                if (host == 0) throw new IllegalArgumentException(n + ": this port has no host rings");
                return new int[] {hw, hw + host};
            case NIC_SW: return new int[] {0, hw + host};
            case ONE_NIC: {
                int k = n.ring() < hw ? n.ring() : 0; // netmap: a direction with fewer rings uses ring 0
                return new int[] {k, k + 1};
            }
            case ONE_SW: {
                if (host == 0) throw new IllegalArgumentException(n + ": this port has no host rings");
                int k = n.ring() < host ? n.ring() : 0; // as ONE_NIC: a direction with fewer host rings uses host ring 0
                return new int[] {hw + k, hw + k + 1};
            }
            default: throw new IllegalArgumentException(n + ": unsupported mode " + n.mode());
        }
    }

    /** Opens a port by netmap name (see {@link PortName}). */
    public static NetmapPort open(String spec) {
        return open(PortName.parse(spec));
    }

    public static NetmapPort open(PortName name) {
        NetmapAdapter a = find(name);
        return bind(name, a);
    }

    /** Binds a port to an adapter the caller already has (tests, tools composing adapters). */
    public static NetmapPort bind(PortName name, NetmapAdapter a) {
        if (name.mode() == PortName.Mode.ONE_NIC && name.ring() >= a.numTxRings() && name.ring() >= a.numRxRings())
            throw new IllegalArgumentException(name + ": ring " + name.ring() + " does not exist ("
                    + a.name() + " has " + a.numTxRings() + " TX and " + a.numRxRings() + " RX rings)");
        if (name.mode() == PortName.Mode.ONE_SW && name.ring() >= a.numHostTxRings() && name.ring() >= a.numHostRxRings())
            throw new IllegalArgumentException(name + ": host ring " + name.ring() + " does not exist ("
                    + a.name() + " has " + a.numHostTxRings() + " TX and " + a.numHostRxRings() + " RX host rings)");
        a.bind(name.exclusive());
        try {
            if (name.bindsHost() && !name.isMonitor()) a.attachHost(); // a monitor's host rings are copies, not a TAP
            a.publishMonitors(name);
            NetmapPort p = new NetmapPort(name, a);
            LOG.debug("opened {}: TX rings {}..{}, RX rings {}..{}", name, p.firstTx, p.lastTx, p.firstRx, p.lastRx);
            return p;
        } catch (RuntimeException e) {
            a.unbind();
            throw e;
        }
    }

    private static NetmapAdapter find(PortName name) {
        if (name.isMonitor()) return MonitorAdapter.open(name);
        if (name.isPipe()) return PipeAdapter.open(name);
        if (name.isVale()) return ValeAdapter.open(name);
        List<String> known = new ArrayList<>();
        for (AdapterProvider p : ServiceLoader.load(AdapterProvider.class)) {
            if (p.handles(name)) return p.adapter(name);
            known.add(p.describe());
        }
        throw new IllegalArgumentException("no port named '" + name.name() + "' (" + name + "): "
                + (known.isEmpty() ? "no NIC driver is on the class path"
                        : "not a NIC that " + String.join(", ", known) + " can open")
                + ". Bind a NIC with tools/nm-bind bind <address|ifname>, or use a pipe such as netmap:"
                + name.name() + "{1");
    }

    // ---- what is bound
    public PortName name() { return name; }
    public NetmapAdapter adapter() { return adapter; }
    public MemoryRegion region() { return region; }
    public NetmapIf nif() { return nif; }
    /** TX ring {@code i} (NIC rings, then host rings), or null if this port does not bind it. */
    public NetmapRing txRing(int i) { return txRings[i]; }
    public NetmapRing rxRing(int i) { return rxRings[i]; }
    public int firstTxRing() { return firstTx; }
    public int lastTxRing() { return lastTx; }
    public int firstRxRing() { return firstRx; }
    public int lastRxRing() { return lastRx; }
    /** Bound krings, for back-ends and tools that need the port's view (e.g. waiting). */
    public Kring[] boundTxKrings() { return boundTx; }
    public Kring[] boundRxKrings() { return boundRx; }
    /** The last ring error this port reported, or null. */
    public String lastError() { return lastError; }

    // ---- syncs (NIOCTXSYNC / NIOCRXSYNC)

    /**
     * Pushes every bound TX ring's new slots to the port and reclaims completed ones (forced, as
     * NIOCTXSYNC). Never blocks.
     *
     * @throws RingStateException if a ring's head/cur or a slot was invalid; that ring was reset
     *         and skipped, the others were synced
     * @throws IllegalStateException if the port is closed (another thread may have closed it)
     */
    public void txsync() {
        int in = enterSync();
        String err = null;
        try {
            for (Kring k : boundTx) if (failed(k.txsync(SyncFlags.FORCE_RECLAIM))) err = firstError(err, k);
        } finally {
            leave(in);
        }
        if (err != null) fail(err);
    }

    /**
     * Returns released RX slots to the port and imports new packets on every bound RX ring (NIOCRXSYNC).
     *
     * @throws RingStateException as {@link #txsync()}
     * @throws IllegalStateException if the port is closed (another thread may have closed it)
     */
    public void rxsync() {
        int in = enterSync();
        String err = null;
        try {
            for (Kring k : boundRx) if (failed(k.rxsync(SyncFlags.FORCE_READ | forwardDown))) err = firstError(err, k);
        } finally {
            leave(in);
        }
        if (err != null) fail(err);
    }

    /** txsync of one TX ring, by netmap index. */
    public void txsync(int ring) {
        Kring k = adapter.txKring(ring);
        checkBound(k, true);
        int in = enterSync();
        String err = null;
        try {
            if (failed(k.txsync(SyncFlags.FORCE_RECLAIM))) err = k.takeError();
        } finally {
            leave(in);
        }
        if (err != null) fail(err);
    }

    /** rxsync of one RX ring, by netmap index. */
    public void rxsync(int ring) {
        Kring k = adapter.rxKring(ring);
        checkBound(k, false);
        int in = enterSync();
        String err = null;
        try {
            if (failed(k.rxsync(SyncFlags.FORCE_READ | forwardDown))) err = k.takeError();
        } finally {
            leave(in);
        }
        if (err != null) fail(err);
    }

    // ---- calls in flight, and close

    /**
     * Counts this thread in: {@link #IN_SOLO} or {@link #IN_COUNTED}, to be passed to
     * {@link #leave}; {@link #REFUSED} (and not counted) when the port is closed or closing. The
     * first thread in takes {@link #solo} with one CAS, the only locked instruction of the fast
     * path; it then reads {@link #calls} for CLOSED. {@link #close} sets CLOSED and then reads solo: as all
     * four are volatile accesses, either the caller sees CLOSED or close sees it inside and waits
     * (Dekker). A second thread while the first is inside counts itself in {@link #calls}.
     */
    private int enter() {
        if (SOLO.compareAndSet(this, 0, 1)) {
            if (calls >= 0) return IN_SOLO;
            SOLO.setRelease(this, 0);
            return REFUSED;
        }
        if ((int) CALLS.getAndAdd(this, 1) >= 0) return IN_COUNTED;
        CALLS.getAndAdd(this, -1);
        return REFUSED;
    }

    /** Counts this thread out: a release store on the fast path, so that close sees everything it did first. */
    private void leave(int in) {
        if (in == IN_SOLO) SOLO.setRelease(this, 0);
        else CALLS.getAndAdd(this, -1);
    }

    private int enterSync() {
        int in = enter();
        if (in == REFUSED) throw new IllegalStateException(closedMessage());
        return in;
    }

    private boolean closing() { return calls < 0; }

    private String closedMessage() {
        return name + " is closed (close() was called, possibly by another thread): open it again to go on";
    }

    /** A sync that met a busy ring (another thread's sync of it) did nothing and is no error, as netmap's ioctl. */
    private static boolean failed(int rc) { return rc != Kring.OK && rc != Kring.BUSY; }

    private void checkBound(Kring k, boolean tx) {
        NetmapRing[] rings = tx ? txRings : rxRings;
        if (rings[k.ringId()] == null)
            throw new IllegalArgumentException(name + " does not bind " + (tx ? "TX" : "RX") + " ring " + k.ringId());
    }

    private static String firstError(String err, Kring k) {
        String e = k.takeError();
        return err != null ? err : e;
    }

    private void fail(String err) {
        lastError = err;
        throw new RingStateException(err);
    }

    // ---- poll (netmap_poll)

    /**
     * Waits until a bound ring is ready, as poll(2) on a netmap fd: with POLLOUT, a TX ring whose
     * cur != tail; with POLLIN, an RX ring whose cur != tail. Like netmap, every call also pushes
     * pending TX slots (unless the name has NR_NO_TX_POLL) and imports RX packets. Blocks without
     * spinning when the back-end can signal (interrupts, a pipe peer's futex), after re-checking
     * the rings for at most {@code jnetmap.poll.spinMicros} (default {@value #DEFAULT_SPIN_MICROS}
     * µs; 0 sleeps at once): a peer that is about to publish costs no sleep and wake-up, which
     * take longer than that.
     *
     * @param timeoutMillis 0 to return at once, negative to wait forever
     * @return the ready events (POLLIN, POLLOUT), POLLERR if a ring had to be reset
     *         ({@link #lastError()} says why), 0 on timeout
     */
    public int poll(int events, int timeoutMillis) {
        int in = enter();
        if (in == REFUSED) return closedError();
        try {
            return pollEntered(events, timeoutMillis);
        } finally {
            leave(in);
        }
    }

    private int closedError() {
        lastError = closedMessage();
        return POLLERR;
    }

    private int pollEntered(int events, int timeoutMillis) {
        boolean wantTx = (events & POLLOUT) != 0, wantRx = (events & POLLIN) != 0;
        int revents = scan(wantTx, wantRx);
        if (revents != 0 || timeoutMillis == 0) return revents;
        long now = System.nanoTime();
        long deadline = timeoutMillis < 0 ? Long.MAX_VALUE : now + timeoutMillis * 1_000_000L;
        for (long spinEnd = now + Math.min(SPIN_NANOS, deadline - now); System.nanoTime() - spinEnd < 0; ) {
            Thread.onSpinWait();
            revents = scan(wantTx, wantRx);
            if (revents != 0) return revents;
        }
        for (int round = 0; ; round++) {
            long token = adapter.prepareWait(this, wantTx, wantRx);
            try {
                revents = scan(wantTx, wantRx);
                if (revents != 0) return revents;
                long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
                if (left <= 0) return 0;
                adapter.awaitEvents(this, token, left, round);
            } finally {
                adapter.endWait(this, token, wantTx, wantRx);
            }
        }
    }

    private int scan(boolean wantTx, boolean wantRx) {
        if (closing()) return closedError(); // another thread closes the port: this poll ends now
        int revents = 0;
        if (wantTx || !noTxPoll) {
            boolean lookingForSpace = wantTx; // netmap_poll's want_tx: sync every ring until one has space
            for (Kring k : boundTx) {
                NetmapRing r = k.ring();
                if (!lookingForSpace && r.head() == k.hwcur()) continue; // nothing to push here
                int rc = k.txsync(0);
                if (rc == Kring.BUSY) continue; // another thread is syncing it: netmap_poll skips the ring
                if (rc != Kring.OK) {
                    lastError = k.takeError();
                    revents |= POLLERR;
                }
                if (lookingForSpace && r.cur() != r.tail()) {
                    revents |= POLLOUT;
                    lookingForSpace = false;
                }
            }
        }
        if (wantRx) {
            for (Kring k : boundRx) {
                int rc = k.rxsync(SyncFlags.FORCE_READ | forwardDown);
                if (rc == Kring.BUSY) continue;
                if (rc != Kring.OK) {
                    lastError = k.takeError();
                    revents |= POLLERR;
                }
                NetmapRing r = k.ring();
                if (r.cur() != r.tail()) revents |= POLLIN;
            }
        }
        return revents;
    }

    /**
     * Closes the port. A poll or sync another thread is in ends with an error (see the class
     * comment); this waits until it has left, waking a poll that sleeps, and only then releases
     * the port's memory. A second close does nothing.
     */
    @Override
    public void close() {
        int c;
        do {
            c = calls;
            if (c < 0) return;
        } while (!CALLS.compareAndSet(this, c, c | CLOSED));
        awaitCallsLeft();
        try {
            region.lock();
            try {
                region.freeIfObject(ifObject);
            } finally {
                region.unlock();
            }
        } finally {
            adapter.unbind();
        }
    }

    /** Threads inside a poll or sync of this port now. */
    private int callsInside() { return (calls & ~CLOSED) + solo; }

    /** Waits until the threads inside a poll or sync of this port have left (they see {@link #CLOSED} at their next ring scan). */
    private void awaitCallsLeft() {
        long start = System.nanoTime(), warnAt = start + 2_000_000_000L;
        for (int round = 0; callsInside() != 0; round++) {
            adapter.wakeWaiters(); // a poll asleep in the back-end's wait
            if (round < 100) {
                Thread.onSpinWait();
            } else {
                java.util.concurrent.locks.LockSupport.parkNanos(100_000L);
            }
            if (System.nanoTime() - warnAt > 0) {
                LOG.warn("closing {}: {} thread(s) still inside poll or sync after {} ms", name, callsInside(),
                        (System.nanoTime() - start) / 1_000_000);
                warnAt = System.nanoTime() + 10_000_000_000L;
            }
        }
    }

    @Override
    public String toString() {
        return "NetmapPort[" + name + "]";
    }
}
