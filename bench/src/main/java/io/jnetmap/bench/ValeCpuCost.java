package io.jnetmap.bench;


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
                        CpuCost.Result r = CpuCost.measure(b::forward, 2, seconds);
                        System.out.printf(Locale.ROOT, "len %4d batch %3d receivers %d: %6.1f ns CPU/packet = %5.1f Mpps per core "
                                        + "(wall clock %5.1f Mpps, %2.0f%% of it on a CPU)%n", len, batch, receivers,
                                r.nsPerPacket(), 1e3 / r.nsPerPacket(), r.packets() * 1e3 / r.wallNanos(), 100 * r.onCpu());
                    } finally {
                        b.close();
                    }
                }
            }
        }
    }

    private ValeCpuCost() { }
}
