package io.jnetmap.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * A loop's cost per packet in this thread's CPU time rather than wall-clock time: on a shared,
 * loaded machine a wall-clock figure mostly shows how often the thread got a core, CPU time per
 * packet what the work costs when it has one. Cycles are CPU nanoseconds times the TSC frequency
 * the kernel measured (/proc/cpuinfo "cpu MHz"), the clock DPDK's figures use.
 */
final class CpuCost {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    /** CPU ns, wall ns and packets of one measurement. */
    record Result(long cpuNanos, long wallNanos, long packets) {
        double nsPerPacket() { return (double) cpuNanos / packets; }
        double cyclesPerPacket() { return nsPerPacket() * tscGHz(); }
        /** Share of the wall-clock time the thread was on a CPU. */
        double onCpu() { return (double) cpuNanos / wallNanos; }
    }

    private CpuCost() { }

    /**
     * Runs {@code step} (which returns the packets it moved) for {@code warmSeconds}, then measures
     * it for {@code seconds}, both counted in this thread's CPU time: on a loaded machine a
     * wall-clock warm-up may end before the JIT compiled the loop (a thread that gets 15 % of a core
     * has run 0.3 s in 2 s). The CPU clock is read every {@value #CHECK_EVERY} steps only (a read
     * is a system call, which would otherwise be part of the figure).
     */
    static Result measure(LongSupplier step, double warmSeconds, double seconds) {
        long warmEnd = MX.getCurrentThreadCpuTime() + (long) (warmSeconds * 1e9);
        do {
            for (int k = 0; k < CHECK_EVERY; k++) step.getAsLong();
        } while (MX.getCurrentThreadCpuTime() < warmEnd);
        long cpu0 = MX.getCurrentThreadCpuTime(), wall0 = System.nanoTime(), packets = 0, cpu;
        do {
            for (int k = 0; k < CHECK_EVERY; k++) packets += step.getAsLong();
        } while ((cpu = MX.getCurrentThreadCpuTime()) - cpu0 < seconds * 1e9);
        return new Result(cpu - cpu0, System.nanoTime() - wall0, packets);
    }

    /** Steps between two reads of the thread's CPU clock. */
    private static final int CHECK_EVERY = 16;

    /** The TSC frequency in GHz as /proc/cpuinfo states it; 0 when it does not. */
    static double tscGHz() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
                if (line.startsWith("cpu MHz")) return Double.parseDouble(line.substring(line.indexOf(':') + 1).trim()) / 1000;
        } catch (java.io.IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
