package io.jnetmap.r8169;

import io.jnetmap.nic.ChipRing;
import io.jnetmap.nic.DriverRingHarness;
import io.jnetmap.nic.DriverRingModel;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.nic.WirePeer;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue #10 §3: the r8169 driver's rings under random application behaviour, the RTL8168h model
 * as the wire ({@link DriverRingModel}). The chip has no head or tail registers: what it owns is
 * the run of OWN descriptors from where it stands, wrapping at EOR ({@link ChipRing#ownBits});
 * descriptor 0 belongs to the slot where the driver started the chip. The ring code is the same
 * for every version in the table (only the start-up differs), so one version is driven: the
 * 8168h, whose 64-bit DMA lets descriptors be checked against the region's addresses directly.
 */
class R8169RingProperties extends DriverRingHarness<R8169Model, R8169Adapter> {
    @Override
    protected WirePeer open() {
        RtlVersion v = R8169AdapterTest.v8168h();
        model = new R8169Model(v, R8169AdapterTest.MAC);
        dev = new ModelDevice(model, R8169AdapterTest.pciId(v), R8169AdapterTest.ADDRESS, "MSI");
        adapter = R8169Adapter.open(dev, R8169AdapterTest.config());
        model.dmaCheck = DriverRingModel.netmapBuffers(adapter.region());
        port = bind("netmap:" + R8169AdapterTest.ADDRESS);
        model.holdTx = true;
        model.logWrites = false;
        return new Wire(model, adapter);
    }

    @Override
    protected void checkModel() {
        assertEquals(0, model.lockedBaseWrites, "descriptor bases written only with Cfg9346 unlocked");
        assertEquals(0, model.txProtocolErrors, "every TX packet FS..LS, no empty descriptor");
    }

    /** The RTL8168h model as the far end of the cable; it records DMA outside the netmap buffers. */
    private record Wire(R8169Model m, R8169Adapter a) implements WirePeer, DriverRingModel.DmaChecked {
        @Override public void transmit() { m.processTx(); }
        @Override public int wireFrames() { return m.wire.size(); }
        @Override public byte[] wireFrame(int i) { return m.wire.get(i); }
        @Override public void offer(byte[] frame) { m.receive(frame); }
        @Override public void link(boolean up) { m.setLink(up); }
        @Override public ChipRing txRing() { return m.txRing(a.txRing().kring().numSlots(), a.txRing()::slotOfDescriptor0); }
        @Override public ChipRing rxRing() { return m.rxRing(a.rxRing().kring().numSlots(), a.rxRing()::slotOfDescriptor0); }
        @Override public List<String> dmaViolations() { return m.dmaViolations; }
    }
}
