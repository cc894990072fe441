package io.jnetmap.tools.pktgen;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.OffHeapBuffer;

import static io.jnetmap.rings.NetmapLayout.NS_BUF_CHANGED;
import static io.jnetmap.rings.NetmapLayout.NS_REPORT;

/**
 * tx and txseq: fills TX rings in batches, as netmap's sender_body. Each buffer gets the whole
 * frame once (slots marked NS_BUF_CHANGED at start, or changed by the port later); after that a
 * fixed frame costs one length write per packet, and a varying one a few field writes
 * ({@link FrameRewriter}). The last slot of a batch asks for a completion report; a short batch
 * sets cur = tail so poll waits for room. With {@code -R}, batches are cut to the pacer's bursts.
 */
public final class Transmitter extends Sender {
    private final FrameSource frames;
    private long batchBytes;

    /**
     * @param count packets to send, 0 for no limit
     * @param pacer null to send as fast as the port takes them
     */
    public Transmitter(String label, NetmapPort port, StopFlag stop, NanoClock clock, FrameSource frames,
                       int batch, long count, Pacer pacer) {
        super(label, port, stop, clock, batch, count, pacer);
        this.frames = frames;
    }

    @Override
    protected void work() {
        NetmapRing[] rings = txRings();
        markAllChanged(rings);
        long sent = 0, bytes = 0, events = 0;
        startSending();
        while (nextBatch(sent)) {
            int rv = port.poll(NetmapPort.POLLOUT, POLL_MS);
            checkPoll(rv);
            if (rv == 0) continue;
            for (NetmapRing r : rings) {
                if (count > 0 && sent == count) break;
                long limit = batchLimit(sent);
                if (r.space() == 0) continue;
                int m = fill(r, (int) limit);
                sent += m;
                bytes += batchBytes;
                if (m > 0) events++;
                counters.publish(sent, bytes, events);
                if (burstUsed(m)) break;
            }
        }
        drainTx(rings, Long.MAX_VALUE);
        ended(clock.nanoTime());
        counters.publish(sent, bytes, events);
    }

    /** Queues up to {@code limit} packets on {@code r}; returns how many. */
    private int fill(NetmapRing r, int limit) {
        int n = Math.min(limit, r.space());
        OffHeapBuffer bufs = r.buffers();
        int i = r.head(), last = i;
        long b = 0;
        if (frames.rewritesEachPacket()) {
            for (int k = 0; k < n; k++) {
                int fl = r.slotFlags(i);
                int len = frames.writeNext(bufs, r.slotBufOffset(i), (fl & NS_BUF_CHANGED) != 0);
                r.len(i, len);
                if (fl != 0) r.slotFlags(i, 0);
                b += len;
                last = i;
                i = r.next(i);
            }
        } else {
            int len = frames.fixedLength();
            for (int k = 0; k < n; k++) {
                int fl = r.slotFlags(i);
                if (fl != 0) {
                    if ((fl & NS_BUF_CHANGED) != 0) frames.writeNext(bufs, r.slotBufOffset(i), true);
                    r.slotFlags(i, 0);
                }
                r.len(i, len);
                last = i;
                i = r.next(i);
            }
            b = (long) n * len;
        }
        if (n > 0) {
            r.slotFlags(last, NS_REPORT);
            r.advance(i);
        }
        if (n < limit) r.cur(r.tail()); // tell the port we need more room
        batchBytes = b;
        return n;
    }
}
