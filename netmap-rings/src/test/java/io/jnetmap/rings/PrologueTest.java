package io.jnetmap.rings;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static io.jnetmap.rings.RingOps.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * netmap-semantics.md §2.4 and §2.7 (nm_txsync_prologue, nm_rxsync_prologue, netmap_ring_reinit),
 * with jnetmap's deliberate difference: ANY violation resets the ring to head = cur = hwcur,
 * tail = hwtail, and the sync throws a RingStateException that names the ring and the values.
 * A TX ring is then not synced; an RX ring still imports.
 *
 * <p>Each case starts from one of three states of an 8-slot ring: the port's window
 * [hwcur, tail] plain, wrapped, or narrow.
 */
class PrologueTest {
    static final int N = 8;

    /** TX states: hwcur (= last head) and tail after the setup. */
    enum Tx {
        /** 3 sent, none completed: valid head in [3, 7]. */
        PLAIN(3, 7),
        /** 5 sent, 2 completed: valid head in 5, 6, 7, 0, 1. */
        WRAPPED(5, 1),
        /** valid head in [1, 2]. */
        NARROW(1, 2);

        final int hwcur, tail;
        Tx(int hwcur, int tail) { this.hwcur = hwcur; this.tail = tail; }

        void setUp(NetmapPort p, LoopbackNic nic) {
            NetmapRing tx = p.txRing(0);
            nic.completeAtOnce = false;
            switch (this) {
                case PLAIN -> { send(tx, 3, 0, 60); p.txsync(); }
                case WRAPPED -> { send(tx, 5, 0, 60); p.txsync(); nic.complete(0, 2); p.txsync(); }
                case NARROW -> {
                    send(tx, 3, 0, 60); p.txsync(); nic.complete(0, 3); p.txsync();
                    send(tx, 6, 3, 60); p.txsync();
                }
            }
            assertEquals(hwcur, tx.head());
            assertEquals(tail, tx.tail());
        }
    }

    /** RX states: hwcur (= last head) and tail after the setup. */
    enum Rx {
        /** 5 received, 2 released: valid head in [2, 5]. */
        PLAIN(2, 5),
        /** valid head in 5, 6, 7, 0, 1. */
        WRAPPED(5, 1);

        final int hwcur, tail;
        Rx(int hwcur, int tail) { this.hwcur = hwcur; this.tail = tail; }

        void setUp(NetmapPort p, LoopbackNic nic) {
            NetmapRing rx = p.rxRing(0);
            for (int i = 0; i < 5; i++) nic.inject(0, frame(i, 60));
            p.rxsync();
            rx.advance(2);
            p.rxsync();
            if (this == WRAPPED) {
                rx.advance(5);
                for (int i = 0; i < 4; i++) nic.inject(0, frame(5 + i, 60));
                p.rxsync();
            }
            assertEquals(hwcur, rx.head());
            assertEquals(tail, rx.tail());
        }
    }

    static Stream<Arguments> txViolations() {
        return Stream.of(
                // head behind the last head (rhead)
                arguments(Tx.PLAIN, 2, 2, "head 2 is outside [3, 7]"),
                arguments(Tx.NARROW, 0, 0, "head 0 is outside [1, 2]"),
                arguments(Tx.WRAPPED, 4, 4, "head 4 is inside (1, 5), which the port owns"),
                // head beyond tail
                arguments(Tx.NARROW, 3, 3, "head 3 is outside [1, 2]"),
                arguments(Tx.WRAPPED, 2, 2, "head 2 is inside (1, 5), which the port owns"),
                arguments(Tx.WRAPPED, 3, 3, "head 3 is inside (1, 5), which the port owns"),
                // cur behind head
                arguments(Tx.PLAIN, 4, 3, "cur 3 is outside [head 4, 7]"),
                arguments(Tx.WRAPPED, 6, 5, "cur 5 is inside (1, head 6)"),
                arguments(Tx.WRAPPED, 1, 0, "cur 0 is outside [head 1, 1]"),
                arguments(Tx.NARROW, 2, 1, "cur 1 is outside [head 2, 2]"),
                // cur beyond tail
                arguments(Tx.NARROW, 1, 3, "cur 3 is outside [head 1, 2]"),
                arguments(Tx.WRAPPED, 7, 2, "cur 2 is inside (1, head 7)"),
                arguments(Tx.WRAPPED, 0, 2, "cur 2 is outside [head 0, 1]"),
                arguments(Tx.WRAPPED, 0, 7, "cur 7 is outside [head 0, 1]"),
                // indices >= num_slots
                arguments(Tx.PLAIN, 8, 8, "head 8 or cur 8 is outside the ring (8 slots)"),
                arguments(Tx.PLAIN, 3, 8, "head 3 or cur 8 is outside the ring (8 slots)"),
                arguments(Tx.WRAPPED, 9, 0, "head 9 or cur 0 is outside the ring (8 slots)"),
                arguments(Tx.PLAIN, Integer.MAX_VALUE, 3, "head 2147483647 or cur 3 is outside the ring (8 slots)"),
                // negative
                arguments(Tx.PLAIN, -1, 3, "head -1 or cur 3 is outside the ring (8 slots)"),
                arguments(Tx.WRAPPED, 6, -1, "head 6 or cur -1 is outside the ring (8 slots)"),
                arguments(Tx.NARROW, Integer.MIN_VALUE, Integer.MIN_VALUE,
                        "head -2147483648 or cur -2147483648 is outside the ring (8 slots)"));
    }

    @ParameterizedTest(name = "{0} ring, head {1}, cur {2}")
    @MethodSource("txViolations")
    void aTxPointerViolationThrowsResetsTheRingAndSkipsTheBackEnd(Tx state, int head, int cur, String why) {
        try (NicFixture f = NicFixture.simple(N)) {
            NetmapPort p = f.open();
            NetmapRing tx = p.txRing(0);
            state.setUp(p, f.nic);
            int calls = f.nic.txsyncCalls, handed = f.nic.handed.size();
            tx.head(head);
            tx.cur(cur);
            RingStateException e = assertThrows(RingStateException.class, p::txsync);
            assertEquals("test0 TX ring 0: " + why + "; the ring was reset to head = cur = " + state.hwcur
                    + ", tail = " + state.tail, e.getMessage());
            assertEquals(e.getMessage(), p.lastError());
            assertEquals(state.hwcur, tx.head());
            assertEquals(state.hwcur, tx.cur());
            assertEquals(state.tail, tx.tail());
            assertEquals(calls, f.nic.txsyncCalls, "the back-end was not called");
            assertEquals(handed, f.nic.handed.size());
            // the ring works on from where it was reset
            send(tx, 1, 99, 60);
            p.txsync();
            assertEquals(handed + 1, f.nic.handed.size());
            assertEquals(state.hwcur, f.nic.handed.get(handed).slot());
        }
    }

    static Stream<Arguments> txValidMoves() {
        return Stream.of(arguments(Tx.PLAIN, 3, 3), arguments(Tx.PLAIN, 7, 7), arguments(Tx.PLAIN, 3, 7),
                arguments(Tx.WRAPPED, 1, 1), arguments(Tx.WRAPPED, 6, 0), arguments(Tx.WRAPPED, 7, 1),
                arguments(Tx.WRAPPED, 0, 1), arguments(Tx.WRAPPED, 5, 5), arguments(Tx.NARROW, 2, 2),
                arguments(Tx.NARROW, 1, 2));
    }

    @ParameterizedTest(name = "{0} ring, head {1}, cur {2}")
    @MethodSource("txValidMoves")
    void everyTxHeadAndCurInsideTheWindowIsAccepted(Tx state, int head, int cur) {
        try (NicFixture f = NicFixture.simple(N)) {
            NetmapPort p = f.open();
            NetmapRing tx = p.txRing(0);
            state.setUp(p, f.nic);
            int handed = f.nic.handed.size();
            tx.head(head);
            tx.cur(cur);
            p.txsync();
            assertNull(p.lastError());
            assertEquals(head, tx.head());
            assertEquals(cur, tx.cur());
            assertEquals((head - state.hwcur + N) % N, f.nic.handed.size() - handed);
        }
    }

    static Stream<Arguments> rxViolations() {
        return Stream.of(
                // head behind hwcur
                arguments(Rx.PLAIN, 1, 1, "head 1 is outside [2, 5]"),
                arguments(Rx.WRAPPED, 4, 4, "head 4 is inside (1, 5), which the port owns"),
                // head beyond tail
                arguments(Rx.PLAIN, 6, 6, "head 6 is outside [2, 5]"),
                arguments(Rx.WRAPPED, 2, 2, "head 2 is inside (1, 5), which the port owns"),
                arguments(Rx.WRAPPED, 3, 3, "head 3 is inside (1, 5), which the port owns"),
                // cur behind head
                arguments(Rx.PLAIN, 3, 2, "cur 2 is outside [head 3, 5]"),
                arguments(Rx.WRAPPED, 6, 4, "cur 4 is inside (1, head 6)"),
                arguments(Rx.WRAPPED, 1, 0, "cur 0 is outside [head 1, 1]"),
                // cur beyond tail
                arguments(Rx.PLAIN, 3, 6, "cur 6 is outside [head 3, 5]"),
                arguments(Rx.WRAPPED, 7, 3, "cur 3 is inside (1, head 7)"),
                arguments(Rx.WRAPPED, 0, 2, "cur 2 is outside [head 0, 1]"),
                // indices >= num_slots
                arguments(Rx.PLAIN, 8, 8, "head 8 or cur 8 is outside the ring (8 slots)"),
                arguments(Rx.PLAIN, 2, 8, "head 2 or cur 8 is outside the ring (8 slots)"),
                arguments(Rx.WRAPPED, 100, 5, "head 100 or cur 5 is outside the ring (8 slots)"),
                // negative
                arguments(Rx.PLAIN, -1, 2, "head -1 or cur 2 is outside the ring (8 slots)"),
                arguments(Rx.WRAPPED, 5, -2, "head 5 or cur -2 is outside the ring (8 slots)"),
                arguments(Rx.PLAIN, Integer.MIN_VALUE, 2, "head -2147483648 or cur 2 is outside the ring (8 slots)"));
    }

    @ParameterizedTest(name = "{0} ring, head {1}, cur {2}")
    @MethodSource("rxViolations")
    void anRxPointerViolationThrowsResetsTheRingAndStillImports(Rx state, int head, int cur, String why) {
        try (NicFixture f = NicFixture.simple(N)) {
            NetmapPort p = f.open();
            NetmapRing rx = p.rxRing(0);
            state.setUp(p, f.nic);
            int calls = f.nic.rxsyncCalls, handed = f.nic.handed.size();
            List<Integer> held = visible(rx);
            f.nic.inject(0, frame(1000, 60));
            rx.head(head);
            rx.cur(cur);
            RingStateException e = assertThrows(RingStateException.class, p::rxsync);
            assertEquals("test0 RX ring 0: " + why + "; the ring was reset to head = cur = " + state.hwcur
                    + ", tail = " + state.tail, e.getMessage());
            assertEquals(e.getMessage(), p.lastError());
            assertEquals(state.hwcur, rx.head());
            assertEquals(state.hwcur, rx.cur());
            assertEquals((state.tail + 1) % N, rx.tail(), "the new packet was imported all the same");
            assertEquals(calls + 1, f.nic.rxsyncCalls);
            assertEquals(handed, f.nic.handed.size(), "no slot was released");
            List<Integer> expect = new java.util.ArrayList<>(held);
            expect.add(1000);
            assertEquals(expect, visible(rx), "held packets are still there, and the new one after them");
        }
    }

    static Stream<Arguments> rxValidMoves() {
        return Stream.of(arguments(Rx.PLAIN, 2, 2), arguments(Rx.PLAIN, 5, 5), arguments(Rx.PLAIN, 2, 5),
                arguments(Rx.PLAIN, 4, 5), arguments(Rx.WRAPPED, 5, 1), arguments(Rx.WRAPPED, 7, 0),
                arguments(Rx.WRAPPED, 1, 1), arguments(Rx.WRAPPED, 0, 0));
    }

    @ParameterizedTest(name = "{0} ring, head {1}, cur {2}")
    @MethodSource("rxValidMoves")
    void everyRxHeadAndCurInsideTheWindowIsAccepted(Rx state, int head, int cur) {
        try (NicFixture f = NicFixture.simple(N)) {
            NetmapPort p = f.open();
            NetmapRing rx = p.rxRing(0);
            state.setUp(p, f.nic);
            int handed = f.nic.handed.size();
            rx.head(head);
            rx.cur(cur);
            p.rxsync();
            assertNull(p.lastError());
            assertEquals(head, rx.head());
            assertEquals(cur, rx.cur());
            assertEquals((head - state.hwcur + N) % N, f.nic.handed.size() - handed, "released [hwcur, head)");
        }
    }
}
