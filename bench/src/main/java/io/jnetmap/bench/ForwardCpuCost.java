package io.jnetmap.bench;

import java.util.Locale;

/**
 * {@link ForwardBenchmark}'s forwarder (rxsync on one 82599 port, zero-copy swap into the other's
 * TX ring, txsync) measured in this thread's CPU time ({@link CpuCost}): cycles per forwarded
 * packet when the thread has a core. The benchmark's check that B's chip sent the buffers A's chip
 * received runs before and after each measurement. Run:
 * {@code java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar io.jnetmap.bench.ForwardCpuCost [seconds [batch...]]}
 * (default 3 s, batch 32).
 */
public final class ForwardCpuCost {
    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        int[] batches = args.length > 1 ? java.util.Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray() : new int[] {32};
        DriverSyncCpuCost.standInRegion();
        System.out.printf(Locale.ROOT, "java %s, TSC %.3f GHz%n", System.getProperty("java.version"), CpuCost.tscGHz());
        for (int batch : batches) {
            ForwardBenchmark b = new ForwardBenchmark();
            b.batch = batch;
            b.open();
            try {
                b.verify();
                CpuCost.Result r = CpuCost.measure(() -> { b.forward(); return ForwardBenchmark.PACKETS; }, 2, seconds);
                System.out.printf(Locale.ROOT, "ixgbe->ixgbe forward batch %3d: %5.1f ns CPU/packet = %5.1f cycles/packet "
                        + "(%.0f%% of the wall-clock time on a CPU)%n", batch, r.nsPerPacket(), r.cyclesPerPacket(), 100 * r.onCpu());
            } finally {
                b.close(); // verifies once more and checks the chips' counts
            }
        }
    }

    private ForwardCpuCost() { }
}
