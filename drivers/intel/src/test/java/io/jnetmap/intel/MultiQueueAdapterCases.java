package io.jnetmap.intel;

import io.jnetmap.nic.LostInterruptCheck;
import io.jnetmap.nic.ModelAdapterHarness;
import io.jnetmap.nic.RegisterModel;
import io.jnetmap.nic.RxFlood;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.RingStateException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.jnetmap.nic.TestFrames.*;
import static io.jnetmap.rings.NetmapLayout.NS_BUF_CHANGED;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The unit cases igb and ixgbe share word for word, run against each driver's own chip model
 * (the 82576's, the 82599's): the ring rules that sit on the Intel advanced-descriptor rings
 * and a multi-queue chip that drops at a full queue (SRRCTL.DROP_EN, counted per queue), not on
 * either chip's registers. What the chip's model must answer is behind the abstract methods.
 *
 * @param <M> the chip model
 * @param <A> the driver's adapter
 */
public abstract class MultiQueueAdapterCases<M extends RegisterModel & MultiQueueAdapterCases.QueueChipModel, A extends IntelAdapter>
        extends ModelAdapterHarness<M, A> {
    /** What the cases ask of a chip model besides its registers. */
    public interface QueueChipModel {
        /** A frame (without CRC) arrives from the wire: the queue it was written to, or {@link #DROPPED}. */
        int receive(byte[] frame);

        /** Frames put on the wire so far, and the {@code i}th of them (without CRC). */
        int wireFrames();
        byte[] wireFrame(int i);

        /** From now on nothing is sent (nor completed) until {@link #processTx}. */
        void holdTransmit();

        /** Sends what TX queue {@code q} holds, as after a tail write. */
        void processTx(int q);
    }

    /** What the models' {@code receive} returns for a frame no queue took. */
    protected static final int DROPPED = -1;
    /** Slots per ring and queue pairs of {@link #open()}. */
    protected static final int SLOTS = 64, QUEUES = 4;
    /** MRQC, at 0x5818 on the 82576 and the 82599 alike: 0 is RSS off. */
    private static final int MRQC = 0x5818;

    /** The port bound to every ring of a NIC with {@link #QUEUES} queue pairs of {@link #SLOTS} slots, MSI-X. */
    protected abstract void open();

    /**
     * The same with {@code queues} queue pairs and interrupts by {@code mode} (MSIX, MSI, INTX; BUSY_POLL: the
     * driver's interrupts option off).
     */
    protected abstract void open(int queues, String mode);

    private final String address;
    private final byte[] mac, peer;

    /**
     * @param address the NIC's PCI address (for a {@code netmap:ADDRESS-K} port)
     * @param mac the port's MAC address (the model's NVM holds it)
     * @param peer the MAC address of the far end of the cable
     */
    protected MultiQueueAdapterCases(String address, byte[] mac, byte[] peer) {
        this.address = address;
        this.mac = mac;
        this.peer = peer;
    }

    private String address() { return address; }
    private byte[] mac() { return mac; }
    private byte[] peer() { return peer; }

    /** RDT of RX queue 0 as the model holds it. */
    protected abstract int rdt0();

    /** Checks the chip's own receive filter switches after {@code setReceiveFilter}. */
    protected abstract void assertFilterRegisters(boolean promiscuous, boolean allMulticast, boolean broadcast);

    /** A numbered frame from the peer to {@code dst}. */
    protected byte[] frameTo(byte[] dst, int seq, int size) { return numbered(dst, peer(), seq, size); }

    protected void deliver(byte[] f) {
        int q = model.receive(f);
        assertTrue(q >= 0, "the model took the frame (" + q + ")");
    }

    @Test
    void releasedSlotsAreReArmedAndTheRingWrapsManyTimes() {
        open(1, "MSIX");
        NetmapRing rx = port.rxRing(0);
        int seq = 0, got = 0;
        for (int round = 0; round < 40; round++) {
            for (int j = 0; j < 25; j++) deliver(frameTo(mac(), seq++, 60 + (seq % 50)));
            port.rxsync();
            byte[] f;
            while ((f = take(rx)) != null) assertEquals(got++, getInt(f, SEQ_OFFSET), "in order");
        }
        assertEquals(1000, got);
        assertEquals(0, model.get(MRQC), "one queue: RSS off");
    }

    @Test
    void aFullRingDropsAndCountsPerQueue() {
        open();
        int accepted = 0;
        for (int i = 0; i < SLOTS + 10; i++) if (model.receive(frameTo(mac(), i, 60)) == 0) accepted++;
        assertEquals(SLOTS - 1, accepted, "the chip owns all but one slot");
        assertEquals(11L, adapter.statistics().get("rx_queue_0_drops"), "the queue's drop counter (RQDPC, QPRDC)");
        port.rxsync();
        assertEquals(SLOTS - 1, port.rxRing(0).space());
    }

    /**
     * Issue 10's flood: unpaced frames into one queue, the chip dropping at a full ring
     * (SRRCTL.DROP_EN, counted per queue); RX keeps delivering, every frame delivered or counted,
     * and afterwards each single frame still wakes poll().
     */
    @ParameterizedTest
    @ValueSource(strings = {"MSIX", "MSI", "INTX", "BUSY_POLL"})
    void keepsReceivingThroughAnUnpacedFloodThatOverrunsTheRing(String mode) throws Exception {
        open(QUEUES, mode);
        long[] dropped = new long[1];
        RxFlood.Result r = RxFlood.run(port, 0, 30_000, seq -> {
            int q = model.receive(frameTo(mac(), seq, 60)); // not IP: RSS leaves it on queue 0
            if (q == DROPPED) dropped[0]++;
            else assertEquals(0, q);
        });
        assertTrue(r.inOrder(), r.toString());
        assertTrue(dropped[0] > 0, "the flood overran the ring at least once (" + r + ")");
        assertEquals(RxFlood.LATE_FRAMES, r.late(), r.toString());
        assertEquals(r.sent(), r.received() + dropped[0], "every frame delivered or dropped by the chip: " + r);
        assertEquals(dropped[0], adapter.statistics().get("rx_queue_0_drops"), "the chip's drops show in the queue's counter");
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
        open(QUEUES, mode);
        LostInterruptCheck.Result r = LostInterruptCheck.run(port, 0, adapter, dev, seq -> {
            int q = model.receive(frameTo(mac(), seq, 60)); // not IP: RSS leaves it on queue 0
            assertEquals(0, q, "the frame went to queue 0");
        });
        assertNull(r.firstProblem(), r.toString());
        assertTrue(r.interruptsAfter() > 0, "interrupts wake poll() again once they get through: " + r);
    }

    @Test
    void swappedBuffersAreWhatTheDescriptorsPointAt() {
        open();
        byte[] f = frameTo(mac(), 42, 200);
        assertEquals(0, model.receive(f));
        port.rxsync();
        NetmapRing rx = port.rxRing(0), tx = port.txRing(2);
        int ri = rx.head(), ti = tx.head();
        int rxBuf = rx.bufIdx(ri), txBuf = tx.bufIdx(ti);
        rx.swapBuffers(ri, tx, ti); // netmap's zero-copy forward: NS_BUF_CHANGED on both slots
        rx.advance(rx.next(ri));
        tx.advance(tx.next(ti));
        port.txsync();
        assertArrayEquals(f, model.wireFrame(0), "sent from the received buffer, not copied");
        assertEquals(adapter.region().bufferAddress(rxBuf), adapter.txRing(2).memory().buffer().getLong(16 * ti));
        assertEquals(0, tx.slotFlags(ti) & NS_BUF_CHANGED, "the driver clears NS_BUF_CHANGED");
        // the RX slot now holds the old TX buffer: released, its descriptor points there
        port.rxsync();
        assertEquals(adapter.region().bufferAddress(txBuf), adapter.rxRing(0).memory().buffer().getLong(16 * ri));
        assertEquals(0, rx.slotFlags(ri) & NS_BUF_CHANGED);
    }

    @Test
    void badRxSlotsAreNotGivenBackToTheChip() {
        open();
        deliver(frameTo(mac(), 1, 60));
        port.rxsync();
        NetmapRing rx = port.rxRing(0);
        int h = rx.head(), good = rx.bufIdx(h);
        rx.bufIdx(h, 0);
        rx.slotFlags(h, NS_BUF_CHANGED);
        rx.advance(rx.next(h));
        int rdt = rdt0();
        assertThrows(RingStateException.class, () -> port.rxsync());
        assertEquals(good, rx.bufIdx(h), "the port's buffer restored");
        assertEquals(rdt, rdt0(), "the slot was not given back to the chip");
        rx.advance(rx.next(h));
        port.rxsync();
        assertEquals(adapter.region().bufferAddress(good), adapter.rxRing(0).memory().buffer().getLong(16 * h),
                "re-armed with the real buffer");
        for (int i = 0; i < 100; i++) {
            deliver(frameTo(mac(), 100 + i, 60));
            port.rxsync();
            assertEquals(100 + i, getInt(take(rx), SEQ_OFFSET));
        }
    }

    @Test
    void pollWaitsForTransmitSpaceOnTheCompletionInterrupt() throws Exception {
        open();
        model.holdTransmit(); // the chip is slow: nothing completes until we say so
        NetmapPort ring3 = bind("netmap:" + address() + "-3"); // POLLOUT on all rings would find space on the others
        NetmapRing tx = ring3.txRing(3);
        while (tx.space() > 0) put(tx, frameTo(peer(), tx.head(), 60));
        ring3.txsync();
        assertEquals(0, tx.space());
        CompletableFuture<Integer> polled = CompletableFuture.supplyAsync(() -> ring3.poll(NetmapPort.POLLOUT, 10_000));
        Thread.sleep(300);
        assertFalse(polled.isDone(), () -> "poll returned early: " + polled.join());
        model.processTx(3);
        assertEquals(NetmapPort.POLLOUT, polled.get(5, TimeUnit.SECONDS) & NetmapPort.POLLOUT);
        assertEquals(SLOTS - 1, model.wireFrames());
    }

    @Test
    void receiveFiltersFollowTheSwitches() {
        open();
        byte[] other = {0x02, 0, 0, 0, 0, 0x77};
        byte[] multicast = {0x01, 0, 0x5e, 0, 0, 1};
        assertEquals(DROPPED, model.receive(frameTo(other, 1, 60)));
        assertEquals(DROPPED, model.receive(frameTo(multicast, 2, 60)));
        assertEquals(0, model.receive(frameTo(BROADCAST, 3, 60)));
        adapter.setReceiveFilter(true, true, false);
        assertFilterRegisters(true, true, false);
        assertEquals(0, model.receive(frameTo(other, 4, 60)));
        assertEquals(0, model.receive(frameTo(multicast, 5, 60)));
        assertEquals(DROPPED, model.receive(frameTo(BROADCAST, 6, 60)));
        adapter.setReceiveFilter(false, false, true);
        assertFilterRegisters(false, false, true);
    }

    @Test
    void theDataPathAllocatesNothing() {
        open();
        model.holdTransmit();
        model.logWrites = false; // the model's write log allocates; the driver must not
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        byte[] f = frameTo(mac(), 1, 64);
        long allocated = 0, empty = 0;
        for (int iter = 0; iter < 40_000; iter++) {
            int q = iter & 3;
            NetmapRing tx = port.txRing(q), rx = port.rxRing(0);
            long a0 = mx.getCurrentThreadAllocatedBytes();
            long a1 = mx.getCurrentThreadAllocatedBytes();
            int i = tx.head();
            tx.len(i, 64);
            tx.advance(tx.next(i));
            port.txsync(q);
            if (!rx.empty()) rx.advance(rx.tail());
            port.rxsync(0);
            long a2 = mx.getCurrentThreadAllocatedBytes();
            if (iter >= 20_000) {
                allocated += a2 - a1;
                empty += a1 - a0;
            }
            model.processTx(q); // the model allocates; not measured
            model.receive(f);
        }
        // a few hundred bytes of JIT/profiling noise at most; one allocation per packet would be > 300 KB
        assertTrue(allocated - empty <= 4096, "txsync/rxsync allocated " + (allocated - empty) + " bytes in 20,000 rounds");
    }
}
