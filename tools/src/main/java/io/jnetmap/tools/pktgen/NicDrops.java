package io.jnetmap.tools.pktgen;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Frames a NIC dropped on receive and counted, between two {@code statistics()} snapshots of its
 * adapter: what a receiver never saw although the wire carried it (a full packet buffer, a queue
 * without a free descriptor). netmap's pkt-gen cannot say this (the kernel keeps the counters);
 * here the receiving process owns the chip, so after a run it can.
 *
 * <p>The counters, by the drivers' names: {@code rx_missed} (MPC on the Intel chips, the 82599's
 * per packet buffer {@code rx_missed_pbN}; the RTL8168 tally's RxMissed) and {@code rx_queue_N_drops}
 * (RQDPC on the 82576, QPRDC on the 82599: a queue with SRRCTL.DROP_EN and no descriptor). They
 * count different drops, so they add up.
 */
record NicDrops(long total, Map<String, Long> byCounter) {
    private static final Pattern DROP_COUNTER = Pattern.compile("rx_missed(_pb\\d+)?|rx_queue_\\d+_drops");

    /** The drop counters' growth from {@code before} to {@code after}; null when the port has none (a pipe, VALE). */
    static NicDrops between(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new TreeMap<>();
        long total = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) {
            if (!DROP_COUNTER.matcher(e.getKey()).matches()) continue;
            long n = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            d.put(e.getKey(), n);
            total += n;
        }
        return d.isEmpty() ? null : new NicDrops(total, d);
    }

    /** "The NIC dropped and counted 12 frames (rx_missed 10, rx_queue_0_drops 2)." (counters that grew only, unless none did) */
    String line() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Long> e : byCounter.entrySet())
            if (e.getValue() != 0 || total == 0 && b.isEmpty())
                b.append(b.isEmpty() ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue());
        return "The NIC dropped and counted " + total + " frames (" + b + ").";
    }
}
