package io.jnetmap.bench;

import io.jnetmap.sys.Libc;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The round trip of one cache line between two threads: one thread ({@link #measure}) stores a
 * sequence number in the ping word, the other ({@link #echo}) copies it into the pong word, and
 * the first waits for it; each store moves a line from one core's cache to the other's. On a VM the
 * figure says how far apart the host placed the two vCPUs at that moment (issue #17: 110–150 ns
 * in one placement, 480–610 ns in another, on the 2-vCPU test VM), which is what a pipe's
 * throughput follows when its two ends run on those vCPUs.
 *
 * <p>Both ends must run at the same time: {@code measure} waits for the echo and ends the exchange
 * by storing {@link #STOP}, which {@code echo} waits for. Neither waits forever: when the other end
 * does not come, they give up after {@link #GIVE_UP_NS} and {@code measure} returns NaN.
 *
 * <p>{@link PipeThroughputBenchmark} runs it in its own two threads around every iteration; run
 * alone ({@code java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * io.jnetmap.bench.LineRoundTrip [ms [cpu cpu]]}, default 100 ms on CPUs 0 and 1) it prints the
 * round trip between two threads pinned to those CPUs, as {@code bench/rte-ring-pairs} does around
 * each DPDK rte_ring run (whose two lcores are CPUs 0 and 1).
 */
public final class LineRoundTrip {
    /** Round trips timed together as one sample: two clock reads per 64 round trips are noise. */
    static final int TRIPS_PER_SAMPLE = 64;
    /** How long an end waits for the other beyond the exchange's length before giving up. */
    static final long GIVE_UP_NS = 1_000_000_000L;
    private static final long STOP = -1;
    /** Spins between two clock reads while waiting (a read costs more than a spin). */
    private static final int SPINS_PER_CLOCK_READ = 1 << 12;

    /**
     * The ping and pong words 256 bytes apart and 256 bytes from the array's ends: each on a
     * 128-byte line pair of its own (the spatial prefetcher pulls pairs), so nothing else moves
     * with them.
     */
    private static final int PING = 32, PONG = 64;
    private final AtomicLongArray words = new AtomicLongArray(PONG + 32);
    /** Per-sample nanoseconds for {@link #TRIPS_PER_SAMPLE} round trips; allocated once. */
    private final long[] samples = new long[1 << 14];
    /** Last sequence number sent; only the measuring thread touches it. */
    private long seq;

    /**
     * Exchanges the line for about {@code nanos} and returns the median round trip in ns (of the
     * samples' averages, so a preemption in the middle of one sample does not move it), or NaN
     * when the echoing end did not answer.
     */
    double measure(long nanos) {
        long start = System.nanoTime(), end = start + nanos;
        int n = 0;
        long s = seq;
        try {
            while (n < samples.length) {
                long t0 = System.nanoTime();
                if (t0 - end >= 0) break;
                for (int k = 0; k < TRIPS_PER_SAMPLE; k++) {
                    words.setRelease(PING, ++s);
                    if (!awaitEcho(s, end + GIVE_UP_NS)) return Double.NaN;
                }
                samples[n++] = System.nanoTime() - t0;
            }
        } finally {
            seq = s;
            words.setRelease(PING, STOP);
        }
        if (n == 0) return Double.NaN;
        Arrays.sort(samples, 0, n);
        long mid = n % 2 == 1 ? 2 * samples[n / 2] : samples[n / 2 - 1] + samples[n / 2];
        return mid / (2.0 * TRIPS_PER_SAMPLE);
    }

    private boolean awaitEcho(long s, long giveUp) {
        int spins = 0;
        while (words.getAcquire(PONG) != s) {
            if (++spins == SPINS_PER_CLOCK_READ) {
                spins = 0;
                if (System.nanoTime() - giveUp >= 0) return false;
            }
        }
        return true;
    }

    /**
     * Answers {@link #measure}'s pings until it ends the exchange, at most {@code nanos} plus
     * {@link #GIVE_UP_NS}. No pause between polls: the echo's latency is part of the figure.
     */
    void echo(long nanos) {
        long giveUp = System.nanoTime() + nanos + GIVE_UP_NS;
        long last = STOP; // the previous exchange ended with STOP: wait for a new ping
        int spins = 0;
        while (true) {
            long v = words.getAcquire(PING);
            if (v != last) {
                if (v == STOP) return;
                words.setRelease(PONG, v);
                last = v;
            } else if (++spins == SPINS_PER_CLOCK_READ) {
                spins = 0;
                if (System.nanoTime() - giveUp >= 0) return;
            }
        }
    }

    /** Prints the median round trip in ns between two threads pinned to two CPUs; "-" when the echo did not come. */
    public static void main(String[] args) {
        long ms;
        int cpuA, cpuB;
        try {
            ms = args.length > 0 ? Long.parseLong(args[0]) : 100;
            cpuA = args.length > 1 ? Integer.parseInt(args[1]) : 0;
            cpuB = args.length > 2 ? Integer.parseInt(args[2]) : 1;
            if (ms <= 0 || ms > 60_000 || args.length == 2 || args.length > 3) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            System.err.println("usage: LineRoundTrip [ms [cpu cpu]]: ms from 1 to 60000 (default 100), two CPUs (default 0 1)");
            System.exit(2);
            return;
        }
        try { // both CPUs usable, or one clear error before any thread starts
            Libc.setThreadAffinity(cpuB);
            Libc.setThreadAffinity(cpuA);
        } catch (RuntimeException e) {
            System.err.println("LineRoundTrip: " + e.getMessage());
            System.exit(2);
            return;
        }
        LineRoundTrip line = new LineRoundTrip();
        long nanos = ms * 1_000_000L;
        Thread echo = new Thread(() -> {
            Libc.setThreadAffinity(cpuB);
            while (true) line.echo(nanos); // a daemon: it ends with the JVM
        }, "round-trip-echo");
        echo.setDaemon(true);
        echo.start();
        line.measure(nanos); // warm-up: the JIT compiles both loops
        double ns = line.measure(nanos);
        System.out.println(Double.isNaN(ns) ? "-" : String.format(Locale.ROOT, "%.1f", ns));
    }
}
