package io.jnetmap.rings;

import java.util.concurrent.locks.LockSupport;

/**
 * A port's implementation: what netmap calls an adapter. NIC drivers, host rings and pipes extend
 * it. A back-end reconciles one ring with its device in {@link #txsync}/{@link #rxsync} and
 * enters or leaves netmap mode in {@link #register}; the ring rules (pointer validation, slot
 * checks, tail publication, resets) are applied by {@link Kring} before and after, once, for all.
 *
 * <p>txsync contract (netmap's driver pattern): push slots [kring.hwcur(), kring.rhead()) to the
 * device, clear NS_BUF_CHANGED and NS_REPORT in them, set hwcur = rhead; then reclaim completed
 * slots by advancing hwtail (always when {@link SyncFlags#FORCE_RECLAIM}, else when convenient).
 * rxsync contract: import received packets from hwtail on (len, flags = 0 or NS_MOREFRAG) and
 * advance hwtail; then give back slots [hwcur, rhead) to the device (re-pointing descriptors whose
 * slot has NS_BUF_CHANGED, then clearing it) and set hwcur = rhead; one slot always stays empty.
 * Every slot a back-end sees in those ranges has a valid buffer index and length.
 *
 * <p>Wake-ups for {@link NetmapPort#poll}: a back-end that can signal (interrupts, a peer's futex)
 * overrides {@link #prepareWait}, {@link #awaitEvents} and {@link #endWait}; the default spins
 * briefly, then parks with a growing interval.
 */
public abstract class NetmapAdapter {
    private final String name;
    protected final MemoryRegion region;
    /** TX krings: the NIC's, then the host rings'. */
    protected Kring[] txKrings = new Kring[0];
    /** RX krings: the NIC's, then the host rings'. */
    protected Kring[] rxKrings = new Kring[0];
    protected int numTxRings, numRxRings, numHostTxRings, numHostRxRings;
    private int users;
    private boolean exclusive;
    /** The TAP behind the host rings, created when a port first binds them. */
    protected HostStack host;
    /** Where monitor ports in other processes find this adapter's rings (see {@link MonitorHub}); null until bound. */
    private MonitorHub monitors;

    protected NetmapAdapter(String name, MemoryRegion region) {
        this.name = name;
        this.region = region;
    }

    public String name() { return name; }
    public MemoryRegion region() { return region; }
    public int numTxRings() { return numTxRings; }
    public int numRxRings() { return numRxRings; }
    public int numHostTxRings() { return numHostTxRings; }
    public int numHostRxRings() { return numHostRxRings; }
    public Kring txKring(int i) { return txKrings[i]; }
    public Kring rxKring(int i) { return rxKrings[i]; }
    /** All TX krings, host ones last. */
    public int totalTxKrings() { return txKrings.length; }
    public int totalRxKrings() { return rxKrings.length; }

    /**
     * Push [hwcur, rhead) to the device, reclaim completions into hwtail. 0 on success;
     * {@link Kring#REJECTED_SLOT} when {@link Kring#checkAndCopyTo} refused a slot.
     */
    public abstract int txsync(Kring kring, int flags);

    /**
     * Whether {@link #txsync} checks every slot it takes as it moves it, through
     * {@link Kring#checkAndCopyTo} (a pipe) or {@link Kring#sentSlot} (a NIC's descriptor loop; the
     * slots of [hwcur, rhead) its loop does not take, through {@link Kring#checkSentSlots}): netmap
     * validates slots inside the driver's loop, in one pass, and the ring rules then skip their own
     * pass over the slots. Default false: the slots are checked before txsync runs.
     */
    protected boolean checksTxSlotsInSync() { return false; }

    /**
     * Import received packets into [hwtail, ...), give [hwcur, rhead) back to the device. 0 on
     * success; {@link Kring#REJECTED_SLOT} when {@link Kring#releasedSlotOk} refused a released
     * slot (the back-end stopped there and returned {@link Kring#rejectReleased}).
     */
    public abstract int rxsync(Kring kring, int flags);

    /**
     * Whether {@link #rxsync} checks every released slot [hwcur, rhead) with
     * {@link Kring#releasedSlotOk} in the loop that gives it back to the device, before the device
     * may use it (netmap's drivers check the buffer as they re-arm the descriptor, in one pass): the
     * ring rules then skip their own pass over the released slots, unless the ring forwards
     * (NR_FORWARD reads the checked slots before rxsync). Default false: the slots are checked
     * before rxsync runs.
     */
    protected boolean checksRxSlotsInSync() { return false; }

    /**
     * True when the RX rings' nr_hwtail is written only by someone else (a pipe's peer in its
     * txsync), never by this back-end's rxsync: an rxsync then reads that index once, in the
     * prologue, and gives the user the tail it read there; a packet the peer publishes meanwhile
     * shows at the next sync. The peer writes the line at its own pace, so a second read would
     * often wait for the line again (issue #17). Default false: rxsync imports packets itself and
     * the tail is read after it.
     */
    protected boolean peerPublishesRxTail() { return false; }

    /** Enter ({@code on}) or leave netmap mode: called at the first binding and after the last. */
    protected abstract void register(boolean on);

    /** Frees the krings and anything else the adapter holds, after the last binding left. */
    protected abstract void destroy();

    // ---- what a port knows about its device; software ports keep the defaults

    /**
     * The shortest packet the device's TX rings send, in bytes; a slot that ends a shorter packet,
     * or an empty slot, is refused by the ring rules ({@link Kring}) as a bad slot, before the
     * back-end sees it. 0 (the default, software ports): any length. Read once, when the krings
     * are made.
     */
    public int minTxFrame() { return 0; }

    /**
     * The most slots one packet (an NS_MOREFRAG chain and its last slot) may span on the device's
     * TX rings, one descriptor each: the 82599 takes at most 40 descriptors per packet, less
     * TXDCTL.WTHRESH (DPDK's ixgbe PMD refuses longer mbuf chains, IXGBE_TX_MAX_SEG). A longer chain is refused
     * by the ring rules ({@link Kring}) as a bad slot, before the back-end writes any descriptor of
     * it. 0 (the default): as many as the ring holds. Read once, when the krings are made.
     */
    public int maxTxFragments() { return 0; }

    /** Whether the link is up (software ports: always). */
    public boolean linkUp() { return true; }

    /** Link speed in Mb/s, 0 when unknown or not applicable. */
    public long linkSpeedMbps() { return 0; }

    /** The port's MAC address (6 bytes), or null for ports without one. */
    public byte[] macAddress() { return null; }

    /**
     * The device's statistics counters, accumulated to 64 bits since the port was opened, by name
     * (e.g. "rx_packets", "tx_bytes", "rx_crc_errors"); empty for ports without counters.
     */
    public java.util.Map<String, Long> statistics() { return java.util.Map.of(); }

    /** Receive filters: promiscuous, all-multicast, broadcast accept. Software ports accept everything. */
    public void setReceiveFilter(boolean promiscuous, boolean allMulticast, boolean broadcast) { }

    // ---- host rings

    /**
     * The TAP that backs this adapter's host rings (e.g. named after the NIC's original interface,
     * with its MAC). Adapters with host rings override this; the default has none.
     */
    protected HostStack createHostStack() {
        throw new IllegalArgumentException(name + " has no host rings");
    }

    /** Called when a port binds host rings: creates the host stack on first use. */
    final synchronized void attachHost() {
        if (host == null) host = createHostStack();
    }

    /** The host stack, or null while no port has bound the host rings. */
    public final HostStack hostStack() { return host; }

    /** Kring's entry into the back-end: host krings go to the host stack, NIC krings to the driver. */
    final int syncTx(Kring k, int flags) {
        if (k.isHost()) return host != null ? host.txsync(k) : hostRingsIdle(k);
        return txsync(k, flags);
    }

    final int syncRx(Kring k, int flags) {
        if (k.isHost()) return host != null ? host.rxsync(k) : hostRingsIdle(k);
        return rxsync(k, flags);
    }

    /** Host rings bound before the TAP exists (never, via NetmapPort) behave as an unplugged cable. */
    private static int hostRingsIdle(Kring k) {
        k.hwcur(k.rhead());
        if (k.isTx()) k.hwtail(k.prev(k.rhead()));
        return 0;
    }

    /**
     * NS_FORWARD (netmap's NR_FORWARD rings): the user released slots [from, to) of RX ring
     * {@code kring}. From a NIC RX ring, packets whose slots carry NS_FORWARD are copied to the
     * kernel through the host stack. From the host RX ring, as netmap_sw_to_nic, and only when the
     * syncing port binds every NIC TX ring ({@link SyncFlags#CAN_FORWARD_DOWN}: no other thread
     * drives them): each NS_FORWARD slot's buffer is swapped (zero copy) into the first NIC TX ring
     * with room, at its head, which advances (head = cur), both slots marked NS_BUF_CHANGED; the
     * next txsync sends them. What finds no room is dropped, as in netmap.
     */
    protected void forwardReleased(Kring kring, int from, int to, int flags) {
        if (host == null) return;
        NetmapRing r = kring.ring();
        int lim = kring.lim();
        if (!kring.isHost()) {
            for (int i = from; i != to; ) {
                int first = i, frags = 0, len = 0;
                boolean forward = false;
                while (true) {
                    int fl = r.slotFlags(i);
                    forward |= (fl & NetmapLayout.NS_FORWARD) != 0;
                    len += r.len(i);
                    frags++;
                    i = i == lim ? 0 : i + 1;
                    if ((fl & NetmapLayout.NS_MOREFRAG) == 0 || i == to) break;
                }
                if (forward) host.forwardToKernel(r, first, frags, len);
            }
            return;
        }
        if ((flags & SyncFlags.CAN_FORWARD_DOWN) == 0) return;
        int i = from;
        for (int t = 0; t < numTxRings && i != to; t++) {
            NetmapRing tx = txKrings[t].ring();
            for (; i != to; i = i == lim ? 0 : i + 1) {
                if (tx.cur() == tx.tail()) break; // this ring is full: try the next one
                if ((r.slotFlags(i) & NetmapLayout.NS_FORWARD) == 0) continue;
                int h = tx.head(), idx = tx.bufIdx(h);
                if (!region.validBuffer(idx)) break; // never take a stray index into the host ring
                tx.bufIdx(h, r.bufIdx(i));
                tx.len(h, r.len(i));
                tx.slotFlags(h, NetmapLayout.NS_BUF_CHANGED);
                r.bufIdx(i, idx);
                r.slotFlags(i, NetmapLayout.NS_BUF_CHANGED);
                kring.noteBuffer(i, idx);
                tx.advance(tx.next(h));
            }
        }
    }

    /**
     * Creates the krings of a NIC-like adapter: {@code nTx}/{@code nRx} hardware rings plus host rings,
     * every ring with its own buffers from the region (netmap_krings_create + netmap_mem_rings_create).
     */
    protected final void createKrings(int nTx, int nRx, int nHostTx, int nHostRx, int txSlots, int rxSlots) {
        Kring[] tx = new Kring[nTx + nHostTx], rx = new Kring[nRx + nHostRx];
        region.lock();
        try {
            try {
                for (int i = 0; i < tx.length; i++)
                    tx[i] = new Kring(this, region, Kring.format(region, txSlots, true, i, true), true, i >= nTx, i);
                for (int i = 0; i < rx.length; i++)
                    rx[i] = new Kring(this, region, Kring.format(region, rxSlots, false, i, true), false, i >= nRx, i);
            } catch (RuntimeException e) {
                for (Kring k : tx) if (k != null) k.free(true);
                for (Kring k : rx) if (k != null) k.free(true);
                throw e;
            }
        } finally {
            region.unlock();
        }
        txKrings = tx;
        rxKrings = rx;
        numTxRings = nTx;
        numRxRings = nRx;
        numHostTxRings = nHostTx;
        numHostRxRings = nHostRx;
    }

    /** Returns every kring's ring object and buffers to the region. */
    protected final void freeKrings() {
        region.lock();
        try {
            for (Kring k : txKrings) k.free(true);
            for (Kring k : rxKrings) k.free(true);
        } finally {
            region.unlock();
        }
        txKrings = new Kring[0];
        rxKrings = new Kring[0];
    }

    // ---- bindings (netmap_do_regif / netmap_do_unregif)

    final synchronized void bind(boolean exclusive) {
        if (users > 0 && (exclusive || this.exclusive))
            throw new IllegalStateException("port " + name + " is already open" + (this.exclusive ? " exclusively (/x)" : "")
                    + (exclusive ? "; /x asks for sole use" : "") + ": close the other user first");
        this.exclusive = exclusive;
        if (users++ == 0) {
            try {
                register(true);
            } catch (RuntimeException e) {
                users--;
                destroy();
                throw e;
            }
        }
    }

    /** After a binding: lets monitor ports find this adapter (once; never for a monitor itself). */
    final synchronized void publishMonitors(PortName first) {
        if (monitors == null && users > 0 && !(this instanceof MonitorAdapter)) monitors = MonitorHub.publish(this, first);
    }

    final synchronized void unbind() {
        exclusive = false;
        if (--users == 0) {
            if (monitors != null) {
                monitors.close(); // monitors see end-of-stream
                monitors = null;
            }
            try {
                register(false);
            } finally {
                try {
                    destroy();
                } finally {
                    if (host != null) {
                        host.close();
                        host = null;
                    }
                }
            }
        }
    }

    final synchronized int users() { return users; }

    // ---- waiting for events (poll)

    /**
     * Arms wake-ups for the port's rings (enable interrupts, announce a waiter) and returns a token
     * passed to {@link #awaitEvents}. The caller re-checks the rings after this and before waiting,
     * so an event between the check and the wait is not lost.
     */
    protected long prepareWait(NetmapPort port, boolean tx, boolean rx) { return 0; }

    /** Blocks until an event may have arrived or {@code timeoutNanos} passed; spurious returns are fine. */
    protected void awaitEvents(NetmapPort port, long token, long timeoutNanos, int round) {
        HostStack h = host;
        if (h != null && round >= 64) { // the host RX ring can block on the TAP; NIC rings are re-checked each ms
            try (io.jnetmap.sys.PollSet p = new io.jnetmap.sys.PollSet(1)) {
                p.set(0, h.fd(), io.jnetmap.sys.Libc.POLLIN);
                p.poll((int) Math.max(1, Math.min(timeoutNanos / 1_000_000L, 1)));
            }
            return;
        }
        if (round < 64) {
            Thread.onSpinWait();
        } else {
            long park = Math.min(timeoutNanos, Math.min(1_000_000L, 1_000L << Math.min(round - 64, 10)));
            LockSupport.parkNanos(park);
        }
    }

    /** Undoes {@link #prepareWait} (mask interrupts again, leave the waiter count). */
    protected void endWait(NetmapPort port, long token, boolean tx, boolean rx) { }

    /**
     * A port of this adapter is being closed: wake this process's threads asleep in
     * {@link #awaitEvents} so they see it at once. The default waits sleep 1 ms at most and need
     * nothing; a back-end whose waits are longer overrides this (spurious wake-ups are fine).
     */
    protected void wakeWaiters() { }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + "]";
    }
}
