package io.jnetmap.hwtests.e1000e;

import io.jnetmap.e1000e.E1000eAdapter;
import io.jnetmap.hwtests.Binding;
import io.jnetmap.hwtests.PeerPort;
import io.jnetmap.hwtests.SingleQueueLabChecks;
import io.jnetmap.intel.gigabit.GigabitRegs;
import io.jnetmap.sys.OffHeapBuffer;

import java.util.OptionalLong;

/**
 * The single-queue lab checklist ({@link SingleQueueLabChecks}) on an e1000e NIC (82574L), cabled
 * to an igb run by Linux: 200,000 frames each way ({@code JNETMAP_E1000E_FRAMES}), a flood of 100,000.
 */
abstract class E1000eLabChecks extends SingleQueueLabChecks<E1000eAdapter> {

    E1000eLabChecks(Binding.Kind kind, int nicIndex) {
        super(kind, nicIndex, "e1000e", E1000eAdapter.class, 200_000, 100_000, 10);
    }

    @Override
    protected String describeChip() { return adapter.chip().model() + ", MSI-X " + adapter.usesMsix(); }

    @Override
    protected OffHeapBuffer txDescriptors() { return adapter.txRing(0).memory().buffer(); }

    @Override
    protected OffHeapBuffer rxDescriptors() { return adapter.rxRing(0).memory().buffer(); }

    @Override
    protected long txDoorbell() { return adapter.registers().read32(GigabitRegs.TDT); }

    @Override
    protected OptionalLong rxTail() { return OptionalLong.of(adapter.registers().read32(GigabitRegs.RDT)); }

    /** The port's and the chip's view of the RX ring, and the peer's, for a stall message. */
    @Override
    protected String rxStallReport(PeerPort.Sender snd) {
        OffHeapBuffer d = rxDescriptors();
        int rdh = adapter.registers().read32(GigabitRegs.RDH), rdt = adapter.registers().read32(GigabitRegs.RDT);
        return String.format("ring head %d cur %d tail %d, kring hwcur %d hwtail %d; chip RDH %d RDT %d, status at RDH 0x%x,"
                        + " at hwtail 0x%x; ICR/IMS 0x%x/0x%x; sender %s; peer %s", rx.head(), rx.cur(), rx.tail(),
                adapter.rxKring(0).hwcur(), adapter.rxKring(0).hwtail(), rdh, rdt, d.getIntAcquire(rdh * 16 + 8),
                d.getIntAcquire(adapter.rxKring(0).hwtail() * 16 + 8), adapter.registers().read32(GigabitRegs.ICS),
                adapter.registers().read32(GigabitRegs.IMS), snd.output().replace('\n', ' '), peer.counters());
    }
}
