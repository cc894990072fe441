package io.jnetmap.ixgbe;

import io.jnetmap.intel.AdvancedTxFormat;
import io.jnetmap.intel.RssConfig;
import io.jnetmap.intel.Toeplitz;
import io.jnetmap.intel.MultiQueueAdapterCases;
import io.jnetmap.nic.DriverRingModel;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.nic.NicRegion;
import io.jnetmap.nic.TestFrames;
import io.jnetmap.nic.TxLinkLossCheck;
import io.jnetmap.intel.IntelException;
import io.jnetmap.pci.PciException;
import io.jnetmap.pci.PciId;
import io.jnetmap.rings.AdapterProvider;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.PortName;
import io.jnetmap.rings.RingStateException;
import io.jnetmap.sys.OffHeapBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.jnetmap.ixgbe.Ixgbe82599Model.*;
import static io.jnetmap.nic.TestFrames.*;
import static io.jnetmap.rings.NetmapLayout.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The ixgbe driver against a register-level model of the 82599 (no hardware). The model names
 * its registers by the datasheet's offsets itself ({@link Ixgbe82599Model}), so these tests check
 * the driver's register map as well as its behaviour.
 */
class IxgbeAdapterTest extends MultiQueueAdapterCases<Ixgbe82599Model, IxgbeAdapter> {
    static final String ADDRESS = "0000:00:06.0";
    static final PciId KX4 = new PciId(0x8086, 0x10F7);
    static final byte[] MAC = {0x02, 0, 0, 0, 0, 0x12};
    static final byte[] PEER = {0x02, 0, 0, 0, 0, 0x11};
    static final int UDP = 17, TCP = 6;

    static IxgbeConfig config() { return IxgbeConfig.defaults().withSlots(SLOTS, SLOTS).withQueues(QUEUES).withLinkWait(100); }

    IxgbeAdapterTest() { super(ADDRESS, MAC, PEER); }

    /** The part the tests open: the KX4 here; the other backplane IDs and the SFP+ part in the subclasses. */
    PciId deviceId() { return KX4; }

    /** A fresh chip model for {@link #deviceId()}. */
    Ixgbe82599Model newModel() { return new Ixgbe82599Model(MAC); }

    void open(IxgbeConfig cfg, String interruptMode) {
        if (model == null) model = newModel();
        dev = new ModelDevice(model, deviceId(), ADDRESS, interruptMode);
        adapter = IxgbeAdapter.open(dev, cfg);
        model.dmaCheck = DriverRingModel.netmapBuffers(adapter.region());
        port = bind("netmap:" + ADDRESS);
    }

    @Override
    protected void open() { open(config(), "MSIX"); }

    @Override
    protected void open(int queues, String mode) {
        boolean busy = mode.equals("BUSY_POLL");
        open(config().withQueues(queues).withInterrupts(!busy), busy ? "MSIX" : mode);
    }

    @Override protected int rdt0() { return model.get(rdt(0)); }

    /** FCTRL: UPE (bit 9), MPE (bit 8), BAM (bit 10). */
    @Override
    protected void assertFilterRegisters(boolean promiscuous, boolean allMulticast, boolean broadcast) {
        assertEquals((promiscuous ? 1 << 9 : 0) | (allMulticast ? 1 << 8 : 0) | (broadcast ? 1 << 10 : 0),
                model.get(FCTRL) & (7 << 8), "FCTRL.UPE/MPE/BAM");
    }

    @Override
    protected void checkModel() {
        assertEquals(List.of(), model.dmaViolations, "no descriptor ever pointed outside the netmap buffers");
        assertEquals(List.of(), model.protocolErrors);
        if (model.cage != null) assertEquals(List.of(), model.cage.protocolErrors, "I2C as the module sees it");
    }

    static byte[] numbered(byte[] dst, int seq, int size) { return TestFrames.numbered(dst, PEER, seq, size); }

    static byte[] flow(int proto, int srcHost, int sport, int dport, int seq, int size) {
        return TestFrames.flow(MAC, PEER, proto, srcHost, sport, dport, seq, size);
    }

    /** The RX ring RSS sends an IPv4 flow to, computed independently of the driver from the key and table. */
    int predictedRing(byte[] flow, int proto) {
        RssConfig r = adapter.rss();
        int sp = (flow[34] & 0xff) << 8 | (flow[35] & 0xff), dp = (flow[36] & 0xff) << 8 | (flow[37] & 0xff);
        return r.queueOf(proto == UDP || proto == TCP ? Toeplitz.ipv4(r.key(), srcAddr(flow), dstAddr(flow), sp, dp)
                : Toeplitz.ipv4(r.key(), srcAddr(flow), dstAddr(flow)));
    }

    /** A UDP source port whose flow RSS puts on ring {@code ring}. */
    int portFor(int ring) {
        for (int sp = 1000; ; sp++) if (predictedRing(flow(UDP, 1, sp, 4000, 0, 64), UDP) == ring) return sp;
    }

    void receive(byte[] f) {
        int q = model.receive(f);
        assertTrue(q >= 0, "the model took the frame (" + q + ")");
    }

    // ------------------------------------------------------------------ init

    @Test
    void initFollowsTheDatasheetOrder() {
        open();
        int mask = model.firstWrite(EIMC, 0x7FFF_FFFF, 0x7FFF_FFFF), maskEx = model.firstWrite(EIMC_EX0, -1);
        int gio = model.firstWrite(CTRL, 1 << 2);
        int reset = model.firstWrite(CTRL, 1 << 26);
        int an = model.firstWrite(AUTOC, 1 << 12);
        int rxPb = model.firstWrite(RXPBSIZE0, -1, 512 << 10);
        int rxOn = model.firstWrite(RXCTRL, 1);
        int te = model.firstWrite(DMATXCTL, 1);
        assertTrue(mask >= 0 && mask < gio && maskEx < gio, "interrupts masked, then PCIe mastering stopped");
        assertTrue(gio < reset, "mastering stopped before the global reset");
        assertEquals(0, model.writesDuringReset, "nothing written while the reset was in progress");
        assertTrue(reset < an && an < rxPb, "autonegotiation restarted after the reset, before RX (§4.6.4)");
        assertEquals(1, model.anRestarts);
        assertTrue(model.lastWrite(MTA + 4 * 127) > reset && model.lastWrite(VFTA + 4 * 127) > reset, "MTA and VFTA cleared");
        assertTrue(model.lastWrite(RAL0 + 8 * 127 + 4) > reset, "receive addresses 1-127 cleared");
        assertTrue(rxPb < rxOn && rxOn < te, "receive initialised, then transmit (§4.6.7, §4.6.8)");
        assertEquals(0, model.lostTails, "no tail written to a queue before its enable read back");
        assertTrue(adapter.linkUp());
        assertEquals(10_000, adapter.linkSpeedMbps());
        assertNotEquals(0, model.get(CTRL_EXT) & (1 << 28), "DRV_LOAD");
        assertNotEquals(0, model.get(CTRL_EXT) & (1 << 16), "NS_DIS");
        assertArrayEquals(MAC, adapter.macAddress());
        // CRC strip in both places, jumbo, packet buffers
        assertEquals(0x403 | 0x4, model.get(HLREG0), "TXCRCEN, RXCRCSTRP, JUMBOEN, TXPADEN");
        assertEquals(1 << 1 | 1 << 3 | 3 << 25, model.get(RDRXCTL),
                "RDRXCTL: CRCSTRIP agrees with HLREG0, RSCFRSTSIZE written 0, RSCACKC and FCOE_WRFIX written 1");
        assertEquals((IxgbeConfig.MAX_FRAME + 4) << 16, model.get(MAXFRS));
        assertEquals(1 << 10, model.get(FCTRL), "broadcast accepted, not promiscuous");
        assertEquals(160 << 10, model.get(0xCC00));
        assertEquals(0xFFFF, model.get(0x8100), "DTXMXSZRQ");
        assertEquals(0, model.get(RTTDCS) & (1 << 6), "TX arbiter back on after MTQC");
        assertTrue(model.firstWrite(SECRXCTRL, 2) < rxOn && model.lastWrite(SECRXCTRL, 2, 0) > rxOn,
                "RXEN set inside SECRXCTRL.RX_DIS");
        for (int q = 0; q < QUEUES; q++) {
            int enabled = model.firstWrite(rxdctl(q), ENABLE);
            int tail = model.lastWrite(rdt(q));
            assertTrue(enabled < tail && tail < rxOn, "queue " + q + ": RXDCTL.ENABLE, RDT, then RXCTRL.RXEN");
            assertEquals(0x0200_0000 | 2 | (1 << 28), model.get(srrctl(q)), "advanced one-buffer, 2 KiB, drop");
            assertEquals(0, model.get(dcaRxctrl(q)) & (1 << 12), "relaxed ordering bit cleared");
            assertEquals(SLOTS * 16, model.get(rxBase(q) + 8));
            assertEquals(SLOTS * 16, model.get(txBase(q) + 8));
            assertEquals(0, model.get(rdh(q)));
            assertEquals(SLOTS - 1, model.get(rdt(q)), "all but one RX descriptor given to the chip");
            assertEquals(0, model.get(tdh(q)));
            assertEquals(0, model.get(tdt(q)));
            assertNotEquals(0, model.read32(txdctl(q)) & ENABLE);
            assertTrue(model.firstWrite(txdctl(q), ENABLE) > te, "TX queue " + q + " enabled after DMATXCTL.TE");
            long rdba = (model.get(rxBase(q)) & 0xffffffffL) | ((long) model.get(rxBase(q) + 4) << 32);
            assertEquals(adapter.rxRing(q).memory().iova(), rdba);
            NetmapRing rx = port.rxRing(q);
            OffHeapBuffer d = adapter.rxRing(q).memory().buffer();
            for (int i = 0; i < SLOTS - 1; i++) assertEquals(adapter.region().bufferAddress(rx.bufIdx(i)), d.getLong(16 * i));
        }
        // RSS: the key, a round-robin table, IPv4/IPv6 with TCP and UDP, the hash in the descriptor
        assertEquals(1 << 13, model.get(RXCSUM));
        assertEquals(0x1 | 0x00F3_0000, model.get(MRQC));
        assertEquals(0xda565a6d, model.get(RSSRK));
        assertEquals(0x03020100, model.get(RETA));
        // MSI-X: queue pair q on vector q, link on vector 4, auto-clear, no auto-mask
        assertTrue(adapter.usesMsix());
        assertEquals(1 << 4 | 1 << 31, model.get(GPIE));
        for (int q = 0; q < QUEUES; q++) {
            int e = model.get(IVAR0 + 4 * (q >> 1)) >>> (16 * (q & 1)) & 0xFFFF;
            assertEquals((q | 0x80) | (q | 0x80) << 8, e, "IVAR of queue " + q);
        }
        assertEquals((4 | 0x80) << 8, model.get(IVAR_MISC));
        assertEquals(0xF, model.get(EIAC));
        assertEquals(1 << 20, model.read32(EIMS), "only link changes unmasked while nobody waits");
    }

    @Test
    void otherChipsAreRefusedInOneLineBeforeAnyRegisterIsTouched() {
        model = new Ixgbe82599Model(MAC);
        int before = model.writes.size();
        for (int id : new int[] {0x154A, 0x10F9, 0x1528, 0x1563, 0x10D3}) {
            ModelDevice d = new ModelDevice(model, new PciId(0x8086, id), "0000:00:07.0", "MSIX");
            PciException e = assertThrows(PciException.class, () -> IxgbeAdapter.open(d, config()));
            assertEquals(PciException.Reason.UNSUPPORTED_DEVICE, e.reason());
            assertTrue(e.getMessage().contains("ixgbe driver does not support") && e.getMessage().contains("8086:10f7 82599 KX4"),
                    e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line");
            assertTrue(d.isClosed(), "the refused device is closed");
        }
        assertTrue(assertThrows(PciException.class, () -> IxgbeChip.of(new PciId(0x8086, 0x154A), "x")).getMessage()
                .contains("82599 SFP+ SF QP, quad port"));
        assertEquals(before, model.writes.size());
    }

    @Test
    void aLinkModeItCannotBringUpIsRefusedAtOpen() {
        model = new Ixgbe82599Model(MAC);
        model.nvmLinkMode = 3; // 10 GbE serial (SFI): an SFP+ module's mode
        dev = new ModelDevice(model, KX4, ADDRESS, "MSIX"); // a backplane part, whatever the subclass opens
        IntelException e = assertThrows(IntelException.class, () -> IxgbeAdapter.open(dev, config()));
        assertTrue(e.getMessage().contains("AUTOC.LMS is 011"), e.getMessage());
        assertTrue(dev.isClosed(), "nothing half-configured: the device is closed");
        assertFalse(NicRegion.isOpen());
        adapter = null;
    }

    @Test
    void theProviderIsRegisteredAndNamesTheChips() {
        IxgbeProvider found = null;
        for (AdapterProvider p : ServiceLoader.load(AdapterProvider.class)) if (p instanceof IxgbeProvider ip) found = ip;
        assertNotNull(found, "META-INF/services lists IxgbeProvider");
        assertTrue(found.describe().contains("8086:10f7 82599 KX4"), found.describe());
    }

    @Test
    void theFirstPortNameConfiguresRingsAndSlots() {
        IxgbeConfig c = IxgbeConfig.from(PortName.parse("netmap:0000:00:06.0@conf:rings=8,slots=256"));
        assertEquals(8, c.queues());
        assertEquals(256, c.txSlots());
        assertThrows(IllegalArgumentException.class, () -> IxgbeConfig.from(PortName.parse("netmap:x@conf:rings=17")));
        assertThrows(IllegalArgumentException.class, () -> IxgbeConfig.from(PortName.parse("netmap:x@conf:slots=100")));
    }

    // ------------------------------------------------------------------ transmit

    @Test
    void everyQueueTransmitsItsFramesInOrderWithOneDoorbellPerSync() {
        open();
        int before = model.tdtWrites;
        for (int q = 0; q < QUEUES; q++)
            for (int j = 0; j < 20; j++) put(port.txRing(q), numbered(PEER, q * 1000 + j, 60 + j));
        port.txsync();
        assertEquals(QUEUES, model.tdtWrites - before, "one tail write per ring per sync");
        assertEquals(QUEUES * 20, model.wire.size());
        for (int q = 0; q < QUEUES; q++) {
            int j = 0;
            for (Ixgbe82599Model.Sent s : model.wire) {
                if (s.queue() != q) continue;
                assertArrayEquals(numbered(PEER, q * 1000 + j, 60 + j), s.frame(), "queue " + q + " frame " + j);
                j++;
            }
            assertEquals(20, j);
            assertEquals(20, model.txQueuePackets[q]);
        }
        port.txsync();
        for (int q = 0; q < QUEUES; q++) {
            assertFalse(port.txRing(q).txPending(), "queue " + q + ": all sent and reclaimed");
            assertEquals(SLOTS - 1, port.txRing(q).space());
        }
        Map<String, Long> st = adapter.statistics();
        assertEquals(80L, st.get("tx_packets"));
        for (int q = 0; q < QUEUES; q++) assertEquals(20L, st.get("tx_queue_" + q + "_packets"), "QPTC(" + q + ") via TQSM");
        assertEquals(QUEUES * (20L * 64 + 190), st.get("tx_bytes"), "octets: 60 + j bytes and the CRC");
    }

    @Test
    void jumboChainsSpanSlotsOnTransmitAndHalfAPacketNeverReachesTheChip() {
        open();
        NetmapRing tx = port.txRing(1);
        byte[] jumbo = numbered(PEER, 7, IxgbeConfig.MAX_FRAME);
        int h = tx.head();
        tx.buffers().putBytes(tx.slotBufOffset(h), jumbo, 0, 2048);
        tx.len(h, 2048);
        tx.slotFlags(h, NS_MOREFRAG);
        tx.advance(tx.next(h));
        port.txsync();
        assertEquals(0, model.wire.size(), "half a packet never reaches the chip");
        int i = tx.head();
        for (int off = 2048; off < jumbo.length; off += 2048) {
            int len = Math.min(2048, jumbo.length - off);
            tx.buffers().putBytes(tx.slotBufOffset(i), jumbo, off, len);
            tx.len(i, len);
            tx.slotFlags(i, off + len < jumbo.length ? NS_MOREFRAG : 0);
            i = tx.next(i);
        }
        tx.advance(i);
        put(tx, numbered(PEER, 8, 60));
        port.txsync();
        assertEquals(2, model.wire.size());
        assertArrayEquals(jumbo, model.wire.get(0).frame());
        assertEquals(1, model.wire.get(0).queue());
        assertArrayEquals(numbered(PEER, 8, 60), model.wire.get(1).frame());
    }

    @Test
    void aChainOfMoreThanFortySlotsIsABadSlotAndFortyGoOut() {
        open();
        assertEquals(40, adapter.maxTxFragments());
        NetmapRing tx = port.txRing(0);
        int[] lens = new int[41];
        Arrays.fill(lens, 20);
        int writes = model.tdtWrites, h = tx.head();
        putFragments(tx, lens);
        RingStateException e = assertThrows(RingStateException.class, () -> port.txsync());
        assertTrue(e.getMessage().contains("40"), e.getMessage());
        assertEquals(writes, model.tdtWrites, "no doorbell");
        assertEquals(h, tx.head(), "ring reset to the port's state");
        putFragments(tx, Arrays.copyOf(lens, 40));
        port.txsync();
        assertEquals(1, model.wire.size(), "40 descriptors for one packet is what the chip takes");
        assertEquals(800, model.wire.get(0).frame().length);
    }

    @Test
    void completionsAreBatchedNotOnePerPacket() {
        open();
        NetmapRing tx = port.txRing(0);
        for (int b = 0; b < 4; b++) {
            for (int j = 0; j < 10; j++) put(tx, numbered(PEER, b * 10 + j, 60));
            port.txsync();
        }
        assertEquals(40, model.wire.size());
        int rs = 0;
        OffHeapBuffer d = adapter.txRing(0).memory().buffer();
        for (int i = 0; i < 40; i++) if ((d.getInt(16 * i + 8) & AdvancedTxFormat.DCMD_RS) != 0) rs++;
        assertTrue(rs <= 6, "a handful of report points: " + rs);
        port.txsync();
        assertFalse(tx.txPending());
    }

    // ------------------------------------------------------------------ receive and RSS

    @Test
    void rssSpreadsFlowsAsToeplitzPredictsAndEveryFlowStaysOnOneRing() {
        open();
        Map<Integer, Set<Integer>> ringsOfFlow = new HashMap<>();
        long[] perRing = new long[QUEUES];
        for (int round = 0; round < 3; round++) {
            for (int flowId = 0; flowId < 64; flowId++) {
                int proto = flowId % 3 == 0 ? TCP : UDP;
                receive(flow(proto, 1 + flowId % 5, 1000 + flowId, 4000 + flowId, round * 64 + flowId, 64 + flowId));
            }
            port.rxsync();
            for (int q = 0; q < QUEUES; q++) {
                byte[] f;
                while ((f = take(port.rxRing(q))) != null) {
                    int seq = getInt(f, 46), flowId = seq % 64;
                    int proto = flowId % 3 == 0 ? TCP : UDP;
                    assertEquals(predictedRing(f, proto), q, "flow " + flowId + " on the ring its hash selects");
                    assertArrayEquals(flow(proto, 1 + flowId % 5, 1000 + flowId, 4000 + flowId, seq, 64 + flowId), f);
                    ringsOfFlow.computeIfAbsent(flowId, k -> new HashSet<>()).add(q);
                    perRing[q]++;
                }
            }
        }
        assertEquals(64, ringsOfFlow.size());
        for (Map.Entry<Integer, Set<Integer>> e : ringsOfFlow.entrySet())
            assertEquals(1, e.getValue().size(), "flow " + e.getKey() + " on one ring only: " + e.getValue());
        assertTrue(Arrays.stream(perRing).filter(n -> n > 0).count() >= 3, "flows spread: " + Arrays.toString(perRing));
        Map<String, Long> st = adapter.statistics();
        for (int q = 0; q < QUEUES; q++) {
            assertEquals(model.rxQueuePackets[q], perRing[q]);
            assertEquals(perRing[q], st.get("rx_queue_" + q + "_packets"), "QPRC(" + q + ") via RQSMR");
        }
        assertEquals(192L, st.get("rx_packets"));
    }

    @Test
    void aCustomRedirectionTableSteersFlows() {
        open();
        adapter.setRss(new RssConfig(RssConfig.VERIFICATION_KEY, RssConfig.parseTable("test", "2")));
        for (int i = 0; i < 30; i++) assertEquals(2, model.receive(flow(UDP, 1, 1000 + i, 53, i, 64)));
        port.rxsync();
        for (int i = 0; i < 30; i++) assertEquals(i, getInt(take(port.rxRing(2)), 46));
        assertThrows(IllegalArgumentException.class,
                () -> adapter.setRss(new RssConfig(RssConfig.VERIFICATION_KEY, RssConfig.parseTable("test", "4"))));
    }

    @Test
    void jumboFramesSpanSlotsOnReceiveWithMoreFragAndLongerOnesAreDropped() {
        open();
        byte[] jumbo = numbered(MAC, 9, IxgbeConfig.MAX_FRAME);
        assertEquals(0, model.receive(jumbo));
        port.rxsync();
        NetmapRing rx = port.rxRing(0);
        assertEquals(5, rx.space(), "one slot per 2 KiB buffer");
        for (int i = 0; i < 4; i++) assertEquals(NS_MOREFRAG, rx.slotFlags(i));
        assertEquals(0, rx.slotFlags(4));
        assertArrayEquals(jumbo, take(rx));
        assertEquals(DROPPED, model.receive(numbered(MAC, 10, IxgbeConfig.MAX_FRAME + 1)), "beyond MAXFRS");
        assertEquals(1L, adapter.statistics().get("rx_oversize"));
    }

    @Test
    void withoutJumboLongFramesAreDropped() {
        open(config().withJumbo(false), "MSIX");
        assertEquals(0, model.get(HLREG0) & 0x4, "JUMBOEN off");
        assertEquals(DROPPED, model.receive(numbered(MAC, 1, 1515)));
        assertEquals(0, model.receive(numbered(MAC, 2, 1514)));
    }



    // ------------------------------------------------------------------ 802.3x flow control

    /** A PAUSE frame from the peer: {@code quanta} 0 is XON. */
    static byte[] pause(int quanta) {
        byte[] f = new byte[60];
        System.arraycopy(PAUSE_DST, 0, f, 0, 6);
        System.arraycopy(PEER, 0, f, 6, 6);
        f[12] = (byte) 0x88;
        f[13] = 0x08;
        f[15] = 1;
        f[16] = (byte) (quanta >>> 8);
        f[17] = (byte) quanta;
        return f;
    }

    List<byte[]> sentFrames(int queue) {
        List<byte[]> r = new ArrayList<>();
        for (Ixgbe82599Model.Sent s : model.wire) if (s.queue() == queue) r.add(s.frame());
        return r;
    }

    @Test
    void flowControlIsOffByDefaultAndTheFirstPortNameTurnsItOn() {
        assertFalse(IxgbeConfig.defaults().flowControl(), "off, as DPDK's ixgbe PMD and our gigabit drivers");
        assertTrue(IxgbeConfig.from(PortName.parse("netmap:0000:00:06.0@conf:flow-control=1")).flowControl());
        assertFalse(IxgbeConfig.from(PortName.parse("netmap:0000:00:06.0@conf:flow-control=0")).flowControl());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> IxgbeConfig.from(PortName.parse("netmap:0000:00:06.0@conf:flow-control=2")));
        assertTrue(bad.getMessage().contains("flow-control=1 (on) or flow-control=0 (off)"), bad.getMessage());
        open();
        assertEquals(io.jnetmap.intel.gigabit.FlowControl.NONE, adapter.flowControl());
        assertEquals(0, model.get(MFLCN) & (1 << 3), "MFLCN.RFCE: the peer's PAUSE is not honoured");
        assertEquals(0, model.get(FCCFG), "FCCFG.TFCE: no PAUSE sent");
        assertEquals(0, model.get(FCRTH0), "no XOFF threshold");
        for (int q = 0; q < QUEUES; q++) assertNotEquals(0, model.get(srrctl(q)) & (1 << 28), "queue " + q + ": DROP_EN, a full queue drops");
        // an XOFF from the peer changes nothing: the frames go out, the XOFF is counted
        model.receive(pause(0xFFFF));
        for (int j = 0; j < 10; j++) put(port.txRing(0), numbered(PEER, j, 60));
        port.txsync();
        assertEquals(10, sentFrames(0).size());
        assertEquals(1L, adapter.statistics().get("rx_xoff"));
    }

    /**
     * With flow control on the registers say so as Intel's drivers program them (82599 datasheet
     * §3.7.7): MFLCN.RFCE with DPF, FCCFG.TFCE 802.3x, XOFF at 512 KiB less the delay value of a
     * 9022-byte frame (471 KiB), XON at 39 KiB (the same figures as Linux's IXGBE_DV and
     * IXGBE_LOW_DV), the longest pause time, refreshed at half of it.
     */
    @Test
    void flowControlOnProgramsThePauseRegistersAsIntelsDriversDo() {
        open(config().withFlowControl(true), "MSIX");
        assertEquals(io.jnetmap.intel.gigabit.FlowControl.FULL, adapter.flowControl());
        assertEquals(1 << 3 | 1 << 1, model.get(MFLCN), "RFCE and DPF");
        assertEquals(1 << 3, model.get(FCCFG), "TFCE 802.3x");
        assertEquals(471 << 10 | 1 << 31, model.get(FCRTH0), "XOFF above 471 KiB, FCEN");
        assertEquals(39 << 10 | 1 << 31, model.get(FCRTL0), "XON below 39 KiB, XONE");
        for (int i = 1; i < 8; i++) assertEquals(0, model.get(FCRTH0 + 4 * i), "no thresholds for packet buffer " + i);
        for (int i = 0; i < 4; i++) assertEquals(0xFFFF_FFFF, model.get(FCTTV0 + 4 * i), "FCTTV(" + i + ")");
        assertEquals(0x7FFF, model.get(0x32A0), "FCRTV: XOFF repeated at half the pause time");
        for (int q = 0; q < QUEUES; q++) assertEquals(0, model.get(srrctl(q)) & (1 << 28), "queue " + q + ": no DROP_EN, a full queue holds");
        assertEquals(497, PauseThresholds.highKib(512, 1518));
        assertEquals(10, PauseThresholds.lowKib(512, 1518));
    }

    @Test
    void withFlowControlThePeersXoffHoldsTransmitUntilXonAndNothingIsLost() {
        open(config().withFlowControl(true), "MSIX");
        model.receive(pause(0xFFFF));
        for (int j = 0; j < 20; j++) put(port.txRing(0), numbered(PEER, j, 60 + j));
        port.txsync();
        assertEquals(0, sentFrames(0).size(), "XOFF: nothing leaves");
        assertTrue(port.txRing(0).txPending(), "the frames wait in the ring");
        model.receive(pause(0));
        List<byte[]> sent = sentFrames(0);
        assertEquals(20, sent.size(), "XON: all of them, once");
        for (int j = 0; j < 20; j++) assertArrayEquals(numbered(PEER, j, 60 + j), sent.get(j), "in order, frame " + j);
        // an XOFF whose time runs out releases TX as well
        model.receive(pause(0xFFFF));
        put(port.txRing(0), numbered(PEER, 20, 60));
        port.txsync();
        assertEquals(20, sentFrames(0).size());
        model.pauseTimeOver();
        assertEquals(21, sentFrames(0).size());
        Map<String, Long> st = adapter.statistics();
        assertEquals(2L, st.get("rx_xoff"));
        assertEquals(1L, st.get("rx_xon"));
    }

    /**
     * A receiver that falls behind: frames wait in the packet buffer (no DROP_EN), past the high
     * mark the port sends XOFF, and once the application has drained the buffer below the low mark,
     * XON. Every frame arrives, in order; none is missed or dropped.
     */
    @Test
    void withFlowControlAFullPacketBufferSendsXoffThenXonAndEveryFrameArrives() {
        open(config().withFlowControl(true), "MSIX");
        int n = 400, size = 1514; // 400 x 1514 B > 471 KiB: past the high mark with 63 frames in the ring
        for (int i = 0; i < n; i++) {
            int q = model.receive(numbered(MAC, i, size));
            assertTrue(q == 0 || q == HELD, "frame " + i + " delivered or held, not dropped (" + q + ")");
        }
        List<byte[]> pauses = sentFrames(-1);
        assertEquals(1, pauses.size(), "one XOFF, when the buffer passed 471 KiB");
        assertEquals(0xFFFF, (pauses.get(0)[16] & 0xff) << 8 | (pauses.get(0)[17] & 0xff), "the longest pause time");
        assertArrayEquals(MAC, Arrays.copyOfRange(pauses.get(0), 6, 12), "from the port's address");
        int got = 0;
        byte[] f;
        for (int round = 0; round < 50 && got < n; round++) {
            port.rxsync();
            while ((f = take(port.rxRing(0))) != null) assertEquals(got++, getInt(f, 14), "in order");
        }
        assertEquals(n, got, "every frame arrived");
        assertEquals(0, model.packetBufferBytes());
        pauses = sentFrames(-1);
        assertEquals(2, pauses.size(), "then one XON");
        assertEquals(0, (pauses.get(1)[16] & 0xff) << 8 | (pauses.get(1)[17] & 0xff));
        Map<String, Long> st = adapter.statistics();
        assertEquals(1L, st.get("tx_xoff"));
        assertEquals(1L, st.get("tx_xon"));
        assertEquals(0L, st.get("rx_missed"));
        assertEquals(0L, st.get("rx_queue_0_drops"));
    }



    // ------------------------------------------------------------------ bad slots

    @Test
    void badTxSlotsNeverReachADescriptor() {
        open();
        NetmapRing tx = port.txRing(0);
        int[][] bad = {{0, 60}, {1, 60}, {adapter.region().numBuffers(), 60}, {-1, 60}, {tx.bufIdx(tx.head()), 4000}};
        for (int[] b : bad) {
            int h = tx.head(), saved = tx.bufIdx(h);
            tx.bufIdx(h, b[0] == -1 ? Integer.MAX_VALUE : b[0]);
            tx.len(h, b[1]);
            tx.advance(tx.next(h));
            int writes = model.tdtWrites;
            assertThrows(RingStateException.class, () -> port.txsync(), "slot with buffer " + b[0] + ", len " + b[1]);
            assertEquals(writes, model.tdtWrites, "no doorbell");
            assertEquals(h, tx.head(), "ring reset to the port's state");
            assertEquals(saved, tx.bufIdx(h), "the lost buffer index restored");
        }
        for (int[] lens : TOO_SHORT) {
            int writes = model.tdtWrites;
            putFragments(tx, lens);
            assertThrows(RingStateException.class, () -> port.txsync(), Arrays.toString(lens));
            assertEquals(writes, model.tdtWrites, "no doorbell for " + Arrays.toString(lens));
        }
        assertEquals(0, model.wire.size());
        put(tx, numbered(PEER, 1, 60));
        putFragments(tx, 10, 7);
        port.txsync();
        assertEquals(2, model.wire.size(), "the ring works after the refusals; 17 bytes is what the chip takes");
    }


    // ------------------------------------------------------------------ interrupts and poll

    @Test
    void aSingleRingPortSleepsOnItsOwnVector() throws Exception {
        open();
        NetmapPort ring1 = bind("netmap:" + ADDRESS + "-1");
        int toRing0 = portFor(0), toRing1 = portFor(1);
        CompletableFuture<Integer> polled = CompletableFuture.supplyAsync(() -> ring1.poll(NetmapPort.POLLIN, 10_000));
        Thread.sleep(300);
        long before1 = model.signals[1];
        for (int i = 0; i < 5; i++) assertEquals(0, model.receive(flow(UDP, 1, toRing0, 4000, i, 64)));
        Thread.sleep(300);
        assertFalse(polled.isDone(), "traffic for ring 0 does not wake a thread waiting on ring 1");
        assertEquals(0, model.signals[0], "ring 0's vector stays masked: nobody waits on it");
        assertEquals(1, model.receive(flow(UDP, 1, toRing1, 4000, 99, 64)));
        assertEquals(NetmapPort.POLLIN, polled.get(5, TimeUnit.SECONDS) & NetmapPort.POLLIN);
        assertTrue(model.signals[1] > before1, "woken by vector 1");
        assertEquals(99, getInt(take(ring1.rxRing(1)), 46));
        assertEquals(1 << 20, model.read32(EIMS), "ring 1's vector masked again when nobody waits");
    }


    @ParameterizedTest
    @ValueSource(strings = {"MSI", "INTX"})
    void sharedInterruptsStillWakePoll(String mode) throws Exception {
        open(config(), mode);
        assertFalse(adapter.usesMsix());
        assertEquals(0, model.get(GPIE));
        assertEquals((0x80 | (0x81 << 8)) * 0x10001, model.get(IVAR0), "RX causes on EICR bit 0, TX on bit 1");
        NetmapPort ring2 = bind("netmap:" + ADDRESS + "-2");
        CompletableFuture<Integer> polled = CompletableFuture.supplyAsync(() -> ring2.poll(NetmapPort.POLLIN, 10_000));
        Thread.sleep(200);
        assertEquals(0, model.receive(flow(UDP, 1, portFor(0), 4000, 1, 64)));
        Thread.sleep(300);
        assertFalse(polled.isDone(), "woken, found ring 2 empty, asleep again");
        assertEquals(2, model.receive(flow(UDP, 1, portFor(2), 4000, 2, 64)));
        assertEquals(NetmapPort.POLLIN, polled.get(5, TimeUnit.SECONDS) & NetmapPort.POLLIN);
    }

    @Test
    void sixteenQueuePairsPutTheLinkOnVectorSixteen() throws Exception {
        open(config().withQueues(16), "MSIX");
        assertTrue(adapter.usesMsix());
        assertEquals(0xFFFF, model.get(EIAC));
        assertEquals((16 | 0x80) << 8, model.get(IVAR_MISC));
        long before = model.signals[16];
        model.setCable(false);
        assertTrue(model.signals[16] > before, "the link change on vector 16");
        assertFalse(adapter.linkUp());
        model.setCable(true);
        NetmapPort ring15 = bind("netmap:" + ADDRESS + "-15");
        CompletableFuture<Integer> polled = CompletableFuture.supplyAsync(() -> ring15.poll(NetmapPort.POLLIN, 10_000));
        Thread.sleep(200);
        assertEquals(15, model.receive(flow(UDP, 1, portFor(15), 4000, 3, 64)));
        assertEquals(NetmapPort.POLLIN, polled.get(5, TimeUnit.SECONDS) & NetmapPort.POLLIN);
    }

    // ------------------------------------------------------------------ link, statistics, filters

    @Test
    void linkStateFollowsTheCableAndNothingStaleLeavesAfterTheReplug() throws Exception {
        open();
        assertTrue(adapter.linkUp());
        long changes = adapter.linkChanges(), signals = model.signals[4];
        model.setCable(false);
        assertTrue(model.signals[4] > signals, "link change on the link vector");
        assertFalse(adapter.linkUp());
        assertEquals(0, adapter.linkSpeedMbps());
        assertEquals(DROPPED, model.receive(numbered(MAC, 1, 60)), "no link, no frames");
        NetmapRing tx = port.txRing(0);
        for (int i = 0; i < 5; i++) put(tx, numbered(PEER, i, 60));
        port.txsync();
        assertEquals(0, model.wire.size(), "TX DMA stands still without link");
        model.setCable(true);
        assertTrue(adapter.linkUp());
        assertTrue(adapter.linkChanges() >= changes + 2);
        put(tx, numbered(PEER, 100, 60));
        port.txsync();
        for (Ixgbe82599Model.Sent s : model.wire) assertTrue(seq(s.frame()) >= 100, "no stale frame after the re-plug");
        assertTrue(adapter.statistics().get("tx_dropped") >= 5, "the frames handed over without link are counted as dropped");
        receive(numbered(MAC, 2, 60));
    }

    /** The shared link-loss check (issue 11): pending slots given back as dropped, nothing stale after the re-plug. */
    @ParameterizedTest
    @ValueSource(strings = {"MSIX", "MSI", "none"})
    void linkLossGivesPendingSlotsBackAndNothingStaleLeavesAfterTheReplug(String mode) throws Exception {
        open(config().withQueues(2).withInterrupts(!mode.equals("none")), mode.equals("none") ? "MSIX" : mode);
        TxLinkLossCheck.run(adapter, port, seq -> numbered(PEER, seq, 80), model::setCable, () -> {
            synchronized (model) {
                List<Integer> s = new ArrayList<>();
                for (Ixgbe82599Model.Sent f : model.wire) s.add(seq(f.frame()));
                return s;
            }
        });
    }

    @Test
    void countersAccumulateAcrossClearOnReadsTo64Bits() {
        open();
        for (int i = 0; i < 10; i++) receive(numbered(MAC, i, 100));
        Map<String, Long> a = adapter.statistics();
        assertEquals(10L, a.get("rx_packets"));
        assertEquals(10L * 104, a.get("rx_bytes"));
        port.rxsync();
        while (take(port.rxRing(0)) != null) { }
        port.rxsync();
        for (int i = 0; i < 5; i++) receive(numbered(BROADCAST, i, 100));
        Map<String, Long> b = adapter.statistics();
        assertEquals(15L, b.get("rx_packets"), "the chip cleared its counter at the first read; the totals keep going");
        assertEquals(5L, b.get("rx_broadcast"));
        assertEquals(0, model.get(GPRC), "read (and cleared) in the chip");
        model.put(GORCL, 0xFFFF_FFF0);
        model.put(GORCL + 4, 0x7);
        assertEquals(15L * 104 + 0x7_FFFF_FFF0L, adapter.statistics().get("rx_bytes"), "the octet counter's high half");
    }



    // ------------------------------------------------------------------ close and reopen

    @Test
    void closeStopsResetsAndFreesEverythingAndTheNicOpensAgain() {
        open();
        int resets = model.resets;
        closePorts();
        assertTrue(adapter.isDestroyed());
        assertTrue(model.resets > resets, "reset at close");
        assertTrue(model.lastWrite(CTRL, 1 << 26, 1 << 26) > model.lastWrite(RXCTRL, 1, 0), "RX off, then the reset");
        assertEquals(0, model.get(RXCTRL) & 1);
        assertEquals(0, model.get(DMATXCTL) & 1);
        assertEquals(0, model.read32(EIMS));
        assertEquals(0, dev.liveDma(), "descriptor rings freed");
        assertEquals(0, dev.liveWindows(), "region unmapped");
        assertTrue(dev.isClosed());
        assertFalse(NicRegion.isOpen());
        open();
        put(port.txRing(0), numbered(PEER, 1, 60));
        port.txsync();
        assertEquals(1, model.wire.size());
        receive(numbered(MAC, 2, 60));
        port.rxsync();
        assertEquals(2, getInt(take(port.rxRing(0)), 14));
    }

    @Test
    void aCrashedOwnersLeftoversAreResetAway() {
        model = newModel();
        // a previous process died with the chip running, its ring pointing at memory that is gone
        model.write32(rxBase(0), 0x1000);
        model.write32(rxBase(0) + 8, 4096);
        model.write32(rxdctl(0), ENABLE);
        model.read32(rxdctl(0));
        model.read32(rxdctl(0));
        model.write32(rdt(0), 100);
        model.write32(RXCTRL, 1);
        model.write32(EIMS, 0xff);
        model.write32(RAL0 + 8 * 5, 0x12345678);
        model.write32(RAL0 + 8 * 5 + 4, 0x8000_0000 | 0x9abc);
        model.writes.clear();
        model.protocolErrors.clear(); // the previous owner's, not the driver's
        open();
        assertTrue(model.firstWrite(CTRL, 1 << 26) >= 0);
        assertEquals(0, model.get(RAL0 + 8 * 5 + 4), "the previous owner's receive address is gone");
        receive(numbered(MAC, 5, 60));
        port.rxsync();
        assertEquals(5, getInt(take(port.rxRing(0)), 14));
    }
}
