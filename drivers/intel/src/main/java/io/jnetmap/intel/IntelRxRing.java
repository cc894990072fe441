package io.jnetmap.intel;

import io.jnetmap.nic.DmaMemory;
import io.jnetmap.nic.Registers;
import io.jnetmap.nic.RxDescriptorRing;
import io.jnetmap.rings.Kring;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.OffHeapBuffer;

import java.lang.invoke.VarHandle;

import static io.jnetmap.rings.NetmapLayout.NS_MOREFRAG;

/**
 * One receive queue as a netmap RX ring, zero copy: NIC descriptor i belongs to netmap slot i and
 * the chip writes frames straight into the slot's buffer. Descriptor format: e1000e's extended
 * receive descriptor (82574L datasheet §7.1.4.2) and igb's advanced one-buffer descriptor are the
 * same where this code looks: read format = buffer address, then 8 bytes of zero (header address
 * or reserved); write-back = status/error word at byte 8 (DD bit 0, EOP bit 1, errors in the high
 * bits), length at byte 12.
 *
 * <p>rxsync (netmap-semantics.md §2.5):
 * <ol>
 * <li>import: descriptors from hwtail with DD set become slots with their length, NS_MOREFRAG on
 *     all but a packet's last (EOP) descriptor; hwtail moves past the last complete packet only,
 *     so the user never sees half a packet;</li>
 * <li>refill: released slots [hwcur, rhead) are checked (the ring rules, in this loop: netmap's one
 *     pass) and re-armed with their (possibly swapped) buffer, the write-back having overwritten the
 *     address; one tail write (RDT = rhead - 1: one slot stays empty, as netmap requires). A bad
 *     slot resets the ring and the tail is not moved: the chip gets none of the re-armed slots.</li>
 * </ol>
 */
public final class IntelRxRing extends RxDescriptorRing {
    private final Registers regs;
    private final int rdtReg;
    private final int errorMask;
    /** Software copy of RDT: the chip may fill [hwtail, rdt). */
    private int rdt;
    private long doorbells;

    /**
     * @param rdtOffset the queue's tail register
     * @param errorMask status/error bits that mark a frame the chip received with errors (counted, still delivered)
     */
    public IntelRxRing(Kring kring, DmaMemory memory, Registers regs, int rdtOffset, long[] bufferIova, int errorMask) {
        super(kring, memory, bufferIova);
        this.regs = regs;
        this.rdtReg = rdtOffset;
        this.errorMask = errorMask;
        this.rdt = kring.prev(kring.hwcur());
    }

    public long doorbells() { return doorbells; }

    /**
     * Arms the descriptor of every slot the port owns, [hwtail, hwcur) (all of them when the user
     * holds nothing), with its slot's buffer, including the one slot netmap keeps empty: the chip
     * is given all but that one (RDT = hwcur - 1), and the empty slot's descriptor becomes the
     * chip's at the next refill without being touched again. Slots the user holds are left alone.
     * Returns where RDH must start (hwtail); the chip's tail is then {@link #tail()}. Call with the
     * queue stopped.
     */
    public int arm() {
        desc.fill(0, (int) Math.min(memory.size(), Integer.MAX_VALUE), (byte) 0);
        final Kring k = kring;
        int start = k.hwtail(), hwcur = k.hwcur();
        int owned = k.numSlots() - k.distance(hwcur, start);
        for (int c = 0, i = start; c < owned; c++, i = i == lim ? 0 : i + 1) rearm(i, iova[ring.bufIdx(i)]);
        rdt = k.prev(hwcur);
        return start;
    }

    /** The tail value the chip holds (or must be given after {@link #arm}). */
    public int tail() { return rdt; }

    /** netmap rxsync for this ring; see the class comment. Returns 0, or {@link Kring#REJECTED_SLOT} after a bad released slot. */
    public int rxsync(int flags) {
        final Kring k = kring;
        final NetmapRing r = ring;
        final OffHeapBuffer d = desc;
        // 1. import what the chip wrote back
        int i = k.hwtail();
        final int stop = rdt, errors = errorMask;
        int published = -1;
        long pkts = 0, bad = 0; // counted in locals: a field updated per packet is a load and a store each time
        while (i != stop) {
            int off = i << 4;
            // status and length (bytes 8..15) in one load: the chip writes a descriptor back whole, DD
            // last, so a load that sees DD sees the length. A plain load: an acquire load here made
            // JDK 17's C2 reload both buffers' fields for every descriptor (bench/README.md); the
            // fence after the loop keeps the frames' reads after every status seen (x86: loads stay in order)
            long wb = d.getLong(off + 8);
            int st = (int) wb;
            if ((st & IntelDescriptors.RXD_STAT_DD) == 0) break;
            int len = (int) (wb >>> 32) & 0xffff;
            if ((st & IntelDescriptors.RXD_STAT_EOP) != 0) {
                r.lenAndFlags(i, len, 0); // one store for length and flags
                pkts++;
                if ((st & errors) != 0) bad++;
                i = i == lim ? 0 : i + 1;
                published = i;
            } else {
                r.lenAndFlags(i, len, NS_MOREFRAG);
                i = i == lim ? 0 : i + 1;
            }
        }
        VarHandle.acquireFence();
        packets += pkts;
        errorPackets += bad;
        if (published >= 0) k.hwtail(published);
        // 2. give released slots back to the chip
        final int head = k.rhead();
        int hwcur = k.hwcur();
        if (head != hwcur) {
            if (refill(hwcur, head) != head) return Kring.REJECTED_SLOT; // a bad slot: RDT stays, the chip got nothing
            k.hwcur(head);
            rdt = head == 0 ? lim : head - 1;
            regs.write32(rdtReg, rdt); // release store: the re-armed descriptors are visible first
            doorbells++;
        }
        return 0;
    }

    /** Read format: the buffer's address, then 8 bytes of zero, which also clears the written-back DD. */
    @Override
    protected void rearm(int slot, long bufferAddress) {
        int off = slot << 4;
        desc.putLong(off, bufferAddress);
        desc.putLong(off + 8, 0);
    }
}
