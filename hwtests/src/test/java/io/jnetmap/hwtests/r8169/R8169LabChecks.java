package io.jnetmap.hwtests.r8169;

import io.jnetmap.hwtests.Binding;
import io.jnetmap.hwtests.PeerPort;
import io.jnetmap.hwtests.SingleQueueLabChecks;
import io.jnetmap.r8169.R8169Adapter;
import io.jnetmap.r8169.RtlRegs;
import io.jnetmap.sys.OffHeapBuffer;

import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The single-queue lab checklist ({@link SingleQueueLabChecks}) on the lab's RTL8168h (our model on
 * wire D), cabled to the other RTL8168h run by Linux's r8169. Fewer frames than on the e1000e
 * ({@code JNETMAP_R8169_FRAMES}, default 20,000 each way; a flood of 20,000), for the lab's time:
 * the procedure and its checks are the same, full speed included.
 * <p>
 * What differs from an Intel chip: no tail registers (the chip walks the descriptors it owns; a
 * TxPoll write is the TX doorbell, counted by the driver), a tally block that counts frames but not
 * octets, and its error counter {@code rx_errors}.
 */
abstract class R8169LabChecks extends SingleQueueLabChecks<R8169Adapter> {

    R8169LabChecks(Binding.Kind kind, int nicIndex) {
        super(kind, nicIndex, "r8169", R8169Adapter.class, 20_000, 20_000, 20);
    }

    /**
     * Our RTL8168 model drops a frame at a full RX ring and counts it in the tally's rx_missed, as silicon
     * does, unless 802.3x pause was negotiated (then it holds the sender as PAUSE would). This driver advertises
     * no pause (flow control off by default), so the flood is not held back: every frame the peer sent is
     * delivered or counted by the chip, none lost before it, nothing wedged (the late frames, checked above).
     */
    @Override
    protected void assertFloodReceived(Flood r) {
        super.assertFloodReceived(r);
        assertEquals("off", adapter.flowControl(), "PHYstatus: no pause resolved (this driver advertises none)");
        assertEquals(r.sent, r.received + r.others + r.chipDrops,
                "sent = received + dropped and counted by the chip (rx_missed): " + r);
    }

    @Override
    protected String describeChip() { return adapter.chip().model() + " (Linux RTL_GIGA_MAC_VER_" + adapter.version().linuxVersion() + ")"; }

    @Override
    protected OffHeapBuffer txDescriptors() { return adapter.txRing().memory().buffer(); }

    @Override
    protected OffHeapBuffer rxDescriptors() { return adapter.rxRing().memory().buffer(); }

    /** TxPoll writes (the register reads back nothing useful): the driver's count of kicks. */
    @Override
    protected long txDoorbell() { return adapter.txRing().kicks(); }

    @Override
    protected OptionalLong rxTail() { return OptionalLong.empty(); }

    @Override
    protected boolean chipCountsOctets() { return false; }

    @Override
    protected String rxErrorCounter() { return "rx_errors"; }

    /** The port's view of the RX ring, the descriptors at hwtail and at the chip's start, the interrupt registers and the peer's. */
    @Override
    protected String rxStallReport(PeerPort.Sender snd) {
        OffHeapBuffer d = rxDescriptors();
        int n = rx.numSlots(), base = adapter.rxRing().slotOfDescriptor0();
        int hwtail = adapter.rxKring(0).hwtail(), atTail = Math.floorMod(hwtail - base, n);
        return String.format("ring head %d cur %d tail %d, kring hwcur %d hwtail %d; descriptor 0 is slot %d; opts1 at hwtail 0x%x;"
                        + " IntrStatus/IntrMask 0x%x/0x%x; ChipCmd 0x%x; sender %s; peer %s", rx.head(), rx.cur(), rx.tail(),
                adapter.rxKring(0).hwcur(), hwtail, base, d.getIntAcquire(atTail * 16),
                adapter.registers().read16(RtlRegs.INTR_STATUS), adapter.registers().read16(RtlRegs.INTR_MASK),
                adapter.registers().read8(RtlRegs.CHIP_CMD), snd.output().replace('\n', ' '), peer.counters());
    }
}
