package io.jnetmap.igb;

import io.jnetmap.intel.gigabit.FlowControl;
import io.jnetmap.intel.gigabit.GigabitAdapter;
import io.jnetmap.nic.MiiPhy;
import io.jnetmap.nic.ModelAdapterHarness;
import io.jnetmap.nic.NicDevice;
import io.jnetmap.pci.PciException;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.nic.TestFrames;
import io.jnetmap.nic.TxLinkLossCheck;
import io.jnetmap.pci.PciId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static io.jnetmap.igb.IgbRegs.*;
import static io.jnetmap.igb.Packets.*;
import static io.jnetmap.intel.gigabit.GigabitRegs.*;
import static org.junit.jupiter.api.Assertions.*;

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

    // ------------------------------------------------------------------ 2. PHY power-down

    @Test
    void aPhyPoweredDownByThePreviousOwnerIsPoweredUpAndResetBeforeAutonegotiation() {
        model = new Igb82576Model(MAC);
        model.phy.write(MiiPhy.BMCR, 0x1140 | MiiPhy.BMCR_PDOWN); // Linux released the port
        model.write32(CTRL, CTRL_RST);
        model.reset();                                              // and a function reset
        assertTrue(model.phy.poweredDown(), "neither a MAC nor a function reset powers the PHY up");
        open(config(), "MSIX");
        assertFalse(model.phy.poweredDown());
        assertTrue(adapter.linkUp(), "the link came up after autonegotiation");
    }

    // ------------------------------------------------------------------ 3. media

    @Test
    void serdesFiberAndSgmiiPartsAreRefusedBeforeAnyRegisterIsTouched() {
        model = new Igb82576Model(MAC);
        dev = new ModelDevice(model, new PciId(0x8086, 0x1523), ADDRESS, "MSIX");
        model.writes.clear();
        PciException e = assertThrows(PciException.class, () -> IgbAdapter.open(dev, config()));
        assertTrue(e.getMessage().contains("I350 SerDes") && e.getMessage().contains("copper links only"), e.getMessage());
        assertTrue(model.writes.isEmpty(), "no register was touched");
        assertTrue(dev.isClosed());
        assertTrue(new IgbProvider().recognises(new PciId(0x8086, 0x1523)), "opening it by name reaches this refusal");
        assertFalse(new IgbProvider().recognises(new PciId(0x8086, 0x10d3)));
    }

    // ------------------------------------------------------------------ 4. SW/FW semaphore, LAN ID

    @Test
    void phyAccessHoldsTheSoftwareFirmwareSemaphoreAndGivesItBack() {
        open(config(), "MSIX");
        assertEquals(0, model.mdicRefused, "every MDIC access held the PHY semaphore");
        assertEquals(0, model.get(SW_FW_SYNC), "the PHY semaphore is given back");
        assertEquals(0, model.get(SWSM) & (SWSM_SMBI | SWSM_SWESMBI), "SWSM released");
    }

    @Test
    void firmwareHoldingThePhyIsWaitedFor() throws Exception {
        model = new Igb82576Model(MAC);
        model.firmwareSync = SW_FW_PHY[0] << SW_FW_FW_SHIFT;
        Thread fw = new Thread(() -> {
            try { Thread.sleep(150); } catch (InterruptedException ignored) { }
            model.firmwareSync = 0;
        });
        fw.start();
        open(config(), "MSIX");
        fw.join();
        assertEquals(0, model.mdicRefused);
        assertTrue(adapter.linkUp());
    }

    @Test
    void lanIdNotPciFunctionPicksCfgDoneAndThePhySemaphore() {
        model = new Igb82576Model(MAC);
        model.lanId = 1; // function 0 of the bus, but the chip's port 1
        open(config(), "MSIX");
        assertEquals(1, adapter.lanId());
        assertEquals(0, model.mdicRefused, "PHY1's semaphore bit taken");
        assertTrue(model.eemngctlReads <= 2, "CFG_DONE of port 1 found at once, not waited for on port 0's bit ("
                + model.eemngctlReads + " reads)");
    }

    // ------------------------------------------------------------------ 5. flow control

    @Test
    void flowControlIsOffByDefault() {
        open(config(), "MSIX");
        assertEquals(0, model.phy.read(MiiPhy.ANAR) & (ANAR_PAUSE | ANAR_ASM_DIR), "no pause advertised");
        assertEquals(0, model.get(CTRL) & (CTRL_RFCE | CTRL_TFCE));
        assertEquals(FlowControl.NONE, adapter.flowControl());
    }

    @Test
    void flowControlOnResolvesWithThePartnerAfterLinkUp() {
        model = new Igb82576Model(MAC);
        model.phy.partnerAbility = 0x01E1 | ANAR_ASM_DIR; // the partner only sends PAUSE
        open(config().withFlowControl(true), "MSIX");
        assertEquals(FlowControl.RECEIVE, adapter.flowControl());
        assertEquals(CTRL_RFCE, model.get(CTRL) & (CTRL_RFCE | CTRL_TFCE));
        int high = model.get(FCRTH);
        assertTrue(high > 0 && high <= 64 * 1024 - IgbConfig.MAX_FRAME, "high water " + high);
        assertEquals(high - 8, model.get(FCRTL) & 0xFFFF);
        assertEquals(0xFFFF, model.get(FCTTV));
    }

    // ------------------------------------------------------------------ 7. smaller

    @Test
    void completionTimeoutIsSetInDeviceControl2OnAVersion2Capability() {
        open(config(), "MSIX");
        assertEquals(DEVCTL2_CMPL_TMOUT_16MS, dev.get16(ModelDevice.PCIE_CAP + NicDevice.PCIE_DEVICE_CONTROL2) & 0xF);
        assertEquals(0, model.get(GCR) & GCR_CMPL_TMOUT_RESEND, "no resend on a completion timeout");
    }

    @Test
    void completionTimeoutIsSetInGcrOnAVersion1Capability() {
        model = new Igb82576Model(MAC);
        model.capVer2 = false;
        model.reset();
        open(config(), "MSIX");
        assertEquals(GCR_CMPL_TMOUT_10MS, model.get(GCR) & GCR_CMPL_TMOUT_MASK);
    }

    @Test
    void everyReceiveAddressOfThe82576ButTheFirstIsCleared() {
        model = new Igb82576Model(MAC);
        for (int i : new int[] {1, 15, 16, 23}) {
            model.put(GigabitAdapter.receiveAddressLow(i), 0x33221100 + i);
            model.put(GigabitAdapter.receiveAddressLow(i) + 4, RAH_AV | 0x5544);
        }
        open(config(), "MSIX");
        for (int i = 1; i < 24; i++)
            assertEquals(0, model.get(GigabitAdapter.receiveAddressLow(i) + 4) & RAH_AV, "RAR " + i + " invalid");
        assertEquals(-1, model.lastWrite(GigabitAdapter.receiveAddressLow(24) + 4), "no RAR 24 on the 82576");
        assertNotEquals(0, model.get(RAH0) & RAH_AV);
    }

    @Test
    void anI350HasItsRar31ClearedAndOnlyFourIvarRegistersWritten() {
        model = new Igb82576Model(MAC);
        dev = new ModelDevice(model, new PciId(0x8086, 0x1521), ADDRESS, "MSIX");
        adapter = IgbAdapter.open(dev, config().withQueues(8));
        port = bind("netmap:" + ADDRESS);
        assertNotEquals(-1, model.lastWrite(GigabitAdapter.receiveAddressLow(31) + 4, -1, 0), "RAR 31 invalidated");
        assertEquals(-1, model.lastWrite(GigabitAdapter.receiveAddressLow(32) + 4));
        for (int i = 4; i < 8; i++) assertEquals(0, model.countWrites(IVAR0 + 4 * i), "no IVAR " + i + " on the I350");
        assertNotEquals(0, model.countWrites(IVAR0 + 4 * 3));
    }
}
