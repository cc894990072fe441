package io.jnetmap.igb;

import io.jnetmap.intel.AdvancedTxFormat;
import io.jnetmap.intel.IntelStats;
import io.jnetmap.intel.Toeplitz;
import io.jnetmap.intel.RssConfig;
import io.jnetmap.nic.DriverRingModel;
import io.jnetmap.intel.MultiQueueAdapterCases;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.nic.NicRegion;
import io.jnetmap.nic.QemuNetQueue;
import io.jnetmap.nic.RxFlood;
import io.jnetmap.nic.ShortTxFrameCheck;
import io.jnetmap.pci.PciException;
import io.jnetmap.pci.PciId;
import io.jnetmap.rings.AdapterProvider;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.PortName;
import io.jnetmap.rings.RingStateException;
import io.jnetmap.sys.OffHeapBuffer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.jnetmap.igb.IgbRegs.*;
import static io.jnetmap.igb.Packets.*;
import static io.jnetmap.nic.TestFrames.*;
import static io.jnetmap.intel.gigabit.GigabitRegs.*;
import static io.jnetmap.rings.NetmapLayout.*;
import static org.junit.jupiter.api.Assertions.*;

/** The igb driver against a register-level model of the 82576 (no hardware). */
class IgbAdapterTest extends MultiQueueAdapterCases<Igb82576Model, IgbAdapter> {
    static final String ADDRESS = "0000:00:05.0";
    static final PciId I82576 = new PciId(0x8086, 0x10c9);
    static final int UDP = 17, TCP = 6;

    static IgbConfig config() { return IgbConfig.defaults().withSlots(SLOTS, SLOTS).withQueues(QUEUES).withLinkWait(100); }

    IgbAdapterTest() { super(ADDRESS, MAC, PEER); }

    void open(IgbConfig cfg, String interruptMode) {
        if (model == null) model = new Igb82576Model(MAC);
        dev = new ModelDevice(model, I82576, ADDRESS, interruptMode);
        adapter = IgbAdapter.open(dev, cfg);
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

    /**
     * Issue 10 §1 with the sender first (testpmd flooding before pkt-gen opens the port): frames
     * reach the model through QEMU's net layer, which holds them while the chip cannot receive and
     * hands them over at the chip's RDT and RCTL writes. Opened mid-flood, the port receives ring
     * after ring, in order and byte-exact.
     */
    @Test
    void aPortOpenedWhileFramesAreAlreadyFloodingInReceivesThem() throws Exception {
        model = new Igb82576Model(MAC);
        QemuNetQueue qemu = model.qemuNetLayer();
        int wanted = 20 * SLOTS;
        RxFlood.Opened r = RxFlood.openedDuringFlood(qemu, seq -> numbered(MAC, seq, 60), () -> {
            open(config(), "MSIX");
            return port;
        }, wanted, 20_000);
        assertNull(r.firstProblem(), r.toString());
        assertTrue(r.received() >= wanted, r.toString());
        assertTrue(r.firstSeq() >= QemuNetQueue.MAX_HELD, "the frames held before the open were lost with RX off: " + r);
    }

    @Override protected int rdt0() { return model.get(IgbQueueRegs.of(0).rings().rdt()); }

    @Override
    protected void assertFilterRegisters(boolean promiscuous, boolean allMulticast, boolean broadcast) {
        assertEquals((promiscuous ? RCTL_UPE : 0) | (allMulticast ? RCTL_MPE : 0) | (broadcast ? RCTL_BAM : 0),
                model.get(RCTL) & (RCTL_UPE | RCTL_MPE | RCTL_BAM), "RCTL.UPE/MPE/BAM");
    }

    @Override
    protected void checkModel() {
        assertEquals(List.of(), model.dmaViolations, "no descriptor ever pointed outside the netmap buffers");
        assertEquals(List.of(), model.protocolErrors);
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
        int maskAll = model.firstWrite(IMC, -1), maskExt = model.firstWrite(EIMC, -1);
        int gio = model.firstWrite(CTRL, CTRL_GIO_MASTER_DISABLE);
        int reset = model.firstWrite(CTRL, CTRL_RST);
        int autoneg = model.firstWrite(MDIC, MDIC_OP_WRITE | (PHY_BMCR << MDIC_REG_SHIFT) | BMCR_ANENABLE | BMCR_ANRESTART);
        int rxOn = model.firstWrite(RCTL, RCTL_EN);
        int txOn = model.firstWrite(TCTL, TCTL_EN);
        assertTrue(maskAll >= 0 && maskAll < gio && maskExt < gio, "interrupts masked, then PCIe mastering stopped");
        assertTrue(gio < reset, "mastering stopped before the global reset");
        assertTrue(reset < autoneg && autoneg < rxOn, "autonegotiation restarted after the reset, before RX");
        assertTrue(model.lastWrite(MTA + 4 * 127) > reset && model.lastWrite(MTA + 4 * 127) < rxOn, "multicast table cleared");
        assertTrue(rxOn < txOn, "receive initialised, then transmit (§4.5.9, §4.5.10)");
        assertTrue(adapter.linkUp(), "QEMU-style link: up after the autonegotiation restart");
        assertEquals(1, model.autonegRestarts);
        int ctrl = model.get(CTRL);
        assertEquals(CTRL_SLU, ctrl & (CTRL_SLU | CTRL_LRST | CTRL_FRCSPD | CTRL_FRCDPX), "link follows the PHY, out of link reset");
        assertNotEquals(0, model.get(CTRL_EXT) & CTRL_EXT_DRV_LOAD);
        assertArrayEquals(MAC, adapter.macAddress());
        for (int q = 0; q < QUEUES; q++) {
            IgbQueueRegs r = IgbQueueRegs.of(q);
            // per queue: enabled, then RCTL.EN, then the tail (DPDK: "after enable")
            int enabled = model.firstWrite(r.rings().rxdctl(), DCTL_QUEUE_ENABLE);
            int tail = model.lastWrite(r.rings().rdt());
            assertTrue(enabled < rxOn && rxOn < tail, "queue " + q + ": RXDCTL.ENABLE, RCTL.EN, then RDT");
            assertEquals(SRRCTL_DESCTYPE_ADV_ONEBUF | 2 | SRRCTL_DROP_EN, model.get(r.srrctl()), "advanced one-buffer, 2 KiB, drop");
            assertEquals(SLOTS * 16, model.get(r.rings().rdlen()));
            assertEquals(SLOTS * 16, model.get(r.rings().tdlen()));
            assertEquals(0, model.get(r.rings().rdh()));
            assertEquals(SLOTS - 1, model.get(r.rings().rdt()), "all but one RX descriptor given to the chip");
            assertEquals(0, model.get(r.rings().tdh()));
            assertEquals(0, model.get(r.rings().tdt()));
            assertNotEquals(0, model.get(r.rings().txdctl()) & DCTL_QUEUE_ENABLE);
            long rdba = (model.get(r.rings().rdbal()) & 0xffffffffL) | ((long) model.get(r.rings().rdbah()) << 32);
            assertEquals(adapter.rxRing(q).memory().iova(), rdba);
            // every RX descriptor points at its slot's buffer: zero copy
            NetmapRing rx = port.rxRing(q);
            OffHeapBuffer d = adapter.rxRing(q).memory().buffer();
            for (int i = 0; i < SLOTS - 1; i++) assertEquals(adapter.region().bufferAddress(rx.bufIdx(i)), d.getLong(16 * i));
        }
        assertEquals(RCTL_EN | RCTL_SECRC | RCTL_BAM | RCTL_LPE, model.get(RCTL));
        assertEquals(IgbConfig.MAX_FRAME + 4, model.get(RLPML));
        // RSS: the key, a round-robin table, IPv4/IPv6 with TCP and UDP, the hash in the descriptor
        assertEquals(RXCSUM_PCSD, model.get(RXCSUM));
        assertEquals(MRQC_ENABLE_RSS | MRQC_RSS_FIELDS, model.get(MRQC));
        assertEquals(0xda565a6d, model.get(RSSRK));
        assertEquals(0x03020100, model.get(RETA));
        // MSI-X: queue pair q on vector q, link on vector 4, auto-clear, no throttling
        assertTrue(adapter.usesMsix());
        assertEquals(GPIE_MSIX_MODE | GPIE_PBA | GPIE_NSICR, model.get(GPIE));
        for (int q = 0; q < QUEUES; q++) assertEquals((q | 0x80) | (q | 0x80) << 8, model.get(IVAR0 + 4 * q));
        assertEquals((4 | 0x80) << 8, model.get(IVAR_MISC));
        assertEquals(0x1f, model.get(EIAC));
        assertEquals(ICR_LSC, model.read32(IMS));
        assertEquals(1 << 4, model.read32(EIMS), "only the link vector is unmasked while nobody waits");
    }

    @Test
    void unknownDevicesAreRefusedBeforeAnyRegisterIsTouched() {
        model = new Igb82576Model(MAC);
        int before = model.writes.size();
        ModelDevice e1000e = new ModelDevice(model, new PciId(0x8086, 0x10d3), "0000:00:04.0", "MSIX");
        PciException e = assertThrows(PciException.class, () -> IgbAdapter.open(e1000e, config()));
        assertEquals(PciException.Reason.UNSUPPORTED_DEVICE, e.reason());
        assertTrue(e.getMessage().contains("igb driver does not support"), e.getMessage());
        assertEquals(before, model.writes.size());
        assertTrue(e1000e.isClosed(), "the refused device is closed");
    }

    @Test
    void theProviderIsRegisteredAndNamesTheChips() {
        IgbProvider found = null;
        for (AdapterProvider p : ServiceLoader.load(AdapterProvider.class)) if (p instanceof IgbProvider ip) found = ip;
        assertNotNull(found, "META-INF/services lists IgbProvider");
        assertTrue(found.describe().contains("8086:10c9 82576 copper"), found.describe());
        assertTrue(found.describe().contains("8086:1521 I350 copper"), found.describe());
    }

    @Test
    void theFirstPortNameConfiguresRingsAndSlots() {
        IgbConfig c = IgbConfig.from(PortName.parse("netmap:0000:00:05.0@conf:rings=2,slots=128"));
        assertEquals(2, c.queues());
        assertEquals(128, c.txSlots());
        assertEquals(128, c.rxSlots());
        assertThrows(IllegalArgumentException.class, () -> IgbConfig.from(PortName.parse("netmap:x@conf:slots=100")));
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
        assertEquals(4 * 20, model.wire.size());
        for (int q = 0; q < QUEUES; q++) {
            int j = 0;
            for (Igb82576Model.Sent s : model.wire) {
                if (s.queue() != q) continue;
                assertArrayEquals(numbered(PEER, q * 1000 + j, 60 + j), s.frame(), "queue " + q + " frame " + j);
                j++;
            }
            assertEquals(20, j);
            assertEquals(20, model.txQueuePackets[q]);
            assertEquals(20, adapter.txRing(q).packets());
            assertEquals(1, adapter.txRing(q).doorbells());
        }
        // completions: the batch's last packet reported (RS), DD written back, reclaimed at the next sync
        port.txsync();
        for (int q = 0; q < QUEUES; q++) {
            NetmapRing tx = port.txRing(q);
            assertFalse(tx.txPending(), "queue " + q + ": all sent, head == tail + 1");
            assertEquals(SLOTS - 1, tx.space());
        }
        Map<String, Long> st = adapter.statistics();
        assertEquals(80L, st.get("tx_packets"));
        assertEquals(20L, st.get("driver_tx_ring_3_packets"));
    }

    @Test
    void completionsAreLazyAndBatched() {
        open();
        NetmapRing tx = port.txRing(0);
        // 40 packets in 4 syncs: report points at slot 0 (none here), slot 32 (n/2) and each batch's last
        for (int b = 0; b < 4; b++) {
            for (int j = 0; j < 10; j++) put(tx, numbered(PEER, b * 10 + j, 60));
            port.txsync();
        }
        assertEquals(40, model.wire.size());
        int rs = 0;
        OffHeapBuffer d = adapter.txRing(0).memory().buffer();
        for (int i = 0; i < 40; i++) if ((d.getInt(16 * i + 8) & AdvancedTxFormat.DCMD_RS) != 0) rs++;
        assertTrue(rs <= 6, "a handful of report points, not one per packet: " + rs);
        port.txsync();
        assertFalse(tx.txPending());
    }

    @Test
    void jumboFramesSpanSlotsOnTransmit() {
        open();
        NetmapRing tx = port.txRing(1);
        byte[] jumbo = numbered(PEER, 7, IgbConfig.MAX_FRAME);
        // an unfinished packet (NS_MOREFRAG on its last slot so far) waits for its end
        int h = tx.head();
        tx.buffers().putBytes(tx.slotBufOffset(h), jumbo, 0, 2048);
        tx.len(h, 2048);
        tx.slotFlags(h, NS_MOREFRAG);
        tx.advance(tx.next(h));
        port.txsync();
        assertEquals(0, model.wire.size(), "half a packet never reaches the chip");
        // the rest of it: four more slots, the last without NS_MOREFRAG
        int i = tx.head();
        for (int off = 2048; off < jumbo.length; off += 2048) {
            int len = Math.min(2048, jumbo.length - off);
            tx.buffers().putBytes(tx.slotBufOffset(i), jumbo, off, len);
            tx.len(i, len);
            tx.slotFlags(i, off + len < jumbo.length ? NS_MOREFRAG : 0);
            i = tx.next(i);
        }
        tx.advance(i);
        assertEquals(5, tx.next(tx.prev(i)) - h, "9018 bytes in 2 KiB buffers: 5 slots");
        put(tx, numbered(PEER, 8, 60));
        port.txsync();
        assertEquals(2, model.wire.size());
        assertArrayEquals(jumbo, model.wire.get(0).frame());
        assertEquals(1, model.wire.get(0).queue());
        assertArrayEquals(numbered(PEER, 8, 60), model.wire.get(1).frame());
    }

    // ------------------------------------------------------------------ receive and RSS

    @Test
    void rssSpreadsFlowsOverTheRingsAndEveryFlowStaysOnOne() {
        open();
        Map<Integer, Set<Integer>> ringsOfFlow = new HashMap<>();
        long[] perRing = new long[QUEUES];
        for (int round = 0; round < 3; round++) {
            for (int flowId = 0; flowId < 64; flowId++) {
                int proto = flowId % 3 == 0 ? TCP : UDP;
                byte[] f = flow(proto, 1 + flowId % 5, 1000 + flowId, 4000 + flowId, round * 64 + flowId, 64 + flowId);
                receive(f);
            }
            port.rxsync();
            for (int q = 0; q < QUEUES; q++) {
                byte[] f;
                while ((f = take(port.rxRing(q))) != null) {
                    int seq = getInt(f, 46), flowId = seq % 64;
                    int proto = flowId % 3 == 0 ? TCP : UDP;
                    assertEquals(predictedRing(f, proto), q, "flow " + flowId + " on the ring its hash selects");
                    assertArrayEquals(flow(proto, 1 + flowId % 5, 1000 + flowId, 4000 + flowId, seq, 64 + flowId), f, "intact");
                    ringsOfFlow.computeIfAbsent(flowId, k -> new HashSet<>()).add(q);
                    perRing[q]++;
                }
            }
        }
        assertEquals(64, ringsOfFlow.size());
        for (Map.Entry<Integer, Set<Integer>> e : ringsOfFlow.entrySet())
            assertEquals(1, e.getValue().size(), "flow " + e.getKey() + " on one ring only: " + e.getValue());
        assertTrue(Arrays.stream(perRing).filter(n -> n > 0).count() >= 2, "flows spread: " + Arrays.toString(perRing));
        Map<String, Long> st = adapter.statistics();
        for (int q = 0; q < QUEUES; q++) {
            assertEquals(model.rxQueuePackets[q], perRing[q], "ring " + q + " matches the chip's per-queue count");
            assertEquals(perRing[q], st.get("driver_rx_ring_" + q + "_packets"));
        }
        assertEquals(192L, st.get("rx_packets"));
    }

    @Test
    void nonPortTrafficHashesOnAddressesAndIpv6TooIsSpread() {
        open();
        byte[] gre = flow(47, 3, 0, 0, 1, 80);
        assertEquals(predictedRing(gre, 47), model.receive(gre), "IPv4 without ports: hash of the addresses");
        int[] st = model.rss(gre);
        assertEquals(2, st[0], "RSS type IPv4");
        // a non-IP frame goes to queue 0
        assertEquals(0, model.receive(numbered(MAC, 1, 60)));
        port.rxsync();
        assertNotNull(take(port.rxRing(0)));
    }

    @Test
    void aCustomRedirectionTableSteersFlows() {
        open();
        adapter.setRss(new RssConfig(RssConfig.VERIFICATION_KEY, RssConfig.parseTable("jnetmap.igb.reta", "2")));
        for (int i = 0; i < 30; i++) assertEquals(2, model.receive(flow(UDP, 1, 1000 + i, 53, i, 64)));
        port.rxsync();
        for (int i = 0; i < 30; i++) assertEquals(i, getInt(take(port.rxRing(2)), 46));
        assertTrue(port.rxRing(0).empty() && port.rxRing(1).empty() && port.rxRing(3).empty());
        assertThrows(IllegalArgumentException.class,
                () -> adapter.setRss(new RssConfig(RssConfig.VERIFICATION_KEY, RssConfig.parseTable("jnetmap.igb.reta", "4"))),
                "the table may only name queues the port has");
    }

    @Test
    void jumboFramesSpanSlotsOnReceiveWithMoreFrag() {
        open();
        byte[] jumbo = numbered(MAC, 9, IgbConfig.MAX_FRAME);
        assertEquals(0, model.receive(jumbo));
        port.rxsync();
        NetmapRing rx = port.rxRing(0);
        assertEquals(5, rx.space(), "one slot per 2 KiB buffer");
        for (int i = 0; i < 4; i++) assertEquals(NS_MOREFRAG, rx.slotFlags(i));
        assertEquals(0, rx.slotFlags(4));
        assertArrayEquals(jumbo, take(rx));
        // longer than the long-packet limit: the chip drops it
        assertEquals(Igb82576Model.DROPPED, model.receive(numbered(MAC, 10, IgbConfig.MAX_FRAME + 1)));
    }

    @Test
    void withoutJumboLongFramesAreDropped() {
        open(config().withJumbo(false), "MSIX");
        assertEquals(0, model.get(RCTL) & RCTL_LPE);
        assertEquals(Igb82576Model.DROPPED, model.receive(numbered(MAC, 1, 1519)));
        assertEquals(0, model.receive(numbered(MAC, 2, 1518)));
    }




    // ------------------------------------------------------------------ zero copy


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
        assertEquals(0, model.wire.size());
        put(tx, numbered(PEER, 1, 60));
        port.txsync();
        assertEquals(1, model.wire.size(), "the ring works after the refusals");
    }

    @Test
    void packetsShorterThanTheChipTakesAndEmptyFragmentsAreRefusedAsBadSlots() {
        open();
        assertEquals(17, adapter.minTxFrame());
        ShortTxFrameCheck.run(adapter, port, () -> model.tdtWrites, () -> model.wire.size());
    }


    // ------------------------------------------------------------------ interrupts and poll

    @Test
    void aSingleRingPortSleepsOnItsOwnVector() throws Exception {
        open();
        NetmapPort ring1 = bind("netmap:" + ADDRESS + "-1");
        assertEquals(1, ring1.firstRxRing());
        assertEquals(1, ring1.lastRxRing());
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
        assertEquals(1 << 4, model.read32(EIMS), "ring 1's vector masked again when nobody waits");
    }


    @Test
    void sharedInterruptsStillWakePoll() throws Exception {
        open(config(), "INTX");
        assertFalse(adapter.usesMsix());
        assertEquals(0, model.get(GPIE));
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
    void moreQueuesThanVectorsShareOneVector() throws Exception {
        open(config().withQueues(12), "MSIX");
        assertEquals(12, adapter.queues());
        assertFalse(adapter.usesMsix(), "12 pairs + link need 13 vectors; the model has 10");
        CompletableFuture<Integer> polled = CompletableFuture.supplyAsync(() -> port.poll(NetmapPort.POLLIN, 10_000));
        Thread.sleep(200);
        receive(numbered(MAC, 1, 60));
        assertEquals(NetmapPort.POLLIN, polled.get(5, TimeUnit.SECONDS) & NetmapPort.POLLIN);
    }

    // ------------------------------------------------------------------ link, statistics, filters

    @Test
    void linkStateFollowsTheCable() throws Exception {
        open();
        assertTrue(adapter.linkUp());
        assertEquals(1000, adapter.linkSpeedMbps());
        long changes = adapter.linkChanges(), signals = model.signals[4];
        model.setCable(false);
        assertTrue(model.signals[4] > signals, "link change on the link vector");
        assertFalse(adapter.linkUp());
        assertEquals(0, adapter.linkSpeedMbps());
        assertEquals(Igb82576Model.DROPPED, model.receive(numbered(MAC, 1, 60)), "no link, no frames");
        model.setCable(true);
        assertTrue(adapter.linkUp());
        assertTrue(adapter.linkChanges() >= changes + 2);
        receive(numbered(MAC, 2, 60));
    }

    @Test
    void countersAccumulateAcrossClearOnReads() {
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
        assertEquals(0, model.get(IntelStats.GPRC), "read (and cleared) in the chip");
        assertTrue(b.containsKey("rx_queue_3_drops"));
    }



    // ------------------------------------------------------------------ close and reopen

    @Test
    void closeStopsResetsAndFreesEverythingAndTheNicOpensAgain() {
        open();
        int resets = model.resets;
        closePorts();
        assertTrue(adapter.isDestroyed());
        assertTrue(model.resets > resets, "reset at close");
        assertEquals(0, model.get(RCTL) & RCTL_EN);
        assertEquals(0, model.read32(EIMS));
        assertEquals(0, dev.liveDma(), "descriptor rings freed");
        assertEquals(0, dev.liveWindows(), "region unmapped");
        assertTrue(dev.isClosed());
        assertFalse(NicRegion.isOpen());
        open();
        put(port.txRing(0), numbered(PEER, 1, 60));
        port.txsync();
        receive(numbered(MAC, 2, 60));
        port.rxsync();
        assertEquals(2, getInt(take(port.rxRing(0)), 14));
    }

    @Test
    void aCrashedOwnersLeftoversAreResetAway() {
        model = new Igb82576Model(MAC);
        // a previous process died with the chip running, its rings pointing at memory that is gone
        model.write32(IgbQueueRegs.of(0).rings().rdbal(), 0x1000);
        model.write32(IgbQueueRegs.of(0).rings().rdlen(), 4096);
        model.write32(IgbQueueRegs.of(0).rings().rdt(), 100);
        model.write32(RCTL, RCTL_EN);
        model.write32(EIMS, 0xff);
        open();
        assertTrue(model.firstWrite(CTRL, CTRL_RST) > 0);
        receive(numbered(MAC, 5, 60));
        port.rxsync();
        assertEquals(5, getInt(take(port.rxRing(0)), 14));
    }
}
