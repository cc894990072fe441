package io.jnetmap.intel;

import io.jnetmap.nic.DmaMemory;
import io.jnetmap.nic.Registers;
import io.jnetmap.rings.Kring;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.OffHeapBuffer;

import static io.jnetmap.rings.NetmapLayout.NS_BUF_CHANGED;
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
 * <li>refill: released slots [hwcur, rhead) are re-armed with their (possibly swapped) buffer, the
 *     write-back having overwritten the address; one tail write (RDT = rhead - 1: one slot stays
 *     empty, as netmap requires).</li>
 * </ol>
 */
public final class IntelRxRing {
    private final Kring kring;
    private final NetmapRing ring;
    private final DmaMemory memory;
    private final OffHeapBuffer desc;
    private final Registers regs;
    private final int rdtReg;
    private final long[] iova;
    private final int lim;
    private final int errorMask;
    /** Software copy of RDT: the chip may fill [hwtail, rdt). */
    private int rdt;
    private long doorbells, packets, errorPackets;

    /**
     * @param rdtOffset the queue's tail register
     * @param errorMask status/error bits that mark a frame the chip received with errors (counted, still delivered)
     */
    public IntelRxRing(Kring kring, DmaMemory memory, Registers regs, int rdtOffset, long[] bufferIova, int errorMask) {
        if (memory.size() < 16L * kring.numSlots())
            throw new IllegalArgumentException("RX descriptor memory " + memory.size() + " B is too small for "
                    + kring.numSlots() + " descriptors");
        this.kring = kring;
        this.ring = kring.ring();
        this.memory = memory;
        this.desc = memory.buffer();
        this.regs = regs;
        this.rdtReg = rdtOffset;
        this.iova = bufferIova;
        this.lim = kring.lim();
        this.errorMask = errorMask;
        this.rdt = kring.prev(kring.hwcur());
    }

    public Kring kring() { return kring; }
    public DmaMemory memory() { return memory; }
    public long doorbells() { return doorbells; }
    public long packets() { return packets; }
    /** Frames delivered with an error bit set (CRC, symbol, checksum...). */
    public long errorPackets() { return errorPackets; }

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
        for (int n = 0, i = start; n < owned; n++, i = i == lim ? 0 : i + 1) {
            desc.putLong(i << 4, iova[ring.bufIdx(i)]);
            desc.putLong((i << 4) + 8, 0);
        }
        rdt = k.prev(hwcur);
        return start;
    }

    /** The tail value the chip holds (or must be given after {@link #arm}). */
    public int tail() { return rdt; }

    /** netmap rxsync for this ring; see the class comment. Returns 0. */
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
            // status and length (bytes 8..15) in one acquire load: the chip writes a descriptor back
            // whole, DD last, so a load that sees DD sees the length; the buffer is read after it
            long wb = d.getLongAcquire(off + 8);
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
        packets += pkts;
        errorPackets += bad;
        if (published >= 0) k.hwtail(published);
        // 2. give released slots back to the chip
        final int head = k.rhead();
        int hwcur = k.hwcur();
        if (head != hwcur) {
            final long[] bufIova = iova;
            final boolean changed = (k.checkedFlags() & NS_BUF_CHANGED) != 0;
            for (int j = hwcur; j != head; j = j == lim ? 0 : j + 1) {
                int off = j << 4;
                d.putLong(off, bufIova[r.bufIdx(j)]);
                d.putLong(off + 8, 0); // clears the written-back DD
                if (changed) {
                    int fl = r.slotFlags(j);
                    if ((fl & NS_BUF_CHANGED) != 0) r.slotFlags(j, fl & ~NS_BUF_CHANGED);
                }
            }
            k.hwcur(head);
            rdt = head == 0 ? lim : head - 1;
            regs.write32(rdtReg, rdt); // release store: the re-armed descriptors are visible first
            doorbells++;
        }
        return 0;
    }
}
