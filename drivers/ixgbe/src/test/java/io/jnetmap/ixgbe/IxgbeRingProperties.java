package io.jnetmap.ixgbe;

import io.jnetmap.nic.ChipRing;
import io.jnetmap.nic.DriverRingHarness;
import io.jnetmap.nic.DriverRingModel;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.nic.WirePeer;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue #10 §3: the ixgbe driver's rings under random application behaviour, the 82599 model as the wire ({@link DriverRingModel}). */
class IxgbeRingProperties extends DriverRingHarness<Ixgbe82599Model, IxgbeAdapter> {
    @Override
    protected WirePeer open() {
        model = new Ixgbe82599Model(IxgbeAdapterTest.MAC);
        dev = new ModelDevice(model, IxgbeAdapterTest.KX4, IxgbeAdapterTest.ADDRESS, "MSIX");
        adapter = IxgbeAdapter.open(dev, IxgbeAdapterTest.config().withQueues(1));
        model.dmaCheck = io.jnetmap.nic.DriverRingModel.netmapBuffers(adapter.region());
        port = bind("netmap:" + IxgbeAdapterTest.ADDRESS);
        model.holdTx = true;
        model.logWrites = false;
        return new Wire(model);
    }

    @Override
    protected void checkModel() {
        assertEquals(List.of(), model.protocolErrors);
    }

    /** The 82599 model as the far end of the cable; it records DMA outside the netmap buffers. */
    private record Wire(Ixgbe82599Model m) implements WirePeer, DriverRingModel.DmaChecked {
        @Override public void transmit() { m.processTx(0); }
        @Override public int wireFrames() { return m.wire.size(); }
        @Override public byte[] wireFrame(int i) { return m.wire.get(i).frame(); }
        @Override public void offer(byte[] frame) { m.receive(frame); }
        @Override public void link(boolean up) { m.setCable(up); }
        @Override public ChipRing txRing() { return m.txRing(0); }
        @Override public ChipRing rxRing() { return m.rxRing(0); }
        @Override public List<String> dmaViolations() { return m.dmaViolations; }
    }
}
