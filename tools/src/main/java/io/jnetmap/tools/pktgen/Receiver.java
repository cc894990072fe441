package io.jnetmap.tools.pktgen;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.OffHeapBuffer;

import java.io.IOException;

import static io.jnetmap.rings.NetmapLayout.NS_MOREFRAG;

/**
 * rx and rxseq: takes packets off the RX rings in batches, as netmap's receiver_body and
 * rxseq_body. Timing starts at the first packet and ends at the last one. Optionally checks txseq
 * numbers ({@link SequenceTracker}) and records frames in a pcap file, stamped with the ring's
 * timestamp (the time of the RX sync that brought them).
 */
public final class Receiver extends Worker {
    private static final long BASE_MICROS = System.currentTimeMillis() * 1000L;
    private static final long BASE_NANOS = System.nanoTime();

    private final int batch;
    private final long count;
    private final SequenceTracker seq;
    private final PcapWriter pcap;
    /** sequence events already printed (reporter thread) */
    long seqEventsShown;

    /**
     * @param count packets to receive, 0 for no limit
     * @param seq null unless rxseq
     * @param pcap null unless {@code -o}
     */
    public Receiver(String label, NetmapPort port, StopFlag stop, NanoClock clock, int batch, long count,
                    SequenceTracker seq, PcapWriter pcap) {
        super(label, port, stop, clock);
        this.batch = batch;
        this.count = count;
        this.seq = seq;
        this.pcap = pcap;
    }

    public SequenceTracker sequenceTracker() { return seq; }

    @Override
    protected void work() throws IOException {
        NetmapRing[] rings = rxRings();
        long pkts = 0, bytes = 0, events = 0, lastPacket = -1;
        boolean first = true;
        while ((count == 0 || pkts < count) && awaitRx()) {
            long now = clock.nanoTime();
            if (first) {
                started(now);
                first = false;
            }
            int free = 0;
            for (int ri = 0; ri < rings.length; ri++) {
                NetmapRing r = rings[ri];
                int space = r.space();
                free += r.numSlots() - 1 - space;
                if (space == 0) continue;
                long limit = Math.min(batch, space);
                if (count > 0 && count - pkts < limit) limit = count - pkts;
                if (limit == 0) break;
                OffHeapBuffer bufs = r.buffers();
                long sec = 0, usec = 0;
                if (pcap != null) {
                    sec = r.tsSeconds();
                    usec = r.tsMicros();
                    if (sec == 0 && usec == 0) {
                        long us = BASE_MICROS + (System.nanoTime() - BASE_NANOS) / 1000;
                        sec = us / 1_000_000;
                        usec = us % 1_000_000;
                    }
                }
                int i = r.head();
                int complete = 0;
                for (int k = 0; k < limit; k++) {
                    int len = r.len(i);
                    bytes += len;
                    if (seq != null && len >= FrameTemplate.PAYLOAD + 4)
                        seq.check(ri, Integer.reverseBytes(bufs.getInt(r.slotBufOffset(i) + FrameTemplate.PAYLOAD)));
                    if (pcap != null) pcap.write(bufs, r.slotBufOffset(i), len, sec, usec);
                    if ((r.slotFlags(i) & NS_MOREFRAG) == 0) complete++;
                    i = r.next(i);
                }
                r.advance(i);
                pkts += complete;
                events++;
            }
            counters.noteSpace(free);
            counters.publish(pkts, bytes, events);
            lastPacket = now;
        }
        port.rxsync(); // give the last slots back, so a sender waiting for them can finish
        if (lastPacket >= 0) ended(lastPacket);
        counters.publish(pkts, bytes, events);
    }
}
