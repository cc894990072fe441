package io.jnetmap.r8169;

import io.jnetmap.nic.DescriptorRing;
import io.jnetmap.nic.DmaMemory;
import io.jnetmap.nic.Registers;
import io.jnetmap.rings.Kring;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.OffHeapBuffer;

import static io.jnetmap.r8169.RtlRegs.*;
import static io.jnetmap.rings.NetmapLayout.NS_BUF_CHANGED;
import static io.jnetmap.rings.NetmapLayout.NS_MOREFRAG;
import static io.jnetmap.rings.NetmapLayout.NS_REPORT;

/**
 * The normal-priority transmit ring as a netmap TX ring, zero copy: each descriptor points at its
 * slot's netmap buffer. The chip has no head or tail register: it walks the ring from its start
 * (TxDescStartAddr) and sends every descriptor it owns (OWN), stopping at the first it does not;
 * EOR marks the last descriptor. Since the chip always starts at descriptor 0 after TX is enabled,
 * descriptor d belongs to slot (base + d) mod n, base being the slot at which the chip started.
 *
 * <p>txsync (netmap-semantics.md §2.5; the slots were validated by the generic ring rules before):
 * <ol>
 * <li>slots [hwcur, rhead) up to the end of the last complete packet (NS_MOREFRAG chains) become
 *     descriptors: address and opts2 first, then opts1 with OWN, FS on a packet's first, LS on its
 *     last; a packet's first opts1 is stored last, with release semantics, so a chip already
 *     walking the ring never sees half a packet;</li>
 * <li>one TxPoll (NPQ) write per sync that pushed anything, however many packets: the kick costs a
 *     posted PCIe write and makes the chip fetch descriptors, so batching is the rate lever;</li>
 * <li>reclaim: descriptors whose OWN the chip cleared move hwtail (a memory read, no register
 *     read). If descriptors are still owned and the sync pushed nothing, TxPoll is written again:
 *     Linux notes that on the 8168 "TxPoll requests are lost when the Tx packets are too close".</li>
 * </ol>
 * Link loss: {@link #dropPending} (on the ring's own thread, from txsync) stops nothing itself;
 * the adapter stops TX DMA first. One thread drives a ring at a time; nothing here allocates.
 */
public final class RtlTxRing extends DescriptorRing {
    private final Registers regs;
    /** The slot descriptor 0 belongs to. */
    private int base;
    private long kicks, packets, dropped;
    /** The last sync found work pending that the chip did not progress on (a lost kick, or no link). */
    private boolean stalled;

    public RtlTxRing(Kring kring, DmaMemory memory, Registers regs, long[] bufferIova) {
        super("TX", kring, memory, bufferIova);
        this.regs = regs;
    }

    /** The slot descriptor 0 belongs to (where the chip was started); for diagnostics and tests. */
    public int slotOfDescriptor0() { return base; }
    /** TxPoll writes so far. */
    public long kicks() { return kicks; }
    /** Packets handed to the chip. */
    public long packets() { return packets; }
    /** Packets given back undelivered at a link loss (or handed over while the link was down). */
    public long dropped() { return dropped; }

    /**
     * Forgets everything in flight and makes the chip start at the kring's hwcur: descriptors
     * zeroed (no stale OWN), EOR on the last. Call with TX disabled, before TxDescStartAddr is
     * programmed and TX enabled; every slot the port handed over was completed or given back.
     */
    public void reset() {
        desc.fill(0, n * 16, (byte) 0);
        desc.putInt((n - 1) << 4, DESC_EOR);
        base = kring.hwcur();
        kring.hwtail(kring.prev(base));
    }

    private int descOf(int slot) {
        int d = slot - base;
        return d < 0 ? d + n : d;
    }

    /** netmap txsync; see the class comment. Returns 0. */
    public int txsync(int flags) {
        final Kring k = kring;
        final int head = k.rhead();
        final int hwcur = k.hwcur();
        boolean pushed = false;
        if (head != hwcur) {
            final int seen = k.checkedFlags();
            int end = endOfCompletePackets(hwcur, head, seen);
            if (end >= 0) {
                push(hwcur, end, seen);
                pushed = true;
            }
        }
        stalled = !reclaim() && !pushed && k.hwtail() != k.prev(k.hwcur());
        if (stalled) kick(); // work pending, no progress: re-kick
        return 0;
    }

    /** Whether the last sync found pending work the chip made no progress on. */
    public boolean stalled() { return stalled; }


    private void push(int from, int end, int seen) {
        final NetmapRing r = ring;
        final OffHeapBuffer d = desc;
        final long[] bufIova = iova;
        final boolean clear = (seen & (NS_BUF_CHANGED | NS_REPORT)) != 0;
        int firstOff = -1, firstOpts = 0;
        for (int i = from; i != end; i = i == lim ? 0 : i + 1) {
            int fl = r.slotFlags(i);
            int di = descOf(i), off = di << 4;
            boolean eop = (fl & NS_MOREFRAG) == 0;
            int opts = DESC_OWN | (r.len(i) & TX_LEN_MASK) | (di == n - 1 ? DESC_EOR : 0) | (eop ? DESC_LS : 0);
            d.putLong(off + 8, bufIova[r.bufIdx(i)]);
            d.putInt(off + 4, 0);
            if (firstOff < 0) { // a packet's first descriptor: its OWN goes last
                firstOff = off;
                firstOpts = opts | DESC_FS;
            } else {
                d.putInt(off, opts);
            }
            if (clear) txFlagsDone(i, fl);
            if (eop) {
                d.putIntRelease(firstOff, firstOpts); // the chip may own the packet now, whole
                firstOff = -1;
                packets++;
            }
        }
        kring.hwcur(end);
        kick();
    }

    private void kick() {
        regs.write8(TX_POLL, TXPOLL_NPQ); // release store: every descriptor above is visible first
        kicks++;
    }

    /** Moves hwtail over descriptors the chip gave back; true if it moved. */
    private boolean reclaim() {
        final Kring k = kring;
        final OffHeapBuffer d = desc;
        final int hwcur = k.hwcur();
        int tail = k.hwtail();
        int i = tail == lim ? 0 : tail + 1; // the oldest slot not yet given back
        int last = -1;
        while (i != hwcur) {
            if ((d.getIntAcquire(descOf(i) << 4) & DESC_OWN) != 0) break;
            last = i;
            i = i == lim ? 0 : i + 1;
        }
        if (last < 0) return false;
        k.hwtail(last);
        return true;
    }

    /**
     * The link went down with TX stopped by the adapter: everything not yet sent (OWN still set)
     * and everything handed over since comes back to the application as dropped, descriptors
     * cleared so nothing stale goes out after the re-plug. Returns the packets dropped.
     */
    public long dropPending() {
        final Kring k = kring;
        final OffHeapBuffer d = desc;
        int hwcur = k.hwcur(), head = k.rhead();
        long n0 = dropped;
        int tail = k.hwtail();
        for (int i = tail == lim ? 0 : tail + 1; i != hwcur; i = i == lim ? 0 : i + 1) {
            int off = descOf(i) << 4;
            int opts = d.getIntAcquire(off);
            if ((opts & DESC_OWN) != 0 && (opts & DESC_LS) != 0) dropped++;
        }
        // handed over now, with the link down: whole packets dropped at once; a chain the
        // application has not finished (NS_MOREFRAG on the slot before head) stays its own,
        // as txsync would leave it
        int end = endOfCompletePackets(hwcur, head, NS_MOREFRAG);
        if (end < 0) end = hwcur;
        dropped += returnUnsent(hwcur, end);
        k.hwcur(end);
        reset();
        return dropped - n0;
    }
}
