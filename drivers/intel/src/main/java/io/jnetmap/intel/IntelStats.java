package io.jnetmap.intel;

import io.jnetmap.nic.Counters.Counter;

import java.util.ArrayList;
import java.util.List;

/**
 * The statistics registers every Intel MAC here has at the same offset, all clear on read: the
 * 82574L (datasheet §10.2.5), the 82576 (§8.19) and the 82599 (§8.2.3.23), checked against both
 * e1000's and ixgbe's Linux headers. 64-bit octet counters are read low then high. A chip's own
 * table ({@link io.jnetmap.intel.gigabit.GigabitStats}, ixgbe's) puts these parts together with
 * its own counters; names follow Linux's ethtool names where one exists.
 */
public final class IntelStats {
    private IntelStats() { }

    public static final int CRCERRS = 0x4000, RLEC = 0x4040, PRC64 = 0x405C, PRC127 = 0x4060, PRC255 = 0x4064,
            PRC511 = 0x4068, PRC1023 = 0x406C, PRC1522 = 0x4070, GPRC = 0x4074, BPRC = 0x4078, MPRC = 0x407C,
            GPTC = 0x4080, GORCL = 0x4088, GORCH = 0x408C, GOTCL = 0x4090, GOTCH = 0x4094, RUC = 0x40A4, RFC = 0x40A8,
            ROC = 0x40AC, RJC = 0x40B0, TORL = 0x40C0, TORH = 0x40C4, TPR = 0x40D0, TPT = 0x40D4, PTC64 = 0x40D8,
            PTC127 = 0x40DC, PTC255 = 0x40E0, PTC511 = 0x40E4, PTC1023 = 0x40E8, PTC1522 = 0x40EC, MPTC = 0x40F0,
            BPTC = 0x40F4;

    /** Good and total frames and octets, broadcast and multicast, each way (the first rows of every table). */
    public static final List<Counter> TRAFFIC = List.of(
            Counter.of32("rx_packets", GPRC),
            Counter.of64("rx_bytes", GORCL, GORCH),
            Counter.of32("tx_packets", GPTC),
            Counter.of64("tx_bytes", GOTCL, GOTCH),
            Counter.of32("rx_broadcast", BPRC),
            Counter.of32("rx_multicast", MPRC),
            Counter.of32("tx_broadcast", BPTC),
            Counter.of32("tx_multicast", MPTC),
            Counter.of32("rx_total_packets", TPR),
            Counter.of64("rx_total_bytes", TORL, TORH),
            Counter.of32("tx_total_packets", TPT));

    /** Received frames of a bad length: length field mismatch, undersized, fragments, oversized, jabbers. */
    public static final List<Counter> RX_LENGTH_ERRORS = List.of(
            Counter.of32("rx_length_errors", RLEC),
            Counter.of32("rx_undersize", RUC),
            Counter.of32("rx_fragments", RFC),
            Counter.of32("rx_oversize", ROC),
            Counter.of32("rx_jabbers", RJC));

    /** Received frames by size, smallest bucket first. */
    public static final List<Counter> RX_SIZES = sizes("rx", PRC64, PRC127, PRC255, PRC511, PRC1023, PRC1522);

    /** Transmitted frames by size, smallest bucket first. */
    public static final List<Counter> TX_SIZES = sizes("tx", PTC64, PTC127, PTC255, PTC511, PTC1023, PTC1522);

    private static List<Counter> sizes(String direction, int... offsets) {
        String[] buckets = {"64", "65_to_127", "128_to_255", "256_to_511", "512_to_1023", "1024_to_max"};
        List<Counter> t = new ArrayList<>(buckets.length);
        for (int i = 0; i < buckets.length; i++) t.add(Counter.of32(direction + "_size_" + buckets[i], offsets[i]));
        return List.copyOf(t);
    }
}
