package io.jnetmap.bench;

import java.util.Locale;

/**
 * {@link DriverSyncBenchmark}'s txsync and rxsync loops measured in this thread's CPU time
 * ({@link CpuCost}): the drivers' cost per packet in cycles when the thread has a core, which a
 * loaded machine's wall-clock JMH figures do not show. Run:
 * {@code java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar io.jnetmap.bench.DriverSyncCpuCost [seconds [batch...]]}
 * (default 3 s, batch 32). One line per driver, batch and direction.
 */
public final class DriverSyncCpuCost {
    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        int[] batches = args.length > 1 ? java.util.Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray() : new int[] {32};
        // what DriverSyncBenchmark's forks get: a small region in /dev/shm, no statistics thread
        System.setProperty("jnetmap.nic.region.dir", System.getProperty("jnetmap.nic.region.dir", "/dev/shm"));
        System.setProperty("jnetmap.nic.region.buffers", System.getProperty("jnetmap.nic.region.buffers", "8194"));
        System.setProperty("jnetmap.nic.counterRefreshSeconds", System.getProperty("jnetmap.nic.counterRefreshSeconds", "0"));
        System.out.printf(Locale.ROOT, "java %s, TSC %.3f GHz%n", System.getProperty("java.version"), CpuCost.tscGHz());
        for (String driver : new String[] {"e1000e", "igb"}) {
            for (int batch : batches) {
                for (boolean tx : new boolean[] {true, false}) {
                    DriverSyncBenchmark b = new DriverSyncBenchmark();
                    b.driver = driver;
                    b.batch = batch;
                    b.monitor = "none";
                    b.open();
                    try {
                        CpuCost.Result r = CpuCost.measure(tx ? () -> { b.txsync(); return DriverSyncBenchmark.PACKETS; }
                                : () -> b.rxsync() >= 0 ? DriverSyncBenchmark.PACKETS : 0, 2, seconds);
                        System.out.printf(Locale.ROOT, "%-6s batch %3d %s: %5.1f ns CPU/packet = %5.1f cycles/packet "
                                        + "(%.0f%% of the wall-clock time on a CPU)%n", driver, batch, tx ? "txsync" : "rxsync",
                                r.nsPerPacket(), r.cyclesPerPacket(), 100 * r.onCpu());
                    } finally {
                        b.close();
                    }
                }
            }
        }
    }

    private DriverSyncCpuCost() { }
}
