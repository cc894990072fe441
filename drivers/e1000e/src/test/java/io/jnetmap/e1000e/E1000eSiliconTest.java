package io.jnetmap.e1000e;

import io.jnetmap.intel.gigabit.FlowControl;
import io.jnetmap.intel.gigabit.GigabitAdapter;
import io.jnetmap.nic.MiiPhy;
import io.jnetmap.nic.ModelAdapterHarness;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.nic.TestFrames;
import io.jnetmap.nic.TxLinkLossCheck;
import io.jnetmap.pci.PciId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static io.jnetmap.e1000e.E1000eRegs.*;
import static io.jnetmap.e1000e.Frames.*;
import static io.jnetmap.intel.gigabit.GigabitRegs.*;
import static org.junit.jupiter.api.Assertions.*;

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

    // ------------------------------------------------------------------ 2. PHY power-down

    @Test
    void aPhyPoweredDownByThePreviousOwnerIsPoweredUpAndResetBeforeAutonegotiation() {
        model = new E1000eModel(MAC);
        model.phy.write(MiiPhy.BMCR, 0x1140 | MiiPhy.BMCR_PDOWN); // Linux released the port
        model.write32(CTRL, CTRL_RST);
        assertTrue(model.phy.poweredDown(), "a MAC reset leaves the PHY powered down");
        open(config(), "MSIX");
        assertFalse(model.phy.poweredDown(), "powered up");
        assertTrue(adapter.linkUp(), "the link came up after autonegotiation");
        int powerUp = model.firstWrite(MDIC, MDIC_OP_WRITE | (0x1f << MDIC_REG_SHIFT) | BMCR_PDOWN | BMCR_RESET,
                MDIC_OP_WRITE | (PHY_BMCR << MDIC_REG_SHIFT));
        int reset = model.firstWrite(MDIC, MDIC_OP_WRITE | (0x1f << MDIC_REG_SHIFT) | BMCR_RESET,
                MDIC_OP_WRITE | (PHY_BMCR << MDIC_REG_SHIFT) | BMCR_RESET);
        int autoneg = model.firstWrite(MDIC, MDIC_OP_WRITE | (0x1f << MDIC_REG_SHIFT) | BMCR_ANRESTART,
                MDIC_OP_WRITE | (PHY_BMCR << MDIC_REG_SHIFT) | BMCR_ANRESTART);
        assertTrue(powerUp >= 0 && powerUp < reset && reset < autoneg, "power up, PHY reset, then autonegotiation");
    }

    // ------------------------------------------------------------------ 5. flow control

    @Test
    void flowControlIsOffByDefault() {
        open(config(), "MSIX");
        assertEquals(0, model.phy.read(MiiPhy.ANAR) & (ANAR_PAUSE | ANAR_ASM_DIR), "no pause advertised");
        assertEquals(0, model.get(CTRL) & (CTRL_RFCE | CTRL_TFCE), "PAUSE neither honoured nor sent");
        assertEquals(0, model.get(FCRTH));
        assertEquals(FlowControl.NONE, adapter.flowControl());
    }

    @ParameterizedTest
    @CsvSource({"0x0C00, FULL", "0x0800, RECEIVE", "0x0000, NONE", "0x0400, FULL"})
    void flowControlOnResolvesWithThePartnerAfterLinkUp(String partner, FlowControl want) {
        model = new E1000eModel(MAC);
        model.phy.partnerAbility = 0x01E1 | Integer.decode(partner);
        open(config().withFlowControl(true), "MSIX");
        assertEquals(ANAR_PAUSE | ANAR_ASM_DIR, model.phy.read(MiiPhy.ANAR) & (ANAR_PAUSE | ANAR_ASM_DIR));
        assertEquals(want, adapter.flowControl());
        assertEquals(want.ctrlBits, model.get(CTRL) & (CTRL_RFCE | CTRL_TFCE));
        assertEquals(FCAL_PAUSE, model.get(FCAL));
        assertEquals(FCAH_PAUSE, model.get(FCAH));
        assertEquals(FCT_PAUSE, model.get(FCT));
        assertEquals(0xFFFF, model.get(FCTTV));
        int high = model.get(FCRTH), low = model.get(FCRTL);
        assertTrue(high > 0 && high <= 20 * 1024 - 9018 && high % 8 == 0, "high water " + high + " leaves room for a frame");
        assertEquals(high - 8, low & 0xFFFF);
        assertNotEquals(0, low & FCRTL_XONE);
    }

    @Test
    void flowControlResolutionFollowsAnnex28B() {
        int p = ANAR_PAUSE, a = ANAR_ASM_DIR;
        assertEquals(FlowControl.FULL, FlowControl.resolve(p | a, p, true));
        assertEquals(FlowControl.FULL, FlowControl.resolve(p, p | a, true));
        assertEquals(FlowControl.TRANSMIT, FlowControl.resolve(a, p | a, true));
        assertEquals(FlowControl.NONE, FlowControl.resolve(a, p, true));
        assertEquals(FlowControl.RECEIVE, FlowControl.resolve(p | a, a, true));
        assertEquals(FlowControl.NONE, FlowControl.resolve(p, a, true));
        assertEquals(FlowControl.NONE, FlowControl.resolve(p | a, p | a, false), "half duplex: none");
    }

    // ------------------------------------------------------------------ 6. 82574 errata

    @Test
    void aspmL0sAndL1AreDisabledInTheLinkControlRegister() {
        model = new E1000eModel(MAC);
        dev = new ModelDevice(model, I82574L, ADDRESS, "MSIX");
        int lnkctl = ModelDevice.PCIE_CAP + io.jnetmap.nic.NicDevice.PCIE_LINK_CONTROL;
        assertEquals(3, dev.get16(lnkctl) & 3, "the BIOS left L0s and L1 on");
        adapter = E1000eAdapter.open(dev, config());
        port = bind("netmap:" + ADDRESS);
        assertEquals(0, dev.get16(lnkctl) & 3, "ASPM L0s and L1 off");
    }

    @Test
    void theOtherCauseHandlerRaisesQueueCausesItReadAgain() {
        open(config(), "MSIX");
        assertTrue(adapter.usesMsix());
        adapter.armWakeCauses(ICR_RXQ0);        // a thread waits for RX queue 0
        model.holdQueueMessages = true;         // its message is held (throttled) while...
        assertTrue(model.receive(0, toUs(1, 64)));
        model.raise(ICR_LSC);                   // ...the other vector fires and is serviced
        adapter.serviceVector(2);
        long sent = model.interruptsSent;
        model.releaseQueueMessages();
        assertTrue(model.interruptsSent > sent, "RX queue 0's interrupt still went out after the other-cause handler read ICR");
    }

    // ------------------------------------------------------------------ 7. receive addresses

    @Test
    void everyReceiveAddressButTheFirstIsCleared() {
        model = new E1000eModel(MAC);
        for (int i : new int[] {1, 5, 15}) { // a previous owner's entries survive the reset
            model.put(GigabitAdapter.receiveAddressLow(i), 0x33221100 + i);
            model.put(GigabitAdapter.receiveAddressLow(i) + 4, RAH_AV | 0x5544);
        }
        open(config(), "MSIX");
        for (int i = 1; i < 16; i++)
            assertEquals(0, model.get(GigabitAdapter.receiveAddressLow(i) + 4) & RAH_AV, "RAR " + i + " invalid");
        assertNotEquals(0, model.get(RAH0) & RAH_AV, "RAR0 keeps the port's MAC");
    }
}
