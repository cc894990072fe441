package io.jnetmap.ixgbe;

import io.jnetmap.intel.IntelStats;
import io.jnetmap.nic.Counters;
import io.jnetmap.nic.Counters.Counter;

import java.util.ArrayList;
import java.util.List;

import static io.jnetmap.intel.IntelStats.CRCERRS;

/**
 * The 82599's statistics (datasheet §8.2.3.23; every one clears on read; the 36-bit octet
 * counters read low then high). Partly at the gigabit chips' offsets ({@link IntelStats}: GPRC,
 * GORC, ...), partly elsewhere (missed packets per packet buffer, per-queue counters), so the
 * table is the 82599's own. Per queue q in use: QPRC/QPTC (packets; the driver maps queue q to counter q through
 * RQSMR/TQSM) and QPRDC (frames dropped for lack of descriptors, SRRCTL.DROP_EN).
 */
final class IxgbeStats {
    private IxgbeStats() { }

    static final int ILLERRC = 0x4004, ERRBC = 0x4008, MLFC = 0x4034, MRFC = 0x4038, MPC0 = 0x3FA0,
            LXONTXC = 0x3F60, LXOFFTXC = 0x3F68, LXONRXCNT = 0x41A4, LXOFFRXCNT = 0x41A8;

    static int qprc(int q) { return 0x1030 + 0x40 * q; }
    static int qprdc(int q) { return 0x1430 + 0x40 * q; }
    static int qptc(int q) { return 0x6030 + 0x40 * q; }

    static Counters newCounters(int queues) {
        List<Counter> t = new ArrayList<>(IntelStats.TRAFFIC);
        t.addAll(List.of(
                Counter.of32("rx_crc_errors", CRCERRS),
                Counter.of32("rx_illegal_bytes", ILLERRC),
                Counter.of32("rx_error_bytes", ERRBC),
                Counter.of32("rx_local_faults", MLFC),
                Counter.of32("rx_remote_faults", MRFC)));
        t.addAll(IntelStats.RX_LENGTH_ERRORS);
        t.addAll(List.of(
                Counter.of32("tx_xon", LXONTXC),
                Counter.of32("tx_xoff", LXOFFTXC),
                Counter.of32("rx_xon", LXONRXCNT),
                Counter.of32("rx_xoff", LXOFFRXCNT)));
        for (int i = 0; i < IntelStats.RX_SIZES.size(); i++) {
            t.add(IntelStats.RX_SIZES.get(i));
            t.add(IntelStats.TX_SIZES.get(i));
        }
        for (int pb = 0; pb < IxgbeRegs.PACKET_BUFFERS; pb++)
            t.add(Counter.of32(pb == 0 ? "rx_missed" : "rx_missed_pb" + pb, MPC0 + 4 * pb));
        for (int q = 0; q < queues; q++) {
            t.add(Counter.of32("rx_queue_" + q + "_packets", qprc(q)));
            t.add(Counter.of32("rx_queue_" + q + "_drops", qprdc(q)));
            t.add(Counter.of32("tx_queue_" + q + "_packets", qptc(q)));
        }
        return new Counters(t);
    }
}
