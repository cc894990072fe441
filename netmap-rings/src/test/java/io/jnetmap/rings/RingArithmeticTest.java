package io.jnetmap.rings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

/**
 * netmap-semantics.md §2.1 and §8.2-8.3: nm_ring_next, nm_ring_space, nm_ring_empty, nm_tx_pending,
 * and the slot that always stays empty.
 */
class RingArithmeticTest {

    @Test
    void nextAndPrevWrapAtNumSlotsEvenWhenItIsNotAPowerOfTwo() {
        try (NicFixture f = NicFixture.simple(5)) {
            NetmapRing r = f.open().txRing(0);
            assertEquals(1, r.next(0));
            assertEquals(4, r.next(3));
            assertEquals(0, r.next(4));
            assertEquals(4, r.prev(0));
            assertEquals(2, r.prev(3));
            for (int i = 0; i < 5; i++) assertEquals(i, r.prev(r.next(i)));
        }
    }

    @Test
    void spaceIsTailMinusHeadModuloNumSlotsAndIgnoresCur() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapRing r = f.open().txRing(0);
            // pure header arithmetic: set the fields as a sync would leave them, no sync follows
            setPointers(r, 2, 2, 6);
            assertEquals(4, r.space());
            assertFalse(r.empty());
            setPointers(r, 6, 6, 2); // wrapped: tail behind head
            assertEquals(4, r.space());
            setPointers(r, 7, 7, 0);
            assertEquals(1, r.space());
            setPointers(r, 0, 0, 7);
            assertEquals(7, r.space());
            setPointers(r, 3, 3, 3);
            assertEquals(0, r.space());
            assertTrue(r.empty());
            setPointers(r, 2, 6, 6); // cur at tail: space still counts from head
            assertEquals(4, r.space());
            assertFalse(r.empty());
        }
    }

    @Test
    void txPendingIsFalseOnlyWhenHeadIsOnePastTail() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapRing r = f.open().txRing(0);
            setPointers(r, 0, 0, 7);
            assertFalse(r.txPending(), "head == tail + 1 (wrapping) means everything was sent");
            setPointers(r, 5, 5, 4);
            assertFalse(r.txPending());
            setPointers(r, 5, 5, 3);
            assertTrue(r.txPending());
            setPointers(r, 0, 0, 0);
            assertTrue(r.txPending());
        }
    }

    @Test
    void aNewTxRingOffersAllSlotsButOneAndNothingIsPending() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapRing tx = f.open().txRing(0);
            assertEquals(0, tx.head());
            assertEquals(0, tx.cur());
            assertEquals(7, tx.tail());
            assertEquals(7, tx.space());
            assertFalse(tx.empty());
            assertFalse(tx.txPending());
        }
    }

    @Test
    void aNewRxRingIsEmpty() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapRing rx = f.open().rxRing(0);
            assertEquals(0, rx.head());
            assertEquals(0, rx.tail());
            assertEquals(0, rx.space());
            assertTrue(rx.empty());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 5, 8, 13})
    void aTxRingNeverOffersMoreThanNumSlotsMinusOneAcrossManyWrapArounds(int n) {
        try (NicFixture f = NicFixture.simple(n)) {
            NetmapPort p = f.open();
            NetmapRing tx = p.txRing(0);
            int sent = 0;
            for (int round = 0; round < 3 * n; round++) {
                assertEquals(n - 1, tx.space(), "all slots but one after every completed round");
                int k = 1 + round % (n - 1); // vary the batch so head lands everywhere
                int h = tx.head();
                for (int j = 0; j < k; j++) {
                    tx.len(h, 60);
                    h = tx.next(h);
                }
                tx.advance(h);
                assertEquals(n - 1 - k, tx.space());
                assertTrue(tx.txPending());
                p.txsync();
                sent += k;
                assertFalse(tx.txPending(), "the loopback device completes at once and NIOCTXSYNC reclaims");
                assertEquals(tx.prev(tx.head()), tx.tail());
            }
            assertEquals(sent, f.nic.handedTx().size());
        }
    }

    @Test
    void aFullTxRingHasHeadEqualToTailAndStillOneSlotTheUserDoesNotOwn() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapPort p = f.open();
            NetmapRing tx = p.txRing(0);
            f.nic.completeAtOnce = false;
            tx.advance(tx.tail());
            assertEquals(0, tx.space());
            assertTrue(tx.empty(), "nm_ring_empty on TX: no free slot");
            p.txsync();
            assertEquals(7, f.nic.handedTx().size(), "7 slots, never 8");
            assertEquals(7, tx.tail());
            assertEquals(0, tx.space());
            f.nic.complete(0, 7);
            p.txsync();
            assertEquals(6, tx.tail(), "tail = head - 1: the slot before head stays with the port");
            assertEquals(7, tx.space());
        }
    }

    @Test
    void anRxRingHoldsAtMostNumSlotsMinusOnePackets() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapPort p = f.open();
            NetmapRing rx = p.rxRing(0);
            for (int i = 0; i < 20; i++) f.nic.inject(0, new byte[] {(byte) i});
            int received = 0;
            for (int round = 0; round < 10 && received < 20; round++) {
                p.rxsync();
                assertTrue(rx.space() <= 7, "space " + rx.space());
                if (round == 0) assertEquals(7, rx.space());
                for (int i = rx.head(); i != rx.tail(); i = rx.next(i)) {
                    assertEquals(received, rx.buffers().getByte(rx.slotBufOffset(i)));
                    received++;
                }
                rx.advance(rx.tail());
            }
            assertEquals(20, received);
        }
    }

    @Test
    void spaceAndPendingFollowARingThroughWrapAround() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapPort p = f.open();
            NetmapRing tx = p.txRing(0);
            f.nic.completeAtOnce = false;
            tx.advance(6);
            p.txsync();
            f.nic.complete(0, 6);
            p.txsync();
            assertEquals(6, tx.head());
            assertEquals(5, tx.tail(), "tail wrapped behind head");
            assertEquals(7, tx.space());
            tx.advance(1); // slots 6, 7, 0
            assertEquals(4, tx.space());
            assertTrue(tx.txPending());
            p.txsync();
            assertEquals(5, tx.tail(), "nothing completed yet");
            assertEquals(4, tx.space());
            f.nic.complete(0, 2);
            p.txsync();
            assertEquals(7, tx.tail());
            assertEquals(6, tx.space());
            assertTrue(tx.txPending());
            f.nic.complete(0, 1);
            p.txsync();
            assertEquals(0, tx.tail());
            assertFalse(tx.txPending());
            assertEquals(7, tx.space());
        }
    }

    private static void setPointers(NetmapRing r, int head, int cur, int tail) {
        r.head(head);
        r.cur(cur);
        r.tail(tail);
    }
}
