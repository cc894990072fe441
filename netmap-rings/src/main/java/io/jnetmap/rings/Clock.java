package io.jnetmap.rings;

/** Wall-clock microseconds without allocating: calibrated once against nanoTime. */
final class Clock {
    private static final long BASE_MICROS = System.currentTimeMillis() * 1000L;
    private static final long BASE_NANOS = System.nanoTime();

    private Clock() { }

    static long epochMicros() {
        return BASE_MICROS + (System.nanoTime() - BASE_NANOS) / 1000L;
    }

    /** Wall-clock nanoseconds since the epoch (same calibration; monitors stamp captured frames with it). */
    static long epochNanos() {
        return BASE_MICROS * 1000L + (System.nanoTime() - BASE_NANOS);
    }
}
