package io.jnetmap.igb;

import io.jnetmap.nic.ModelAdapterHarness;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.nic.TestFrames;
import io.jnetmap.nic.TxLinkLossCheck;
import io.jnetmap.pci.PciId;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static io.jnetmap.igb.Packets.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The igb driver against an 82576 model that behaves like the silicon where QEMU's model is
 * lenient (issue 11): transmit DMA stops while the link is down, the PHY may be powered down, ...
 */
class IgbSiliconTest extends ModelAdapterHarness<Igb82576Model, IgbAdapter> {
    static final String ADDRESS = "0000:00:05.0";
    static final PciId I82576 = new PciId(0x8086, 0x10c9);

    static IgbConfig config() { return IgbConfig.defaults().withSlots(64, 64).withQueues(2).withLinkWait(100); }

    void open(IgbConfig cfg, String interruptMode) {
        if (model == null) model = new Igb82576Model(MAC);
        dev = new ModelDevice(model, I82576, ADDRESS, interruptMode);
        adapter = IgbAdapter.open(dev, cfg);
        port = bind("netmap:" + ADDRESS);
    }

    @Override
    protected void checkModel() {
        assertEquals(List.of(), model.protocolErrors);
    }

    List<Integer> wire() {
        synchronized (model) {
            List<Integer> s = new ArrayList<>();
            for (Igb82576Model.Sent f : model.wire) s.add(TestFrames.seq(f.frame()));
            return s;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"MSIX", "MSI", "none"})
    void linkLossGivesPendingSlotsBackAndNothingStaleLeavesAfterTheReplug(String mode) throws Exception {
        open(config().withInterrupts(!mode.equals("none")), mode.equals("none") ? "MSIX" : mode);
        TxLinkLossCheck.run(adapter, port, seq -> numbered(PEER, seq, 80), model::setCable, this::wire);
    }
}
