package io.jnetmap.bench;

import java.util.Locale;

/**
 * The pipe's instruction cost per packet with both ends in one thread, in CPU time
 * ({@link CpuCost}): {@link PipeThroughputBenchmark}'s send (fill {@code batch} slots, txsync)
 * then receive (rxsync, read {@code batch} lengths, release), alternately. No cache line crosses
 * cores, and a loaded machine's descheduling is not counted, so this is what the ring code itself
 * costs per packet on both sides together; compare it with DPDK ring_perf_autotest's single-lcore
 * "SP/SC: bulk" figure divided by the bulk size (that test enqueues and dequeues on one lcore too).
 * Run: {@code java --enable-native-access=ALL-UNNAMED -Djnetmap.region.buffers=4098 -cp bench/target/benchmarks.jar io.jnetmap.bench.PipeCpuCost [seconds [batch...]]}
 * (default 3 s, batches 8 and 32).
 */
public final class PipeCpuCost {
    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        int[] batches = args.length > 1 ? java.util.Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray() : new int[] {8, 32};
        System.setProperty("jnetmap.region.buffers", System.getProperty("jnetmap.region.buffers", "4098")); // as the benchmark's forks
        System.out.printf(Locale.ROOT, "java %s, TSC %.3f GHz%n", System.getProperty("java.version"), CpuCost.tscGHz());
        for (int batch : batches) {
            PipeThroughputBenchmark b = new PipeThroughputBenchmark();
            b.batch = batch;
            b.pin = "unpinned";
            b.open();
            try {
                PipeThroughputBenchmark.Packets p = new PipeThroughputBenchmark.Packets();
                PipeThroughputBenchmark.SenderCpu s = new PipeThroughputBenchmark.SenderCpu();
                PipeThroughputBenchmark.ReceiverCpu r = new PipeThroughputBenchmark.ReceiverCpu();
                CpuCost.Result res = CpuCost.measure(() -> {
                    long before = p.received;
                    b.send(p, s);
                    b.receive(p, r);
                    return p.received - before;
                }, 2, seconds);
                System.out.printf(Locale.ROOT, "pipe batch %3d, both ends in one thread: %5.1f ns CPU/packet = %5.1f cycles/packet "
                        + "(%.0f%% of the wall-clock time on a CPU)%n", batch, res.nsPerPacket(), res.cyclesPerPacket(), 100 * res.onCpu());
            } finally {
                b.close();
            }
        }
    }

    private PipeCpuCost() { }
}
