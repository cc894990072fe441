package io.jnetmap.ixgbe;

import io.jnetmap.nic.Counters;
import io.jnetmap.nic.Counters.Counter;

import java.util.ArrayList;
import java.util.List;

/**
 * The 82599's statistics (datasheet §8.2.3.23; every one clears on read; the 36-bit octet
 * counters read low then high). Partly at the gigabit chips' offsets (GPRC, GORC, ...), partly
 * elsewhere (missed packets per packet buffer, per-queue counters), so the table is the 82599's
 * own. Per queue q in use: QPRC/QPTC (packets; the driver maps queue q to counter q through
 * RQSMR/TQSM) and QPRDC (frames dropped for lack of descriptors, SRRCTL.DROP_EN).
 */
final class IxgbeStats {
    private IxgbeStats() { }

    static final int CRCERRS = 0x4000, ILLERRC = 0x4004, ERRBC = 0x4008, MLFC = 0x4034, MRFC = 0x4038, RLEC = 0x4040,
            PRC64 = 0x405C, GPRC = 0x4074, BPRC = 0x4078, MPRC = 0x407C, GPTC = 0x4080, GORCL = 0x4088, GORCH = 0x408C,
            GOTCL = 0x4090, GOTCH = 0x4094, RUC = 0x40A4, RFC = 0x40A8, ROC = 0x40AC, RJC = 0x40B0, TORL = 0x40C0,
            TORH = 0x40C4, TPR = 0x40D0, TPT = 0x40D4, PTC64 = 0x40D8, MPTC = 0x40F0, BPTC = 0x40F4, MPC0 = 0x3FA0,
            LXONTXC = 0x3F60, LXOFFTXC = 0x3F68, LXONRXCNT = 0x41A4, LXOFFRXCNT = 0x41A8;

    static int qprc(int q) { return 0x1030 + 0x40 * q; }
    static int qprdc(int q) { return 0x1430 + 0x40 * q; }
    static int qptc(int q) { return 0x6030 + 0x40 * q; }

    private static final String[] SIZES = {"64", "65_to_127", "128_to_255", "256_to_511", "512_to_1023", "1024_to_max"};

    static Counters newCounters(int queues) {
        List<Counter> t = new ArrayList<>(List.of(
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
                Counter.of32("rx_crc_errors", CRCERRS),
                Counter.of32("rx_illegal_bytes", ILLERRC),
                Counter.of32("rx_error_bytes", ERRBC),
                Counter.of32("rx_local_faults", MLFC),
                Counter.of32("rx_remote_faults", MRFC),
                Counter.of32("rx_length_errors", RLEC),
                Counter.of32("rx_undersize", RUC),
                Counter.of32("rx_fragments", RFC),
                Counter.of32("rx_oversize", ROC),
                Counter.of32("rx_jabbers", RJC),
                Counter.of32("tx_xon", LXONTXC),
                Counter.of32("tx_xoff", LXOFFTXC),
                Counter.of32("rx_xon", LXONRXCNT),
                Counter.of32("rx_xoff", LXOFFRXCNT)));
        for (int i = 0; i < SIZES.length; i++) {
            t.add(Counter.of32("rx_size_" + SIZES[i], PRC64 + 4 * i));
            t.add(Counter.of32("tx_size_" + SIZES[i], PTC64 + 4 * i));
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
