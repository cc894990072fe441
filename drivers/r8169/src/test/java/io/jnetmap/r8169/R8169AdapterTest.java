package io.jnetmap.r8169;

import io.jnetmap.nic.LostInterruptCheck;
import io.jnetmap.nic.MiiPhy;
import io.jnetmap.nic.ModelAdapterHarness;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.pci.PciId;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.RingStateException;
import io.jnetmap.sys.OffHeapBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.jnetmap.nic.TestFrames.*;
import static io.jnetmap.r8169.RtlRegs.*;
import static io.jnetmap.rings.NetmapLayout.NS_BUF_CHANGED;
import static io.jnetmap.rings.NetmapLayout.NS_MOREFRAG;
import static org.junit.jupiter.api.Assertions.*;

/** The r8169 driver against a register-level model of each RTL8169/8168 version in its table. */
class R8169AdapterTest extends ModelAdapterHarness<R8169Model, R8169Adapter> {
    static final String ADDRESS = "0000:03:00.0";
    static final byte[] MAC = {0x02, 0, 0, 0, 0, 0x69};
    static final byte[] PEER = {0x02, 0, 0, 0, 0, 0x01};

    static RtlVersion v8168h() { return RtlVersion.lookup(0x541).orElseThrow(); }
    static RtlVersion v8169sb() { return RtlVersion.lookup(0x100).orElseThrow(); }

    static PciId pciId(RtlVersion v) { return new PciId(0x10ec, v.family() == RtlVersion.Family.PCI ? 0x8169 : 0x8168); }

    static R8169Config config() { return R8169Config.defaults().withSlots(64, 64).withLinkWait(100); }

    void open(RtlVersion v, R8169Config cfg, String interrupts) {
        model = new R8169Model(v, MAC);
        dev = new ModelDevice(model, pciId(v), ADDRESS, interrupts);
        adapter = R8169Adapter.open(v.dma64() ? dev : new LowDmaDevice(dev, model), cfg);
        port = bind("netmap:" + ADDRESS);
    }

    void open(RtlVersion v) { open(v, config(), "MSI"); }

    static byte[] toUs(int seq, int size) { return numbered(MAC, PEER, seq, size); }
    static byte[] fromUs(int seq, int size) { return numbered(PEER, MAC, seq, size); }

    static Stream<RtlVersion> versions() { return RtlVersion.TABLE.stream(); }

    @Override
    protected void checkModel() {
        assertEquals(0, model.lockedBaseWrites, "descriptor bases written only with Cfg9346 unlocked");
        assertEquals(0, model.txProtocolErrors, "every TX packet FS..LS, no empty descriptor");
    }

    // ------------------------------------------------------------------ identification and init

    @ParameterizedTest
    @MethodSource("versions")
    void everyVersionInTheTableOpensAndCarriesFramesBothWays(RtlVersion v) {
        open(v);
        assertSame(v, adapter.version(), "identified by the XID");
        assertArrayEquals(MAC, adapter.macAddress());
        assertTrue(adapter.linkUp());
        assertEquals(1000, adapter.linkSpeedMbps());
        // the rings: 256-byte aligned, bases written high half first
        long txBase = adapter.txRing().memory().iova(), rxBase = adapter.rxRing().memory().iova();
        assertEquals(0, txBase & 255);
        assertEquals(0, rxBase & 255);
        assertEquals((int) txBase, model.get(TX_DESC_START_LOW));
        assertTrue(model.lastWrite(TX_DESC_START_HIGH) < model.lastWrite(TX_DESC_START_LOW), "TX base: high half first");
        assertTrue(model.lastWrite(RX_DESC_ADDR_HIGH) < model.lastWrite(RX_DESC_ADDR_LOW), "RX base: high half first");
        assertTrue(model.firstWrite(CHIP_CMD, CMD_RESET) < model.firstWrite(CHIP_CMD, CMD_TX_ENB | CMD_RX_ENB),
                "soft reset before RX and TX are enabled");
        assertTrue(model.configLocked(), "Cfg9346 locked again");
        assertEquals(v.rxConfig(), model.get(RX_CONFIG) & ~RX_ACCEPT_MASK);
        assertEquals(v.txConfig(), model.get(TX_CONFIG) & ~0xfff0_0000 | (v.txConfig() & 0xfff0_0000));
        // flow control off: no PAUSE / ASM_DIR advertised
        assertEquals(0, model.phy.read(4) & 0x0c00);
        assertEquals(0x0200, model.phy.read(9) & 0x0300, "1000BASE-T full advertised");

        NetmapRing tx = port.txRing(0), rx = port.rxRing(0);
        for (int i = 0; i < 100; i++) {
            put(tx, fromUs(i, 60 + i));
            port.txsync();
            assertTrue(model.receive(toUs(i, 64 + i)));
            port.rxsync();
            assertArrayEquals(toUs(i, 64 + i), take(rx), "RX length without the FCS");
        }
        for (int i = 0; i < 100; i++) assertArrayEquals(fromUs(i, 60 + i), model.wire.get(i));
    }

    @Test
    void pciFamilyTakesBar1AndItsPhyPatch() {
        open(v8169sb());
        assertEquals(1, model.registerBar());
        assertEquals(0x90d0, model.phyPaged(2, 1), "rtl8169sb_hw_phy_config: page 2 register 1");
        assertEquals(0x3f, model.bar.getByte(MAX_TX_PACKET_SIZE) & 0xff, "EarlyTxThres: no early transmit");
        assertEquals(CPCMD_PCI_MUL_RW, model.bar.getShort(CPLUS_CMD) & 0xffff, "CPlusCmd: PCIMulRW, no offloads");
        assertEquals(1, model.bar.getByte(0x82), "C+CR offset 0x82 (rtl8169_init_phy)");
    }

    /** What differs between the PCI versions (rtl_hw_start_8169, rtl8169_set_magic_reg, the PHY tables), per version. */
    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 5, 6})
    void eachPciVersionGetsItsOwnQuirks(int linuxVersion) {
        RtlVersion v = RtlVersion.TABLE.stream().filter(x -> x.linuxVersion() == linuxVersion).findFirst().orElseThrow();
        open(v);
        assertSame(v, adapter.version());
        int cp = model.bar.getShort(CPLUS_CMD) & 0xffff;
        assertEquals(linuxVersion <= 3, (cp & (1 << 15)) != 0, "EnableBist on the 8169s/8110s only: CPlusCmd 0x" + Integer.toHexString(cp));
        int magic = model.get(0x7c);
        assertEquals(linuxVersion == 5 ? 0x000fff00 : linuxVersion == 6 ? 0x00ffff00 : 0, magic & 0xffffff00, "magic register 0x7c");
        // page 1 register 0x18 tells the tables apart: each writes its own value, the 8169sb's none
        int page1reg18 = switch (linuxVersion) { case 2, 3 -> 0x65c7; case 5 -> 0xf5c7; case 6 -> 0x67c7; default -> -1; };
        assertEquals(page1reg18, model.phyPaged(1, 0x18), "the version's PHY table");
        if (linuxVersion == 4) assertEquals(0x90d0, model.phyPaged(2, 0x01), "rtl8169sb_hw_phy_config");
    }

    @Test
    void rtl8168hTakesBar2AndItsStartupQuirks() {
        open(v8168h());
        assertEquals(2, model.registerBar());
        assertEquals(0x2089, model.ephy.get(0x05), "EPHY table of rtl_hw_start_8168h_1");
        assertEquals(0x068b, model.ephy.get(0x01));
        assertEquals(0x4f87, model.eri.get(0x5f0) & 0xffff);
        assertEquals((0x08 << 16) | 0x02, model.eri.get(0xc8), "RX FIFO size");
        assertEquals(0, model.eri.get(0x1b0) & (1 << 12));
        assertEquals(0, model.get(MISC) & MISC_RXDV_GATED_EN, "RX gating set before reset, cleared at start");
        assertNotEquals(-1, model.firstWrite(MISC, MISC_RXDV_GATED_EN));
        assertEquals(0x8000, model.macOcp.get(0xe8de) & 0x8000, "rtl_hw_init_8168g: MAC OCP 0xe8de bit 15");
        assertEquals(0x047f, model.macOcp.get(0xd420) & 0x0fff);
        assertEquals(16_000_000 / 125 & 0x0fff, model.macOcp.get(0xd412) & 0x0fff, "1 ms counter from the PHY's saw count");
        assertEquals(0x000a, model.phyPaged(0x0a43, 0x14) & 0x3f, "PHY parameter 0x808a (rtl8168h_2_hw_phy_config)");
        assertEquals(0x2222, model.phyPaged(0x0bcd, 0x17), "rlen = 5 - 3 in all four nibbles");
        assertEquals(0, model.phyPaged(0x0a43, 0x10) & 0x4, "ALDPS off");
        assertEquals(0xc0, model.bar.getByte(PMCH) & 0xc0, "PLL powered up");
        assertEquals(8064 >> 7, model.bar.getByte(MAX_TX_PACKET_SIZE) & 0xff, "MaxTxPacketSize: TxPacketMax with jumbo frames");
    }

    static Stream<RtlVersion> g8168() { return versions().filter(v -> v.linuxVersion() == 40 || v.linuxVersion() == 42); }

    @ParameterizedTest
    @MethodSource("g8168")
    void rtl8168gTakesBar2AndItsStartupQuirks(RtlVersion v) {
        open(v);
        boolean g1 = v.linuxVersion() == 40;
        assertEquals(2, model.registerBar());
        // rtl_hw_start_8168g
        assertEquals((0x08 << 16) | 0x02, model.eri.get(0xc8), "RX FIFO size");
        assertEquals(0x38, model.eri.get(0xcc) & 0xff, "pause thresholds");
        assertEquals(0x1d8f, model.eri.get(0x2f8) & 0xffff);
        assertEquals(0x01, model.eri.getOrDefault(0x2fc, 0) & 0x07, "rtl_w0w1_eri(0x2fc, 0x01, 0x06)");
        assertEquals(0x0003, model.eri.get(0x1b0) & 0x0003, "rtl8168_config_eee_mac");
        assertEquals(0, model.eri.get(0x1b0) & (1 << 12));
        assertEquals(0, model.bar.getByte(EEE_LED) & 0x07);
        assertEquals(0, model.bar.getByte(CONFIG3) & 0x02, "Rdy_to_L23 off");
        assertEquals(0, model.get(MISC) & MISC_RXDV_GATED_EN, "RX gating set before reset, cleared at start");
        assertEquals(0x8000, model.macOcp.get(0xe8de) & 0x8000, "rtl_hw_init_8168g: MAC OCP 0xe8de bit 15");
        // the version's own EPHY table (rtl_hw_start_8168g_1 / _2)
        assertEquals(0x0820, model.ephy.get(0x0c) & 0x3ff0);
        if (g1) assertEquals(0x0001, model.ephy.get(0x1e) & 0x0001);
        else assertEquals(0x20eb, model.ephy.get(0x1e), "EPHY 0x1e of rtl_hw_start_8168g_2");
        // PHY (rtl8168g_1_hw_phy_config / rtl8168g_2_hw_phy_config) and the PLL
        assertEquals(0x10, model.phyPaged(0x0a43, 0x11) & 0x10, "rtl8168g_config_eee_phy");
        if (g1) {
            assertEquals(0x5655, model.phyPaged(0x0bc8, 0x11), "improve SWR efficiency");
            assertEquals(0x4000, model.phyPaged(0x0c42, 0x11) & 0x6000);
            assertEquals(0x000c, model.phyPaged(0x0a44, 0x11) & 0x000c, "PHY auto speed down");
            assertEquals(0, model.phyPaged(0x0a43, 0x10) & 0x4, "ALDPS off");
            assertEquals(0xc0, model.bar.getByte(PMCH) & 0xc0, "rtl_pll_power_up (VER_40)");
            assertEquals(0xfc00_0000, model.eri.get(0x1a8) & 0xfc00_0000, "rtl8168g_phy_suspend_quirk: the PHY is up");
        } else {
            assertEquals(-1, model.firstWrite(PMCH, 0, 0), "rtl_pll_power_up has no PMCH write for VER_42");
            assertNull(model.eri.get(0x1a8), "no suspend quirk on VER_42");
        }
        assertArrayEquals(MAC, adapter.macAddress(), "MAC from ERI 0xe0/0xe4");
    }

    @Test
    void rtl8168epTakesBar2ItsStartupQuirksAndTellsItsManagementController() {
        RtlVersion v = RtlVersion.lookup(0x502).orElseThrow();
        open(v);
        assertEquals(51, v.linuxVersion());
        assertEquals(2, model.registerBar());
        assertEquals(0x0080, model.ephy.get(0x00) & 0x0080, "EPHY table of rtl_hw_start_8168ep_3");
        assertEquals(0x2000, model.ephy.get(0x1e) & 0x2000);
        assertEquals(0x2f, model.eri.get(0xcc) & 0xff, "the 8168ep's pause thresholds (0x2f, 0x5f)");
        assertEquals(0x5f, model.eri.get(0xd0) & 0xff);
        assertEquals(0x4f87, model.eri.get(0x5f0) & 0xffff);
        assertEquals(0x0271, model.macOcp.get(0xd3e2) & 0x0fff);
        assertEquals(0x0080, model.macOcp.get(0xe860) & 0x0080);
        assertEquals(0, model.bar.getByte(MISC_1) & MISC_1_PFM_D3COLD_EN);
        assertEquals(0, model.bar.getByte(IBCR0) & 1, "rtl8168ep_stop_cmac: in-band channel off");
        assertTrue(model.firstWrite(IBCR2, 0, 0) < model.firstWrite(CHIP_CMD, CMD_RESET), "the CMAC stopped before the reset");
        assertEquals(0x80d7, model.phyPaged(0x0a43, 0x13), "the last channel-estimation parameter selected (0x0a43/0x13)");
        assertEquals(0x8400, model.phyPaged(0x0a43, 0x14) & 0xff00, "and written (0x0a43/0x14)");
        assertEquals(0x00ed, model.phyPaged(0x0bc8, 0x12), "force PWM mode (rtl8168ep_2_hw_phy_config)");
        assertEquals(0xc0, model.bar.getByte(PMCH) & 0xc0, "rtl_pll_power_up");
        int oob = 2 << 16;
        assertEquals(RtlStartup.OOB_CMD_DRIVER_START, model.eri.get(oob | 0x180) & 0xff, "rtl8168ep_driver_start");
        assertEquals(1, model.eri.get(oob | 0x30) & 1);
        closePorts();
        assertEquals(RtlStartup.OOB_CMD_DRIVER_STOP, model.eri.get(oob | 0x180) & 0xff, "rtl8168ep_driver_stop at close");
    }

    @Test
    void an8168epWithDashOnIsRefusedBeforeAnythingIsWritten() {
        RtlVersion v = RtlVersion.lookup(0x502).orElseThrow();
        R8169Model m = new R8169Model(v, MAC);
        m.eri.put(2 << 16 | 0x128, 1); // DASH on (r8168ep_check_dash)
        ModelDevice d = new ModelDevice(m, pciId(v), ADDRESS, "MSI");
        RtlException e = assertThrows(RtlException.class, () -> R8169Adapter.open(d, config()));
        assertTrue(e.getMessage().contains("DASH") && e.getMessage().contains("kernel's r8169"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        assertTrue(d.isClosed());
        assertEquals(-1, m.firstWrite(CHIP_CMD, 0, 0), "nothing was configured");
        m.close();
    }

    @Test
    void unknownVersionsAndTheRtl8125AreRefusedNamingWhatIsSupported() {
        // 0x540 and 0x4c1: the 8168h and 8168g revisions Linux never saw (VER_45, VER_41); 0x380 an 8168b; 0x641 an RTL8125
        for (int xid : new int[] {0x4c1, 0x641, 0x380, 0x540}) {
            RtlVersion fake = new RtlVersion(99, "fake", 0xfff, xid, RtlVersion.Family.PCIE, 1522, true,
                    RtlVersion.PhyAccess.GPHY_OCP, RtlVersion.Startup.RTL8168H, 0, 0);
            R8169Model m = new R8169Model(fake, MAC);
            ModelDevice d = new ModelDevice(m, new PciId(0x10ec, 0x8168), ADDRESS, "MSI");
            RtlException e = assertThrows(RtlException.class, () -> R8169Adapter.open(d, config()));
            assertTrue(e.getMessage().contains(String.format("XID 0x%03x", xid)), e.getMessage());
            for (RtlVersion v : RtlVersion.TABLE)
                assertTrue(e.getMessage().contains(String.format("%s (XID 0x%03x)", v.name(), v.xidValue())), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line");
            if (xid == 0x641) assertTrue(e.getMessage().contains("RTL8125/8126"), e.getMessage());
            assertTrue(d.isClosed(), "the device is let go");
            assertEquals(-1, m.firstWrite(CHIP_CMD, 0, 0), "nothing was configured");
            assertEquals(0, d.liveDma());
            m.close();
        }
    }

    @Test
    void a32BitVersionWhoseMemoryLiesAbove4GiBIsRefusedClearly() {
        R8169Model m = new R8169Model(v8169sb(), MAC);
        ModelDevice d = new ModelDevice(m, pciId(v8169sb()), ADDRESS, "MSI"); // identity addresses: far above 4 GiB
        RtlException e = assertThrows(RtlException.class, () -> R8169Adapter.open(d, config()));
        assertTrue(e.getMessage().contains("first 4 GiB"), e.getMessage());
        assertTrue(d.isClosed());
        assertEquals(0, d.liveDma(), "nothing half-configured: the rings were freed");
        assertEquals(0, d.liveWindows());
        m.close();
    }

    @Test
    void aChipThatDoesNotMatchItsPciIdIsRefused() {
        R8169Model m = new R8169Model(v8169sb(), MAC);
        // a PCIe ID on a PCI-family chip: the model's registers are in BAR1, the ID says BAR2
        ModelDevice d = new ModelDevice(m, new PciId(0x10ec, 0x8168), ADDRESS, "MSI");
        assertThrows(RuntimeException.class, () -> R8169Adapter.open(d, config()));
        assertTrue(d.isClosed());
        m.close();
    }

    // ------------------------------------------------------------------ rings

    @ParameterizedTest
    @MethodSource("versions")
    void aBatchGoesOutWithOneTxPoll(RtlVersion v) {
        open(v);
        NetmapRing tx = port.txRing(0);
        for (int i = 0; i < 32; i++) put(tx, fromUs(i, 60));
        int polls = model.txPolls;
        port.txsync();
        assertEquals(polls + 1, model.txPolls, "one TxPoll for 32 packets");
        assertEquals(32, model.wire.size());
        for (int i = 0; i < 32; i++) assertEquals(i, seq(model.wire.get(i)));
        port.txsync();
        assertEquals(tx.numSlots() - 1, tx.space(), "every slot completed and given back");
    }

    @ParameterizedTest
    @MethodSource("versions")
    void theRingWrapsThousandsOfTimesInOrder(RtlVersion v) {
        open(v);
        NetmapRing tx = port.txRing(0), rx = port.rxRing(0);
        int sent = 0, got = 0;
        List<byte[]> expected = new ArrayList<>();
        for (int round = 0; round < 200; round++) {
            for (int k = 0; k < 20; k++) {
                put(tx, fromUs(sent, 60 + (sent % 1400)));
                sent++;
            }
            port.txsync();
            for (int k = 0; k < 20; k++) assertTrue(model.receive(toUs(got + k, 64)));
            port.rxsync();
            for (int k = 0; k < 20; k++, got++) assertArrayEquals(toUs(got, 64), take(rx));
        }
        port.txsync();
        assertEquals(sent, model.wire.size());
        for (int i = 0; i < sent; i++) assertEquals(i, seq(model.wire.get(i)));
    }

    /**
     * Issue 10 §1: the driver never depends on an interrupt to wake up. Frames arrive while poll()
     * sleeps and their interrupt messages are lost: each is still delivered long before the poll's
     * timeout (the driver re-syncs by itself), and once messages get through again RX goes on by
     * interrupts. The RTL8168h with MSI-X, MSI and INTx, the RTL8169 (PCI) with INTx.
     */
    @ParameterizedTest
    @ValueSource(strings = {"8168h MSIX", "8168h MSI", "8168h INTX", "8169sb INTX"})
    void aLostInterruptDoesNotStopReceive(String what) throws Exception {
        String[] w = what.split(" ");
        open(w[0].equals("8168h") ? v8168h() : v8169sb(), config(), w[1]);
        LostInterruptCheck.Result r = LostInterruptCheck.run(port, 0, adapter, dev, seq -> assertTrue(model.receive(toUs(seq, 60))));
        assertNull(r.firstProblem(), r.toString());
        assertTrue(r.interruptsAfter() > 0, "interrupts wake poll() again once they get through: " + r);
    }

    @ParameterizedTest
    @MethodSource("versions")
    void stalledTxIsReKickedOnlyWhenNothingMoved(RtlVersion v) {
        open(v);
        NetmapRing tx = port.txRing(0);
        model.holdTx = true;
        put(tx, fromUs(1, 60));
        port.txsync();
        int polls = model.txPolls;
        port.txsync(); // nothing new, nothing completed: a lost TxPoll is repeated
        assertEquals(polls + 1, model.txPolls);
        model.holdTx = false;
        model.processTx();
        port.txsync();
        assertEquals(1, model.wire.size());
        int after = model.txPolls;
        port.txsync();
        assertEquals(after, model.txPolls, "idle ring: no kick");
    }

    @ParameterizedTest
    @MethodSource("versions")
    void jumboFramesSpanSlotsBothWays(RtlVersion v) {
        open(v);
        NetmapRing tx = port.txRing(0), rx = port.rxRing(0);
        assertEquals(v.maxFrame(), model.bar.getShort(RX_MAX_SIZE) & 0xffff, "RxMaxSize: the version's jumbo frame");
        int longest = v.maxFrame() - 4; // the longest frame without its FCS: 9000 B of MTU on the 8168, 7 KiB on the 8169
        byte[] big = fromUs(7, longest);
        assertEquals((longest + 2047) / 2048, put(tx, big));
        port.txsync();
        assertArrayEquals(big, model.wire.get(0));
        // a 4094-byte frame: with its FCS 4098 bytes, the last descriptor holds 2 FCS bytes only
        for (int size : new int[] {longest, 4094, 4096, 2044, 2045, 60}) {
            assertTrue(model.receive(toUs(size, size)));
            port.rxsync();
            assertArrayEquals(toUs(size, size), take(rx), "size " + size);
        }
    }

    @Test
    void withoutJumboLongFramesAreNotReceived() {
        open(v8168h(), config().withJumbo(false), "MSI");
        assertEquals(1522, model.bar.getShort(RX_MAX_SIZE) & 0xffff);
        assertEquals(0x27, model.bar.getByte(MAX_TX_PACKET_SIZE) & 0xff, "MaxTxPacketSize: EarlySize without jumbo");
        model.receive(toUs(1, 3000));
        port.rxsync();
        assertTrue(port.rxRing(0).empty());
    }

    @Test
    void bufChangedRepointsDescriptors() {
        open(v8168h());
        NetmapRing tx = port.txRing(0), rx = port.rxRing(0);
        model.receive(toUs(1, 100));
        port.rxsync();
        int i = rx.head();
        int got = rx.bufIdx(i), spare = tx.bufIdx(tx.head());
        // zero-copy forward: the received buffer goes to TX, TX's buffer to the RX slot
        tx.bufIdx(tx.head(), got);
        tx.len(tx.head(), rx.len(i));
        tx.slotFlags(tx.head(), NS_BUF_CHANGED);
        tx.advance(tx.next(tx.head()));
        rx.bufIdx(i, spare);
        rx.slotFlags(i, NS_BUF_CHANGED);
        rx.advance(rx.next(i));
        port.txsync();
        port.rxsync();
        assertArrayEquals(toUs(1, 100), model.wire.get(0), "sent from the received buffer");
        OffHeapBuffer rd = adapter.rxRing().memory().buffer();
        long expected = OffHeapBuffer.class.isInstance(rd) ? adapter.region().bufferAddress(spare) : 0;
        boolean found = false;
        for (int d = 0; d < 64; d++) found |= rd.getLong(d * 16 + 8) == expected;
        assertTrue(found, "an RX descriptor points at the swapped-in buffer");
        assertEquals(0, rx.slotFlags(i) & NS_BUF_CHANGED);
    }

    @ParameterizedTest
    @MethodSource("versions")
    void badTxSlotsNeverReachADescriptor(RtlVersion v) {
        open(v);
        NetmapRing tx = port.txRing(0);
        byte[] before = snapshot(adapter.txRing().memory().buffer(), 64 * 16);
        int polls = model.txPolls;
        int[][] bad = {{1, 100}, {0, 100}, {8194, 100}, {-1, 2049}, {-1, 13}, {-1, 0}};
        for (int[] b : bad) {
            int i = tx.head();
            if (b[0] != -1) tx.bufIdx(i, b[0]);
            tx.len(i, b[1]);
            tx.advance(tx.next(i));
            assertThrows(RingStateException.class, port::txsync, "slot with buffer " + b[0] + " len " + b[1]);
            assertArrayEquals(before, snapshot(adapter.txRing().memory().buffer(), 64 * 16), "descriptor memory untouched");
            assertEquals(polls, model.txPolls, "no TxPoll");
        }
        putFragments(tx, 14);
        putFragments(tx, 10, 4);
        port.txsync();
        assertEquals(2, model.wire.size(), "from 14 bytes (an Ethernet header) the chip takes it and pads");
    }

    // ------------------------------------------------------------------ counters

    @Test
    void tallyCountersAccumulateTo64BitsAcrossTheirWidth() {
        open(v8168h());
        NetmapRing tx = port.txRing(0);
        for (int i = 0; i < 10; i++) put(tx, fromUs(i, 60));
        port.txsync();
        for (int i = 0; i < 5; i++) model.receive(toUs(i, 60));
        model.receive(new byte[] {-1, -1, -1, -1, -1, -1, 2, 0, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        Map<String, Long> s = adapter.statistics();
        assertEquals(10, s.get("tx_packets"));
        assertEquals(6, s.get("rx_packets"));
        assertEquals(5, s.get("rx_unicast"));
        assertEquals(1, s.get("rx_broadcast"));
        assertEquals(10, s.get("driver_tx_packets"));
        // the 16-bit missed counter wraps between two dumps
        model.tallyRxMissed = 65530;
        adapter.statistics();
        model.tallyRxMissed = 65541 & 0xffff; // 11 more, wrapped
        assertEquals(65530 + 11, adapter.statistics().get("rx_missed"));
        assertTrue(s.get("driver_tally_dumps") > 0);
    }

    /**
     * A full RX ring as on silicon: with flow control off (this driver's default: ANAR without PAUSE/ASM_DIR)
     * the chip drops the frame and counts it in rx_missed, so every frame sent is received or counted; with pause
     * negotiated (a driver that advertises it, as Linux's r8169 does) the chip sends PAUSE and the partner holds
     * the frame: nothing dropped, nothing counted, the held frame arrives once the ring has room, in order.
     */
    @ParameterizedTest
    @MethodSource("versions")
    void aFullRxRingDropsAndCountsWithoutPauseAndHoldsTheSenderWithIt(RtlVersion v) {
        open(v);
        NetmapRing rx = port.rxRing(0);
        assertEquals("off", adapter.flowControl());
        int room = rx.numSlots() - 1, extra = 10, seq = 0;
        for (int i = 0; i < room; i++) assertTrue(model.receive(toUs(seq++, 64)));
        for (int i = 0; i < extra; i++) assertTrue(model.receive(toUs(seq++, 64)), "a full ring takes the frame off the wire");
        Map<String, Long> s = adapter.statistics();
        assertEquals(extra, s.get("rx_missed"), "every frame the full ring dropped is counted");
        assertEquals(seq, s.get("rx_packets") + s.get("rx_missed"), "sent = received + counted drops");
        port.rxsync();
        for (int i = 0; i < room; i++) assertEquals(i, seq(take(rx)), "the frames before the drops, in order");
        port.rxsync();
        assertTrue(model.receive(toUs(seq, 64)), "the ring receives again after the drops");
        port.rxsync();
        assertEquals(seq++, seq(take(rx)));
        port.rxsync();

        // pause advertised and autonegotiation restarted: resolved rx/tx against the partner's PAUSE + ASM_DIR
        model.phy.write(MiiPhy.ANAR, model.phy.read(MiiPhy.ANAR) | MiiPhy.PAUSE | MiiPhy.ASM_DIR);
        model.phy.write(MiiPhy.BMCR, model.phy.read(MiiPhy.BMCR) | MiiPhy.BMCR_ANRESTART);
        assertEquals("rx/tx", adapter.flowControl());
        int first = seq;
        for (int i = 0; i < room; i++) assertTrue(model.receive(toUs(seq++, 64)));
        byte[] held = toUs(seq++, 64);
        assertFalse(model.receive(held), "a full ring with TX pause holds the sender");
        assertEquals(extra, adapter.statistics().get("rx_missed"), "a held frame is not missed");
        port.rxsync();
        for (int i = 0; i < room; i++) assertEquals(first + i, seq(take(rx)));
        port.rxsync();
        assertTrue(model.receive(held), "the held frame is taken once the ring has room");
        port.rxsync();
        assertEquals(seq - 1, seq(take(rx)), "and arrives after the ones before it");
        assertEquals(1, model.rxHeld);
    }

    @Test
    void countersStartAtZeroWhenTheDriverOpens() {
        R8169Model m = new R8169Model(v8168h(), MAC);
        m.tallyTx = 1_000_000; // from a previous owner: the tally runs from power-on
        model = m;
        dev = new ModelDevice(model, pciId(v8168h()), ADDRESS, "MSI");
        adapter = R8169Adapter.open(dev, config());
        port = bind("netmap:" + ADDRESS);
        assertEquals(0, adapter.statistics().get("tx_packets"));
    }

    // ------------------------------------------------------------------ poll, interrupts, link

    @ParameterizedTest
    @ValueSource(strings = {"MSI", "INTX"})
    void pollBlocksUntilAFrameArrives(String mode) throws Exception {
        open(v8168h(), config(), mode);
        CompletableFuture<Integer> r = CompletableFuture.supplyAsync(() -> port.poll(NetmapPort.POLLIN, 10_000));
        Thread.sleep(300);
        assertFalse(r.isDone(), "poll blocks while nothing arrives");
        long t0 = System.nanoTime();
        model.receive(toUs(1, 64));
        assertEquals(NetmapPort.POLLIN, r.get(5, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "woken by the interrupt, not a timeout");
        assertEquals(0, model.mask & RX_CAUSES, "RX causes masked again after poll");
        assertNotEquals(0, model.mask & INT_LINK_CHG, "link changes stay enabled");
        assertNotNull(take(port.rxRing(0)));
    }

    @Test
    void withoutInterruptsPollStillWorks() throws Exception {
        open(v8168h(), config().withInterrupts(false), "MSI");
        CompletableFuture<Integer> r = CompletableFuture.supplyAsync(() -> port.poll(NetmapPort.POLLIN, 10_000));
        Thread.sleep(100);
        model.receive(toUs(1, 64));
        assertEquals(NetmapPort.POLLIN, r.get(5, TimeUnit.SECONDS));
    }

    @ParameterizedTest
    @MethodSource("versions")
    void linkLossGivesPendingSlotsBackAsDroppedAndNothingStaleGoesOutAfterThePlug(RtlVersion v) throws Exception {
        open(v);
        NetmapRing tx = port.txRing(0);
        int free = tx.numSlots() - 1;
        model.setLink(false); // the chip holds what it is given
        for (int i = 0; i < 10; i++) put(tx, fromUs(i, 60));
        port.txsync();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (tx.space() < free && System.nanoTime() < deadline) port.poll(NetmapPort.POLLOUT, 100);
        assertEquals(free, tx.space(), "the slots queued at the link loss came back");
        assertFalse(adapter.linkUp());
        assertEquals(10, adapter.statistics().get("tx_dropped"));
        for (int i = 10; i < 15; i++) put(tx, fromUs(i, 60));
        port.txsync();
        assertEquals(free, tx.space(), "handed over with the link down: back at the same sync");
        assertEquals(15, adapter.statistics().get("tx_dropped"));
        assertEquals(List.of(), model.wire);
        model.setLink(true);
        assertTrue(adapter.linkUp());
        Thread.sleep(20);
        assertEquals(List.of(), model.wire, "nothing stale after the re-plug");
        assertEquals(0, model.txOwned(), "no descriptor left owned");
        for (int i = 100; i < 103; i++) put(tx, fromUs(i, 60));
        port.txsync();
        assertEquals(3, model.wire.size(), "tx on " + model.txEnabled() + ", polls " + model.txPolls + ", owned " + model.txOwned()
                + ", stats " + adapter.statistics());
        for (int i = 0; i < 3; i++) assertEquals(100 + i, seq(model.wire.get(i)), "exactly the new frames, in order");
        assertEquals(15, adapter.statistics().get("tx_dropped"), "nothing else dropped");
    }

    /** Found by R8169RingProperties: a link loss took the slots of a chain the application had not finished. */
    @ParameterizedTest
    @MethodSource("versions")
    void aLinkLossLeavesAnUnfinishedChainToTheApplication(RtlVersion v) {
        open(v);
        NetmapRing tx = port.txRing(0);
        model.setLink(false);
        assertFalse(adapter.linkUp());
        put(tx, fromUs(1, 60)); // whole: dropped
        byte[] big = fromUs(2, 3000);
        int chain = tx.head();
        tx.buffers().putBytes(tx.slotBufOffset(chain), big, 0, 2048);
        tx.len(chain, 2048);
        tx.slotFlags(chain, NS_MOREFRAG); // the rest not written yet
        tx.advance(tx.next(chain));
        port.txsync();
        assertEquals(chain, adapter.txKring(0).hwcur(), "the open chain is still the application's");
        assertEquals(1, adapter.statistics().get("tx_dropped"));
        model.setLink(true);
        assertTrue(adapter.linkUp());
        int last = tx.head();
        tx.buffers().putBytes(tx.slotBufOffset(last), big, 2048, big.length - 2048);
        tx.len(last, big.length - 2048);
        tx.slotFlags(last, 0);
        tx.advance(tx.next(last));
        port.txsync();
        assertEquals(1, model.wire.size());
        assertArrayEquals(big, model.wire.get(0), "the chain finished after the re-plug goes out whole");
    }

    // ------------------------------------------------------------------ close

    @ParameterizedTest
    @MethodSource("versions")
    void closeStopsResetsAndFreesEverything(RtlVersion v) {
        open(v);
        put(port.txRing(0), fromUs(1, 60));
        port.txsync();
        closePorts();
        assertTrue(adapter.isDestroyed());
        assertFalse(model.txEnabled() || model.rxEnabled(), "RX and TX off");
        assertEquals(0, model.mask, "interrupts masked");
        assertTrue(model.resets >= 2, "soft reset at open and at close");
        assertTrue(dev.isClosed());
        assertFalse(dev.busMaster(), "bus mastering off");
        assertEquals(0, dev.liveDma(), "rings and tally freed");
        assertEquals(0, dev.liveWindows());
    }

    @Test
    void reopenAfterCloseStartsClean() {
        open(v8168h());
        put(port.txRing(0), fromUs(1, 60));
        port.txsync();
        closePorts();
        model.wire.clear();
        dev = new ModelDevice(model, pciId(v8168h()), ADDRESS, "MSI");
        adapter = R8169Adapter.open(dev, config());
        port = bind("netmap:" + ADDRESS);
        assertEquals(0, model.txOwned());
        put(port.txRing(0), fromUs(2, 60));
        port.txsync();
        assertEquals(1, model.wire.size());
        assertEquals(2, seq(model.wire.get(0)));
        assertEquals(0, adapter.statistics().get("tx_packets") - 1);
    }

    @Test
    void theDataPathAllocatesNothing() {
        open(v8168h());
        NetmapRing tx = port.txRing(0), rx = port.rxRing(0);
        byte[] f = fromUs(1, 60);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        model.logWrites = false;
        for (int round = 0; round < 2; round++) {
            long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
            for (int i = 0; i < 2000; i++) {
                int h = tx.head();
                tx.len(h, 60);
                tx.advance(tx.next(h));
                adapter.txsync(adapter.txKring(0), 0);
                adapter.rxsync(adapter.rxKring(0), 0);
            }
            long used = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            if (round == 1) assertTrue(used < 200_000, "allocated " + used + " B in 2000 syncs (the model's own copies included)");
        }
    }
}
