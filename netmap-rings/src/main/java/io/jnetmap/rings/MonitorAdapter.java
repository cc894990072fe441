package io.jnetmap.rings;

import io.jnetmap.sys.Libc;
import io.jnetmap.sys.OffHeapBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.VarHandle;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.jnetmap.rings.MonitorControl.*;
import static io.jnetmap.rings.NetmapLayout.*;

/**
 * A copy monitor port ({@code netmap:X/r}, {@code /t}, {@code /rt}), as netmap_monitor.c: it has
 * the watched port's ring pairs (max(TX, RX) NIC rings and its host rings) and uses only its RX
 * rings; monitor RX ring i receives copies of what the owner's TX ring i sends (flagged NS_TXMON)
 * and of what its RX ring i receives, each slot stamped with the owner's sync time in
 * {@code ptr} (nanoseconds since the epoch). It may run in any process: the owner copies into
 * rings this monitor allocated in the port's monitor region ({@link MonitorControl}). A monitor
 * that falls behind loses frames, counted in {@link #drops()}; the owner never waits for it.
 * When the owner closes the port (or its process dies), the monitor first reads what it holds,
 * then its syncs and poll report an error: end of stream.
 *
 * <p>Differences from netmap: no TX ring (netmap's one TX ring always fails), at most
 * {@value MonitorControl#MAX_MONITORS} monitors per port at a time, drops are counted, and no
 * zero-copy monitors ({@code /z}): netmap's swap buffers between the watched rings and the
 * monitor's, which needs the monitor in the owner's memory region, and a NIC's region is private
 * to the process that drives the NIC.
 */
public final class MonitorAdapter extends NetmapAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(MonitorAdapter.class);
    private static final long PID_CHECK_NANOS = 500_000_000L;

    private final MonitorControl control;
    private final OffHeapBuffer table;
    private final int monitor, entry;
    private final boolean watchTx, watchRx;
    private final String watched;
    private final int[] rings;
    private final OffHeapBuffer timespec = OffHeapBuffer.allocate(16);
    private long nextPidCheck;
    private boolean ownerGone;

    private MonitorAdapter(PortName n, MonitorControl c, int[] selected) {
        super(n.adapterKey() + "/" + ((n.flags() & NR_MONITOR_RX) != 0 ? "r" : "") + ((n.flags() & NR_MONITOR_TX) != 0 ? "t" : ""),
                c.region);
        this.control = c;
        this.table = c.table;
        this.watchTx = (n.flags() & NR_MONITOR_TX) != 0;
        this.watchRx = (n.flags() & NR_MONITOR_RX) != 0;
        this.watched = c.name() + (c.alias().equals(c.name()) ? "" : " (" + c.alias() + ")");
        int nic = c.monitorNicRings(), host = c.monitorHostRings();
        this.numRxRings = nic;
        this.numHostRxRings = host;
        this.rxKrings = new Kring[nic + host];
        this.rings = selected;
        int slots = c.slots();
        int m = -1;
        region.lock();
        try {
            if (!c.open()) throw closedError(c);
            reapDead();
            for (int i = 0; i < MAX_MONITORS && m < 0; i++) if (table.getInt(c.entry(i) + E_STATE) == ENTRY_FREE) m = i;
            if (m < 0) throw new IllegalStateException(n + ": " + watched + " already has " + MAX_MONITORS
                    + " monitors; close one of them first");
            int e = c.entry(m);
            table.fill(e, ENTRY_SIZE, (byte) 0);
            try {
                for (int r : selected) {
                    int obj = Kring.format(region, slots, false, r, true);
                    // not a host kring even when it watches the owner's host rings: no host stack
                    // serves it, the owner fills it and this adapter's rxsync gives it back
                    rxKrings[r] = new Kring(this, region, obj, false, false, r);
                    table.putIntRelease(e + E_RING + 4 * r, obj + 1);
                }
            } catch (RuntimeException ex) {
                freeRings(e);
                throw ex;
            }
            table.putInt(e + E_PID, Libc.getpid());
            table.putInt(e + E_FLAGS, (int) (n.flags() & (NR_MONITOR_RX | NR_MONITOR_TX)));
            table.putIntVolatile(e + E_STATE, ENTRY_CLAIMED);
        } finally {
            region.unlock();
        }
        this.monitor = m;
        this.entry = c.entry(m);
        // touch every buffer now: a full /dev/shm fails here, in the monitor, not in the owner's copy
        for (int r : selected) {
            NetmapRing ring = rxKrings[r].ring();
            for (int i = 0; i < ring.numSlots(); i++) ring.buffers().fill(ring.slotBufOffset(i), ring.bufSize(), (byte) 0);
        }
        for (int r : selected) forEachWatchedKring(r, (tx, k) -> c.setMaskBit(c.maskOffset(tx, k), monitor));
        c.nextGeneration();
        table.putIntVolatile(entry + E_STATE, ENTRY_WATCHING);
        LOG.debug("monitor {} of {} attached as entry {} on rings {}", name(), watched, m, java.util.Arrays.toString(selected));
    }

    /** Opens the monitor {@code n} names: finds the process that owns the port and attaches to it. */
    static MonitorAdapter open(PortName n) {
        if ((n.flags() & NR_ZCOPY_MON) != 0)
            throw new IllegalArgumentException("invalid port name '" + n + "': zero-copy monitors (/z) are not supported by jnetmap:"
                    + " they swap buffers with the watched rings, which needs the owner's memory region, and a NIC's region is"
                    + " private to the process driving it. Use a copy monitor: /r (received frames), /t (sent frames) or /rt (both)");
        if (n.exclusive()) throw new IllegalArgumentException("invalid port name '" + n + "': a monitor cannot be exclusive (/x)");
        MonitoredPorts.Port p = MonitoredPorts.find(n.adapterKey());
        MemoryRegion region = MemoryRegion.attach(p.regionName(), RegionConfig.defaults());
        try {
            MonitorControl c = new MonitorControl(region);
            if (!c.valid() || !c.open()) throw closedError(c);
            int nic = c.monitorNicRings(), host = c.monitorHostRings();
            int[] range = NetmapPort.range(n, nic, host, false);
            if (n.mode() == PortName.Mode.ONE_NIC && n.ring() >= nic)
                throw new IllegalArgumentException(n + ": ring " + n.ring() + " does not exist (" + c.name() + " has " + nic + " ring pairs)");
            int[] selected = new int[range[1] - range[0]];
            for (int i = 0; i < selected.length; i++) selected[i] = range[0] + i;
            return new MonitorAdapter(n, c, selected);
        } catch (RuntimeException e) {
            region.close();
            throw e;
        }
    }

    private static IllegalStateException closedError(MonitorControl c) {
        return new IllegalStateException("port " + c.name() + " is no longer open (its owner, process " + c.ownerPid()
                + ", closed it or exited); a monitor watches a port another binding keeps open");
    }

    /** The name of the watched port and what this monitor sees. */
    public String watchedPort() { return watched; }

    /** Frames this monitor lost because its rings were full (or, rarely, both directions arrived at once). */
    public long drops() {
        long d = 0;
        for (int r : rings) d += table.getLongVolatile(entry + E_DROPS + 8 * r);
        return d;
    }

    /** Whether the owner closed the port (or died): what the monitor holds is the last it gets. */
    public boolean ownerClosed() {
        if (ownerGone) return true;
        if (control.state() != STATE_OPEN) return ownerGone = true;
        long now = System.nanoTime();
        if (now - nextPidCheck > 0) {
            nextPidCheck = now + PID_CHECK_NANOS;
            if (!MemoryRegion.pidAlive(control.ownerPid())) ownerGone = true;
        }
        return ownerGone;
    }

    @Override
    public Map<String, Long> statistics() {
        Map<String, Long> s = new LinkedHashMap<>();
        s.put("monitor_drops", drops());
        return s;
    }

    @Override
    public int txsync(Kring kring, int flags) {
        kring.failBackend(name() + ": a monitor port cannot send");
        return 1;
    }

    /** netmap_monitor_rxsync: gives back the released slots; end of stream once the owner left and the ring is empty. */
    @Override
    public int rxsync(Kring k, int flags) {
        VarHandle.releaseFence(); // the user has read the released slots before the owner may refill them
        k.hwcur(k.rhead());
        // hwtail again after the owner's state: its last frames may have been published between the
        // first read and the close, and the stream ends only once they are read too
        if (k.rhead() == k.hwtail() && ownerClosed() && k.rhead() == k.hwtail()) {
            k.failBackend("end of capture: " + watched + " was closed by its owner (process " + control.ownerPid() + ")");
            return 1;
        }
        return 0;
    }

    @Override
    protected void register(boolean on) { }

    @Override
    protected void destroy() {
        for (int r : rings) forEachWatchedKring(r, (tx, k) -> control.clearMaskBit(control.maskOffset(tx, k), monitor));
        control.nextGeneration();
        awaitNoCopy(entry);
        region.lock();
        try {
            freeRings(entry);
            table.fill(entry, ENTRY_SIZE, (byte) 0);
        } finally {
            region.unlock();
        }
        timespec.close();
        region.close();
    }

    /** Waits until the owner finished any copy into entry {@code e}'s rings (its mask bits are already clear). */
    private void awaitNoCopy(int e) {
        long deadline = System.nanoTime() + 1_000_000_000L;
        for (int r = 0; r < MAX_RINGS; r++) {
            while (table.getIntVolatile(e + E_BUSY + 4 * r) != 0) {
                if (System.nanoTime() - deadline > 0) {
                    if (MemoryRegion.pidAlive(control.ownerPid()))
                        LOG.warn("{}: the owner kept ring {} busy for over 1 s; freeing it anyway", name(), r);
                    break;
                }
                Thread.onSpinWait();
            }
        }
    }

    /** Frees entry {@code e}'s ring objects and buffers (under the region lock). */
    private void freeRings(int e) {
        for (int r = 0; r < MAX_RINGS; r++) {
            int obj = table.getInt(e + E_RING + 4 * r) - 1;
            if (obj < 0) continue;
            table.putIntVolatile(e + E_RING + 4 * r, 0);
            new Kring(null, region, obj, false, false, r).free(true);
        }
    }

    /** Entries of monitors whose process died: detached so their rings and buffers serve new monitors. */
    private void reapDead() {
        for (int m = 0; m < MAX_MONITORS; m++) {
            int e = control.entry(m);
            if (table.getInt(e + E_STATE) == ENTRY_FREE) continue;
            int pid = table.getInt(e + E_PID);
            if (MemoryRegion.pidAlive(pid)) continue;
            for (int i = 0; i < MAX_RINGS; i++) {
                control.clearMaskBit(control.maskOffset(true, i), m);
                control.clearMaskBit(control.maskOffset(false, i), m);
            }
            control.nextGeneration();
            awaitNoCopy(e);
            freeRings(e);
            table.fill(e, ENTRY_SIZE, (byte) 0);
            LOG.info("{}: freed the monitor of process {}, which exited without closing it", watched, pid);
        }
    }

    private interface KringVisitor { void visit(boolean tx, int kring); }

    /** The owner krings that feed monitor ring {@code r} under this monitor's /r, /t flags. */
    private void forEachWatchedKring(int r, KringVisitor v) {
        int nic = control.monitorNicRings();
        for (boolean tx : new boolean[] {true, false}) {
            if (tx ? !watchTx : !watchRx) continue;
            int hw = tx ? control.numTx() : control.numRx(), host = tx ? control.numHostTx() : control.numHostRx();
            if (r < nic) {
                if (r < hw) v.visit(tx, r);
            } else if (r - nic < host) {
                v.visit(tx, hw + (r - nic));
            }
        }
    }

    // ---- waiting: a futex in the monitor's entry, which the owner bumps when it publishes

    @Override
    protected long prepareWait(NetmapPort port, boolean tx, boolean rx) {
        table.getAndAddInt(entry + E_WAITERS, 1);
        return table.getIntVolatile(entry + E_SEQ);
    }

    @Override
    protected void awaitEvents(NetmapPort port, long token, long timeoutNanos, int round) {
        if (ownerClosed()) return; // the next scan reports end of stream
        // bounded slices: an owner that died cannot wake us
        Libc.futexWait(region.address() + entry + E_SEQ, (int) token, Math.min(timeoutNanos, 200_000_000L), timespec);
    }

    @Override
    protected void endWait(NetmapPort port, long token, boolean tx, boolean rx) {
        table.getAndAddInt(entry + E_WAITERS, -1);
    }

    @Override
    protected void wakeWaiters() { Futex.bumpAndWake(table, entry + E_SEQ); }
}
