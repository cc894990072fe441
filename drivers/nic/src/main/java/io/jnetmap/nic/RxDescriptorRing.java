package io.jnetmap.nic;

import io.jnetmap.rings.Kring;
import io.jnetmap.rings.NetmapRing;

import static io.jnetmap.rings.NetmapLayout.NS_BUF_CHANGED;

/**
 * A receive queue as a netmap RX ring, zero copy: the chip writes frames straight into the slots'
 * buffers. What every chip's rxsync shares is the refill: slots the application released,
 * [hwcur, rhead), get their (possibly swapped) buffer's address back in their descriptor, the
 * write-back having overwritten it, and NS_BUF_CHANGED is cleared. How a descriptor is armed is
 * the chip's ({@link #rearm}); how the chip is told (a tail register, an OWN bit) too.
 *
 * <p>{@link #rearm} is the one virtual call in the loop; two descriptor formats implement it
 * (Intel's, Realtek's), so the call site stays at most bimorphic and is inlined.
 */
public abstract class RxDescriptorRing extends DescriptorRing {
    /** Frames delivered, and those with an error bit set (counted, still delivered). */
    protected long packets, errorPackets;

    protected RxDescriptorRing(Kring kring, DmaMemory memory, long[] bufferIova) {
        super("RX", kring, memory, bufferIova);
    }

    /** Frames delivered to the application. */
    public final long packets() { return packets; }

    /** Frames delivered with the chip's error summary set (CRC, symbol, checksum...). */
    public final long errorPackets() { return errorPackets; }

    /** Writes slot {@code slot}'s descriptor so the chip may fill buffer {@code bufferAddress} (plain stores). */
    protected abstract void rearm(int slot, long bufferAddress);

    /**
     * Re-arms the descriptors of the released slots [hwcur, head) and clears their NS_BUF_CHANGED;
     * the caller moves hwcur and tells the chip. Each slot passes the ring rules' check
     * ({@link Kring#releasedSlotOk}) before its buffer reaches a descriptor: one pass, one read of
     * each slot, as netmap's drivers do (the adapter says so with
     * {@link io.jnetmap.rings.NetmapAdapter#checksRxSlotsInSync}). Returns {@code head}, or the first
     * bad slot after {@link Kring#rejectReleased} reset the ring: the caller must then not move
     * hwcur, take back from the chip whatever re-arming [hwcur, that slot) gave it, and return
     * {@link Kring#REJECTED_SLOT}.
     */
    protected final int refill(int hwcur, int head) {
        if (hwcur < head) return refillRun(hwcur, head);
        int end = refillRun(hwcur, n); // at most two counted loops rather than one wrapping loop: the JIT unrolls them
        return end != n ? end : refillRun(0, head);
    }

    /** {@link #refill} of [from, to) without wrapping: {@code to}, or the first bad slot. */
    private int refillRun(int from, int to) {
        final Kring k = kring;
        final NetmapRing r = ring;
        final long[] bufIova = iova;
        for (int j = from; j < to; j++) {
            long w = r.slotWord(j); // index, length and flags in one load
            if (!k.releasedSlotOk(j, w)) {
                k.rejectReleased(j);
                return j;
            }
            rearm(j, bufIova[NetmapRing.wordBufIdx(w)]);
            int fl = NetmapRing.wordFlags(w);
            if ((fl & NS_BUF_CHANGED) != 0) r.slotFlags(j, fl & ~NS_BUF_CHANGED);
        }
        return to;
    }
}
