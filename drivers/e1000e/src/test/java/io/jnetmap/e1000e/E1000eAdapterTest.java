package io.jnetmap.e1000e;

import io.jnetmap.intel.IntelStats;
import io.jnetmap.nic.LostInterruptCheck;
import io.jnetmap.nic.ModelAdapterHarness;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.nic.NicRegion;
import io.jnetmap.nic.QemuNetQueue;
import io.jnetmap.nic.RxFlood;
import io.jnetmap.nic.ShortTxFrameCheck;
import io.jnetmap.pci.PciException;
import io.jnetmap.pci.PciId;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.RingStateException;
import io.jnetmap.sys.OffHeapBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.jnetmap.e1000e.E1000eRegs.*;
import static io.jnetmap.e1000e.Frames.*;
import static io.jnetmap.nic.TestFrames.*;
import static io.jnetmap.intel.gigabit.GigabitRegs.*;
import static io.jnetmap.rings.NetmapLayout.*;
import static org.junit.jupiter.api.Assertions.*;

/** The e1000e driver against a register-level model of the 82574L (no hardware). */
class E1000eAdapterTest extends ModelAdapterHarness<E1000eModel, E1000eAdapter> {
    static final String ADDRESS = "0000:00:04.0";
    static final PciId I82574L = new PciId(0x8086, 0x10d3);

    void open(E1000eConfig cfg, String interruptMode) {
        model = new E1000eModel(MAC);
        dev = new ModelDevice(model, I82574L, ADDRESS, interruptMode);
        adapter = E1000eAdapter.open(dev, cfg);
        port = bind("netmap:" + ADDRESS);
    }

    void open() { open(config(), "MSIX"); }

    static E1000eConfig config() { return E1000eConfig.defaults().withSlots(64, 64).withLinkWait(100); }

    OffHeapBuffer txDesc() { return adapter.txRing(0).memory().buffer(); }
    OffHeapBuffer rxDesc() { return adapter.rxRing(0).memory().buffer(); }

    // ------------------------------------------------------------------ init

    @Test
    void initFollowsTheDatasheetOrder() {
        open();
        int maskAll = model.firstWrite(IMC, -1, -1);
        int reset = model.firstWrite(CTRL, CTRL_RST, CTRL_RST);
        int autoneg = model.firstWrite(MDIC, MDIC_OP_WRITE | (0x1f << MDIC_REG_SHIFT) | BMCR_ANRESTART,
                MDIC_OP_WRITE | (PHY_BMCR << MDIC_REG_SHIFT) | BMCR_ANRESTART);
        int mta = model.lastWrite(MTA + 4 * 127, -1, 0);
        int rxOn = model.firstWrite(RCTL, RCTL_EN, RCTL_EN);
        int txOn = model.firstWrite(TCTL, TCTL_EN, TCTL_EN);
        assertTrue(maskAll >= 0 && maskAll < reset, "interrupts masked before the global reset");
        assertTrue(reset < mta && mta < rxOn, "multicast table cleared after reset, before RX");
        assertTrue(reset < autoneg && autoneg < rxOn, "autonegotiation restarted after reset, before RX");
        assertTrue(rxOn < txOn, "RX initialised, then TX");
        assertTrue(model.firstWrite(IMC, -1, -1) < model.firstWrite(CTRL, CTRL_GIO_MASTER_DISABLE, CTRL_GIO_MASTER_DISABLE));
        // errata and hardware bits
        assertEquals(1, model.get(GCR2) & 1, "GCR2 bit 0 (82574 errata)");
        assertNotEquals(0, model.get(TXDCTL) & (1 << 22), "TXDCTL bit 22");
        // RX: extended descriptors, CRC strip, broadcast, 2 KiB buffers, long frames; no promiscuity
        int rctl = model.get(RCTL);
        assertEquals(RCTL_EN | RCTL_SECRC | RCTL_BAM | RCTL_LPE, rctl, "RCTL = 0x" + Integer.toHexString(rctl));
        assertNotEquals(0, model.get(RFCTL) & RFCTL_EXTEN);
        assertEquals(64 * 16, model.get(RDLEN));
        assertEquals(64 * 16, model.get(TDLEN));
        assertEquals(0, model.get(RDH));
        assertEquals(63, model.get(RDT), "RX: all but one descriptor given to the chip");
        assertEquals(0, model.get(TDH));
        assertEquals(0, model.get(TDT));
        long rdba = (model.get(RDBAL) & 0xffffffffL) | ((long) model.get(RDBAH) << 32);
        assertEquals(adapter.rxRing(0).memory().iova(), rdba);
        // every RX descriptor points at its slot's buffer
        NetmapRing rx = port.rxRing(0);
        long[] iova = NicRegionIovas.of(adapter);
        for (int i = 0; i < 63; i++) assertEquals(iova[rx.bufIdx(i)], rxDesc().getLong(16 * i), "RX descriptor " + i);
        assertArrayEquals(MAC, adapter.macAddress());
        assertTrue(adapter.linkUp());
        assertEquals(1000, adapter.linkSpeedMbps());
        assertTrue(dev.busMaster());
        assertTrue(adapter.usesMsix());
        assertEquals((0 | IVAR_VALID) | ((1 | IVAR_VALID) << IVAR_TXQ0_SHIFT) | ((2 | IVAR_VALID) << IVAR_OTHER_SHIFT),
                model.get(IVAR), "IVAR: RX queue 0 -> vector 0, TX queue 0 -> vector 1, other -> vector 2");
    }

    @Test
    void defaultRingsHave1024Slots() {
        assertEquals(1024, E1000eConfig.defaults().txSlots());
        open(E1000eConfig.defaults().withLinkWait(100), "MSIX");
        assertEquals(1024, adapter.txKring(0).numSlots());
        assertEquals(1024 * 16, model.get(RDLEN));
        assertEquals(1023, port.txRing(0).space(), "netmap keeps one slot empty");
    }

    @Test
    void refusesOtherChipsNamingTheSupportedOnes() {
        model = new E1000eModel(MAC);
        dev = new ModelDevice(model, new PciId(0x8086, 0x10c9), ADDRESS, "MSIX");
        PciException e = assertThrows(PciException.class, () -> E1000eAdapter.open(dev, config()));
        assertEquals(PciException.Reason.UNSUPPORTED_DEVICE, e.reason());
        assertTrue(e.getMessage().contains("8086:10c9"), e.getMessage());
        assertTrue(e.getMessage().contains("8086:10d3 (82574L)") && e.getMessage().contains("8086:150c (82583V)"), e.getMessage());
        assertTrue(model.writes.isEmpty(), "no register was touched");
        assertTrue(dev.isClosed());
        model.close();
        model = null;
    }

    @Test
    void supportedTableListsTheFamily() {
        assertEquals(3, E1000eChip.SUPPORTED.models().size());
        assertEquals("82574L", E1000eChip.SUPPORTED.model(I82574L).orElseThrow());
        assertFalse(E1000eChip.I82583V.msix());
    }

    // ------------------------------------------------------------------ transmit

    @Test
    void transmitsABatchWithOneDoorbellAndReportsAtTheRightPlaces() {
        open();
        model.holdTx = true;
        NetmapRing tx = port.txRing(0);
        assertEquals(63, tx.space());
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            byte[] f = numbered(i, 60 + i * 37);
            sent.add(f);
            put(tx, f);
        }
        int before = model.tdtWrites;
        port.txsync();
        assertEquals(before + 1, model.tdtWrites, "one doorbell for the batch");
        assertEquals(40, model.get(TDT));
        // RS on slot 0 (periodic), slot 32 (n/2) and the batch's last packet (39) only
        for (int i = 0; i < 40; i++) {
            int cmd = txDesc().getInt(16 * i + 8) >>> 24;
            boolean rs = (cmd & 0x08) != 0;
            assertEquals(i == 0 || i == 32 || i == 39, rs, "RS on descriptor " + i);
            assertEquals(0x03, cmd & 0x03, "EOP|IFCS on descriptor " + i);
            assertEquals(sent.get(i).length, txDesc().getInt(16 * i + 8) & 0xffff);
        }
        assertEquals(23, tx.space(), "nothing reclaimed before the chip wrote DD");
        model.processTx(0);
        assertEquals(40, model.wire.size());
        for (int i = 0; i < 40; i++) assertArrayEquals(sent.get(i), model.wire.get(i), "frame " + i);
        port.txsync();
        assertEquals(63, tx.space(), "all reclaimed through DD");
        assertEquals(before + 1, model.tdtWrites, "a sync with nothing new rings no doorbell");
        assertEquals(0, adapter.txRing(0).pendingReports());
    }

    @Test
    void reclaimFollowsTheWriteBackInOrder() {
        open();
        model.holdTx = true;
        NetmapRing tx = port.txRing(0);
        for (int i = 0; i < 5; i++) put(tx, numbered(i, 100));
        port.txsync(); // reports at 0 and 4
        for (int i = 5; i < 10; i++) put(tx, numbered(i, 100));
        port.txsync(); // report at 9
        assertEquals(3, adapter.txRing(0).pendingReports());
        // the chip has done descriptors 0..4 only
        txDesc().putInt(16 * 0 + 12, 1);
        txDesc().putInt(16 * 4 + 12, 1);
        port.txsync();
        assertEquals(4, tx.tail(), "hwtail = the last completed report point");
        assertEquals(63 - 5, tx.space());
        model.processTx(0);
        port.txsync();
        assertEquals(63, tx.space());
    }

    @Test
    void nsReportSlotsGetACompletionReport() {
        open();
        model.holdTx = true;
        NetmapRing tx = port.txRing(0);
        for (int i = 0; i < 6; i++) put(tx, numbered(i, 80), i == 2 ? NS_REPORT : 0);
        port.txsync();
        for (int i = 0; i < 6; i++) {
            boolean rs = ((txDesc().getInt(16 * i + 8) >>> 24) & 0x08) != 0;
            assertEquals(i == 0 || i == 2 || i == 5, rs, "RS on descriptor " + i);
        }
        assertEquals(0, tx.slotFlags(2) & NS_REPORT, "NS_REPORT cleared");
    }

    @Test
    void severalNsReportSlotsInOneBatchEachGetACompletionReport() {
        open();
        model.holdTx = true;
        NetmapRing tx = port.txRing(0);
        for (int i = 0; i < 7; i++) put(tx, numbered(i, 80), i == 2 || i == 4 ? NS_REPORT : 0);
        port.txsync();
        for (int i = 0; i < 7; i++) {
            boolean rs = ((txDesc().getInt(16 * i + 8) >>> 24) & 0x08) != 0;
            assertEquals(i == 0 || i == 2 || i == 4 || i == 6, rs, "RS on descriptor " + i);
            assertEquals(0, tx.slotFlags(i) & NS_REPORT, "NS_REPORT cleared on slot " + i);
        }
        model.processTx(0);
        port.txsync();
        assertEquals(63, tx.space(), "every slot back once the chip sent them");
    }

    @Test
    void jumboFrameGoesOutAcrossMoreFragSlots() {
        open();
        NetmapRing tx = port.txRing(0);
        byte[] big = numbered(7, 9000);
        assertEquals(5, put(tx, big));
        port.txsync();
        assertEquals(1, model.wire.size());
        assertArrayEquals(big, model.wire.get(0));
        for (int i = 0; i < 5; i++) {
            int cmd = txDesc().getInt(16 * i + 8) >>> 24;
            assertEquals(i == 4, (cmd & 0x01) != 0, "EOP only on the last descriptor, " + i);
        }
        assertEquals(63, tx.space());
    }

    @Test
    void anUnfinishedPacketWaitsForItsLastFragment() {
        open();
        NetmapRing tx = port.txRing(0);
        byte[] big = numbered(1, 5000);
        // first two fragments only
        for (int i = 0; i < 2; i++) {
            tx.buffers().putBytes(tx.slotBufOffset(i), big, i * 2048, 2048);
            tx.len(i, 2048);
            tx.slotFlags(i, NS_MOREFRAG);
        }
        tx.advance(2);
        int before = model.tdtWrites;
        port.txsync();
        assertEquals(before, model.tdtWrites, "no doorbell for half a packet");
        assertEquals(0, adapter.txKring(0).hwcur());
        tx.buffers().putBytes(tx.slotBufOffset(2), big, 4096, 5000 - 4096);
        tx.len(2, 5000 - 4096);
        tx.slotFlags(2, 0);
        tx.advance(3);
        port.txsync();
        assertEquals(1, model.wire.size());
        assertArrayEquals(big, model.wire.get(0));
    }

    // ------------------------------------------------------------------ receive

    @Test
    void receivesIntoSlotsAndRefillsWithOneTailWrite() {
        open();
        NetmapRing rx = port.rxRing(0);
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            byte[] f = toUs(i, 60 + 100 * i);
            frames.add(f);
            assertTrue(model.receive(0, f));
        }
        port.rxsync();
        assertEquals(10, rx.tail());
        for (int i = 0; i < 10; i++) {
            assertEquals(frames.get(i).length, rx.len(i));
            assertEquals(0, rx.slotFlags(i));
            assertArrayEquals(frames.get(i), take(rx));
        }
        int before = model.rdtWrites;
        port.rxsync();
        assertEquals(before + 1, model.rdtWrites, "one tail write for the released slots");
        assertEquals(9, model.get(RDT), "RDT = head - 1: one slot stays empty");
        long[] iova = NicRegionIovas.of(adapter);
        for (int i = 0; i < 10; i++) {
            assertEquals(iova[rx.bufIdx(i)], rxDesc().getLong(16 * i), "re-armed descriptor " + i);
            assertEquals(0, rxDesc().getLong(16 * i + 8), "DD cleared in descriptor " + i);
        }
    }

    @Test
    void thousandsOfFramesWrapTheRingInOrderWithoutLosingBuffers() {
        open();
        NetmapRing rx = port.rxRing(0);
        int[] buffersBefore = slotBuffers(rx);
        int sent = 0, got = 0;
        while (got < 3000) {
            while (sent < 3000 && model.receive(0, toUs(sent, 60 + sent % 1455))) sent++;
            port.rxsync();
            byte[] f;
            while ((f = take(rx)) != null) {
                assertEquals(got, seq(f), "frames in order");
                assertArrayEquals(toUs(got, 60 + got % 1455), f);
                got++;
            }
        }
        port.rxsync();
        assertArrayEquals(buffersBefore, slotBuffers(rx), "every slot still has its own buffer");
        assertTrue(model.rxOverruns > 0, "the model filled the ring (back-pressure) at least once");
    }

    @ParameterizedTest
    @ValueSource(strings = {"MSIX", "INTX"})
    void framesArrivingWhileTheDriverRunsStayInOrder(String mode) throws Exception {
        open(config(), mode);
        NetmapRing rx = port.rxRing(0);
        int n = 20_000;
        Thread chip = new Thread(() -> {
            for (int i = 0; i < n; ) {
                if (model.receive(0, toUs(i, 60 + (i * 7) % 1455))) i++;
                else Thread.onSpinWait();
            }
        }, "model-rx");
        chip.start();
        int got = 0;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (got < n && System.nanoTime() < deadline) {
            port.poll(NetmapPort.POLLIN, 200);
            byte[] f;
            while ((f = take(rx)) != null) {
                assertEquals(got, seq(f), "frame order");
                assertEquals(60 + (got * 7) % 1455, f.length);
                got++;
            }
        }
        chip.join(5000);
        assertEquals(n, got);
    }

    /**
     * Issue 10: an unpaced flood, the chip dropping at a full ring as silicon does, the
     * application taking frames in poll(): RX keeps delivering, every frame is either delivered
     * or counted by the chip (rx_missed), and once the flood is over each single frame still wakes
     * poll(). With interrupts (each mode) and busy-polling.
     */
    @ParameterizedTest
    @ValueSource(strings = {"MSIX", "MSI", "INTX", "BUSY_POLL"})
    void keepsReceivingThroughAnUnpacedFloodThatOverrunsTheRing(String mode) throws Exception {
        boolean busy = mode.equals("BUSY_POLL");
        open(busy ? config().withInterrupts(false) : config(), busy ? "MSIX" : mode);
        model.dropWhenFull = true;
        RxFlood.Result r = RxFlood.run(port, 0, 30_000, seq -> assertTrue(model.receive(0, toUs(seq, 60))));
        assertTrue(r.inOrder(), r.toString());
        assertTrue(model.rxDropped > 0, "the flood overran the ring at least once (" + r + ")");
        assertEquals(RxFlood.LATE_FRAMES, r.late(), r.toString());
        assertEquals(r.sent(), r.received() + model.rxDropped, "every frame delivered or dropped by the chip: " + r);
        assertEquals(model.rxDropped, adapter.statistics().get("rx_missed"), "the chip's drops show in rx_missed");
    }

    /**
     * Issue 10 §1 with the sender first (testpmd flooding before pkt-gen opens the port): frames
     * reach the model through QEMU's net layer, which holds them while RX is off and latches the
     * NIC when its ring is full until an RDT or RCTL write flushes it. Opened mid-flood, the port
     * receives ring after ring, in order and byte-exact.
     */
    @Test
    void aPortOpenedWhileFramesAreAlreadyFloodingInReceivesThem() throws Exception {
        model = new E1000eModel(MAC);
        QemuNetQueue qemu = model.qemuNetLayer();
        int wanted = 20 * config().rxSlots();
        RxFlood.Opened r = RxFlood.openedDuringFlood(qemu, seq -> toUs(seq, 60), () -> {
            dev = new ModelDevice(model, I82574L, ADDRESS, "MSIX");
            adapter = E1000eAdapter.open(dev, config());
            return port = bind("netmap:" + ADDRESS);
        }, wanted, 20_000);
        assertNull(r.firstProblem(), r.toString());
        assertTrue(r.received() >= wanted, r.toString());
        assertTrue(r.firstSeq() >= QemuNetQueue.MAX_HELD, "the frames held before the open were lost with RX off: " + r);
    }

    /**
     * Issue 10 §1: the driver never depends on an interrupt to wake up. Frames arrive while poll()
     * sleeps and their interrupt messages are lost: each is still delivered long before the poll's
     * timeout (the driver re-syncs by itself), and once messages get through again RX goes on by
     * interrupts. Each interrupt mode.
     */
    @ParameterizedTest
    @ValueSource(strings = {"MSIX", "MSI", "INTX"})
    void aLostInterruptDoesNotStopReceive(String mode) throws Exception {
        open(config(), mode);
        LostInterruptCheck.Result r = LostInterruptCheck.run(port, 0, adapter, dev,
                seq -> assertTrue(model.receive(0, toUs(seq, 60))));
        assertNull(r.firstProblem(), r.toString());
        assertTrue(r.interruptsAfter() > 0, "interrupts wake poll() again once they get through: " + r);
    }

    static int[] slotBuffers(NetmapRing r) {
        int[] b = new int[r.numSlots()];
        for (int i = 0; i < b.length; i++) b[i] = r.bufIdx(i);
        Arrays.sort(b);
        return b;
    }

    @Test
    void jumboFrameArrivesAsMoreFragSlots() {
        open();
        NetmapRing rx = port.rxRing(0);
        byte[] big = toUs(3, 9000);
        assertTrue(model.receive(0, big));
        port.rxsync();
        assertEquals(5, rx.tail());
        for (int i = 0; i < 4; i++) {
            assertEquals(NS_MOREFRAG, rx.slotFlags(i));
            assertEquals(2048, rx.len(i));
        }
        assertEquals(0, rx.slotFlags(4));
        assertEquals(9000 - 4 * 2048, rx.len(4));
        assertArrayEquals(big, take(rx));
    }

    @Test
    void onlyWholePacketsArePublished() {
        open();
        NetmapRing rx = port.rxRing(0);
        // the chip has written back two fragments of a packet, not yet its last
        rxDesc().putInt(8, 1);
        rxDesc().putShort(12, (short) 2048);
        rxDesc().putInt(16 + 8, 1);
        rxDesc().putShort(16 + 12, (short) 2048);
        port.rxsync();
        assertEquals(0, rx.tail(), "half a packet is not shown");
        rxDesc().putInt(32 + 8, 3);
        rxDesc().putShort(32 + 12, (short) 10);
        port.rxsync();
        assertEquals(3, rx.tail());
        assertEquals(2048 * 2 + 10, take(rx).length);
    }

    @Test
    void largerRegionBuffersSetTheChipsBufferSize() {
        String old = System.getProperty(NicRegion.BUFSIZE_PROPERTY);
        System.setProperty(NicRegion.BUFSIZE_PROPERTY, "4096");
        try {
            open();
            assertEquals(4096, adapter.rxBufferSize());
            assertEquals(RCTL_BSEX | (3 << RCTL_BSIZE_SHIFT), model.get(RCTL) & (RCTL_BSEX | RCTL_BSIZE_MASK), "RCTL: 4096-byte buffers");
            byte[] big = toUs(1, 9000);
            model.receive(0, big);
            port.rxsync();
            assertEquals(3, port.rxRing(0).tail(), "9000 bytes in three 4 KiB buffers");
            assertArrayEquals(big, take(port.rxRing(0)));
            byte[] out = numbered(2, 9000);
            assertEquals(3, put(port.txRing(0), out));
            port.txsync();
            assertArrayEquals(out, model.wire.get(0));
        } finally {
            if (old == null) System.clearProperty(NicRegion.BUFSIZE_PROPERTY);
            else System.setProperty(NicRegion.BUFSIZE_PROPERTY, old);
        }
    }

    // ------------------------------------------------------------------ zero copy

    @Test
    void bufChangedRepointsDescriptorsForZeroCopyForwarding() {
        open();
        NetmapRing rx = port.rxRing(0), tx = port.txRing(0);
        byte[] f = toUs(42, 500);
        model.receive(0, f);
        port.rxsync();
        int rxBuf = rx.bufIdx(0), txBuf = tx.bufIdx(0);
        rx.swapBuffers(0, tx, 0); // netmap's zero-copy forward: swap, copy len, NS_BUF_CHANGED on both
        assertEquals(rxBuf, tx.bufIdx(0));
        tx.advance(1);
        rx.advance(1);
        port.txsync();
        long[] iova = NicRegionIovas.of(adapter);
        assertEquals(iova[rxBuf], txDesc().getLong(0), "TX descriptor points at the received buffer");
        assertArrayEquals(f, model.wire.get(0), "the received bytes went out without a copy");
        assertEquals(0, tx.slotFlags(0) & NS_BUF_CHANGED);
        port.rxsync();
        assertEquals(iova[txBuf], rxDesc().getLong(0), "RX descriptor re-armed with the buffer swapped in");
        assertEquals(0, rx.slotFlags(0) & NS_BUF_CHANGED);
        model.receive(0, toUs(43, 70));
        // descriptor 0 is the empty slot now; the next frame lands in slot 1; then slot 0's buffer is used
        port.rxsync();
        assertArrayEquals(toUs(43, 70), take(rx));
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void badTxSlotsNeverReachADescriptor() {
        open();
        NetmapRing tx = port.txRing(0);
        byte[] before = snapshot(txDesc(), 64 * 16);
        int doorbells = model.tdtWrites;
        int[][] bad = {{1, 100}, {0, 100}, {8194, 100}, {-5, 100}, {-1, 2049}};
        for (int[] b : bad) {
            int i = tx.head();
            if (b[0] != -1) tx.bufIdx(i, b[0]);
            tx.len(i, b[1]);
            tx.advance(tx.next(i));
            assertThrows(RingStateException.class, port::txsync, "slot with buffer " + b[0] + " len " + b[1]);
            assertArrayEquals(before, snapshot(txDesc(), 64 * 16), "descriptor memory untouched");
            assertEquals(doorbells, model.tdtWrites, "no doorbell");
            assertEquals(0, tx.head(), "the ring was reset");
            assertTrue(adapter.region().validBuffer(tx.bufIdx(i)), "the slot got its buffer back");
        }
        assertNotNull(port.lastError());
        put(tx, numbered(1, 64));
        port.txsync();
        assertEquals(1, model.wire.size(), "the ring works after the reset");
    }

    @Test
    void packetsShorterThanTheChipTakesAndEmptyFragmentsAreRefusedAsBadSlots() {
        open();
        assertEquals(17, adapter.minTxFrame());
        ShortTxFrameCheck.run(adapter, port, () -> model.tdtWrites, () -> model.wire.size());
    }

    @Test
    void badRxSlotsNeverReachADescriptor() {
        open();
        NetmapRing rx = port.rxRing(0);
        model.receive(0, toUs(1, 64));
        port.rxsync();
        byte[] before = snapshot(rxDesc(), 64 * 16);
        int tails = model.rdtWrites;
        int good = rx.bufIdx(0);
        rx.bufIdx(0, 1);
        rx.slotFlags(0, NS_BUF_CHANGED);
        rx.advance(1);
        assertThrows(RingStateException.class, port::rxsync);
        assertArrayEquals(before, snapshot(rxDesc(), 64 * 16), "descriptor memory untouched");
        assertEquals(tails, model.rdtWrites);
        assertEquals(good, rx.bufIdx(0), "the slot's buffer restored");
        assertEquals(0, rx.head());
    }

    static byte[] snapshot(OffHeapBuffer b, int len) {
        byte[] s = new byte[len];
        b.getBytes(0, s, 0, len);
        return s;
    }

    // ------------------------------------------------------------------ statistics, filters, link

    @Test
    void statisticsAccumulateAcrossClearOnRead() {
        open();
        NetmapRing tx = port.txRing(0);
        for (int i = 0; i < 3; i++) put(tx, numbered(i, 100));
        port.txsync();
        model.receive(0, toUs(0, 200));
        model.receive(0, numbered(BROADCAST, 1, 300));
        Map<String, Long> s1 = adapter.statistics();
        assertEquals(3, s1.get("tx_packets"));
        assertEquals(3 * 104, s1.get("tx_bytes"));
        assertEquals(2, s1.get("rx_packets"));
        assertEquals(204 + 304, s1.get("rx_bytes"));
        assertEquals(1, s1.get("rx_broadcast"));
        assertEquals(0, model.get(IntelStats.GPTC), "the chip's counter was read, so cleared");
        for (int i = 0; i < 2; i++) put(tx, numbered(i, 100));
        port.txsync();
        Map<String, Long> s2 = adapter.statistics();
        assertEquals(5, s2.get("tx_packets"), "accumulated across the clear");
        // a 64-bit counter beyond 32 bits
        model.put(IntelStats.GORCL, 0xffff_fff0);
        model.put(IntelStats.GORCH, 1);
        assertEquals(508 + 0x1_ffff_fff0L, adapter.statistics().get("rx_bytes"));
        assertEquals(0, model.get(IntelStats.GORCL), "reading the high half cleared the pair");
        assertEquals(5, adapter.statistics().get("driver_tx_packets"));
    }

    @Test
    void receiveFilterSwitches() {
        open();
        adapter.setReceiveFilter(true, true, false);
        int rctl = model.get(RCTL);
        assertEquals(RCTL_UPE | RCTL_MPE, rctl & (RCTL_UPE | RCTL_MPE | RCTL_BAM));
        assertNotEquals(0, rctl & RCTL_EN, "still receiving");
        model.receive(0, numbered(BROADCAST, 1, 64));
        model.receive(0, numbered(PEER, 2, 64)); // not for us: accepted when promiscuous
        port.rxsync();
        assertEquals(2, seq(take(port.rxRing(0))));
        adapter.setReceiveFilter(false, false, true);
        assertEquals(RCTL_BAM, model.get(RCTL) & (RCTL_UPE | RCTL_MPE | RCTL_BAM));
    }

    @Test
    void linkStateAndSpeedFollowTheChip() {
        open();
        assertTrue(adapter.linkUp());
        model.linkUp = false;
        assertFalse(adapter.linkUp());
        assertEquals(0, adapter.linkSpeedMbps());
        model.linkUp = true;
        assertTrue(adapter.linkUp());
    }

    // ------------------------------------------------------------------ poll and interrupts

    @ParameterizedTest
    @ValueSource(strings = {"MSIX", "MSI", "INTX"})
    void pollBlocksUntilAFrameArrives(String mode) throws Exception {
        open(config(), mode);
        assertEquals(mode.equals("MSIX"), adapter.usesMsix());
        CompletableFuture<Integer> r = CompletableFuture.supplyAsync(() -> port.poll(NetmapPort.POLLIN, 10_000));
        Thread.sleep(300);
        assertFalse(r.isDone(), "poll blocks while nothing arrives");
        long t0 = System.nanoTime();
        model.receive(0, toUs(1, 64));
        assertEquals(NetmapPort.POLLIN, r.get(5, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "woken by the interrupt, not a timeout");
        int cause = adapter.usesMsix() ? ICR_RXQ0 : ICR_RXT0;
        assertEquals(0, model.ims & cause, "the RX cause is masked again after poll");
        assertNotEquals(0, model.ims & ICR_LSC, "link changes stay enabled");
        assertEquals(0, adapter.waitersOn(Integer.numberOfTrailingZeros(cause)));
        assertEquals(1, take(port.rxRing(0)) != null ? 1 : 0);
    }

    @Test
    void pollTimesOutWithoutTraffic() {
        open();
        long t0 = System.nanoTime();
        assertEquals(0, port.poll(NetmapPort.POLLIN, 300));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 290 && ms < 2000, "timed out after " + ms + " ms");
    }

    @Test
    void pollWaitsForTransmitSpace() throws Exception {
        open();
        model.holdTx = true;
        NetmapRing tx = port.txRing(0);
        for (int i = 0; i < 63; i++) put(tx, numbered(i, 64));
        port.txsync();
        assertEquals(0, tx.space());
        CompletableFuture<Integer> r = CompletableFuture.supplyAsync(() -> port.poll(NetmapPort.POLLOUT, 10_000));
        Thread.sleep(300);
        assertFalse(r.isDone());
        model.processTx(0);
        assertEquals(NetmapPort.POLLOUT, r.get(5, TimeUnit.SECONDS) & NetmapPort.POLLOUT);
        assertEquals(63, tx.space());
    }

    @Test
    void linkChangeInterruptUpdatesLinkState() throws Exception {
        open();
        CompletableFuture<Integer> r = CompletableFuture.supplyAsync(() -> port.poll(NetmapPort.POLLIN, 1500));
        Thread.sleep(200);
        long changes = adapter.linkChanges();
        model.setLink(false);
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (adapter.linkChanges() == changes && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(changes + 1, adapter.linkChanges(), "the link-change interrupt was serviced");
        assertFalse(adapter.linkUp());
        assertEquals(0, r.get(5, TimeUnit.SECONDS), "a link change is not a ring event");
        model.setLink(true);
        assertTrue(adapter.linkUp());
    }

    @Test
    void withoutInterruptsPollStillWorks() throws Exception {
        open(config().withInterrupts(false), "MSIX");
        assertNull(adapter.interrupts());
        CompletableFuture<Integer> r = CompletableFuture.supplyAsync(() -> port.poll(NetmapPort.POLLIN, 10_000));
        Thread.sleep(100);
        model.receive(0, toUs(1, 64));
        assertEquals(NetmapPort.POLLIN, r.get(5, TimeUnit.SECONDS));
    }

    // ------------------------------------------------------------------ no allocation, no lock

    @Test
    void theDataPathAllocatesNothing() {
        open();
        model.logWrites = false;
        model.holdTx = true;
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        NetmapRing tx = port.txRing(0), rx = port.rxRing(0);
        byte[] f = toUs(1, 64);
        long allocated = 0, empty = 0;
        for (int iter = 0; iter < 40_000; iter++) {
            long a0 = mx.getCurrentThreadAllocatedBytes();
            long a1 = mx.getCurrentThreadAllocatedBytes();
            int i = tx.head();
            tx.len(i, 64);
            tx.advance(tx.next(i));
            port.txsync();
            if (!rx.empty()) rx.advance(rx.tail());
            port.rxsync();
            long a2 = mx.getCurrentThreadAllocatedBytes();
            if (iter >= 20_000) {
                allocated += a2 - a1;
                empty += a1 - a0;
            }
            model.processTx(0); // the model allocates; not measured
            model.receive(0, f);
        }
        assertTrue(allocated - empty <= 1024, "txsync/rxsync allocated " + (allocated - empty) + " bytes in 20,000 rounds");
    }

    // ------------------------------------------------------------------ queues, ports, close

    @Test
    void twoQueuePairsSpreadWithRss() {
        open(config().withQueues(2), "MSIX");
        assertEquals(2, adapter.numRxRings());
        assertEquals(MRQC_RSS_ENABLE_2Q, model.get(MRQC) & 3);
        assertEquals(RXCSUM_PCSD, model.get(RXCSUM));
        assertEquals(0x8000_8000, model.get(RETA));
        assertTrue(model.receive(1, toUs(5, 64)));
        port.rxsync();
        assertNull(take(port.rxRing(0)));
        assertEquals(5, seq(take(port.rxRing(1))));
        NetmapRing tx1 = port.txRing(1);
        put(tx1, numbered(9, 64));
        port.txsync();
        assertEquals(9, seq(model.wire.get(0)));
        assertEquals(1, model.get(TDT + QUEUE_STRIDE));
    }

    @Test
    void portsOfOneNicShareTheAdapter() {
        open();
        NetmapPort ring0 = bind("netmap:" + ADDRESS + "-0");
        assertSame(port.adapter(), ring0.adapter());
        port.close();
        assertFalse(adapter.isDestroyed(), "another port still uses the NIC");
        put(ring0.txRing(0), numbered(1, 64));
        ring0.txsync();
        assertEquals(1, model.wire.size());
    }

    @Test
    void closeStopsResetsAndUnmaps() {
        open();
        put(port.txRing(0), numbered(1, 64));
        port.txsync();
        int mark = model.writes.size();
        for (NetmapPort p : ports) p.close();
        ports.clear();
        List<int[]> after = model.writes.subList(mark, model.writes.size());
        assertTrue(after.stream().anyMatch(w -> w[0] == RCTL && w[1] == 0), "RX stopped");
        assertTrue(after.stream().anyMatch(w -> w[0] == TCTL && (w[1] & TCTL_EN) == 0), "TX stopped");
        assertTrue(after.stream().anyMatch(w -> w[0] == IMC && w[1] == -1), "interrupts masked");
        assertTrue(after.stream().anyMatch(w -> w[0] == CTRL && (w[1] & CTRL_RST) != 0), "chip reset");
        assertTrue(adapter.isDestroyed());
        assertTrue(dev.isClosed(), "device closed (function reset, BARs unmapped)");
        assertEquals(0, dev.liveDma(), "descriptor rings freed");
        assertEquals(0, dev.liveWindows(), "region unmapped from the device");
        assertFalse(NicRegion.isOpen());
        assertNull(model.vectors, "interrupts released");
    }

    @Test
    void reopenAfterCloseStartsClean() {
        open();
        put(port.txRing(0), numbered(1, 64));
        port.txsync();
        for (NetmapPort p : ports) p.close();
        ports.clear();
        model.close();
        open();
        assertEquals(0, model.get(TDT));
        put(port.txRing(0), numbered(2, 64));
        port.txsync();
        assertEquals(2, seq(model.wire.get(0)));
    }
}
