package io.jnetmap.intel.gigabit;

import io.jnetmap.nic.Counters;
import io.jnetmap.nic.Counters.Counter;

import java.util.List;

/**
 * The statistics registers of Intel's gigabit MACs (82574L datasheet §10.2.5, 82576 §8.19: the
 * same offsets, all clear on read; 64-bit octet counters read low then high, the high read
 * clearing the pair). Names follow Linux's ethtool names where one exists.
 */
public final class GigabitStats {
    private GigabitStats() { }

    public static final int CRCERRS = 0x4000, ALGNERRC = 0x4004, SYMERRS = 0x4008, RXERRC = 0x400C, MPC = 0x4010,
            SCC = 0x4014, ECOL = 0x4018, MCC = 0x401C, LATECOL = 0x4020, COLC = 0x4028, DC = 0x4030,
            TNCRS = 0x4034, CEXTERR = 0x403C, RLEC = 0x4040, XONRXC = 0x4048, XONTXC = 0x404C, XOFFRXC = 0x4050,
            XOFFTXC = 0x4054, FCRUC = 0x4058, PRC64 = 0x405C, PRC127 = 0x4060, PRC255 = 0x4064, PRC511 = 0x4068,
            PRC1023 = 0x406C, PRC1522 = 0x4070, GPRC = 0x4074, BPRC = 0x4078, MPRC = 0x407C, GPTC = 0x4080,
            GORCL = 0x4088, GORCH = 0x408C, GOTCL = 0x4090, GOTCH = 0x4094, RNBC = 0x40A0, RUC = 0x40A4,
            RFC = 0x40A8, ROC = 0x40AC, RJC = 0x40B0, TORL = 0x40C0, TORH = 0x40C4, TOTL = 0x40C8, TOTH = 0x40CC,
            TPR = 0x40D0, TPT = 0x40D4, PTC64 = 0x40D8, PTC127 = 0x40DC, PTC255 = 0x40E0, PTC511 = 0x40E4,
            PTC1023 = 0x40E8, PTC1522 = 0x40EC, MPTC = 0x40F0, BPTC = 0x40F4, TSCTC = 0x40F8;

    /** The counters every e1000e/igb chip has. */
    public static final List<Counter> COMMON = List.of(
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
            Counter.of32("tx_total_packets", TPT),
            Counter.of64("tx_total_bytes", TOTL, TOTH),
            Counter.of32("rx_crc_errors", CRCERRS),
            Counter.of32("rx_align_errors", ALGNERRC),
            Counter.of32("rx_symbol_errors", SYMERRS),
            Counter.of32("rx_errors", RXERRC),
            Counter.of32("rx_missed", MPC),
            Counter.of32("rx_no_buffer", RNBC),
            Counter.of32("rx_length_errors", RLEC),
            Counter.of32("rx_undersize", RUC),
            Counter.of32("rx_fragments", RFC),
            Counter.of32("rx_oversize", ROC),
            Counter.of32("rx_jabbers", RJC),
            Counter.of32("rx_size_64", PRC64),
            Counter.of32("rx_size_65_to_127", PRC127),
            Counter.of32("rx_size_128_to_255", PRC255),
            Counter.of32("rx_size_256_to_511", PRC511),
            Counter.of32("rx_size_512_to_1023", PRC1023),
            Counter.of32("rx_size_1024_to_max", PRC1522),
            Counter.of32("tx_size_64", PTC64),
            Counter.of32("tx_size_65_to_127", PTC127),
            Counter.of32("tx_size_128_to_255", PTC255),
            Counter.of32("tx_size_256_to_511", PTC511),
            Counter.of32("tx_size_512_to_1023", PTC1023),
            Counter.of32("tx_size_1024_to_max", PTC1522),
            Counter.of32("collisions", COLC),
            Counter.of32("tx_single_collisions", SCC),
            Counter.of32("tx_multi_collisions", MCC),
            Counter.of32("tx_excessive_collisions", ECOL),
            Counter.of32("tx_late_collisions", LATECOL),
            Counter.of32("tx_deferred", DC),
            Counter.of32("tx_no_carrier", TNCRS),
            Counter.of32("rx_carrier_ext_errors", CEXTERR),
            Counter.of32("rx_xon", XONRXC),
            Counter.of32("tx_xon", XONTXC),
            Counter.of32("rx_xoff", XOFFRXC),
            Counter.of32("tx_xoff", XOFFTXC),
            Counter.of32("rx_flow_control_unsupported", FCRUC),
            Counter.of32("tx_tso_contexts", TSCTC));

    public static Counters newCounters() {
        return new Counters(COMMON);
    }
}
