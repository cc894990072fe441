package io.jnetmap.tools.pktgen;

/** A monotonic clock in nanoseconds; {@link #SYSTEM} is {@link System#nanoTime()}. Tests inject their own. */
@FunctionalInterface
public interface NanoClock {
    NanoClock SYSTEM = System::nanoTime;

    long nanoTime();
}
