package io.jnetmap.bench;

import java.util.Locale;

/**
 * {@link DriverSyncBenchmark}'s txsync and rxsync loops measured in this thread's CPU time
 * ({@link CpuCost}): the drivers' cost per packet in cycles when the thread has a core, which a
 * loaded machine's wall-clock JMH figures do not show. Run:
 * {@code java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar io.jnetmap.bench.DriverSyncCpuCost [seconds [batch|driver...]]}
 * (default 3 s, batch 32, drivers e1000e, igb and ixgbe; r8169 when named). One line per driver, batch and direction.
 */
public final class DriverSyncCpuCost {
    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        String[] rest = java.util.Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        int[] batches = java.util.Arrays.stream(rest).filter(a -> a.matches("\\d+")).mapToInt(Integer::parseInt).toArray();
        String[] drivers = java.util.Arrays.stream(rest).filter(a -> !a.matches("\\d+")).toArray(String[]::new);
        if (batches.length == 0) batches = new int[] {32};
        if (drivers.length == 0) drivers = new String[] {"e1000e", "igb", "ixgbe"};
        standInRegion();
        System.out.printf(Locale.ROOT, "java %s, TSC %.3f GHz%n", System.getProperty("java.version"), CpuCost.tscGHz());
        for (String driver : drivers) {
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

    /** What the stand-in benchmarks' forks get: a small NIC region in /dev/shm, no statistics thread. */
    static void standInRegion() {
        System.setProperty("jnetmap.nic.region.dir", System.getProperty("jnetmap.nic.region.dir", "/dev/shm"));
        System.setProperty("jnetmap.nic.region.buffers", System.getProperty("jnetmap.nic.region.buffers", "8194"));
        System.setProperty("jnetmap.nic.counterRefreshSeconds", System.getProperty("jnetmap.nic.counterRefreshSeconds", "0"));
    }

    private DriverSyncCpuCost() { }
}
