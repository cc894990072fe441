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

    /** A starting state of ring 0 of one kind (TX or RX): the port's hwcur (= last head) and tail after the setup. */
    interface RingState {
        int hwcur();
        int tail();
        /** "TX" or "RX", as in the error message. */
        String kind();
        NetmapRing ring(NetmapPort p);
        void sync(NetmapPort p);
        /** Brings ring 0 to this state. */
        void build(NetmapPort p, LoopbackNic nic);

        /** Brings ring 0 to this state, checks it got there and returns it. */
        default NetmapRing setUp(NetmapPort p, LoopbackNic nic) {
            build(p, nic);
            NetmapRing r = ring(p);
            assertEquals(hwcur(), r.head());
            assertEquals(tail(), r.tail());
            return r;
        }
    }

    /** TX states: hwcur (= last head) and tail after the setup. */
    enum Tx implements RingState {
        /** 3 sent, none completed: valid head in [3, 7]. */
        PLAIN(3, 7),
        /** 5 sent, 2 completed: valid head in 5, 6, 7, 0, 1. */
        WRAPPED(5, 1),
        /** valid head in [1, 2]. */
        NARROW(1, 2);

        final int hwcur, tail;
        Tx(int hwcur, int tail) { this.hwcur = hwcur; this.tail = tail; }

        @Override public int hwcur() { return hwcur; }
        @Override public int tail() { return tail; }
        @Override public String kind() { return "TX"; }
        @Override public NetmapRing ring(NetmapPort p) { return p.txRing(0); }
        @Override public void sync(NetmapPort p) { p.txsync(); }

        @Override
        public void build(NetmapPort p, LoopbackNic nic) {
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
        }
    }

    /** RX states: hwcur (= last head) and tail after the setup. */
    enum Rx implements RingState {
        /** 5 received, 2 released: valid head in [2, 5]. */
        PLAIN(2, 5),
        /** valid head in 5, 6, 7, 0, 1. */
        WRAPPED(5, 1);

        final int hwcur, tail;
        Rx(int hwcur, int tail) { this.hwcur = hwcur; this.tail = tail; }

        @Override public int hwcur() { return hwcur; }
        @Override public int tail() { return tail; }
        @Override public String kind() { return "RX"; }
        @Override public NetmapRing ring(NetmapPort p) { return p.rxRing(0); }
        @Override public void sync(NetmapPort p) { p.rxsync(); }

        @Override
        public void build(NetmapPort p, LoopbackNic nic) {
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
            NetmapRing tx = state.setUp(p, f.nic);
            int calls = f.nic.txsyncCalls, handed = f.nic.handed.size();
            assertRejectedAndReset(state, p, head, cur, why);
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
        assertAccepted(state, head, cur, "handed over [hwcur, head)");
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
            NetmapRing rx = state.setUp(p, f.nic);
            int calls = f.nic.rxsyncCalls, handed = f.nic.handed.size();
            List<Integer> held = visible(rx);
            f.nic.inject(0, frame(1000, 60));
            assertRejectedAndReset(state, p, head, cur, why);
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
        assertAccepted(state, head, cur, "released [hwcur, head)");
    }

    /**
     * Moves head and cur of a ring in {@code state} and checks the sync throws, names the ring and
     * the reason, records the error and resets head and cur to hwcur.
     */
    private static void assertRejectedAndReset(RingState state, NetmapPort p, int head, int cur, String why) {
        NetmapRing ring = state.ring(p);
        ring.head(head);
        ring.cur(cur);
        RingStateException e = assertThrows(RingStateException.class, () -> state.sync(p));
        assertEquals("test0 " + state.kind() + " ring 0: " + why + "; the ring was reset to head = cur = " + state.hwcur()
                + ", tail = " + state.tail(), e.getMessage());
        assertEquals(e.getMessage(), p.lastError());
        assertEquals(state.hwcur(), ring.head());
        assertEquals(state.hwcur(), ring.cur());
    }

    /** On a fresh ring in {@code state}: the sync accepts head and cur, leaves them, and hands the port [hwcur, head). */
    private static void assertAccepted(RingState state, int head, int cur, String handedWhat) {
        try (NicFixture f = NicFixture.simple(N)) {
            NetmapPort p = f.open();
            NetmapRing ring = state.setUp(p, f.nic);
            int handed = f.nic.handed.size();
            ring.head(head);
            ring.cur(cur);
            state.sync(p);
            assertNull(p.lastError());
            assertEquals(head, ring.head());
            assertEquals(cur, ring.cur());
            assertEquals((head - state.hwcur() + N) % N, f.nic.handed.size() - handed, handedWhat);
        }
    }
}
