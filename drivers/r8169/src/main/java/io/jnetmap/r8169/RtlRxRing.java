package io.jnetmap.r8169;

import io.jnetmap.nic.DmaMemory;
import io.jnetmap.nic.RxDescriptorRing;
import io.jnetmap.rings.Kring;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.OffHeapBuffer;

import static io.jnetmap.r8169.RtlRegs.*;
import static io.jnetmap.rings.NetmapLayout.NS_MOREFRAG;

/**
 * The receive ring as a netmap RX ring, zero copy: the chip writes frames straight into the slots'
 * buffers. No tail register: the chip fills every descriptor it owns (OWN, with the buffer size in
 * opts1 bits 13:0) in order from the ring's start and stops at the first it does not own, so the
 * one slot netmap keeps empty (the one before hwcur) is simply a descriptor without OWN. As on TX,
 * descriptor d belongs to slot (base + d) mod n, base being hwtail when the ring was armed.
 *
 * <p>rxsync:
 * <ol>
 * <li>import: descriptors the chip gave back (OWN clear) from hwtail on become slots. A frame
 *     larger than a buffer spans descriptors (FS on the first, LS on the last; RxMaxSize above
 *     the buffer size allows it): every slot but the last gets NS_MOREFRAG and a full buffer;
 *     the LS descriptor's length (bits 13:0) is the whole frame's, FCS included, and the FCS is
 *     not delivered (the 4 bytes come off the end: a last fragment holding only FCS bytes is
 *     delivered empty, the one before shortened). hwtail moves past complete frames only;</li>
 * <li>refill: released slots get their (possibly swapped) buffer's address and OWN, the old
 *     reserved slot's OWN last (release store), since the chip is parked on it.</li>
 * </ol>
 */
public final class RtlRxRing extends RxDescriptorRing {
    private final int bufSize;
    private int base;
    /** During a refill: the slot that becomes the reserved one (its descriptor armed without OWN). */
    private int refillStop;

    /** @param bufSize the receive buffer size programmed into each descriptor (the region's buffer size, ≤ 16383) */
    public RtlRxRing(Kring kring, DmaMemory memory, long[] bufferIova, int bufSize) {
        super(kring, memory, bufferIova);
        this.bufSize = Math.min(bufSize, RX_LEN_MASK);
    }

    /** The slot descriptor 0 belongs to (where the chip was started); for diagnostics and tests. */
    public int slotOfDescriptor0() { return base; }
    public int bufferSize() { return bufSize; }

    private int descOf(int slot) {
        int d = slot - base;
        return d < 0 ? d + n : d;
    }

    private int opts(int di, boolean own) {
        return (own ? DESC_OWN : 0) | (di == n - 1 ? DESC_EOR : 0) | bufSize;
    }

    /**
     * Arms every descriptor with its slot's buffer, giving the chip the slots the port owns except
     * the reserved one: [hwtail, hwcur - 1). Call with RX disabled, before RxDescAddr is programmed.
     */
    public void arm() {
        desc.fill(0, n * 16, (byte) 0);
        final Kring k = kring;
        base = k.hwtail();
        int stop = k.prev(k.hwcur());
        boolean own = base != stop;
        for (int j = 0, i = base; j < n; j++, i = i == lim ? 0 : i + 1) {
            if (i == stop) own = false;
            int off = j << 4;
            desc.putLong(off + 8, iova[ring.bufIdx(i)]);
            desc.putInt(off + 4, 0);
            desc.putInt(off, opts(j, own));
        }
    }

    /** netmap rxsync; see the class comment. Returns 0, or {@link Kring#REJECTED_SLOT} after a bad released slot. */
    public int rxsync(int flags) {
        final Kring k = kring;
        final NetmapRing r = ring;
        final OffHeapBuffer d = desc;
        // 1. import
        final int stop = k.prev(k.hwcur());
        int i = k.hwtail(), published = -1, frags = 0;
        while (i != stop) {
            int st = d.getIntAcquire(descOf(i) << 4);
            if ((st & DESC_OWN) != 0) break;
            frags++;
            if ((st & DESC_LS) == 0) {
                r.len(i, bufSize);
                r.slotFlags(i, NS_MOREFRAG);
            } else {
                int data = (st & RX_LEN_MASK) - FCS_LEN - (frags - 1) * bufSize;
                if (data < 0) { // the FCS straddles: the previous fragment loses its tail
                    int prev = k.prev(i);
                    r.len(prev, Math.max(0, r.len(prev) + data));
                    data = 0;
                }
                r.len(i, data);
                r.slotFlags(i, 0);
                packets++;
                if ((st & RX_RES) != 0) errorPackets++;
                frags = 0;
                published = i == lim ? 0 : i + 1;
            }
            i = i == lim ? 0 : i + 1;
        }
        if (published >= 0) k.hwtail(published);
        // 2. refill
        final int head = k.rhead();
        final int hwcur = k.hwcur();
        if (head != hwcur) {
            refillStop = k.prev(head);
            int end = refill(hwcur, head);
            if (end != head) { // a bad slot: the ring was reset; the descriptors re-armed before it are taken back
                for (int j = hwcur; j != end; j = j == lim ? 0 : j + 1) d.putInt(descOf(j) << 4, opts(descOf(j), false));
                return Kring.REJECTED_SLOT;
            }
            d.putIntRelease(descOf(stop) << 4, opts(descOf(stop), true)); // the chip is parked here: released last
            k.hwcur(head);
        }
        return 0;
    }

    /** Buffer address and opts2 first, then opts1 with OWN, except on the slot that becomes the reserved one (before the new hwcur). */
    @Override
    protected void rearm(int slot, long bufferAddress) {
        int di = descOf(slot), off = di << 4;
        desc.putLong(off + 8, bufferAddress);
        desc.putInt(off + 4, 0);
        desc.putInt(off, opts(di, slot != refillStop));
    }
}
