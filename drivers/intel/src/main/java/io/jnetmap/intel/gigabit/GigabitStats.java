package io.jnetmap.intel.gigabit;

import io.jnetmap.intel.IntelStats;
import io.jnetmap.nic.Counters;
import io.jnetmap.nic.Counters.Counter;

import java.util.ArrayList;
import java.util.List;

import static io.jnetmap.intel.IntelStats.*;

/**
 * The statistics registers of Intel's gigabit MACs (82574L datasheet §10.2.5, 82576 §8.19: the
 * same offsets, all clear on read; 64-bit octet counters read low then high, the high read
 * clearing the pair): those the 82599 has too are {@link IntelStats}'s, these are the gigabit
 * family's own. Names follow Linux's ethtool names where one exists.
 */
public final class GigabitStats {
    private GigabitStats() { }

    public static final int ALGNERRC = 0x4004, SYMERRS = 0x4008, RXERRC = 0x400C, MPC = 0x4010, SCC = 0x4014,
            ECOL = 0x4018, MCC = 0x401C, LATECOL = 0x4020, COLC = 0x4028, DC = 0x4030, TNCRS = 0x4034,
            CEXTERR = 0x403C, XONRXC = 0x4048, XONTXC = 0x404C, XOFFRXC = 0x4050, XOFFTXC = 0x4054, FCRUC = 0x4058,
            RNBC = 0x40A0, TOTL = 0x40C8, TOTH = 0x40CC, TSCTC = 0x40F8;

    /** The counters every e1000e/igb chip has. */
    public static final List<Counter> COMMON = table();

    private static List<Counter> table() {
        List<Counter> t = new ArrayList<>(IntelStats.TRAFFIC);
        t.addAll(List.of(
                Counter.of64("tx_total_bytes", TOTL, TOTH),
                Counter.of32("rx_crc_errors", CRCERRS),
                Counter.of32("rx_align_errors", ALGNERRC),
                Counter.of32("rx_symbol_errors", SYMERRS),
                Counter.of32("rx_errors", RXERRC),
                Counter.of32("rx_missed", MPC),
                Counter.of32("rx_no_buffer", RNBC)));
        t.addAll(IntelStats.RX_LENGTH_ERRORS);
        t.addAll(IntelStats.RX_SIZES);
        t.addAll(IntelStats.TX_SIZES);
        t.addAll(List.of(
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
                Counter.of32("tx_tso_contexts", TSCTC)));
        return List.copyOf(t);
    }

    public static Counters newCounters() {
        return new Counters(COMMON);
    }
}
