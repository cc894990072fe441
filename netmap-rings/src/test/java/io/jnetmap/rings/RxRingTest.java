package io.jnetmap.rings;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.jnetmap.rings.NetmapLayout.*;
import static io.jnetmap.rings.RingOps.*;
import static org.junit.jupiter.api.Assertions.*;

/** netmap-semantics.md §2.3, §2.5, §2.8, §2.9: receiving, releasing, timestamps, zero-copy swaps. */
class RxRingTest extends NicTestBase {

    @Test
    void rxsyncImportsPacketsFromTailOn() {
        NetmapPort p = open(8);
        NetmapRing rx = p.rxRing(0);
        f.nic.inject(0, frame(1, 60));
        f.nic.inject(0, frame(2, 1514));
        f.nic.inject(0, frame(3, 64), NS_MOREFRAG);
        assertTrue(rx.empty(), "nothing before a sync");
        p.rxsync();
        assertEquals(0, rx.head());
        assertEquals(3, rx.tail());
        assertEquals(List.of(1, 2, 3), visible(rx));
        assertEquals(List.of(60, 1514, 64), List.of(rx.len(0), rx.len(1), rx.len(2)));
        assertEquals(0, rx.slotFlags(0));
        assertEquals(NS_MOREFRAG, rx.slotFlags(2));
        assertTrue(f.nic.handedRx().isEmpty(), "nothing released yet");
    }

    @Test
    void rxsyncReleasesTheSlotsFromHwcurToHead() {
        NetmapPort p = open(8);
        NetmapRing rx = p.rxRing(0);
        Kring k = p.boundRxKrings()[0];
        for (int i = 0; i < 5; i++) f.nic.inject(0, frame(i, 60));
        p.rxsync();
        int b0 = rx.bufIdx(0), b1 = rx.bufIdx(1);
        rx.advance(2);
        p.rxsync();
        assertEquals(List.of(new LoopbackNic.Handed(false, 0, 0, b0, 60, 0),
                new LoopbackNic.Handed(false, 0, 1, b1, 60, 0)), f.nic.handedRx());
        assertEquals(2, k.hwcur());
        assertEquals(5, rx.tail());
        assertEquals(List.of(2, 3, 4), visible(rx), "unreleased packets are still the user's");
        p.rxsync();
        assertEquals(2, f.nic.handedRx().size(), "released slots are handed back once");
    }

    @Test
    void curMayRunAheadOfHeadUpToTailWhileEarlierPacketsAreHeld() {
        NetmapPort p = open(8);
        NetmapRing rx = p.rxRing(0);
        f.nic.inject(0, frame(0, 60));
        f.nic.inject(0, frame(1, 60));
        p.rxsync();
        rx.cur(rx.tail()); // hold both, wait for more
        f.nic.inject(0, frame(2, 60));
        p.rxsync();
        assertNull(p.lastError());
        assertEquals(0, rx.head());
        assertEquals(2, rx.cur());
        assertEquals(3, rx.tail());
        assertTrue(f.nic.handedRx().isEmpty());
        assertEquals(List.of(0, 1, 2), visible(rx));
    }

    @Test
    void packetsWaitOnTheWireWhileTheRingIsFull() {
        NetmapPort p = open(4);
        NetmapRing rx = p.rxRing(0);
        for (int i = 0; i < 5; i++) f.nic.inject(0, frame(i, 60));
        p.rxsync();
        assertEquals(List.of(0, 1, 2), visible(rx), "3 of 4 slots: one stays empty");
        assertEquals(2, f.nic.waiting(0));
        p.rxsync();
        assertEquals(2, f.nic.waiting(0), "no room until the user releases");
        assertEquals(List.of(0, 1, 2), consumeAll(rx));
        p.rxsync();
        p.rxsync();
        assertEquals(List.of(3, 4), consumeAll(rx));
    }

    @Test
    void theTimestampIsTheTimeOfTheLastRxsyncAndTxsyncLeavesItAlone() throws Exception {
        NetmapPort p = open(8);
        NetmapRing rx = p.rxRing(0), tx = p.txRing(0);
        assertEquals(0, rx.tsSeconds());
        assertEquals(0, rx.tsMicros());
        send(tx, 1, 0, 60);
        p.txsync();
        assertEquals(0, tx.tsSeconds(), "TX syncs never stamp");
        assertEquals(0, tx.tsMicros());
        assertEquals(0, rx.tsSeconds(), "nor does a TX sync stamp the RX ring");
        long before = System.currentTimeMillis() * 1000;
        p.rxsync();
        long ts1 = rx.tsSeconds() * 1_000_000 + rx.tsMicros();
        long after = System.currentTimeMillis() * 1000;
        assertTrue(ts1 >= before - 50_000 && ts1 <= after + 50_000,
                "ts " + ts1 + " is the time of the sync (" + before + ".." + after + ")");
        Thread.sleep(5);
        p.rxsync(); // even a sync that imports nothing stamps
        long ts2 = rx.tsSeconds() * 1_000_000 + rx.tsMicros();
        assertTrue(ts2 >= ts1 + 4_000, ts1 + " then " + ts2);
        send(tx, 1, 1, 60);
        p.txsync();
        assertEquals(ts2, rx.tsSeconds() * 1_000_000 + rx.tsMicros());
        assertEquals(0, tx.tsSeconds());
    }

    @Test
    void aTailTheUserOverwroteIsRestoredSilently() {
        NetmapPort p = open(8);
        NetmapRing rx = p.rxRing(0);
        f.nic.inject(0, frame(0, 60));
        p.rxsync();
        for (int bogus : new int[] {0, 5, 8, -3}) {
            rx.tail(bogus);
            p.rxsync();
            assertEquals(1, rx.tail(), "tail " + bogus + " was restored");
        }
        assertNull(p.lastError());
    }

    @Test
    void zeroCopyForwardSwapsBuffersBetweenRxAndTxAndTheDeviceUsesTheNewBuffers() {
        NetmapPort p = open(8);
        NetmapRing rx = p.rxRing(0), tx = p.txRing(0);
        int free = f.region.freeBuffers();
        f.nic.inject(0, frame(42, 100));
        p.rxsync();
        int rxBuf = rx.bufIdx(0), txBuf = tx.bufIdx(0);
        rx.swapBuffers(0, tx, 0); // the man page's recipe
        assertEquals(txBuf, rx.bufIdx(0));
        assertEquals(rxBuf, tx.bufIdx(0));
        assertEquals(100, tx.len(0), "the length travels with the buffer");
        assertEquals(NS_BUF_CHANGED, rx.slotFlags(0) & NS_BUF_CHANGED);
        assertEquals(NS_BUF_CHANGED, tx.slotFlags(0) & NS_BUF_CHANGED);
        rx.advance(1);
        tx.advance(1);
        p.txsync();
        p.rxsync();
        LoopbackNic.Handed sent = f.nic.handedTx().get(0), rearmed = f.nic.handedRx().get(0);
        assertEquals(rxBuf, sent.bufIdx(), "the received buffer is transmitted, no copy");
        assertEquals(NS_BUF_CHANGED, sent.flags() & NS_BUF_CHANGED);
        assertEquals(txBuf, rearmed.bufIdx(), "the RX descriptor is re-armed with the swapped-in buffer");
        assertEquals(0, tx.slotFlags(0) & NS_BUF_CHANGED, "the driver clears NS_BUF_CHANGED");
        assertEquals(0, rx.slotFlags(0) & NS_BUF_CHANGED);
        // the looped-back frame lands in the next RX slot; the slot re-armed with txBuf gets data in txBuf
        assertEquals(List.of(42), visible(rx));
        assertEquals(free, f.region.freeBuffers(), "swaps neither allocate nor free");
        for (int i = 0; i < 7; i++) f.nic.inject(0, frame(100 + i, 60));
        rx.advance(rx.tail());
        p.rxsync(); // slots 2..7
        p.rxsync(); // slot 0, after the wrap
        assertEquals(List.of(100, 101, 102, 103, 104, 105, 106), visible(rx));
        assertEquals(txBuf, rx.bufIdx(0));
        assertEquals(106, f.region.buffers().getInt(txBuf * f.region.bufSize()),
                "the frame landed in the buffer the user swapped in");
    }
}
