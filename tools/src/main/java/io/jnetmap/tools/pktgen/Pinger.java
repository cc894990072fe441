package io.jnetmap.tools.pktgen;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.OffHeapBuffer;
import org.HdrHistogram.Recorder;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static io.jnetmap.rings.NetmapLayout.NS_BUF_CHANGED;
import static io.jnetmap.tools.pktgen.FrameTemplate.PAYLOAD;

/**
 * ping: sends a batch of requests carrying a sequence number and a send time (at UDP payload
 * offsets 0, 4 and 8, as netmap's ping_body), then waits up to a second for the replies before the
 * next batch. Round-trip times go into an HdrHistogram {@link Recorder} (wait-free, no allocation),
 * which the reporter turns into per-interval and total percentiles. Replies still missing at the
 * end are lost.
 */
public final class Pinger extends Sender {
    /** Longest RTT recorded; longer ones count as this. */
    public static final long MAX_RTT_NANOS = 60_000_000_000L;
    static final long REPLY_WAIT_NANOS = 1_000_000_000L;
    private static final long BASE = System.nanoTime();
    private static final VarHandle REPLIES;

    static {
        try {
            REPLIES = MethodHandles.lookup().findVarHandle(Pinger.class, "replies", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final FrameRewriter frames;
    private final Recorder rtt = new Recorder(MAX_RTT_NANOS, 3);
    private long replies;
    private long sent;

    public Pinger(String label, NetmapPort port, StopFlag stop, NanoClock clock, FrameRewriter frames,
                  int batch, long count, Pacer pacer) {
        super(label, port, stop, clock, batch, count, pacer);
        this.frames = frames;
    }

    public Recorder rttRecorder() { return rtt; }
    /** Replies received so far. */
    public long replies() { return (long) REPLIES.getAcquire(this); }

    @Override
    protected void work() {
        NetmapRing tx = port.txRing(port.firstTxRing());
        NetmapRing[] rx = rxRings();
        markAllChanged(new NetmapRing[] {tx});
        long bytes = 0, events = 0;
        startSending();
        while (nextBatch(sent)) {
            if (tx.space() == 0) {
                tx.cur(tx.tail());
                checkPoll(port.poll(NetmapPort.POLLOUT, POLL_MS));
                tx.cur(tx.head());
                collect(rx);
                continue;
            }
            int n = (int) Math.min(batchLimit(sent), tx.space());
            OffHeapBuffer bufs = tx.buffers();
            int i = tx.head();
            for (int k = 0; k < n; k++) {
                long t = System.nanoTime() - BASE;
                frames.stampPing((int) sent, (int) (t / 1_000_000_000L), (int) (t % 1_000_000_000L));
                int fl = tx.slotFlags(i);
                int len = frames.write(tx.buffers(), tx.slotBufOffset(i), (fl & NS_BUF_CHANGED) != 0);
                tx.len(i, len);
                tx.slotFlags(i, 0);
                bytes += len;
                sent++;
                i = tx.next(i);
            }
            tx.advance(i);
            port.txsync();
            events++;
            burstUsed(n);
            counters.publish(sent, bytes, events);
            awaitReplies(rx, clock.nanoTime() + REPLY_WAIT_NANOS);
        }
        awaitReplies(rx, clock.nanoTime() + REPLY_WAIT_NANOS);
        ended(clock.nanoTime());
        port.rxsync(); // give the replies' slots back, so pong can finish
        counters.publish(sent, bytes, events);
    }

    private void awaitReplies(NetmapRing[] rx, long deadline) {
        collect(rx);
        while (replies < sent && !stop.raised()) {
            long left = deadline - clock.nanoTime();
            if (left <= 0) break;
            int rv = port.poll(NetmapPort.POLLIN, (int) Math.max(1, Math.min(left / 1_000_000L, POLL_MS)));
            checkPoll(rv);
            if (rv != 0) collect(rx);
        }
    }

    /** Takes every reply off the RX rings and records its RTT. */
    private void collect(NetmapRing[] rings) {
        long got = replies;
        for (NetmapRing r : rings) {
            int i = r.head(), tail = r.tail();
            if (i == tail) continue;
            OffHeapBuffer bufs = r.buffers();
            while (i != tail) {
                int off = r.slotBufOffset(i);
                if (r.len(i) >= PAYLOAD + 12) {
                    long now = System.nanoTime() - BASE;
                    long s = Integer.toUnsignedLong(bufs.getInt(off + PAYLOAD));
                    long sec = Integer.toUnsignedLong(bufs.getInt(off + PAYLOAD + 4));
                    long nsec = Integer.toUnsignedLong(bufs.getInt(off + PAYLOAD + 8));
                    long age = ((sent - 1 - s) & 0xffffffffL);
                    if (age < 0x80000000L && nsec < 1_000_000_000L) {
                        long d = now - (sec * 1_000_000_000L + nsec);
                        rtt.recordValue(d < 0 ? 0 : Math.min(d, MAX_RTT_NANOS));
                        got++;
                    }
                }
                i = r.next(i);
            }
            r.advance(i);
        }
        if (got != replies) REPLIES.setRelease(this, got);
    }

    /** Requests sent (pinging thread, or after it finished). */
    public long sent() { return counters.packets(); }
}
