package io.jnetmap.e1000e;

import io.jnetmap.nic.ChipRing;
import io.jnetmap.nic.DriverRingModel;
import io.jnetmap.nic.ModelAdapterHarness;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.nic.WirePeer;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;

import static io.jnetmap.e1000e.Frames.MAC;

/**
 * Issue #10 §3: the e1000e driver's rings under random application behaviour against the 82574L
 * model as the wire ({@link DriverRingModel}): 100 runs of 1,000 steps.
 */
class E1000eRingProperties extends ModelAdapterHarness<E1000eModel, E1000eAdapter> {
    static final int STEPS = 1000;

    @Provide
    Arbitrary<List<DriverRingModel.Move>> moves() { return DriverRingModel.moves(STEPS); }

    @Property(tries = 100, edgeCases = EdgeCasesMode.NONE) // every try plays all 1,000 steps: 100,000 per run
    void ringsHoldUnderAnyApplication(@ForAll("moves") List<DriverRingModel.Move> moves) {
        eachTry(() -> {
            model = new E1000eModel(MAC);
            dev = new ModelDevice(model, E1000eAdapterTest.I82574L, E1000eAdapterTest.ADDRESS, "MSIX");
            adapter = E1000eAdapter.open(dev, E1000eAdapterTest.config());
            port = bind("netmap:" + E1000eAdapterTest.ADDRESS);
            model.holdTx = true; // the chip sends when a move says so
            model.logWrites = false;
            new DriverRingModel(port, adapter, peer(model)).play(moves);
        });
    }

    static WirePeer peer(E1000eModel m) {
        return new WirePeer() {
            @Override public void transmit() { m.processTx(0); }
            @Override public int wireFrames() { return m.wire.size(); }
            @Override public byte[] wireFrame(int i) { return m.wire.get(i); }
            @Override public void offer(byte[] frame) { m.receive(0, frame); }
            @Override public void link(boolean up) { m.setLink(up); }
            @Override public ChipRing txRing() { return m.txRing(0); }
            @Override public ChipRing rxRing() { return m.rxRing(0); }
        };
    }
}
