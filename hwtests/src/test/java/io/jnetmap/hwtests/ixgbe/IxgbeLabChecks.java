package io.jnetmap.hwtests.ixgbe;

import io.jnetmap.hwtests.Binding;
import io.jnetmap.hwtests.MultiQueueLabChecks;
import io.jnetmap.intel.RssConfig;
import io.jnetmap.intel.gigabit.FlowControl;
import io.jnetmap.ixgbe.IxgbeAdapter;
import io.jnetmap.rings.NetmapPort;

import java.util.Map;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The multi-queue checklist on the lab's first 82599 port (p4, jnetmap's QEMU model) cabled to
 * the second (p5) run by Linux's ixgbe. Only in a lab started with {@code LAB_OWN_QEMU=1} (the
 * default lab has no 82599: the tests are skipped, saying so). Settings
 * {@code JNETMAP_IXGBE_FRAMES}, {@code JNETMAP_IXGBE_RINGS}, ...; figures in {@code ixgbe-lab.txt}.
 */
abstract class IxgbeLabChecks extends MultiQueueLabChecks<IxgbeAdapter> {
    /** 82599 datasheet §8.2.3.8/§8.2.3.9: RX queues 0-63 at 0x1000, TX at 0x6000, 0x40 apart. */
    static final Chip IXGBE = new Chip("ixgbe", "ixgbe", 0x1000, 0x6000, 0x40, "JNETMAP_IXGBE_", 30,
            "the lab has no 82599 pair (cable C exists only with LAB_OWN_QEMU=1: hwtests/lab/README.md)");

    IxgbeLabChecks(Binding.Kind kind) {
        super(IXGBE, kind, 0);
    }

    /**
     * Flow control on, as a user with Linux's ixgbe at the other end turns it on: Linux sends XOFF
     * when its buffer fills (its default is flow control both ways), and a port that ignores it has
     * its frames missed there (the first lab run: 73,924 of 200,000). With it on, our full queues
     * hold frames and the port pauses the peer rather than drop them.
     */
    @Override protected String extraConf() { return ",flow-control=" + (flowControl ? 1 : 0); }

    /** Whether the port is opened with 802.3x flow control (all checks but {@link #keepsReceivingAFloodWithFlowControlOff}). */
    boolean flowControl = true;

    /**
     * On our 82599 model every frame of the flood is delivered or counted by the chip (it never
     * refuses the wire, unlike QEMU's e1000e/igb queues): none may be lost before the chip.
     */
    @Override
    protected void assertFloodReceived(Flood r) {
        super.assertFloodReceived(r);
        assertEquals(0, r.lostBeforeChip(), "frames the peer sent that were neither delivered nor counted: " + r);
        assertEquals(flowControl ? FlowControl.FULL : FlowControl.NONE, adapter.flowControl());
    }

    /**
     * The full-speed phase with flow control off (our driver's default, DPDK's too): the port sends
     * no PAUSE, so Linux's ixgbe keeps sending at its full rate and what our rings cannot take is
     * dropped at the full queue (SRRCTL.DROP_EN, counted in QPRDC) or missed at the full packet
     * buffer (MPC). What a user sees: RX never stops, every frame the peer sent was delivered or
     * counted by the chip (none lost unseen), and after the flood RX goes on. The port is then opened
     * again with flow control on for the other checks.
     */
    @Test
    @Order(2)
    void keepsReceivingAFloodWithFlowControlOff() {
        flowControl = false;
        try {
            reopen();
            Flood r = receiveUnpacedFlood(FLOW_CONTROL_OFF_FLOOD, 60, 500, 300_000);
            report("RX %s full speed, flow control off: the chip dropped and counted %,d of %,d (%.0f%%)", kind, r.chipDrops, r.sent,
                    100.0 * r.chipDrops / Math.max(1, r.sent));
            assertFloodReceived(r);
        } finally {
            flowControl = true;
            reopen();
        }
    }

    /** Frames of the flow-control-off flood (JNETMAP_IXGBE_FC_OFF_FLOOD_FRAMES): a few seconds of the peer's full rate. */
    static final int FLOW_CONTROL_OFF_FLOOD = Integer.parseInt(envOr("JNETMAP_IXGBE_FC_OFF_FLOOD_FRAMES", "30000"));

    @Override protected int queues() { return adapter.queues(); }
    @Override protected RssConfig rss() { return adapter.rss(); }
    @Override protected boolean usesMsix() { return adapter.usesMsix(); }
    @Override protected String model() { return adapter.chip().model(); }
    @Override protected IxgbeAdapter adapterOf(NetmapPort port) { return (IxgbeAdapter) port.adapter(); }

    /** The 82599 counts each queue's frames in QPRC(q) (RQSMR maps queue q to counter q; clear on read, summed by the driver). */
    @Override
    protected String chipQueueView(int q, Map<String, Long> s0, Map<String, Long> s1, long delivered) {
        String k = "rx_queue_" + q + "_packets";
        long n = s1.get(k) - s0.get(k);
        assertEquals(delivered, n, "queue " + q + ": QPRC counted the frames the ring delivered");
        return "QPRC +" + n;
    }
}
