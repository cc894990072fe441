package io.jnetmap.rings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.jnetmap.rings.RingOps.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * netmap-semantics.md §2.7: slots with buf_idx 0, 1, >= the pool size, or len > the buffer size
 * are refused before any back-end sees them. jnetmap's difference from netmap: the invalid index
 * is replaced by the buffer the port last knew in that slot (netmap writes 0), so no buffer leaves
 * the ring, and the region's allocation counts do not move.
 */
class SlotValidationTest {
    static final int N = 8;
    /** Buffers in the fixture's region: 2 reserved + 2 rings of 8 + spares. */
    static final int NUM_BUFFERS = 2 + 2 * N + NicFixture.SPARE_BUFFERS;

    /** Bad indices; 26 is the pool size of the fixture's region. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, NUM_BUFFERS, NUM_BUFFERS + 1, 1 << 20, -1, Integer.MIN_VALUE})
    void aTxSlotWithAnInvalidBufferIndexIsRefusedAndItsBufferRestored(int bad) {
        try (NicFixture f = NicFixture.simple(N)) {
            assertEquals(NUM_BUFFERS, f.region.numBuffers());
            NetmapPort p = f.open();
            NetmapRing tx = p.txRing(0);
            int free = f.region.freeBuffers();
            int original = tx.bufIdx(1);
            send(tx, 3, 0, 60);
            tx.bufIdx(1, bad);
            RingStateException e = assertThrows(RingStateException.class, p::txsync);
            assertEquals("test0 TX ring 0: slot 1 has buffer index " + bad + ", outside 2.." + (NUM_BUFFERS - 1)
                    + "; the ring was reset to head = cur = 0, tail = 7", e.getMessage());
            assertTrue(f.nic.handed.isEmpty(), "the back-end saw no slot, not even the good slot 0");
            assertEquals(0, f.nic.txsyncCalls);
            assertEquals(original, tx.bufIdx(1), "the buffer the port knew is back in the slot");
            assertTrue(f.region.bufferAllocated(original));
            assertEquals(free, f.region.freeBuffers(), "no buffer lost, none allocated");
            assertEquals(0, tx.head());
            assertEquals(60, tx.len(1), "a valid length is kept");
            // the user re-sends; everything goes out with valid buffers
            tx.advance(3);
            p.txsync();
            assertEquals(3, f.nic.handedTx().size());
            assertEquals(original, f.nic.handedTx().get(1).bufIdx());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2049, 4096, 65535})
    void aTxSlotLongerThanItsBufferIsRefusedAndItsLengthZeroed(int len) {
        try (NicFixture f = NicFixture.simple(N)) {
            NetmapPort p = f.open();
            NetmapRing tx = p.txRing(0);
            int original = tx.bufIdx(2);
            send(tx, 3, 0, 60);
            tx.len(2, len);
            RingStateException e = assertThrows(RingStateException.class, p::txsync);
            assertEquals("test0 TX ring 0: slot 2 has length " + len + ", more than the buffer size 2048"
                    + "; the ring was reset to head = cur = 0, tail = 7", e.getMessage());
            assertTrue(f.nic.handed.isEmpty());
            assertEquals(0, tx.len(2));
            assertEquals(original, tx.bufIdx(2));
        }
    }

    @Test
    void aSlotExactlyAsLongAsItsBufferIsAccepted() {
        try (NicFixture f = NicFixture.simple(N)) {
            NetmapPort p = f.open();
            send(p.txRing(0), 1, 0, 2048);
            p.txsync();
            assertEquals(2048, f.nic.handedTx().get(0).len());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, NUM_BUFFERS, -7})
    void anRxSlotReleasedWithAnInvalidBufferIndexIsRefusedRestoredAndTheRingStillImports(int bad) {
        try (NicFixture f = NicFixture.simple(N)) {
            NetmapPort p = f.open();
            NetmapRing rx = p.rxRing(0);
            int free = f.region.freeBuffers();
            for (int i = 0; i < 3; i++) f.nic.inject(0, frame(i, 60));
            p.rxsync();
            int original = rx.bufIdx(1);
            rx.bufIdx(1, bad);
            rx.advance(3);
            f.nic.inject(0, frame(3, 60));
            RingStateException e = assertThrows(RingStateException.class, p::rxsync);
            assertEquals("test0 RX ring 0: slot 1 has buffer index " + bad + ", outside 2.." + (NUM_BUFFERS - 1)
                    + "; the ring was reset to head = cur = 0, tail = 3", e.getMessage());
            assertTrue(f.nic.handedRx().isEmpty(), "nothing re-armed, not even the good slot 0");
            assertEquals(original, rx.bufIdx(1));
            assertEquals(0, rx.head());
            assertEquals(4, rx.tail(), "the waiting packet was imported");
            assertEquals(java.util.List.of(0, 1, 2, 3), visible(rx));
            assertEquals(free, f.region.freeBuffers());
        }
    }

    @Test
    void anRxSlotReleasedWithALengthBeyondItsBufferIsRefused() {
        try (NicFixture f = NicFixture.simple(N)) {
            NetmapPort p = f.open();
            NetmapRing rx = p.rxRing(0);
            f.nic.inject(0, frame(0, 60));
            p.rxsync();
            rx.len(0, 3000);
            rx.advance(1);
            RingStateException e = assertThrows(RingStateException.class, p::rxsync);
            assertTrue(e.getMessage().startsWith("test0 RX ring 0: slot 0 has length 3000"), e.getMessage());
            assertEquals(0, rx.len(0));
            assertEquals(0, rx.head());
        }
    }

    @Test
    void aResetRestoresInvalidIndicesInEverySlotNotOnlyTheHandedOnes() {
        try (NicFixture f = NicFixture.simple(N)) {
            NetmapPort p = f.open();
            NetmapRing tx = p.txRing(0);
            int b5 = tx.bufIdx(5), b6 = tx.bufIdx(6);
            tx.bufIdx(5, 0);
            tx.len(6, 60000);
            tx.bufIdx(6, NUM_BUFFERS + 3);
            send(tx, 1, 0, 60);
            p.txsync(); // slot 0 is fine; 5 and 6 are the user's and not looked at yet
            assertEquals(0, tx.bufIdx(5));
            assertEquals(60000, tx.len(6));
            tx.head(20); // any violation resets the ring
            assertThrows(RingStateException.class, p::txsync);
            assertEquals(b5, tx.bufIdx(5));
            assertEquals(b6, tx.bufIdx(6));
            assertEquals(0, tx.len(6));
        }
    }

    @Test
    void noBufferIsLostWhenThePortClosesOverGarbledSlots() {
        try (NicFixture f = NicFixture.simple(N)) {
            NetmapPort p = f.open();
            NetmapRing tx = p.txRing(0), rx = p.rxRing(0);
            int used = f.freeBeforeNic - f.region.freeBuffers();
            assertEquals(2 * N, used);
            int[] owned = new int[2 * N];
            for (int i = 0; i < N; i++) { owned[i] = tx.bufIdx(i); owned[N + i] = rx.bufIdx(i); }
            tx.bufIdx(3, 1);        // never handed over, never reset
            rx.bufIdx(0, -1);
            p.close();
            assertTrue(f.nic.destroyed);
            assertEquals(f.freeBeforeNic, f.region.freeBuffers(), "every buffer went back, the garbled ones too");
            for (int b : owned) assertFalse(f.region.bufferAllocated(b), "buffer " + b);
            assertTrue(f.region.bufferAllocated(0));
            assertTrue(f.region.bufferAllocated(1));
        }
    }

    @Test
    void pollReportsABadSlotAsPollerr() {
        try (NicFixture f = NicFixture.simple(N)) {
            NetmapPort p = f.open();
            NetmapRing tx = p.txRing(0);
            int original = tx.bufIdx(0);
            send(tx, 1, 0, 60);
            tx.bufIdx(0, 0);
            int rev = p.poll(NetmapPort.POLLOUT, 0);
            assertEquals(NetmapPort.POLLERR, rev & NetmapPort.POLLERR);
            assertTrue(p.lastError().contains("slot 0 has buffer index 0"), p.lastError());
            assertEquals(original, tx.bufIdx(0));
            assertTrue(f.nic.handed.isEmpty());
        }
    }
}
