package io.jnetmap.e1000e;

import io.jnetmap.nic.ModelAdapterHarness;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.nic.TestFrames;
import io.jnetmap.nic.TxLinkLossCheck;
import io.jnetmap.pci.PciId;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static io.jnetmap.e1000e.Frames.*;

/**
 * The e1000e driver against an 82574L model that behaves like the silicon where QEMU's model is
 * lenient (issue 11): transmit DMA stops while the link is down, the PHY may be powered down, ...
 */
class E1000eSiliconTest extends ModelAdapterHarness<E1000eModel, E1000eAdapter> {
    static final String ADDRESS = "0000:00:04.0";
    static final PciId I82574L = new PciId(0x8086, 0x10d3);

    void open(E1000eConfig cfg, String interruptMode) {
        if (model == null) model = new E1000eModel(MAC);
        dev = new ModelDevice(model, I82574L, ADDRESS, interruptMode);
        adapter = E1000eAdapter.open(dev, cfg);
        port = bind("netmap:" + ADDRESS);
    }

    static E1000eConfig config() { return E1000eConfig.defaults().withSlots(64, 64).withLinkWait(100); }

    /** The wire's frames by sequence number. */
    List<Integer> wire() {
        synchronized (model) {
            List<Integer> s = new ArrayList<>();
            for (byte[] f : model.wire) s.add(TestFrames.seq(f));
            return s;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"MSIX", "INTX", "none"})
    void linkLossGivesPendingSlotsBackAndNothingStaleLeavesAfterTheReplug(String mode) throws Exception {
        open(config().withInterrupts(!mode.equals("none")), mode.equals("none") ? "MSIX" : mode);
        TxLinkLossCheck.run(adapter, port, seq -> numbered(seq, 80), model::setLink, this::wire);
    }
}
