package io.jnetmap.intel;

import io.jnetmap.nic.DescriptorRing;
import io.jnetmap.nic.DmaMemory;
import io.jnetmap.nic.Registers;
import io.jnetmap.rings.Kring;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.OffHeapBuffer;

import static io.jnetmap.rings.NetmapLayout.NS_BUF_CHANGED;
import static io.jnetmap.rings.NetmapLayout.NS_MOREFRAG;
import static io.jnetmap.rings.NetmapLayout.NS_REPORT;

/**
 * One transmit queue as a netmap TX ring, zero copy: NIC descriptor i belongs to netmap slot i and
 * points straight at the slot's buffer (its device address from the region's table), so a
 * buffer swapped into a slot (NS_BUF_CHANGED) is simply what the next descriptor points at.
 *
 * <p>txsync (netmap's driver pattern, netmap-semantics.md §2.5):
 * <ol>
 * <li>slots [hwcur, rhead) become descriptors, up to the end of the last complete packet (a packet
 *     is slots with NS_MOREFRAG on all but the last; an unfinished packet waits for its last
 *     fragment, so the chip never sees half a packet);</li>
 * <li>completion reports: RS on the last descriptor of a packet holding an NS_REPORT slot, of a
 *     packet crossing slot 0 or slot n/2 (netmap's periodic reports) and of the last packet of
 *     the batch, so "everything sent" is always observable;</li>
 * <li>one tail-doorbell write per sync (a release store after the plain descriptor stores);</li>
 * <li>reclaim: completed report points (DD written back by the chip: a memory read, no register
 *     read) move hwtail; a reported descriptor completes every descriptor before it.</li>
 * </ol>
 * Link loss ({@link TxLink}): a real chip stops transmit DMA while the link is down, so what is
 * queued never completes and would leave stale after the re-plug. When the port's count of link
 * losses moved since the last sync, the ring first takes its descriptors back from the chip
 * ({@link TxLink#restartQueue}: head = tail = hwcur) and returns every pending slot to the
 * application, counting its packets as dropped; while the link is down, slots handed over are
 * returned at once and counted as dropped, no descriptor written (Linux stops the queue while
 * the carrier is off); the first push after it moves the chip's head and tail up to hwcur. Two
 * volatile reads per sync; the recovery itself is rare and control-path.
 * One thread drives a ring at a time (netmap's rule); nothing here locks or allocates.
 */
public final class IntelTxRing extends DescriptorRing {
    private final Registers regs;
    private final int tdt;
    private final TxDescriptorFormat format;
    private final int half;
    /** Report points not yet seen complete, oldest first (a circular FIFO of descriptor indices). */
    private final int[] reports;
    /** Packets pushed up to and including each report point (parallel to {@link #reports}). */
    private final long[] reportPackets;
    private int reportHead, reportCount;
    private long doorbells, packets, completedPackets;
    private final TxLink link;
    private final int queue;
    private int seenLosses;
    /** Where the chip's head and tail stand when it owns nothing: hwcur as of the last push or restart. */
    private int chipAt;
    /** Packets dropped: pending at a link loss, or handed over while the link was down (read by statistics). */
    private volatile long dropped;

    /**
     * @param tdtOffset the queue's tail register
     * @param bufferIova device address of each region buffer by index ({@link io.jnetmap.nic.NicRegion})
     * @param link the port's link state, and how to take queue {@code queue} back from the chip
     */
    public IntelTxRing(Kring kring, DmaMemory memory, Registers regs, int tdtOffset, TxDescriptorFormat format,
                       long[] bufferIova, TxLink link, int queue) {
        super("TX", kring, memory, bufferIova);
        this.regs = regs;
        this.tdt = tdtOffset;
        this.format = format;
        this.half = kring.numSlots() / 2;
        this.reports = new int[kring.numSlots()];
        this.reportPackets = new long[kring.numSlots()];
        this.link = link;
        this.queue = queue;
        this.seenLosses = link.losses();
    }

    /** Tail-doorbell writes so far (tests: one per sync that pushed something). */
    public long doorbells() { return doorbells; }
    /** Packets handed to the chip so far. */
    public long packets() { return packets; }
    /** Packets dropped because the link was lost with them queued, or was down when they were handed over. */
    public long dropped() { return dropped; }

    /**
     * Forgets everything in flight: the chip was reset or its ring reprogrammed with TDH = TDT =
     * hwcur. Descriptors are zeroed so no stale DD is ever read.
     */
    public void reset() {
        desc.fill(0, (int) Math.min(memory.size(), Integer.MAX_VALUE), (byte) 0);
        reportHead = 0;
        reportCount = 0;
        completedPackets = packets;
        seenLosses = link.losses();
        chipAt = kring.hwcur();
    }

    /** Where the chip's head and tail must start for this ring (the kring's hwcur). */
    public int startIndex() { return kring.hwcur(); }

    /**
     * netmap txsync for this ring; see the class comment. Each slot is checked by the ring rules
     * ({@link Kring#sentSlot}) in the loop that writes its descriptor, before the descriptor gets
     * its buffer (netmap's one pass). Returns 0, or {@link Kring#REJECTED_SLOT} after a bad slot
     * reset the ring (the chip got nothing of this sync).
     */
    public int txsync(int flags) {
        final Kring k = kring;
        final boolean lost = link.losses() != seenLosses;
        final int head = k.rhead();
        final int hwcur = k.hwcur();
        if (head != hwcur) {
            // the batch's last slot says whether it ends a packet: a scan only when it does not
            int end = endOfCompletePackets(hwcur, head, ring.slotFlags(head == 0 ? lim : head - 1));
            boolean up = link.carrier();
            // slots the loop below does not take this sync (an unfinished chain, the link down), or a
            // link loss to recover from, which must not happen for a sync that is refused: the ring rules' pass first
            if ((lost || end != head || !up) && k.checkSentSlots(hwcur, head) != 0) return Kring.REJECTED_SLOT;
            if (lost) recoverFromLinkLoss();
            if (end >= 0) {
                if (!up) dropWhileDown(hwcur, end);
                else if (!push(hwcur, end)) return Kring.REJECTED_SLOT;
            }
        } else if (lost) {
            recoverFromLinkLoss();
        }
        reclaim();
        return 0;
    }

    /** Slots [from, end) become descriptors and the chip is told; false when a bad slot reset the ring (nothing told). */
    private boolean push(int from, int end) {
        // slots were dropped while the link was down: the chip's head and tail are still behind
        if (from != chipAt && reportCount == 0) {
            link.restartQueue(queue, from);
            chipAt = from; // where the chip stands now, even if a bad slot below stops this push
        }
        final Kring k = kring;
        final NetmapRing r = ring;
        final OffHeapBuffer d = desc;
        final long[] bufIova = iova;
        final TxDescriptorFormat f = format;
        final int count = k.distance(from, end), slots = n;
        // The usual batch, one slot per packet: the loop keeps no packet or report state (the report
        // points are at most a few per batch, added after it), so the JIT has registers for what each
        // slot needs (with that state in the loop JDK 17 spilled its counter; bench/README.md). The
        // first NS_MOREFRAG sends the batch to pushChains from its start: nothing is committed before
        // the doorbell, and this loop clears only NS_BUF_CHANGED, which pushChains does not look at.
        int reps = 0, lastRep = -1; // NS_REPORT slots: how many, the last one's place in the batch
        final int lastC = count - 1; // the batch's last slot always reports: its RS is written here
        for (int c = 0; c < count; c++) { // a counted loop, wrapping by a subtraction
            int i = from + c;
            if (i >= slots) i -= slots;
            long w = r.slotWord(i); // index, length and flags in one load
            int fl = NetmapRing.wordFlags(w);
            if ((fl & NS_MOREFRAG) != 0) return pushChains(from, end);
            if (k.sentSlot(i, w, 0) != 0) { // nothing of this sync reaches the chip: no doorbell, no report point
                k.rejectSent(i, 0);
                return false;
            }
            int len = NetmapRing.wordLen(w);
            f.write(d, i << 4, bufIova[NetmapRing.wordBufIdx(w)], len, true, true, c == lastC, len);
            if ((fl & (NS_BUF_CHANGED | NS_REPORT)) != 0) {
                if ((fl & NS_BUF_CHANGED) != 0) r.slotFlags(i, fl & ~NS_BUF_CHANGED);
                if ((fl & NS_REPORT) != 0) {
                    reps++;
                    lastRep = c;
                }
            }
        }
        final long before = packets;
        if (reps > 1) {
            reportEach(from, count, before);
        } else {
            if (reps == 1) {
                int i = at(from, lastRep);
                r.slotFlags(i, r.slotFlags(i) & ~NS_REPORT);
            }
            // netmap's periodic reports: the packets at slot 0 and slot n/2; then NS_REPORT's; the batch's last always
            reportAt(from, count, before, from == 0 ? 0 : slots - from, half >= from ? half - from : half - from + slots, lastRep);
        }
        packets = before + count;
        doorbell(end);
        return true;
    }

    /** Slot {@code dist} slots after {@code from}. */
    private int at(int from, int dist) {
        int i = from + dist;
        return i >= n ? i - n : i;
    }

    /**
     * Report points of a batch of {@code count} single-slot packets from {@code from}, {@code before}
     * packets pushed ahead of it: the slots at distances {@code d1}, {@code d2}, {@code d3} (each
     * when inside the batch) and the batch's last, in ring order, each once.
     */
    private void reportAt(int from, int count, long before, int d1, int d2, int d3) {
        final int lastDist = count - 1;
        int prev = -1;
        while (true) {
            int next = lastDist;
            if (d1 > prev && d1 < next) next = d1;
            if (d2 > prev && d2 < next) next = d2;
            if (d3 > prev && d3 < next) next = d3;
            addPoint(at(from, next), before + next + 1, next != lastDist);
            if (next == lastDist) return;
            prev = next;
        }
    }

    /** Report points of a batch of single-slot packets with several NS_REPORT slots (cleared here), in ring order. */
    private void reportEach(int from, int count, long before) {
        final NetmapRing r = ring;
        for (int c = 0; c < count; c++) {
            int i = at(from, c);
            int fl = r.slotFlags(i);
            boolean asked = (fl & NS_REPORT) != 0;
            if (asked) r.slotFlags(i, fl & ~NS_REPORT);
            if (asked || i == 0 || i == half || c == count - 1) addPoint(i, before + c + 1, c != count - 1);
        }
    }

    /** Descriptor {@code i}, which ends the packet that makes {@code pkts} pushed, as a report point; RS added when {@code rs}. */
    private void addPoint(int i, long pkts, boolean rs) {
        if (rs) format.requestReport(desc, i << 4);
        int tail = reportHead + reportCount;
        if (tail > lim) tail -= n;
        reports[tail] = i;
        reportPackets[tail] = pkts;
        reportCount++;
    }

    /** The descriptors up to {@code end} are written: hwcur moves and the chip is told. */
    private void doorbell(int end) {
        kring.hwcur(end);
        chipAt = end;
        regs.write32(tdt, end); // release store: every descriptor above is visible to the chip first
        doorbells++;
    }

    /** {@link #push} of a batch holding an NS_MOREFRAG chain: packet and report state per slot. */
    private boolean pushChains(int from, int end) {
        final Kring k = kring;
        final NetmapRing r = ring;
        final OffHeapBuffer d = desc;
        final long[] bufIova = iova;
        final int[] points = reports;
        final long[] pointPackets = reportPackets;
        final TxDescriptorFormat f = format;
        final boolean sum = f.needsPacketLength();
        // the batch's last slot ends a packet (end is after the last complete one): it always reports
        final int last = end == 0 ? lim : end - 1;
        // report points go into the FIFO at tail as they are written, counted in locals and kept only
        // if the whole batch passes: no call and no field store in the loop (packetLength only for a
        // chain on a chip that needs its length)
        int tail = reportHead + reportCount, added = 0;
        if (tail > lim) tail -= n;
        boolean report = false;
        int pktLen = 0;
        long chain = 0; // the packet so far, for the ring rules: 0 at a packet's first slot
        long pkts = packets;
        final int count = k.distance(from, end), slots = n;
        for (int c = 0; c < count; c++) {
            int i = from + c;
            if (i >= slots) i -= slots;
            long w = r.slotWord(i);
            final long before = chain;
            boolean first = before == 0;
            chain = k.sentSlot(i, w, before);
            if (chain < 0) { // nothing of this sync reaches the chip: no doorbell, no report point kept
                k.rejectSent(i, before);
                return false;
            }
            int fl = NetmapRing.wordFlags(w);
            int len = NetmapRing.wordLen(w);
            boolean eop = chain == 0;
            report |= (fl & NS_REPORT) != 0 || i == 0 || i == half;
            if (first) pktLen = sum && !eop ? packetLength(i) : len;
            boolean rs = eop && (report || i == last);
            f.write(d, i << 4, bufIova[NetmapRing.wordBufIdx(w)], len, first, eop, rs, pktLen);
            txFlagsDone(i, fl);
            if (eop) {
                pkts++;
                report = false;
                if (rs) {
                    points[tail] = i;
                    pointPackets[tail] = pkts;
                    tail = tail == lim ? 0 : tail + 1;
                    added++;
                }
            }
        }
        packets = pkts;
        reportCount += added;
        doorbell(end);
        return true;
    }

    /**
     * The link was lost since the last sync: the chip may hold descriptors it will never complete
     * (or send stale after the re-plug). Head and tail of the queue go to hwcur, so the chip owns
     * nothing; only then are the descriptors zeroed and every pending slot returned.
     */
    private void recoverFromLinkLoss() {
        seenLosses = link.losses();
        int hwcur = kring.hwcur();
        if (takeBackFromChip(hwcur)) kring.hwtail(kring.prev(hwcur));
    }

    /** If the chip holds descriptors: head and tail to {@code hwcur}, their packets counted as dropped, descriptors zeroed. */
    private boolean takeBackFromChip(int hwcur) {
        if (reportCount == 0) return false; // every pushed packet completed: nothing stale
        link.restartQueue(queue, hwcur);
        dropped += packets - completedPackets;
        reset();
        return true;
    }

    /** The link is down: slots [from, end) are taken and given back at once, their packets counted as dropped. */
    private void dropWhileDown(int from, int end) {
        long lost = returnUnsent(from, end);
        takeBackFromChip(from);
        dropped += lost;
        kring.hwcur(end);
        kring.hwtail(kring.prev(end));
    }

    /** Sum of the fragment lengths of the packet starting at slot {@code i}. */
    private int packetLength(int i) {
        int total = 0;
        while (true) {
            total += ring.len(i);
            if ((ring.slotFlags(i) & NS_MOREFRAG) == 0) return total;
            i = i == lim ? 0 : i + 1;
        }
    }

    /** Moves hwtail over completed report points; hwtail = the last completed descriptor (netmap keeps one slot). */
    private void reclaim() {
        int newTail = -1;
        final OffHeapBuffer d = desc;
        while (reportCount > 0) {
            int p = reports[reportHead];
            if (!format.done(d, p << 4)) break;
            newTail = p;
            completedPackets = reportPackets[reportHead];
            reportHead = reportHead == lim ? 0 : reportHead + 1;
            reportCount--;
        }
        if (newTail >= 0) kring.hwtail(newTail);
    }

    /** Report points still waiting for DD (tests). */
    public int pendingReports() { return reportCount; }
}
