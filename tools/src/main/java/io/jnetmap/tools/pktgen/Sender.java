package io.jnetmap.tools.pktgen;

import io.jnetmap.rings.NetmapPort;

/**
 * A sending worker (tx, txseq, ping): batches of at most {@code batch} packets, {@code count} in
 * all (0: no limit), cut to the bursts of an optional {@link Pacer}, as netmap's sender_body.
 * The send loop is {@code startSending(); while (nextBatch(sent)) { ... burstUsed(n) ... }}.
 */
abstract class Sender extends Worker {
    protected final int batch;
    protected final long count;
    /** null to send as fast as the port takes the packets */
    protected final Pacer pacer;
    /** packets left in the pacer's current burst */
    private int tosend;

    protected Sender(String label, NetmapPort port, StopFlag stop, NanoClock clock, int batch, long count, Pacer pacer) {
        super(label, port, stop, clock);
        this.batch = batch;
        this.count = count;
        this.pacer = pacer;
    }

    /** Starts the busy period and the pacer. */
    protected final void startSending() {
        long t0 = clock.nanoTime();
        started(t0);
        if (pacer != null) pacer.start(t0);
    }

    /**
     * Whether to send more after {@code sent} packets: no stop request, the count not reached and,
     * with a pacer, packets left in the burst (waiting for the next burst when this one is used up).
     */
    protected final boolean nextBatch(long sent) {
        if (stop.raised() || (count != 0 && sent >= count)) return false;
        if (pacer != null && tosend <= 0) {
            tosend = pacer.awaitNextBurst(stop);
            if (tosend == 0) return false;
        }
        return true;
    }

    /** Most packets the next batch may send after {@code sent}: the batch or what is left of the burst, and of the count. */
    protected final long batchLimit(long sent) {
        long limit = pacer != null ? tosend : batch;
        if (count > 0 && count - sent < limit) limit = count - sent;
        return limit;
    }

    /** Takes {@code n} sent packets off the burst; returns true if the burst is used up (never without a pacer). */
    protected final boolean burstUsed(int n) {
        if (pacer == null) return false;
        tosend -= n;
        return tosend <= 0;
    }
}
