package io.jnetmap.e1000e;

import io.jnetmap.nic.ChipRing;
import io.jnetmap.nic.DriverRingHarness;
import io.jnetmap.nic.DriverRingModel;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.nic.WirePeer;

import static io.jnetmap.e1000e.Frames.MAC;

/** Issue #10 §3: the e1000e driver's rings under random application behaviour, the 82574L model as the wire ({@link DriverRingModel}). */
class E1000eRingProperties extends DriverRingHarness<E1000eModel, E1000eAdapter> {
    @Override
    protected WirePeer open() {
        model = new E1000eModel(MAC);
        dev = new ModelDevice(model, E1000eAdapterTest.I82574L, E1000eAdapterTest.ADDRESS, "MSIX");
        adapter = E1000eAdapter.open(dev, E1000eAdapterTest.config());
        port = bind("netmap:" + E1000eAdapterTest.ADDRESS);
        model.holdTx = true;
        model.logWrites = false;
        E1000eModel m = model;
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
