package io.jnetmap.nic;

import io.jnetmap.rings.Kring;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.OffHeapBuffer;

import static io.jnetmap.rings.NetmapLayout.NS_BUF_CHANGED;
import static io.jnetmap.rings.NetmapLayout.NS_MOREFRAG;
import static io.jnetmap.rings.NetmapLayout.NS_REPORT;

/**
 * What every NIC queue bound zero copy to a netmap kring shares, whatever the chip: descriptor
 * memory of 16 bytes a slot (Intel's legacy, extended and advanced descriptors, Realtek's), each
 * slot's buffer by its device address ({@link NicRegion}), and the netmap rules a driver applies
 * while reconciling descriptors (netmap-semantics.md §2.5): a TX batch ends after the last complete
 * packet, and a slot flag the driver acted on (NS_BUF_CHANGED, NS_REPORT) is cleared. The
 * descriptor format, doorbell and reclaim are the chip's: the subclass's (the kring/adapter split:
 * generic ring rules in the kring, a driver only reconciles descriptors in txsync/rxsync).
 *
 * <p>Every helper here is final, so a sync loop that calls one binds it statically and the JIT
 * inlines it: no virtual call, no allocation on the data path.
 */
public abstract class DescriptorRing {
    /** Bytes per descriptor on every chip here. */
    public static final int DESCRIPTOR_BYTES = 16;

    protected final Kring kring;
    protected final NetmapRing ring;
    protected final DmaMemory memory;
    /** The CPU's view of the descriptors (little-endian, off heap). */
    protected final OffHeapBuffer desc;
    /** Device address of each region buffer by index. */
    protected final long[] iova;
    /** Slots (= descriptors) and the last slot's index. */
    protected final int n, lim;

    /**
     * @param direction "RX" or "TX", for the error
     * @param bufferIova device address of each region buffer by index ({@link NicRegion})
     * @throws IllegalArgumentException if {@code memory} cannot hold a descriptor per slot
     */
    protected DescriptorRing(String direction, Kring kring, DmaMemory memory, long[] bufferIova) {
        if (memory.size() < (long) DESCRIPTOR_BYTES * kring.numSlots())
            throw new IllegalArgumentException(direction + " descriptor memory " + memory.size() + " B is too small for "
                    + kring.numSlots() + " descriptors");
        this.kring = kring;
        this.ring = kring.ring();
        this.memory = memory;
        this.desc = memory.buffer();
        this.iova = bufferIova;
        this.n = kring.numSlots();
        this.lim = kring.lim();
    }

    public final Kring kring() { return kring; }
    public final DmaMemory memory() { return memory; }

    /**
     * Where a TX batch [hwcur, head) ends: after its last complete packet (a packet is slots with
     * NS_MOREFRAG on all but its last), so the chip never sees half a packet; {@code head} when no
     * slot handed over has NS_MOREFRAG ({@code seenFlags}: the kring's checked flags), -1 when
     * not one packet is complete yet.
     */
    protected final int endOfCompletePackets(int hwcur, int head, int seenFlags) {
        if ((seenFlags & NS_MOREFRAG) == 0) return head;
        final NetmapRing r = ring;
        int end = -1;
        for (int i = hwcur; i != head; i = i == lim ? 0 : i + 1)
            if ((r.slotFlags(i) & NS_MOREFRAG) == 0) end = i == lim ? 0 : i + 1;
        return end;
    }

    /** Clears NS_BUF_CHANGED and NS_REPORT on TX slot {@code i} whose flags are {@code fl}, if it has either: the driver acted on them. */
    protected final void txFlagsDone(int i, int fl) {
        if ((fl & (NS_BUF_CHANGED | NS_REPORT)) != 0) ring.slotFlags(i, fl & ~(NS_BUF_CHANGED | NS_REPORT));
    }

    /**
     * TX slots [from, end) go back to the application unsent (the link is down or was lost):
     * their NS_BUF_CHANGED and NS_REPORT are cleared. Returns the packets among them (slots
     * without NS_MOREFRAG). Control path.
     */
    protected final long returnUnsent(int from, int end) {
        final NetmapRing r = ring;
        long packets = 0;
        for (int i = from; i != end; i = i == lim ? 0 : i + 1) {
            int fl = r.slotFlags(i);
            if ((fl & NS_MOREFRAG) == 0) packets++;
            txFlagsDone(i, fl);
        }
        return packets;
    }
}
