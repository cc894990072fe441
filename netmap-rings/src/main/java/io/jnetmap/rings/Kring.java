package io.jnetmap.rings;

import io.jnetmap.sys.OffHeapBuffer;

import static io.jnetmap.rings.NetmapLayout.*;

/**
 * The port's side of one ring (netmap's {@code struct netmap_kring}): the shadow pointers
 * nr_hwcur / nr_hwtail and the user's last valid head, cur, tail, plus the one generic
 * implementation of netmap's ring rules. Back-ends only move descriptors in
 * {@link NetmapAdapter#txsync}/{@link NetmapAdapter#rxsync}: everything checked here has been
 * checked before they run.
 *
 * <p>The state lives in the memory region, after the ring's slots, so that the two ends of a pipe
 * in different processes see one kring. Only {@code hwtail} is written by the peer of a pipe; it is
 * published with release and read with acquire.
 *
 * <p>TX: [hwcur, rhead) filled and not yet pushed, [rhead, hwtail) free for the user,
 * [hwtail, hwcur) owned by the port (in flight, plus the one always-empty slot).
 * RX: [hwcur, hwtail) received and not yet released to the port.
 */
public final class Kring {
    /**
     * Sync results. BUSY: another thread or process was syncing this ring, so this sync did
     * nothing (netmap's nm_kr_tryget failing: the ioctl and poll skip the ring, no error).
     */
    public static final int OK = 0, ERR_POINTERS = 1, ERR_SLOT = 2, ERR_BACKEND = 3, BUSY = 4;
    /** What a back-end's txsync returns after {@link #checkAndCopyTo} refused a slot (the ring is reset already). */
    public static final int REJECTED_SLOT = -2;

    /**
     * The state's cache lines (issue #17). The syncing thread's own words share one line: hwcur,
     * rhead, rcur, rtail and K_BUSY, netmap's nr_busy (0, or the pid of the process whose thread
     * is in a sync of this ring; it lives in the region so it guards a ring two processes reach:
     * both ends of a pipe map the same krings). hwtail, which a pipe's peer writes, is alone
     * {@link MemoryRegion#LINE_PAIR} bytes away, so the peer's store never takes the owner's line
     * or the one the prefetcher pairs with it. The per-slot shadow follows on the next pair.
     */
    private static final int K_HWCUR = 0, K_RHEAD = 4, K_RCUR = 8, K_RTAIL = 12, K_HWTAIL = MemoryRegion.LINE_PAIR,
            K_SHADOW = MemoryRegion.KSTATE_SIZE;
    static final int K_BUSY = 16;
    private static final int PID = io.jnetmap.sys.Libc.getpid();
    /**
     * netmap's {@code dev.netmap.no_timestamp} sysctl, as system property {@code jnetmap.no_timestamp}
     * (read once): 0 (the default) stamps every RX ring's {@code ts} at each rxsync; any other value
     * stamps only rings whose flags have NR_TIMESTAMP, and saves the clock read the stamp costs.
     */
    static final boolean NO_TIMESTAMP = flag(System.getProperty("jnetmap.no_timestamp"));

    private final NetmapAdapter adapter;
    private final MemoryRegion region;
    private final int ringObject;
    private final NetmapRing ring;
    private final OffHeapBuffer state;
    private final boolean tx;
    private final boolean host;
    private final int ringId;
    private final int numSlots;
    private final int lim;
    private final int bufSize;
    private final int numBuffers;
    /** Shortest packet this TX ring's device sends ({@link NetmapAdapter#minTxFrame}); 0: any length, empty slots too. */
    private final int minFrame;
    /** Most slots one packet may span on this TX ring's device ({@link NetmapAdapter#maxTxFragments}); 0: no cap. */
    private final int maxFrags;
    /** {@link #maxFrags}, or Integer.MAX_VALUE when there is no cap. */
    private final int fragCap;
    /** Bytes and slots of the packet a {@link #checkRangeNic} pass is in, carried over the wrap to the second pass. */
    private int chainLen, chainFrags;
    private String lastError;
    private long errors;
    private int checkedFlags;
    /** The hwtail rxPrologue validated against, for {@link NetmapAdapter#peerPublishesRxTail} back-ends. */
    private int prologueTail;
    /** The monitors' view of this ring (owner side), set while the port is published; null for monitors' own rings. */
    private MonitorTap tap;

    Kring(NetmapAdapter adapter, MemoryRegion region, int ringObject, boolean tx, boolean host, int ringId) {
        this.adapter = adapter;
        this.region = region;
        this.ringObject = ringObject;
        long off = region.ringObjectOffset(ringObject);
        OffHeapBuffer obj = region.memory().slice(off, region.ringObjectOffset(ringObject + 1) - off);
        int slots = obj.getInt(RING_NUM_SLOTS);
        int ks = MemoryRegion.kstateOffset(slots);
        this.ring = new NetmapRing(obj.slice(0, ringBytes(slots)), region.buffers(), region.bufSize());
        this.state = obj.slice(ks, MemoryRegion.KSTATE_SIZE + 4L * slots);
        this.tx = tx;
        this.host = host;
        this.ringId = ringId;
        this.numSlots = slots;
        this.lim = slots - 1;
        this.bufSize = region.bufSize();
        this.numBuffers = region.numBuffers();
        this.minFrame = tx && !host && adapter != null ? adapter.minTxFrame() : 0;
        this.maxFrags = tx && !host && adapter != null ? Math.max(0, adapter.maxTxFragments()) : 0;
        this.fragCap = maxFrags == 0 ? Integer.MAX_VALUE : maxFrags;
    }

    /** A sysctl-like switch: unset, empty, "0" or "false" is off; anything else ("1", "true") on. */
    static boolean flag(String v) {
        if (v == null) return false;
        v = v.trim();
        return !v.isEmpty() && !v.equals("0") && !v.equalsIgnoreCase("false");
    }

    /**
     * Allocates and formats a ring object for a new kring (netmap_krings_create + rings_create):
     * head = cur = 0, TX tail = num_slots - 1, RX tail = 0, and, when {@code withBuffers}, a fresh
     * buffer in every slot. Call under the region lock.
     */
    static int format(MemoryRegion region, int numSlots, boolean tx, int ringId, boolean withBuffers) {
        if (numSlots < 2)
            throw new IllegalArgumentException("a ring needs at least 2 slots, asked for " + numSlots);
        int obj = region.allocateRingObject(numSlots);
        long off = region.ringObjectOffset(obj);
        OffHeapBuffer mem = region.memory().slice(off, ringBytes(numSlots));
        long bufOfs = region.bufferPoolOffset() - off;
        NetmapRing.format(mem, bufOfs, numSlots, region.bufSize(), ringId, tx);
        OffHeapBuffer st = region.memory().slice(off + MemoryRegion.kstateOffset(numSlots), MemoryRegion.KSTATE_SIZE + 4L * numSlots);
        st.putInt(K_HWCUR, 0);
        st.putInt(K_RHEAD, 0);
        st.putInt(K_RCUR, 0);
        int tail = tx ? numSlots - 1 : 0;
        st.putInt(K_RTAIL, tail);
        st.putInt(K_HWTAIL, tail);
        st.putIntRelease(K_BUSY, 0);
        if (withBuffers) {
            try {
                for (int i = 0; i < numSlots; i++) {
                    int b = region.allocateBuffer();
                    mem.putInt(RING_SLOTS + i * SLOT_SIZE + SLOT_BUF_IDX, b);
                    st.putInt(K_SHADOW + 4 * i, b);
                }
            } catch (RuntimeException e) {
                for (int i = 0; i < numSlots; i++) {
                    int b = st.getInt(K_SHADOW + 4 * i);
                    if (b != 0) region.freeBuffer(b);
                }
                region.freeRingObject(obj);
                throw e;
            }
        }
        return obj;
    }

    /** Returns the ring object and, when it owns them, its slots' buffers to the region. Call under the region lock. */
    void free(boolean withBuffers) {
        if (withBuffers) {
            for (int i = 0; i < numSlots; i++) {
                int b = ring.bufIdx(i);
                if (!region.validBuffer(b)) b = shadow(i);
                if (region.validBuffer(b)) region.freeBuffer(b);
            }
        }
        region.freeRingObject(ringObject);
    }

    // ---- identity
    public NetmapRing ring() { return ring; }
    public NetmapAdapter adapter() { return adapter; }
    public boolean isTx() { return tx; }
    /** A host ring (traffic to or from the kernel's stack) rather than a NIC queue. */
    public boolean isHost() { return host; }
    public int ringId() { return ringId; }
    public int numSlots() { return numSlots; }
    /** num_slots - 1, netmap's {@code lim}. */
    public int lim() { return lim; }
    public MemoryRegion region() { return region; }
    int ringObject() { return ringObject; }
    /** Byte offset of the netmap_ring in the region. */
    long ringOffset() { return region.ringObjectOffset(ringObject); }

    // ---- shadow state
    public int hwcur() { return state.getInt(K_HWCUR); }
    public void hwcur(int v) { state.putInt(K_HWCUR, v); }
    /** nr_hwtail, read with acquire: a pipe's peer publishes it. */
    public int hwtail() { return state.getIntAcquire(K_HWTAIL); }
    /** Publishes nr_hwtail with release: every slot and buffer write before it is visible first. */
    public void hwtail(int v) { state.putIntRelease(K_HWTAIL, v); }
    /** The head the user passed at the current sync (nm_txsync/rxsync_prologue's rhead). */
    public int rhead() { return state.getInt(K_RHEAD); }
    public int rcur() { return state.getInt(K_RCUR); }
    public int rtail() { return state.getInt(K_RTAIL); }

    public int next(int i) { return i == lim ? 0 : i + 1; }
    public int prev(int i) { return i == 0 ? lim : i - 1; }
    /** (b - a) mod num_slots. */
    public int distance(int a, int b) { int d = b - a; return d < 0 ? d + numSlots : d; }

    /** The buffer the port last knew in slot {@code i}: restored if the user writes an invalid index. */
    public int shadow(int i) { return state.getInt(K_SHADOW + 4 * i); }

    /**
     * A back-end puts a slot into this ring (pipes hand slots over by copying them): records the
     * buffer as the slot's known-good one.
     */
    public void putSlot(int i, int bufIdx, int len, int flags, long ptr) {
        ring.bufIdx(i, bufIdx);
        ring.len(i, len);
        ring.slotFlags(i, flags);
        ring.ptr(i, ptr);
        state.putInt(K_SHADOW + 4 * i, bufIdx);
    }

    /** Copies slot {@code i} of {@code from} into the same slot here, clearing {@code clearFlags}; returns the copied flags. */
    public int copySlot(NetmapRing from, int i, int clearFlags) {
        long w = from.slotWord(i);
        ring.slotWord(i, w & ~((long) clearFlags << 48));
        ring.ptr(i, from.ptr(i));
        state.putInt(K_SHADOW + 4 * i, NetmapRing.wordBufIdx(w));
        return NetmapRing.wordFlags(w);
    }

    /**
     * The buffer of slot {@code i} for a back-end about to write into it (netmap's NMB()): the
     * slot's index, read once, when it is inside the pool, else the port's record, which is put
     * back into the slot. A stray index the application wrote into a slot the port owns thus
     * never sends data outside the buffer pool, and the buffer that was there is not lost.
     */
    public int slotBuffer(int i) {
        int idx = ring.bufIdx(i);
        if (idx >= FIRST_BUFFER && idx < numBuffers) {
            if (state.getInt(K_SHADOW + 4 * i) != idx) state.putInt(K_SHADOW + 4 * i, idx);
            return idx;
        }
        idx = shadow(i);
        ring.bufIdx(i, idx);
        return idx;
    }

    /** A back-end installed buffer {@code bufIdx} in slot {@code i} by some other means. */
    public void noteBuffer(int i, int bufIdx) { state.putInt(K_SHADOW + 4 * i, bufIdx); }

    public String lastError() { return lastError; }
    public long errorCount() { return errors; }

    // ---- the generic sync (netmap_ioctl NIOCTXSYNC / NIOCRXSYNC and netmap_poll)

    /**
     * Validates the user's head and cur (nm_txsync_prologue), refuses out-of-range slots, calls the
     * back-end's txsync and publishes the new tail (nm_sync_finalize). On a violation the ring is
     * reset to the port's state and the back-end is not called.
     */
    public int txsync(int flags) {
        if (!tryGet()) return BUSY;
        try {
            int head = txPrologue();
            if (head < 0) return ERR_POINTERS;
            MonitorTap m = tap;
            boolean watched = m != null && m.active();
            // a back-end that checks slots as it moves them saves this pass; a monitor copies only checked slots
            if ((watched || host || !adapter.checksTxSlotsInSync()) && !checkSlots(hwcur(), head)) return ERR_SLOT;
            if (watched) m.sent(this, hwcur(), head); // copy monitors see TX frames as they are sent
            int rc = adapter.syncTx(this, flags);
            if (rc == REJECTED_SLOT) return ERR_SLOT;
            if (rc != 0) return backendError();
            finish(hwtail());
            return OK;
        } finally {
            put();
        }
    }

    /**
     * Validates head and cur (nm_rxsync_prologue), refuses out-of-range released slots, forwards
     * NS_FORWARD slots when the ring asks for it, calls the back-end's rxsync, publishes the new
     * tail and stamps the ring's timestamp (netmap's no_timestamp: see {@link #NO_TIMESTAMP}). As in
     * netmap, a pointer violation resets the ring and the sync still imports new packets.
     */
    public int rxsync(int flags) {
        if (!tryGet()) return BUSY;
        try {
            int result = OK;
            int head = rxPrologue();
            boolean inSync = false;
            if (head < 0) {
                result = ERR_POINTERS;
            } else if (head != hwcur()) {
                boolean forward = (ring.flags() & NR_FORWARD) != 0;
                // a back-end that checks released slots as it re-arms them saves this pass (netmap's one pass)
                if (!forward && !host && adapter.checksRxSlotsInSync()) inSync = true;
                else if (!checkSlots(hwcur(), head)) result = ERR_SLOT;
                else if (forward) adapter.forwardReleased(this, hwcur(), head, flags);
            }
            MonitorTap m = tap;
            boolean watched = m != null && m.beforeRx(this);
            int rc = adapter.syncRx(this, flags);
            if (rc == REJECTED_SLOT && inSync) result = ERR_SLOT; // the ring was reset; what arrived was still imported
            else if (rc != 0) return backendError();
            // the prologue's read of a tail only the peer writes: one acquire of its line per sync
            finish(head >= 0 && !host && adapter.peerPublishesRxTail() ? prologueTail : hwtail());
            if (watched) m.received(this); // and RX frames as the port receives them
            stamp();
            return result;
        } finally {
            put();
        }
    }

    /**
     * netmap's rxsync timestamp. A method of its own so that rxsync's bytecode does not grow (the
     * JIT's inlining budget): the setting folds away, the default path is the one clock read it was.
     */
    private void stamp() {
        if (!NO_TIMESTAMP || (ring.flags() & NR_TIMESTAMP) != 0) ring.timestamp(Clock.epochMicros());
    }

    /**
     * nm_kr_tryget: one CAS per sync, never per packet, no lock, no allocation. A holder that is
     * a process which died inside a sync (kill -9) would leave the ring busy for good; the first
     * sync that meets a pid that is not alive takes the ring over instead (a recycled pid would
     * keep it busy until that process exits: Linux recycles pids only after wrapping around).
     */
    private boolean tryGet() {
        return state.compareAndSetInt(K_BUSY, 0, PID) || takeOverFromDeadHolder();
    }

    private boolean takeOverFromDeadHolder() {
        int holder = state.getIntVolatile(K_BUSY);
        if (holder == 0) return state.compareAndSetInt(K_BUSY, 0, PID);
        return holder != PID && !MemoryRegion.pidAlive(holder) && state.compareAndSetInt(K_BUSY, holder, PID);
    }

    /** The pid of the process syncing this ring now, 0 when none. */
    int busyHolder() { return state.getIntVolatile(K_BUSY); }

    /** Byte offset in the region of the busy word. */
    long busyWordOffset() { return state.address() - region.memory().address() + K_BUSY; }

    /** nm_kr_put: a release store, so the next holder sees everything this sync wrote. */
    private void put() { state.putIntRelease(K_BUSY, 0); }

    void tap(MonitorTap t) { tap = t; }
    MonitorTap tap() { return tap; }

    /** A back-end explains why its sync is about to fail (kept until the port reports it). */
    void failBackend(String why) {
        if (lastError == null) lastError = why;
    }

    private int backendError() {
        errors++;
        if (lastError == null) lastError = adapter.name() + " " + this + ": the back-end failed";
        return ERR_BACKEND;
    }

    /** nm_txsync_prologue: rhead_prev <= head <= rtail_prev and head <= cur <= rtail_prev, circularly. Returns head, or -1 after a reset. */
    private int txPrologue() {
        int head = ring.headAcquire(), cur = ring.cur(); // head first: see NetmapRing.advance
        int rhead = rhead(), rtail = rtail();
        restoreTail(rtail);
        String err = null;
        if (head >= numSlots || cur >= numSlots || head < 0 || cur < 0) {
            err = "head " + head + " or cur " + cur + " is outside the ring (" + numSlots + " slots)";
        } else if (rtail >= rhead) {
            if (head < rhead || head > rtail) err = "head " + head + " is outside [" + rhead + ", " + rtail + "]";
            else if (cur < head || cur > rtail) err = "cur " + cur + " is outside [head " + head + ", " + rtail + "]";
        } else {
            if (head > rtail && head < rhead) err = "head " + head + " is inside (" + rtail + ", " + rhead + "), which the port owns";
            else if (head <= rtail) {
                if (cur < head || cur > rtail) err = "cur " + cur + " is outside [head " + head + ", " + rtail + "]";
            } else if (cur > rtail && cur < head) err = "cur " + cur + " is inside (" + rtail + ", head " + head + ")";
        }
        if (err != null) {
            reinit(err);
            return -1;
        }
        state.putInt(K_RHEAD, head);
        state.putInt(K_RCUR, cur);
        return head;
    }

    /** nm_rxsync_prologue: hwcur <= head <= hwtail and head <= cur <= hwtail, circularly. */
    private int rxPrologue() {
        int head = ring.headAcquire(), cur = ring.cur(); // head first: see NetmapRing.advance
        int hwcur = hwcur(), hwtail = hwtail();
        restoreTail(rtail());
        String err = null;
        if (head >= numSlots || cur >= numSlots || head < 0 || cur < 0) {
            err = "head " + head + " or cur " + cur + " is outside the ring (" + numSlots + " slots)";
        } else if (hwcur <= hwtail) {
            if (head < hwcur || head > hwtail) err = "head " + head + " is outside [" + hwcur + ", " + hwtail + "]";
            else if (cur < head || cur > hwtail) err = "cur " + cur + " is outside [head " + head + ", " + hwtail + "]";
        } else {
            if (head < hwcur && head > hwtail) err = "head " + head + " is inside (" + hwtail + ", " + hwcur + "), which the port owns";
            else if (head <= hwtail) {
                if (cur < head || cur > hwtail) err = "cur " + cur + " is outside [head " + head + ", " + hwtail + "]";
            } else if (cur < head && cur > hwtail) err = "cur " + cur + " is inside (" + hwtail + ", head " + head + ")";
        }
        if (err != null) {
            reinit(err);
            return -1;
        }
        state.putInt(K_RHEAD, head);
        state.putInt(K_RCUR, cur);
        prologueTail = hwtail;
        return head;
    }

    private void restoreTail(int rtail) {
        if (ring.tail() != rtail) ring.tail(rtail); // "tail overwritten": netmap restores it silently
    }

    /**
     * Every slot in [from, to) must carry a valid buffer index and a length that fits the buffer;
     * those are the slots a back-end is about to give a device. The first bad one resets the ring.
     * Records each slot's buffer as known-good (TX always; RX when the user changed it, which the
     * user must flag with NS_BUF_CHANGED), writing only on change so that a pipe's receiver does
     * not bounce the sender's cache lines.
     */
    private boolean checkSlots(int from, int to) {
        chainLen = 0;
        chainFrags = 0;
        return checkRuns(null, from, to) >= 0;
    }

    /**
     * Checks slots [from, to), circularly, copying them into {@code dst} unless it is null; returns
     * the union of their flags, or -1 after rejecting the first bad slot. At most two counted loops
     * rather than one wrapping loop: the JIT unrolls these and drops bounds checks.
     */
    private int checkRuns(Kring dst, int from, int to) {
        int or = from <= to ? run(dst, from, to) : run(dst, from, numSlots);
        if (or >= 0 && to < from) {
            int more = run(dst, 0, to);
            or = more < 0 ? more : or | more;
        }
        if (or < 0) {
            rejectSlot(-or - 1);
            return -1;
        }
        checkedFlags = or;
        return or;
    }

    private int run(Kring dst, int from, int to) { return dst == null ? check(from, to) : checkCopyRange(dst, from, to); }

    /** Slot {@code i} failed the check: the ring is reset, and the error says what was wrong with it. */
    private void rejectSlot(int i) {
        long w = ring.slotWord(i);
        int idx = NetmapRing.wordBufIdx(w), len = NetmapRing.wordLen(w);
        String why;
        if (idx < FIRST_BUFFER || idx >= numBuffers) why = " has buffer index " + idx + ", outside " + FIRST_BUFFER + ".." + (numBuffers - 1);
        else if (len > bufSize) why = " has length " + len + ", more than the buffer size " + bufSize;
        else if (len == 0) why = " has length 0: the NIC takes no empty fragment";
        else if (maxFrags != 0 && chainFrags > maxFrags) why = " is slot " + chainFrags + " of one packet (NS_MOREFRAG chain); the NIC"
                + " takes at most " + maxFrags + " descriptors per packet (copy the frame into fewer, larger buffers)";
        else why = " ends a packet of " + chainLen + " bytes, shorter than the " + minFrame
                + " bytes the NIC sends (pad the frame to at least that)";
        reinit("slot " + i + why);
        checkedFlags = 0;
    }

    /**
     * For a back-end that {@link NetmapAdapter#checksTxSlotsInSync checks slots as it moves them}
     * (a pipe): checks TX slots [from, to) exactly as the ring rules do before a txsync, and
     * copies each one whole ({@code *rs = *ts}, flags included) into the same slot of {@code dst}
     * as soon as it passed, recording its buffer as both rings' known-good one. One pass, one
     * read of each slot. Returns the union of the slots' flags; or, at the first bad slot, resets
     * this ring and returns {@link #REJECTED_SLOT} (the slots before it were copied into dst,
     * which has not published them: harmless).
     */
    public int checkAndCopyTo(Kring dst, int from, int to) {
        if (minFrame != 0 || maxFrags != 0 || dst.numSlots != numSlots || dst.region != region)
            throw new IllegalStateException(this + ": checkAndCopyTo is for a pipe's TX ring into its peer's RX ring");
        int or = checkRuns(dst, from, to);
        return or < 0 ? REJECTED_SLOT : or;
    }

    /**
     * {@link #checkRange} of a TX ring fused with {@link #copySlot} into dst, without wrapping.
     * A word of dst that already holds the value is not stored again: the peer's ring usually
     * does (a sender that keeps its buffers and frame lengths, as pkt-gen), and a store would take
     * the cache line from the peer's core, which then fetches it back to read the slot (issue #17).
     * What the peer wrote into these slots before it released them is visible here (its release
     * of hwtail, our acquire), so the comparison sees the slot as the peer will.
     */
    private int checkCopyRange(Kring dst, int from, int to) {
        final int nb = numBuffers, bs = bufSize;
        final NetmapRing r = ring, d = dst.ring;
        final OffHeapBuffer st = state, dst2 = dst.state;
        int or = 0;
        for (int i = from; i < to; i++) {
            long w = r.slotWord(i);
            int idx = NetmapRing.wordBufIdx(w);
            if (idx < FIRST_BUFFER || idx >= nb || NetmapRing.wordLen(w) > bs) return -(i + 1);
            or |= NetmapRing.wordFlags(w);
            if (st.getInt(K_SHADOW + 4 * i) != idx) st.putInt(K_SHADOW + 4 * i, idx);
            if (d.slotWord(i) != w) d.slotWord(i, w);
            long p = r.ptr(i);
            if (d.ptr(i) != p) d.ptr(i, p);
            if (dst2.getInt(K_SHADOW + 4 * i) != idx) dst2.putInt(K_SHADOW + 4 * i, idx);
        }
        return or;
    }

    private int check(int from, int to) { return minFrame == 0 && maxFrags == 0 ? checkRange(from, to) : checkRangeNic(from, to); }

    /**
     * {@link #checkRange} for a NIC's TX ring, which also refuses an empty slot, a packet (a slot
     * or an NS_MOREFRAG chain, which starts at hwcur at the latest) shorter than {@link #minFrame}
     * and a chain of more than {@link #maxFrags} slots: the chip would send garbage or stall on
     * them. A chain still open at {@code to} is checked for its length when its last fragment
     * comes, for its slot count at once. The same single pass as checkRange (one read of each slot).
     */
    private int checkRangeNic(int from, int to) {
        final NetmapRing r = ring;
        int or = 0;
        long chain = (long) chainFrags << 32 | (chainLen & 0xffffffffL);
        for (int i = from; i < to; i++) {
            long w = r.slotWord(i);
            long next = sentSlot(i, w, chain);
            if (next < 0) {
                holdChain(chain, NetmapRing.wordLen(w));
                return -(i + 1);
            }
            or |= NetmapRing.wordFlags(w);
            chain = next;
        }
        chainLen = (int) chain;
        chainFrags = (int) (chain >>> 32);
        return or;
    }

    /** Checks slots [from, to) without wrapping; returns the union of their flags, or -(i + 1) for the first bad slot i. */
    private int checkRange(int from, int to) {
        final NetmapRing r = ring;
        final boolean always = tx;
        int or = 0;
        for (int i = from; i < to; i++) {
            long w = r.slotWord(i);
            if (!slotOk(i, w, always)) return -(i + 1);
            or |= NetmapRing.wordFlags(w);
        }
        return or;
    }

    /**
     * The rule for one slot whose first 8 bytes are {@code w}: a buffer index inside the pool and
     * a length that fits a buffer. A good slot's buffer is recorded as its known-good one when
     * {@code record} (TX) or when the user flagged a swap (NS_BUF_CHANGED), written only on change
     * so that a pipe's receiver does not bounce the sender's cache lines.
     */
    private boolean slotOk(int i, long w, boolean record) {
        int idx = NetmapRing.wordBufIdx(w);
        if (idx < FIRST_BUFFER || idx >= numBuffers || NetmapRing.wordLen(w) > bufSize) return false;
        if ((record || (NetmapRing.wordFlags(w) & NS_BUF_CHANGED) != 0) && state.getInt(K_SHADOW + 4 * i) != idx)
            state.putInt(K_SHADOW + 4 * i, idx);
        return true;
    }

    /**
     * For a back-end that {@link NetmapAdapter#checksRxSlotsInSync checks released RX slots as it
     * re-arms them}: the ring rules' check of released slot {@code i} whose first 8 bytes
     * ({@link NetmapRing#slotWord}) are {@code w}, the same as the separate pass makes. False: the
     * slot must not reach the device; the back-end stops there (the slots before it may be re-armed
     * but not given to the device) and returns {@link #rejectReleased}.
     */
    public boolean releasedSlotOk(int i, long w) { return slotOk(i, w, false); }

    /**
     * For a NIC back-end that {@link NetmapAdapter#checksTxSlotsInSync checks TX slots as it turns
     * them into descriptors} (netmap's drivers check each slot in their txsync loop, one pass): the
     * ring rules' check of TX slot {@code i} whose first 8 bytes ({@link NetmapRing#slotWord}) are
     * {@code w}, the same as {@link #checkRangeNic} makes in its own pass: a buffer index inside
     * the pool, a length that fits a buffer and is not 0, a packet of at most {@link #maxFrags}
     * slots that ends at {@link #minFrame} bytes or more; the slot's buffer is recorded as its
     * known-good one. {@code chain} is the packet so far before slot {@code i} (bytes in the low
     * 32 bits, slots in the high 32; 0 at a packet's first slot, which hwcur always is). Returns
     * the chain after slot {@code i}, 0 when it ended the packet; or -1: the slot must not reach a
     * descriptor, the back-end stops there without giving the chip anything of this sync and
     * returns {@link #rejectSent}.
     */
    public long sentSlot(int i, long w, long chain) {
        int idx = NetmapRing.wordBufIdx(w), len = NetmapRing.wordLen(w);
        int acc = (int) chain + len, frags = (int) (chain >>> 32) + 1;
        if (idx < FIRST_BUFFER || idx >= numBuffers || len > bufSize || len == 0 || frags > fragCap) return -1;
        boolean eop = (NetmapRing.wordFlags(w) & NS_MOREFRAG) == 0;
        if (eop && acc < minFrame) return -1;
        if (state.getInt(K_SHADOW + 4 * i) != idx) state.putInt(K_SHADOW + 4 * i, idx); // a TX ring: always recorded
        return eop ? 0 : (long) frags << 32 | acc;
    }

    /** The packet a refused TX slot of {@code len} bytes was in, with that slot, for the error {@link #rejectSlot} gives. */
    private void holdChain(long chain, int len) {
        chainLen = (int) chain + len;
        chainFrags = (int) (chain >>> 32) + 1;
    }

    /** TX slot {@code i} failed {@link #sentSlot} with {@code chain}: resets the ring, says why; returns {@link #REJECTED_SLOT}. */
    public int rejectSent(int i, long chain) {
        holdChain(chain, ring.len(i));
        rejectSlot(i);
        return REJECTED_SLOT;
    }

    /**
     * The ring rules' own pass over TX slots [from, to) (circularly; {@code from} starts a packet),
     * for a back-end that checks slots in its loop but has slots its loop will not take this sync
     * (an unfinished NS_MOREFRAG chain at the end, slots dropped while the link is down): they are
     * refused at this sync, as when the ring rules check before txsync. Returns 0, or
     * {@link #REJECTED_SLOT} after resetting the ring.
     */
    public int checkSentSlots(int from, int to) {
        return checkSlots(from, to) ? 0 : REJECTED_SLOT;
    }

    /** Released slot {@code i} failed {@link #releasedSlotOk}: resets the ring, says why; returns {@link #REJECTED_SLOT}. */
    public int rejectReleased(int i) {
        chainLen = 0;
        chainFrags = 0;
        rejectSlot(i);
        return REJECTED_SLOT;
    }

    /**
     * The union of the slot flags in the range this sync checked ([hwcur, rhead)): lets a
     * back-end skip per-slot work (no NS_BUF_CHANGED: no re-pointing; no NS_MOREFRAG: every
     * slot ends a packet).
     */
    public int checkedFlags() { return checkedFlags; }

    /** nm_sync_finalize: the user sees the new tail {@code t}, the kring's hwtail read at or after the prologue. */
    private void finish(int t) {
        state.putInt(K_RTAIL, t);
        ring.tail(t);
    }

    /**
     * netmap_ring_reinit: puts the ring back to the port's state (head = cur = hwcur,
     * tail = hwtail), restores invalid buffer indices from the port's record (so no buffer is
     * lost) and zeroes lengths that do not fit; records why.
     */
    void reinit(String why) {
        errors++;
        lastError = adapter.name() + " " + (tx ? "TX" : "RX") + " ring " + ringId + ": " + why
                + "; the ring was reset to head = cur = " + hwcur() + ", tail = " + hwtail();
        for (int i = 0; i < numSlots; i++) {
            int idx = ring.bufIdx(i);
            if (idx < FIRST_BUFFER || idx >= numBuffers) ring.bufIdx(i, shadow(i));
            if (ring.len(i) > bufSize) ring.len(i, 0);
        }
        int hwcur = hwcur(), hwtail = hwtail();
        ring.head(hwcur);
        ring.cur(hwcur);
        ring.tail(hwtail);
        state.putInt(K_RHEAD, hwcur);
        state.putInt(K_RCUR, hwcur);
        state.putInt(K_RTAIL, hwtail);
    }

    /** Clears the last error after the port reported it. */
    String takeError() {
        String e = lastError;
        lastError = null;
        return e;
    }

    @Override
    public String toString() {
        return (host ? "host " : "") + (tx ? "TX" : "RX") + " kring " + ringId + " [hwcur " + hwcur() + ", hwtail " + hwtail()
                + ", rhead " + rhead() + " of " + numSlots + "]";
    }
}
