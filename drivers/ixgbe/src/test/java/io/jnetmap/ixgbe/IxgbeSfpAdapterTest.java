package io.jnetmap.ixgbe;

import io.jnetmap.intel.IntelException;
import io.jnetmap.intel.SwFwSemaphore;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.nic.NicRegion;
import io.jnetmap.pci.PciId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.jnetmap.ixgbe.Ixgbe82599Model.*;
import static io.jnetmap.nic.TestFrames.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The X520 (82599ES SFP+, 8086:10FB) with a 10GBASE-SR module in its cage: every ixgbe case
 * (rings, RSS, interrupts, flow control, cable pull, close and reopen) runs on it as on the
 * backplane part, plus the SFP+ link path: the module read over I2C, the laser lit through SDP3
 * before the link and dark after close, an empty cage and modules the driver cannot drive refused
 * at open with the laser never lit.
 */
class IxgbeSfpAdapterTest extends IxgbeAdapterTest {
    static final PciId X520 = new PciId(0x8086, 0x10FB);

    @Override PciId deviceId() { return X520; }

    /** An X520 whose previous owner, Linux's ixgbe, went down and left the laser dark (ESDP.SDP3 high survives the reset). */
    @Override Ixgbe82599Model newModel() { return darkened(Ixgbe82599Model.sfp(MAC, SfpCageModel.sr())); }

    static Ixgbe82599Model darkened(Ixgbe82599Model m) {
        m.write32(ESDP, m.get(ESDP) | SDP3);
        m.writes.clear();
        assertFalse(m.laserOn());
        return m;
    }

    /** Opens the SFP+ part {@code id} with {@code module} (null: an empty cage) in the cage. */
    void openSfp(int id, byte[] module) {
        model = darkened(Ixgbe82599Model.sfp(MAC, module));
        dev = new ModelDevice(model, new PciId(0x8086, id), ADDRESS, "MSIX");
        adapter = IxgbeAdapter.open(dev, config());
        port = bind("netmap:" + ADDRESS);
    }

    @ParameterizedTest
    @ValueSource(ints = {0x10FB, 0x1507, 0x154D, 0x1557})
    void anSrModuleIsReadTheLaserLitAndTheLinkCarriesFramesBothWays(int id) {
        openSfp(id, SfpCageModel.sr());
        assertEquals(IxgbeChip.Media.SFP, adapter.chip().media());
        SfpModule m = adapter.sfpModule().orElseThrow();
        assertEquals(SfpModule.Kind.SR, m.kind());
        assertEquals("Intel Corp", m.vendor());
        assertEquals("FTLX8571D3BCV-IT", m.partNumber());
        assertTrue(model.laserOn(), "TX_DISABLE released");
        assertNotEquals(0, model.get(ESDP) & SDP3_DIR, "SDP3 left an output, as the NVM made it");
        assertEquals(3, model.get(AUTOC) >>> 13 & 7, "AUTOC.LMS 10 GbE serial");
        assertEquals(2 << 16, model.get(AUTOC2) & 3 << 16, "AUTOC2 serial PMA/PMD SFI");
        int module = model.firstWrite(I2CCTL, 0, 0), laser = model.lastWrite(ESDP, SDP3, 0),
                an = model.lastWrite(AUTOC, 1 << 12, 1 << 12);
        assertTrue(module >= 0 && module < laser && laser < an, "the module read, then the laser lit, then AN restarted");
        assertTrue(adapter.linkUp());
        assertEquals(10_000, adapter.linkSpeedMbps());

        put(port.txRing(0), numbered(PEER, 1, 60));
        port.txsync();
        assertEquals(1, model.wire.size());
        assertArrayEquals(numbered(PEER, 1, 60), model.wire.get(0).frame());
        receive(numbered(MAC, 2, 60));
        port.rxsync();
        assertEquals(2, getInt(take(port.rxRing(0)), 14));
        checkModel();
    }

    @ParameterizedTest
    @ValueSource(strings = {"lr", "passiveCopper"})
    void lrOpticsAndDirectAttachCopperLinkToo(String kind) {
        byte[] module = kind.equals("lr") ? SfpCageModel.lr() : SfpCageModel.passiveCopper();
        openSfp(0x10FB, module);
        assertEquals(kind.equals("lr") ? SfpModule.Kind.LR : SfpModule.Kind.DA_PASSIVE, adapter.sfpModule().orElseThrow().kind());
        assertTrue(adapter.linkUp());
        checkModel();
    }

    @Test
    void anActiveCableNeedsTheLimitingSpecAndOthersAreClassedAsLinuxDoes() {
        byte[] active = SfpCageModel.module(0, 0, 0x08, "Molex", "74752-1101");
        assertEquals(SfpModule.Kind.UNKNOWN, kindOf(active), "active cable without SFF-8431 limiting compliance");
        active[60] = 0x04;
        assertEquals(SfpModule.Kind.DA_ACTIVE, kindOf(active));
        byte[] both = SfpCageModel.module(0x10, 0, 0x04, "x", "y");
        assertEquals(SfpModule.Kind.DA_PASSIVE, kindOf(both), "the cable technology first");
        assertEquals(SfpModule.Kind.ONE_GIGABIT, kindOf(SfpCageModel.oneGigSx()));
        byte[] qsfp = SfpCageModel.sr();
        qsfp[0] = 0x0D;
        assertEquals(SfpModule.Kind.NOT_SFP, kindOf(qsfp));
    }

    /** The driver's reading of a module, through the model's I2C bus alone. */
    static SfpModule.Kind kindOf(byte[] module) {
        Ixgbe82599Model m = Ixgbe82599Model.sfp(MAC, module);
        io.jnetmap.nic.Registers regs = new io.jnetmap.nic.Registers() {
            @Override public int read32(int off) { return m.read32(off); }
            @Override public void write32(int off, int v) { m.write32(off, v); }
        };
        SfpModule read = SfpModule.read(new SfpI2c(regs,
                new SwFwSemaphore(regs, IxgbeRegs.SW_FW_LAYOUT, IxgbeRegs.SW_FW_PHY0, ADDRESS, "the SFP+ module's I2C bus")));
        assertEquals(List.of(), m.cage.protocolErrors);
        assertEquals(List.of(), m.protocolErrors);
        return read.kind();
    }

    @Test
    void anEmptyCageIsRefusedAtOpenWithWhatToDoAndTheLaserStaysDark() {
        IntelException e = assertThrows(IntelException.class, () -> openSfp(0x10FB, null));
        assertTrue(e.getMessage().startsWith("no SFP+ module in the cage of " + ADDRESS + ": insert one"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        refusedCleanly();
    }

    @ParameterizedTest
    @ValueSource(strings = {"oneGig", "qsfp", "unknown"})
    void aModuleItCannotDriveIsRefusedAtOpenNamingItAndWhatItDrives(String kind) {
        byte[] module = switch (kind) {
            case "oneGig" -> SfpCageModel.oneGigSx();
            case "qsfp" -> { byte[] q = SfpCageModel.sr(); q[0] = 0x0D; yield q; }
            default -> SfpCageModel.module(0, 0, 0, "Acme", "MYSTERY-1");
        };
        IntelException e = assertThrows(IntelException.class, () -> openSfp(0x10FB, module));
        String msg = e.getMessage();
        assertTrue(msg.contains("cannot drive") && msg.contains("10GBASE-SR/LR optics and 10G direct-attach copper"), msg);
        assertTrue(msg.contains(switch (kind) {
            case "oneGig" -> "a 1 GbE-only module (Finisar FTLF8519P2BNL)";
            case "qsfp" -> "identifier 0xd, not an SFP/SFP+ transceiver";
            default -> "no direct-attach cable (Acme MYSTERY-1)";
        }), msg);
        assertFalse(msg.contains("\n"), "one line");
        refusedCleanly();
    }

    /** Nothing half-configured: the device closed, the region gone, the laser never lit (left dark as the previous owner left it). */
    private void refusedCleanly() {
        assertTrue(dev.isClosed());
        assertFalse(NicRegion.isOpen());
        assertFalse(model.laserOn());
        assertEquals(-1, model.firstWrite(ESDP, SDP3, 0), "SDP3 never driven low");
        assertEquals(List.of(), model.cage.protocolErrors);
        adapter = null;
    }

    @Test
    void aRefusedModuleOnAFreshlyPoweredCardIsLeftDark() {
        model = Ixgbe82599Model.sfp(MAC, SfpCageModel.oneGigSx());
        assertTrue(model.laserOn(), "the NVM's power-up state: lit");
        dev = new ModelDevice(model, X520, ADDRESS, "MSIX");
        assertThrows(IntelException.class, () -> IxgbeAdapter.open(dev, config()));
        assertFalse(model.laserOn(), "the failed open darkened it, as a close does");
        assertTrue(dev.isClosed());
        adapter = null;
    }

    @Test
    void closeDarkensTheLaserAfterTheResetAndReopenLightsItAgain() {
        open();
        assertTrue(model.laserOn());
        closePorts();
        assertTrue(adapter.isDestroyed());
        assertFalse(model.laserOn(), "TX_DISABLE set again at close");
        assertTrue(model.lastWrite(ESDP, SDP3, SDP3) > model.lastWrite(CTRL, 1 << 26, 1 << 26),
                "the laser darkened after the global reset");
        assertFalse(model.linkUp());
        open();
        assertTrue(model.laserOn());
        assertTrue(adapter.linkUp());
    }

    @Test
    void whateverLinkModeTheNvmLeftTheCageLinksAt10GbSfi() {
        model = darkened(Ixgbe82599Model.sfp(MAC, SfpCageModel.sr()));
        model.nvmLinkMode = 4;  // KX/KX4/KR autonegotiation
        model.nvmAutoc2 = 0;    // serial PMA/PMD KR
        open();
        assertEquals(3, model.get(AUTOC) >>> 13 & 7);
        assertEquals(2 << 16, model.get(AUTOC2) & 3 << 16);
        assertTrue(adapter.linkUp());
    }

    // ------------------------------------------------------------------ the I2C bus, shared with firmware

    @Test
    void everyI2cByteHoldsThePortsPhyResourceAndGivesItBack() {
        open();
        assertEquals(0, model.i2cUnowned, "no I2CCTL write without SW_FW_SYNC's PHY0 bit");
        int takes = 0;
        for (int[] w : model.writes) if (w[0] == SW_FW_SYNC && (w[1] & SW_PHY0) != 0) takes++;
        assertEquals(36, takes, "taken per byte, as Linux's ixgbe does: identifier, cable technology, the two compliance"
                + " bytes, vendor and part number (16 each)");
        assertEquals(0, model.get(SW_FW_SYNC), "given back");
        assertEquals(0, model.get(SWSM) & (SMBI | SWESMBI), "SWSM released");
        checkModel();
    }

    @Test
    void lanPort1TakesThePhy1Bit() {
        model = darkened(Ixgbe82599Model.sfp(MAC, SfpCageModel.sr()));
        model.lanId = 1;
        model.firmwareSync = SW_PHY0 << FW_SHIFT; // firmware busy on port 0's bus: not this port's business
        open();
        assertEquals(0, model.i2cUnowned);
        assertTrue(adapter.linkUp());
        checkModel();
    }

    @Test
    void firmwareHoldingTheBusIsWaitedFor() throws Exception {
        model = darkened(Ixgbe82599Model.sfp(MAC, SfpCageModel.sr()));
        model.firmwareSync = SW_PHY0 << FW_SHIFT;
        Thread fw = new Thread(() -> {
            try { Thread.sleep(150); } catch (InterruptedException ignored) { }
            model.firmwareSync = 0;
        });
        fw.start();
        open();
        fw.join();
        assertEquals(0, model.i2cUnowned, "the bus left to firmware until it gave it back");
        assertEquals(SfpModule.Kind.SR, adapter.sfpModule().orElseThrow().kind());
        assertTrue(adapter.linkUp());
        checkModel();
    }

    @Test
    void firmwareThatKeepsTheBusFailsTheOpenSayingWhatToDo() {
        model = darkened(Ixgbe82599Model.sfp(MAC, SfpCageModel.sr()));
        model.firmwareSync = SW_PHY0 << FW_SHIFT;
        dev = new ModelDevice(model, X520, ADDRESS, "MSIX");
        long t0 = System.nanoTime();
        IntelException e = assertThrows(IntelException.class, () -> IxgbeAdapter.open(dev, config()));
        assertTrue(System.nanoTime() - t0 >= 900_000_000L, "waited its second first");
        String msg = e.getMessage();
        assertTrue(msg.startsWith(ADDRESS + ": the semaphore of the SFP+ module's I2C bus (SW_FW_SYNC 0x10160) stayed held by"
                + " firmware (bit 0x40)"), msg);
        assertTrue(msg.contains("retry, and if it persists power-cycle the host"), msg);
        assertFalse(msg.contains("\n"), "one line");
        assertEquals(0, model.i2cUnowned, "the bus never touched");
        assertEquals(0, model.get(SW_FW_SYNC) & 0x1F, "nothing of ours left in SW_FW_SYNC");
        refusedCleanly();
    }

    @Test
    void semaphoresLeftByAnOwnerThatDiedHoldingThemAreTakenBack() {
        model = darkened(Ixgbe82599Model.sfp(MAC, SfpCageModel.sr()));
        // killed mid-byte: SWSM taken and SW_FW_SYNC's PHY0 bit set; no reset but power-on clears them
        model.put(SWSM, SMBI | SWESMBI);
        model.put(SW_FW_SYNC, SW_PHY0);
        long t0 = System.nanoTime();
        open();
        assertTrue(System.nanoTime() - t0 < 900_000_000L, "no second lost waiting for a dead owner");
        assertEquals(SfpModule.Kind.SR, adapter.sfpModule().orElseThrow().kind());
        assertTrue(adapter.linkUp());
        assertEquals(0, model.get(SW_FW_SYNC));
        assertEquals(0, model.get(SWSM) & (SMBI | SWESMBI));
        checkModel();
    }

    @Test
    void withoutTheLaserThereIsNoLink() {
        open();
        model.write32(ESDP, model.get(ESDP) | SDP3); // someone else asserts TX_DISABLE
        assertFalse(adapter.linkUp());
        model.write32(ESDP, model.get(ESDP) & ~SDP3);
        assertTrue(adapter.linkUp());
    }
}
