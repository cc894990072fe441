package io.jnetmap.rings;

import io.jnetmap.sys.Libc;
import io.jnetmap.sys.OffHeapBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static io.jnetmap.rings.NetmapLayout.*;

/**
 * One end of a netmap pipe ({@code netmap:NAME{ID} master, {@code netmap:NAME}ID} slave), as
 * netmap_pipe.c: the master's TX ring feeds the slave's RX ring and vice versa, by copying slots
 * at the same positions, so buffers change hands without copying data. TX space is end to end:
 * a TX slot comes back only when the peer releases it from its RX ring. As in netmap, slots are
 * copied whole, NS_BUF_CHANGED included: the receiver sees it on a slot whose buffer the sender
 * swapped, the sender on a slot the receiver gave back with another buffer (a sender that writes
 * each buffer once must write that one again).
 *
 * <p>Both ends live in the memory region named NAME, a file that a second process maps to open
 * the other end; their krings and wake-up words are in the region too. Wake-ups go through a
 * futex on the waiting end's word, and only when that end announced it is waiting.
 */
final class PipeAdapter extends NetmapAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(PipeAdapter.class);

    // pipe table entry
    private static final int P_STATE = 0, P_SLOTS = 4, P_ID = 8, P_ID_LEN = 48, P_RING = 56, P_PID = 72,
            P_WAKE = 128, WAKE_STRIDE = MemoryRegion.LINE_PAIR, W_SEQ = 0, W_WAITERS = 4, // each end's wake word on its own line pair
            W_MEMBARRIER = 8; // 1: this end's sleepers call membarrier (AsymmetricFence), so its wakers need no fence
    // ring objects in P_RING: master TX, master RX, slave TX, slave RX
    private static final int M_TX = 0, M_RX = 1, S_TX = 2, S_RX = 3;
    static final int DEFAULT_SLOTS = 1024;
    /**
     * Longest sleep in one futex wait before the sleeper looks at its rings again (so a peer that
     * died cannot leave it asleep past its own timeout checks); {@code jnetmap.pipe.sleepSliceMillis}.
     */
    private static final long SLEEP_SLICE_NANOS = Math.max(1, Long.getLong("jnetmap.pipe.sleepSliceMillis", 200)) * 1_000_000L;

    private static final Map<String, PipeAdapter> OPEN = new HashMap<>();

    private final String key;
    private final boolean master;
    private final int entry;
    private final OffHeapBuffer table;
    private final Kring ownTx, ownRx, otherTx, otherRx;
    private final long myWord, peerWord;
    private final OffHeapBuffer timespec = OffHeapBuffer.allocate(16);

    private PipeAdapter(String key, PortName n, MemoryRegion region, int entry) {
        super(key, region);
        this.key = key;
        this.master = n.mode() == PortName.Mode.PIPE_MASTER;
        this.entry = entry;
        this.table = region.header();
        int e = region.pipeEntryOffset(entry);
        Kring[] k = new Kring[4];
        for (int r = 0; r < 4; r++)
            k[r] = new Kring(this, region, table.getInt(e + P_RING + 4 * r), r == M_TX || r == S_TX, false, 0);
        this.ownTx = k[master ? M_TX : S_TX];
        this.ownRx = k[master ? M_RX : S_RX];
        this.otherTx = k[master ? S_TX : M_TX];
        this.otherRx = k[master ? S_RX : M_RX];
        this.txKrings = new Kring[] {ownTx};
        this.rxKrings = new Kring[] {ownRx};
        this.numTxRings = 1;
        this.numRxRings = 1;
        int me = master ? 0 : 1;
        this.myWord = e + P_WAKE + me * WAKE_STRIDE;
        this.peerWord = e + P_WAKE + (1 - me) * WAKE_STRIDE;
        table.putIntVolatile((int) myWord + W_MEMBARRIER, AsymmetricFence.REGISTERED ? 1 : 0); // before this end ever sleeps
    }

    /** The adapter of one pipe end, shared by every port of this process bound to that end. */
    static PipeAdapter open(PortName n) {
        String key = n.name() + (n.mode() == PortName.Mode.PIPE_MASTER ? "{" : "}") + n.pipeId();
        synchronized (OPEN) {
            PipeAdapter a = OPEN.get(key);
            if (a != null) return a;
            MemoryRegion region = MemoryRegion.attach(n.name(), RegionConfig.fromSystemProperties());
            try {
                a = attachEnd(key, n, region);
            } catch (RuntimeException e) {
                region.close();
                throw e;
            }
            OPEN.put(key, a);
            return a;
        }
    }

    private static PipeAdapter attachEnd(String key, PortName n, MemoryRegion region) {
        boolean master = n.mode() == PortName.Mode.PIPE_MASTER;
        int slots = n.conf("slots", DEFAULT_SLOTS);
        if (n.conf().containsKey("rings") && n.conf("rings", 1) != 1)
            throw new IllegalArgumentException(n + ": jnetmap pipes have one ring pair");
        byte[] id = n.pipeId().getBytes(StandardCharsets.UTF_8);
        if (id.length >= P_ID_LEN) throw new IllegalArgumentException(n + ": pipe id longer than " + (P_ID_LEN - 1) + " bytes");
        OffHeapBuffer h = region.header();
        int pid = Libc.getpid();
        region.lock();
        try {
            int entry = find(region, id);
            if (entry < 0) entry = create(region, id, slots);
            int e = region.pipeEntryOffset(entry);
            int pidOff = e + P_PID + (master ? 0 : 4);
            int holder = h.getInt(pidOff);
            if (holder != 0 && holder != pid && MemoryRegion.pidAlive(holder))
                throw new IllegalStateException(n + " is already open in process " + holder
                        + "; each pipe end can be open in one process at a time");
            if (holder != 0 && holder != pid)
                LOG.info("{}: taking over from process {}, which exited without closing it", n, holder);
            h.putInt(pidOff, pid);
            return new PipeAdapter(key, n, region, entry);
        } finally {
            region.unlock();
        }
    }

    private static Kring kring(MemoryRegion region, int e, int r) {
        return new Kring(null, region, region.header().getInt(e + P_RING + 4 * r), r == M_TX || r == S_TX, false, 0);
    }

    private static int find(MemoryRegion region, byte[] id) {
        OffHeapBuffer h = region.header();
        for (int i = 0; i < MemoryRegion.MAX_PIPES; i++) {
            int e = region.pipeEntryOffset(i);
            if (h.getInt(e + P_STATE) == 0) continue;
            boolean same = true;
            for (int j = 0; j < P_ID_LEN && same; j++) {
                byte b = j < id.length ? id[j] : 0;
                if (h.getByte(e + P_ID + j) != b) same = false;
            }
            if (same) return i;
        }
        return -1;
    }

    /** A new pipe: both TX rings get buffers; each RX ring starts as a copy of its peer's TX ring. */
    private static int create(MemoryRegion region, byte[] id, int slots) {
        OffHeapBuffer h = region.header();
        int entry = -1;
        for (int i = 0; i < MemoryRegion.MAX_PIPES && entry < 0; i++)
            if (h.getInt(region.pipeEntryOffset(i) + P_STATE) == 0) entry = i;
        if (entry < 0) throw new IllegalStateException("region " + region.name() + " already holds "
                + MemoryRegion.MAX_PIPES + " pipes; close some or use another name");
        int[] objs = new int[4];
        int made = 0;
        try {
            objs[M_TX] = Kring.format(region, slots, true, 0, true); made++;
            objs[M_RX] = Kring.format(region, slots, false, 0, false); made++;
            objs[S_TX] = Kring.format(region, slots, true, 0, true); made++;
            objs[S_RX] = Kring.format(region, slots, false, 0, false); made++;
        } catch (RuntimeException ex) {
            for (int r = 0; r < made; r++)
                new Kring(null, region, objs[r], r == M_TX || r == S_TX, false, 0).free(r == M_TX || r == S_TX);
            throw ex;
        }
        int e = region.pipeEntryOffset(entry);
        h.fill(e, MemoryRegion.PIPE_ENTRY_SIZE, (byte) 0);
        h.putBytes(e + P_ID, id, 0, id.length);
        h.putInt(e + P_SLOTS, slots);
        for (int r = 0; r < 4; r++) h.putInt(e + P_RING + 4 * r, objs[r]);
        copySlots(kring(region, e, M_TX), kring(region, e, S_RX));
        copySlots(kring(region, e, S_TX), kring(region, e, M_RX));
        h.putInt(e + P_STATE, 1);
        return entry;
    }

    private static void copySlots(Kring from, Kring to) {
        NetmapRing f = from.ring();
        for (int i = 0; i < from.numSlots(); i++) to.putSlot(i, f.bufIdx(i), 0, 0, 0);
    }

    // ---- the two syncs (netmap_pipe_txsync / netmap_pipe_rxsync)

    @Override
    public int txsync(Kring k, int flags) {
        final Kring t = ownTx, r = otherRx;
        final NetmapRing tr = t.ring();
        final int head = t.rhead(), lim = t.lim();
        int hwcur = t.hwcur();
        if (head == hwcur) return 0;
        // netmap_pipe_txsync: the receiver gets each slot whole (*rs = *ts), NS_BUF_CHANGED included,
        // so it knows the buffer is not the one it last saw there; only the sender's copy loses the flag.
        // Each slot is checked as it is copied: one pass (the ring rules skip theirs, checksTxSlotsInSync)
        final int seen = t.checkAndCopyTo(r, hwcur, head);
        if (seen < 0) return Kring.REJECTED_SLOT;
        int published = head; // slot after the last complete packet
        if ((seen & NS_MOREFRAG) != 0) {
            published = -1;
            for (int i = hwcur; i != head; ) {
                int fl = tr.slotFlags(i);
                i = i == lim ? 0 : i + 1;
                if ((fl & NS_MOREFRAG) == 0) published = i;
            }
        }
        // an unfinished chain is copied again at the next sync: it keeps its flags until then
        if ((seen & NS_BUF_CHANGED) != 0) for (int i = hwcur; i != published && published >= 0; i = i == lim ? 0 : i + 1) {
            int fl = tr.slotFlags(i);
            if ((fl & NS_BUF_CHANGED) != 0) tr.slotFlags(i, fl & ~NS_BUF_CHANGED);
        }
        if (published < 0) return 0; // only part of a packet so far: publish nothing
        t.hwcur(published);
        r.hwtail(published); // release: the slots above are visible first
        wakePeer();
        return 0;
    }

    @Override
    protected boolean checksTxSlotsInSync() { return true; }

    @Override
    protected boolean peerPublishesRxTail() { return true; }

    @Override
    public int rxsync(Kring k, int flags) {
        final Kring r = ownRx, t = otherTx;
        final NetmapRing rr = r.ring();
        final int head = r.rhead(), lim = r.lim();
        int hwcur = r.hwcur();
        if (head == hwcur) return 0;
        if ((r.checkedFlags() & NS_BUF_CHANGED) != 0) for (int i = hwcur; i != head; i = i == lim ? 0 : i + 1) {
            int fl = rr.slotFlags(i);
            if ((fl & NS_BUF_CHANGED) != 0) { // the user swapped in another buffer: the sender gets the slot whole, flag included
                t.copySlot(rr, i, 0);
                rr.slotFlags(i, fl & ~NS_BUF_CHANGED);
            }
        }
        r.hwcur(head);
        t.hwtail(head == 0 ? lim : head - 1); // release
        wakePeer();
        return 0;
    }

    /**
     * Frees one direction's buffers, each slot's from the ring that owns it, as
     * netmap_pipe_krings_delete: the receiver's for [rx.hwcur, rx.hwtail), where it may have swapped
     * in other buffers it has not handed back yet, the sender's everywhere else.
     */
    private void freeBuffers(Kring tx, Kring rx) {
        int hwcur = rx.hwcur(), held = rx.distance(hwcur, rx.hwtail());
        for (int i = 0; i < tx.numSlots(); i++) {
            Kring owner = rx.distance(hwcur, i) < held ? rx : tx;
            int b = owner.ring().bufIdx(i);
            if (!region.validBuffer(b)) b = owner.shadow(i);
            if (region.validBuffer(b)) region.freeBuffer(b);
        }
    }

    // ---- wake-ups

    /**
     * The publication above must be visible before we look for a sleeper: a fence, unless the
     * peer's sleepers make up for it with membarrier (see {@link AsymmetricFence}; off-heap store
     * then off-heap load, kept in this order by the JIT).
     */
    private void wakePeer() {
        if (!AsymmetricFence.REGISTERED || table.getInt((int) peerWord + W_MEMBARRIER) == 0) VarHandle.fullFence();
        if (table.getIntVolatile((int) peerWord + W_WAITERS) > 0) Futex.bumpAndWake(table, (int) peerWord + W_SEQ);
    }

    @Override
    protected long prepareWait(NetmapPort port, boolean tx, boolean rx) {
        table.getAndAddInt((int) myWord + W_WAITERS, 1);
        if (AsymmetricFence.REGISTERED) AsymmetricFence.heavy(); // the fence the peer's wakePeer left out
        return table.getIntVolatile((int) myWord + W_SEQ);
    }

    @Override
    protected void awaitEvents(NetmapPort port, long token, long timeoutNanos, int round) {
        Libc.futexWait(region.address() + myWord + W_SEQ, (int) token, Math.min(timeoutNanos, SLEEP_SLICE_NANOS), timespec);
    }

    @Override
    protected void endWait(NetmapPort port, long token, boolean tx, boolean rx) {
        table.getAndAddInt((int) myWord + W_WAITERS, -1);
    }

    @Override
    protected void wakeWaiters() { Futex.bumpAndWake(table, (int) myWord + W_SEQ); }

    @Override
    protected void register(boolean on) { }

    /** Last local user gone: leave the end; the last end out frees the pipe's rings and buffers. */
    @Override
    protected void destroy() {
        synchronized (OPEN) {
            OPEN.remove(key, this);
            int e = region.pipeEntryOffset(entry);
            region.lock();
            try {
                table.putInt(e + P_PID + (master ? 0 : 4), 0);
                table.putInt((int) myWord + W_WAITERS, 0);
                int peer = table.getInt(e + P_PID + (master ? 4 : 0));
                if (peer == 0 || !MemoryRegion.pidAlive(peer)) {
                    freeBuffers(ownTx, otherRx);
                    freeBuffers(otherTx, ownRx);
                    ownTx.free(false);
                    otherTx.free(false);
                    ownRx.free(false);
                    otherRx.free(false);
                    table.fill(e, MemoryRegion.PIPE_ENTRY_SIZE, (byte) 0);
                }
            } finally {
                region.unlock();
            }
            timespec.close();
            region.close();
        }
    }
}
