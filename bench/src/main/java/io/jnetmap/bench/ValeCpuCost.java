package io.jnetmap.bench;


import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * The CPU cost per packet of {@link ValeForwardBenchmark#forward}, measured in this thread's CPU
 * time rather than wall-clock time: on a shared, loaded machine JMH's wall-clock figures mostly
 * show how often the thread got a core; CPU time per packet shows what forwarding costs when it
 * has one (1000 / ns per packet = Mpps per core). Run:
 * {@code java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar io.jnetmap.bench.ValeCpuCost [seconds]}.
 * Prints one line per configuration (frame length, batch, receivers).
 */
public final class ValeCpuCost {
    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        System.out.printf("java %s%n", System.getProperty("java.version"));
        for (int len : new int[] {60, 1514}) {
            for (int batch : new int[] {64, 256}) {
                for (int receivers : new int[] {1, 2, 4}) {
                    ValeForwardBenchmark b = new ValeForwardBenchmark();
                    b.len = len;
                    b.batch = batch;
                    b.receivers = receivers;
                    b.open();
                    try {
                        long sink = 0;
                        long warmEnd = System.nanoTime() + 2_000_000_000L;
                        while (System.nanoTime() < warmEnd) sink += b.forward();
                        long cpu0 = mx.getCurrentThreadCpuTime(), wall0 = System.nanoTime(), packets = 0;
                        while (System.nanoTime() - wall0 < seconds * 1e9) packets += b.forward();
                        long cpu = mx.getCurrentThreadCpuTime() - cpu0, wall = System.nanoTime() - wall0;
                        System.out.printf(Locale.ROOT, "len %4d batch %3d receivers %d: %6.1f ns CPU/packet = %5.1f Mpps per core "
                                        + "(wall clock %5.1f Mpps, %2.0f%% of it on a CPU)%n", len, batch, receivers,
                                (double) cpu / packets, packets * 1e3 / cpu, packets * 1e3 / wall, 100.0 * cpu / wall);
                        if (sink == 42) System.out.print("");
                    } finally {
                        b.close();
                    }
                }
            }
        }
    }

    private ValeCpuCost() { }
}
