package io.jnetmap.tools.pktgen;

import java.util.concurrent.locks.LockSupport;

/**
 * Paces a sender at {@code rate} packets per second, as netmap's pkt-gen does with {@code -R}: in
 * bursts of at most rate/300 packets (at least 1, at most the batch), one burst every burst/rate
 * seconds. Burst k is due at start + k·burst/rate on a monotonic clock, computed exactly from k, so
 * the long-run rate has no drift; a sender that fell behind catches up at full speed.
 *
 * <p>The schedule is pure arithmetic ({@link #dueTime}); {@link #awaitNextBurst} waits on the
 * injected clock, parking while the wait is long and spinning for the last stretch.
 */
public final class Pacer {
    /** netmap: "reduce the burst to some 0.01 s worth of data" — rate/300. */
    public static final int BURSTS_PER_SECOND_MIN = 300;
    private static final long NANOS = 1_000_000_000L;
    private static final long SPIN_NANOS = 100_000L;

    private final long rate;
    private final int burst;
    private final NanoClock clock;
    private long start;
    private long bursts;

    public Pacer(long ratePps, int batch, NanoClock clock) {
        if (ratePps <= 0 || ratePps > NANOS) throw new IllegalArgumentException("rate " + ratePps + " must be 1.." + NANOS + " pps");
        if (batch < 1) throw new IllegalArgumentException("batch " + batch + " must be at least 1");
        this.rate = ratePps;
        this.burst = burstFor(ratePps, batch);
        this.clock = clock;
        this.start = clock.nanoTime();
    }

    /** Packets per burst for a rate and batch: min(batch, rate/300), at least 1. */
    public static int burstFor(long ratePps, int batch) {
        return (int) Math.max(1, Math.min(batch, ratePps / BURSTS_PER_SECOND_MIN));
    }

    public long rate() { return rate; }
    public int burst() { return burst; }
    /** Nominal time between bursts. */
    public double periodNanos() { return (double) burst * NANOS / rate; }
    /** Bursts handed out so far. */
    public long bursts() { return bursts; }

    /** Restarts the schedule at {@code now}: burst 0 is due at once. */
    public void start(long now) {
        start = now;
        bursts = 0;
    }

    /** When burst {@code k} is due: start + k·burst·10⁹/rate, without overflow or accumulated rounding. */
    public long dueTime(long k) {
        long p = k * burst;
        return start + (p / rate) * NANOS + (p % rate) * NANOS / rate;
    }

    /** Nanoseconds until the next burst is due (≤ 0: due now). */
    public long delay(long now) {
        return dueTime(bursts) - now;
    }

    /** Takes the next burst if it is due at {@code now}: returns its size, or 0 if it is not due yet. */
    public int tryAcquire(long now) {
        if (delay(now) > 0) return 0;
        bursts++;
        return burst;
    }

    /**
     * Waits until the next burst is due and takes it. Parks while more than 100 µs remain, then
     * spins. Returns 0 without taking a burst if {@code stop} was raised while waiting.
     */
    public int awaitNextBurst(StopFlag stop) {
        for (;;) {
            long d = delay(clock.nanoTime());
            if (d <= 0) {
                bursts++;
                return burst;
            }
            if (stop.raised()) return 0;
            if (d > 2 * SPIN_NANOS) LockSupport.parkNanos(Math.min(d - SPIN_NANOS, 100_000_000L));
            else Thread.onSpinWait();
        }
    }
}
