package io.jnetmap.rings;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.jnetmap.rings.NetmapLayout.*;
import static io.jnetmap.rings.RingOps.*;
import static org.junit.jupiter.api.Assertions.*;

/** netmap-semantics.md §2.2, §2.4, §2.5: what a TX sync hands to the port and what the user gets back. */
class TxRingTest extends NicTestBase {

    @Test
    void txsyncHandsOverExactlyTheSlotsFromHwcurToHeadInOrder() {
        NetmapPort p = open(8);
        NetmapRing tx = p.txRing(0);
        Kring k = p.boundTxKrings()[0];
        List<Integer> slots = send(tx, 3, 100, 60);
        int[] bufs = {tx.bufIdx(0), tx.bufIdx(1), tx.bufIdx(2)};
        p.txsync();
        assertEquals(List.of(
                new LoopbackNic.Handed(true, 0, 0, bufs[0], 60, 0),
                new LoopbackNic.Handed(true, 0, 1, bufs[1], 60, 0),
                new LoopbackNic.Handed(true, 0, 2, bufs[2], 60, 0)), f.nic.handedTx());
        assertEquals(List.of(0, 1, 2), slots);
        assertEquals(3, k.hwcur(), "hwcur = head after the sync");
        send(tx, 2, 103, 61);
        p.txsync();
        assertEquals(5, f.nic.handedTx().size(), "slots 0-2 are not handed over twice");
        assertEquals(3, f.nic.handedTx().get(3).slot());
        assertEquals(4, f.nic.handedTx().get(4).slot());
        p.txsync();
        assertEquals(5, f.nic.handedTx().size(), "head == hwcur: nothing to hand over");
    }

    @Test
    void framesSentArriveWithTheirBytes() {
        NetmapPort p = open(8);
        NetmapRing tx = p.txRing(0), rx = p.rxRing(0);
        for (int n = 0; n < 20; n++) { // wraps both rings several times
            int i = tx.head();
            byte[] fr = frame(n, 60 + n);
            tx.buffers().putBytes(tx.slotBufOffset(i), fr, 0, fr.length);
            tx.len(i, fr.length);
            tx.advance(tx.next(i));
            p.txsync();
            p.rxsync();
            assertEquals(1, rx.space());
            int j = rx.head();
            assertEquals(60 + n, rx.len(j));
            byte[] got = new byte[rx.len(j)];
            rx.buffers().getBytes(rx.slotBufOffset(j), got, 0, got.length);
            assertArrayEquals(fr, got);
            rx.advance(rx.next(j));
        }
    }

    @Test
    void tailIsPublishedOnlyAtTheNextSync() {
        NetmapRing tx = lazyTxWithQueued(5);
        p.txsync();
        assertEquals(7, tx.tail(), "nothing completed");
        assertEquals(2, tx.space());
        f.nic.complete(0, 2);
        assertEquals(7, tx.tail(), "the device finished two, but tail moves only in a sync");
        p.txsync();
        assertEquals(1, tx.tail(), "tail advanced by two, wrapping");
        assertEquals(4, tx.space());
        assertTrue(tx.txPending());
        f.nic.complete(0, 3);
        p.txsync();
        assertEquals(4, tx.tail());
        assertFalse(tx.txPending());
    }

    @Test
    void curMayRunAheadOfHeadUpToTail() {
        NetmapRing tx = lazyTxWithQueued(2);
        tx.cur(tx.tail()); // "wake me when tail passes 7"
        p.txsync();
        assertEquals(2, f.nic.handedTx().size(), "only [hwcur, head) is handed over, not up to cur");
        assertEquals(2, tx.head());
        assertEquals(7, tx.cur(), "the sync leaves cur alone");
        assertNull(p.lastError());
    }

    @Test
    void txsyncActsOnEveryBoundRingAndTxsyncOfOneRingOnlyOnThatRing() {
        NetmapPort p = open(NicFixture.create(3, 1, 0, 0, 8));
        for (int r = 0; r < 3; r++) send(p.txRing(r), r + 1, 0, 60);
        p.txsync(1);
        assertEquals(2, f.nic.handedTx().size());
        assertTrue(f.nic.handedTx().stream().allMatch(h -> h.ring() == 1));
        p.txsync();
        assertEquals(1 + 2 + 3, f.nic.handedTx().size());
        assertEquals(1, f.nic.handedTx().stream().filter(h -> h.ring() == 0).count());
        assertEquals(3, f.nic.handedTx().stream().filter(h -> h.ring() == 2).count());
    }

    @Test
    void txsyncOfARingThePortDoesNotBindIsRefused() {
        NetmapPort p = open(NicFixture.create(2, 2, 0, 0, 8), "netmap:test0-0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.txsync(1));
        assertTrue(e.getMessage().contains("does not bind TX ring 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> p.rxsync(1));
        assertTrue(e.getMessage().contains("does not bind RX ring 1"), e.getMessage());
    }

    @Test
    void aBadRingDoesNotStopTheOtherRingsFromBeingSynced() {
        NetmapPort p = open(NicFixture.create(3, 1, 0, 0, 8));
        send(p.txRing(0), 2, 0, 60);
        send(p.txRing(1), 2, 0, 60);
        send(p.txRing(2), 2, 0, 60);
        p.txRing(1).head(9);
        RingStateException e = assertThrows(RingStateException.class, p::txsync);
        assertTrue(e.getMessage().contains("TX ring 1"), e.getMessage());
        assertEquals(2, f.nic.handedTx().stream().filter(h -> h.ring() == 0).count());
        assertEquals(0, f.nic.handedTx().stream().filter(h -> h.ring() == 1).count());
        assertEquals(2, f.nic.handedTx().stream().filter(h -> h.ring() == 2).count());
        assertEquals(0, p.txRing(1).head(), "ring 1 was reset");
        assertEquals(e.getMessage(), p.lastError());
    }

    @Test
    void aTailTheUserOverwroteIsRestoredSilently() {
        NetmapRing tx = lazyTxWithQueued(3);
        for (int bogus : new int[] {2, 0, 8, -1, 1000}) {
            tx.tail(bogus);
            p.txsync();
            assertEquals(7, tx.tail(), "tail " + bogus + " was restored");
        }
        assertEquals(3, f.nic.handedTx().size());
        assertNull(p.lastError());
        tx.tail(3);
        tx.advance(6); // valid against the real tail 7, though beyond the bogus one
        p.txsync();
        assertEquals(6, f.nic.handedTx().size());
    }

    @Test
    void flagsReachTheBackEndAsTheUserSetThem() {
        NetmapPort p = open(8);
        NetmapRing tx = p.txRing(0);
        tx.len(0, 100);
        tx.slotFlags(0, NS_MOREFRAG);
        tx.len(1, 50);
        tx.slotFlags(1, NS_REPORT);
        tx.advance(2);
        p.txsync();
        assertEquals(NS_MOREFRAG, f.nic.handedTx().get(0).flags());
        assertEquals(NS_REPORT, f.nic.handedTx().get(1).flags());
    }

    /** TX ring 0 of an 8-slot NIC that completes slots only when told, with {@code k} frames queued (not yet synced). */
    private NetmapRing lazyTxWithQueued(int k) {
        NetmapRing tx = open(8).txRing(0);
        f.nic.completeAtOnce = false;
        send(tx, k, 0, 60);
        return tx;
    }
}
