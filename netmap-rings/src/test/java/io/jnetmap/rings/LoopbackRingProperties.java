package io.jnetmap.rings;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.jnetmap.rings.NetmapLayout.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue #2: for random sequences of user moves (valid and invalid head/cur, overwritten tails,
 * garbled slots, zero-copy swaps) and syncs on a TX ring and an RX ring of a recording loopback
 * back-end, the ring layer never hands the back-end an out-of-range slot, and after every sync:
 * 0 <= head, cur, tail < num_slots; space <= num_slots - 1; a sync fails exactly when the user's
 * move broke netmap's rules (an independent oracle decides, from what the user saw after the
 * previous sync), and then the ring is back at the port's state with every garbled buffer index
 * restored; and the multiset of buffer indices in the two rings is unchanged.
 */
class LoopbackRingProperties {

    /** One step: what to do and two raw numbers it draws its values from. */
    record Move(Kind kind, int a, int b) { }

    /** The kinds of move, each with how often it is drawn. */
    enum Kind {
        TX_FILL(8), TX_SET_HEAD_CUR(2), TX_NUDGE(3), TX_NO_WRAP(1), TX_SET_HEAD(1), TX_SET_TAIL(1), TX_GARBLE(1), TX_SYNC(6),
        DEVICE_COMPLETE(4), DEVICE_INJECT(4),
        RX_CONSUME(6), RX_SET_HEAD_CUR(2), RX_NUDGE(3), RX_NO_WRAP(1), RX_SET_TAIL(1), RX_GARBLE(1), RX_SYNC(6),
        POLL(3), SWAP(3);

        final int weight;
        Kind(int weight) { this.weight = weight; }
    }

    @Provide
    Arbitrary<List<Move>> moves() {
        Arbitrary<Kind> kind = RingModel.weighted(Kind.values(), k -> k.weight);
        Arbitrary<Integer> v = RingModel.rawValues(Integer.MIN_VALUE, Integer.MAX_VALUE, 65535, 1 << 20);
        return Combinators.combine(kind, v, v).as(Move::new).list().ofMinSize(20).ofMaxSize(100);
    }

    @Property(tries = 1000)
    void loopbackRingsKeepTheirInvariants(@ForAll @IntRange(min = 2, max = 11) int n, @ForAll("moves") List<Move> moves) {
        try (NicFixture f = NicFixture.simple(n)) {
            new Run(f, n).play(moves);
        }
    }

    /** The state a user (and this test) knows, plus what it garbled on purpose. */
    static final class Run extends RingModel<Move> {
        final NicFixture f;
        final LoopbackNic nic;
        final NetmapPort p;
        final NetmapRing tx, rx;
        final Kring txk, rxk;
        final Map<Integer, Integer> initial;
        // what the user saw after the last sync of each ring
        int txHead, txTail, rxHead, rxTail;
        /** Garbled buffer indices: slot to the index the user overwrote (per ring). */
        final Map<Integer, Integer> txGarbage = new HashMap<>(), rxGarbage = new HashMap<>();
        final Set<Integer> txLongLen = new HashSet<>(), rxLongLen = new HashSet<>();
        int frameSeq;

        Run(NicFixture f, int n) {
            super(n, f.region.numBuffers(), f.region.bufSize());
            this.f = f;
            this.nic = f.nic;
            nic.completeAtOnce = false;
            this.p = f.open();
            this.tx = p.txRing(0);
            this.rx = p.rxRing(0);
            this.txk = p.boundTxKrings()[0];
            this.rxk = p.boundRxKrings()[0];
            txHead = tx.head();
            txTail = tx.tail();
            rxHead = rx.head();
            rxTail = rx.tail();
            initial = multiset();
        }

        @Override
        protected void play(List<Move> moves) {
            super.play(moves);
            p.close();
            assertEquals(f.freeBeforeNic, f.region.freeBuffers(), "closing returned every buffer");
        }

        @Override
        protected void apply(Move m) {
            int a = m.a(), b = m.b();
            switch (m.kind()) {
                case TX_FILL -> {
                    int h = tx.head(), t = txTail; // the tail the user saw, whatever it wrote there since
                    if (!within(h, txHead, txTail)) return; // the user's own pointers are off; FILL follows netmap's rules
                    int room = dist(h, t), k = Math.floorMod(a, room + 1);
                    for (int j = 0; j < k; j++) {
                        int s = (h + j) % n;
                        int idx = tx.bufIdx(s);
                        if (validBuf(idx)) tx.buffers().putInt(idx * bs, frameSeq++);
                        tx.len(s, 1 + Math.floorMod(b + j, bs));
                        tx.slotFlags(s, (b + j) % 5 == 0 ? NS_MOREFRAG : (b + j) % 7 == 0 ? NS_REPORT : 0);
                        txLongLen.remove(s);
                    }
                    int nh = (h + k) % n;
                    tx.head(nh);
                    tx.cur((nh + Math.floorMod(b, dist(nh, t) + 1)) % n);
                }
                case TX_SET_HEAD_CUR -> { tx.head(a); tx.cur(b); }
                case TX_NUDGE -> { // in range, but anywhere relative to the window: just behind, just beyond tail...
                    tx.head(Math.floorMod(txHead + a, n));
                    tx.cur(Math.floorMod(tx.head() + b, n));
                }
                case TX_NO_WRAP -> { // the classic bug: head + k without wrapping at num_slots
                    tx.head(txHead + Math.floorMod(a, dist(txHead, txTail) + 1));
                    tx.cur(tx.head() + Math.floorMod(b, 3));
                }
                case TX_SET_HEAD -> tx.head(a);
                case TX_SET_TAIL -> tx.tail(a);
                case TX_GARBLE -> garble(tx, txk, txHead, txTail, txGarbage, txLongLen, a, b);
                case TX_SYNC -> txsync(false);
                case DEVICE_COMPLETE -> nic.complete(0, Math.floorMod(a, n));
                case DEVICE_INJECT -> {
                    for (int j = Math.floorMod(a, 4); j > 0; j--) nic.inject(0, RingOps.frame(frameSeq++, 60 + Math.floorMod(b, 100)));
                }
                case RX_CONSUME -> {
                    int h = rx.head();
                    if (!within(h, rxHead, rxTail)) return;
                    int k = Math.floorMod(a, dist(h, rxTail) + 1), nh = (h + k) % n;
                    rx.head(nh);
                    rx.cur((nh + Math.floorMod(b, dist(nh, rxTail) + 1)) % n);
                }
                case RX_SET_HEAD_CUR -> { rx.head(a); rx.cur(b); }
                case RX_NUDGE -> {
                    rx.head(Math.floorMod(rxHead + a, n));
                    rx.cur(Math.floorMod(rx.head() + b, n));
                }
                case RX_NO_WRAP -> {
                    rx.head(rxHead + Math.floorMod(a, dist(rxHead, rxTail) + 1));
                    rx.cur(rx.head() + Math.floorMod(b, 3));
                }
                case RX_SET_TAIL -> rx.tail(a);
                case RX_GARBLE -> garble(rx, rxk, rxHead, rxTail, rxGarbage, rxLongLen, a, b);
                case RX_SYNC -> rxsync(false);
                case POLL -> poll(a);
                case SWAP -> {
                    int rxRoom = dist(rxHead, rxTail), txRoom = dist(txHead, txTail);
                    if (rxRoom == 0 || txRoom == 0) return;
                    int i = (rxHead + Math.floorMod(a, rxRoom)) % n, j = (txHead + Math.floorMod(b, txRoom)) % n;
                    if (!validBuf(rx.bufIdx(i)) || !validBuf(tx.bufIdx(j)) || rx.len(i) > bs) return;
                    rx.swapBuffers(i, tx, j);
                    txLongLen.remove(j);
                }
            }
        }

        /** {@link RingModel#garble}, with lengths up to 65535 and indices far out of range too. */
        void garble(NetmapRing r, Kring k, int head, int tail, Map<Integer, Integer> garbage, Set<Integer> longLen, int a, int b) {
            int[] bad = {0, 1, nb, nb + Math.floorMod(b, 1000), -1, Integer.MIN_VALUE};
            int s = garble(r, k, head, tail, garbage, a, b, 65535 - bs, bad);
            if (s >= 0) longLen.add(s);
        }

        // ---- the oracle: would netmap's prologue and slot checks accept the user's ring?

        boolean txValid() {
            int h = tx.head(), c = tx.cur();
            if (!within(h, txHead, txTail) || !within(c, h, txTail)) return false;
            return slotsValid(tx, txHead, h);
        }

        boolean rxValid() {
            int h = rx.head(), c = rx.cur();
            if (!within(h, rxHead, rxTail) || !within(c, h, rxTail)) return false;
            return slotsValid(rx, rxHead, h);
        }

        void txsync(boolean viaPoll) {
            boolean valid = txValid();
            int from = txHead, to = tx.head(), handed = nic.handedTx().size();
            boolean threw = false;
            if (!viaPoll) {
                try {
                    p.txsync();
                } catch (RingStateException e) {
                    threw = true;
                    assertTrue(e.getMessage().startsWith("test0 TX ring 0: "), e.getMessage());
                }
                assertEquals(!valid, threw, "txsync must fail exactly when the move broke the rules");
            }
            afterTxsync(valid, from, to, handed);
        }

        void afterTxsync(boolean valid, int from, int to, int handedBefore) {
            List<LoopbackNic.Handed> h = nic.handedTx();
            if (valid) {
                assertEquals(dist(from, to), h.size() - handedBefore, "slots [hwcur, head) handed over");
                for (int j = handedBefore, s = from; j < h.size(); j++, s = (s + 1) % n) assertEquals(s, h.get(j).slot());
                assertEquals(to, tx.head());
            } else {
                assertEquals(handedBefore, h.size(), "nothing handed over on a violation");
                assertEquals(txHead, tx.head(), "reset to hwcur");
                assertEquals(txHead, tx.cur());
                assertEquals(txTail, tx.tail(), "reset to hwtail");
                assertRestored(tx, "TX", txGarbage);
                txLongLen.clear();
            }
            ringInvariants(tx, txk);
            txHead = tx.head();
            txTail = tx.tail();
            common();
        }

        void rxsync(boolean viaPoll) {
            boolean valid = rxValid();
            int from = rxHead, to = rx.head(), handed = nic.handedRx().size();
            boolean threw = false;
            if (!viaPoll) {
                try {
                    p.rxsync();
                } catch (RingStateException e) {
                    threw = true;
                    assertTrue(e.getMessage().startsWith("test0 RX ring 0: "), e.getMessage());
                }
                assertEquals(!valid, threw, "rxsync must fail exactly when the move broke the rules");
            }
            afterRxsync(valid, from, to, handed);
        }

        void afterRxsync(boolean valid, int from, int to, int handedBefore) {
            List<LoopbackNic.Handed> h = nic.handedRx();
            if (valid) {
                assertEquals(dist(from, to), h.size() - handedBefore, "slots [hwcur, head) released");
                assertEquals(to, rx.head());
            } else {
                assertEquals(handedBefore, h.size(), "nothing released on a violation");
                assertEquals(rxHead, rx.head());
                assertEquals(rxHead, rx.cur());
                assertRestored(rx, "RX", rxGarbage);
                rxLongLen.clear();
            }
            assertTrue(dist(rxTail, rx.tail()) <= dist(rxTail, (from + n - 1) % n),
                    "RX tail moved forward over new packets, never into the slot before the old hwcur");
            ringInvariants(rx, rxk);
            rxHead = rx.head();
            rxTail = rx.tail();
            common();
        }

        void poll(int a) {
            int events = pollEvents(a);
            boolean wantTx = (events & NetmapPort.POLLOUT) != 0, wantRx = (events & NetmapPort.POLLIN) != 0;
            // netmap_poll: TX rings are synced when POLLOUT asks for space, or when they have unsent slots
            boolean txSynced = wantTx || tx.head() != txHead;
            boolean txOk = txValid(), rxOk = rxValid();
            int txFrom = txHead, txTo = tx.head(), txHanded = nic.handedTx().size();
            int rxFrom = rxHead, rxTo = rx.head(), rxHanded = nic.handedRx().size();
            int rev = p.poll(events, 0);
            boolean err = (txSynced && !txOk) || (wantRx && !rxOk);
            assertEquals(err, (rev & NetmapPort.POLLERR) != 0, "POLLERR exactly on a violation (rev " + rev + ")");
            if (err) assertNotNull(p.lastError());
            if (txSynced) afterTxsync(txOk, txFrom, txTo, txHanded);
            else assertEquals(txHanded, nic.handedTx().size());
            if (wantRx) afterRxsync(rxOk, rxFrom, rxTo, rxHanded);
            if (wantTx) assertEquals(tx.cur() != tx.tail(), (rev & NetmapPort.POLLOUT) != 0, "POLLOUT iff cur != tail");
            if (wantRx) assertEquals(rx.cur() != rx.tail(), (rev & NetmapPort.POLLIN) != 0, "POLLIN iff cur != tail");
        }

        /** {@link RingModel#ringInvariants}, and the port's tail is the one published. */
        void ringInvariants(NetmapRing r, Kring k) {
            ringInvariants(r);
            assertEquals(k.hwtail(), r.tail(), "the port's tail is published");
        }

        void common() {
            assertTrue(nic.violations.isEmpty(), nic.violations.toString());
            assertEquals(initial, multiset(), "no buffer lost or duplicated");
        }

        /** Buffer indices in both rings, counting a garbled slot as the buffer the user garbled. */
        Map<Integer, Integer> multiset() {
            Map<Integer, Integer> m = new HashMap<>();
            for (int i = 0; i < n; i++) {
                m.merge(txGarbage.getOrDefault(i, tx.bufIdx(i)), 1, Integer::sum);
                m.merge(rxGarbage.getOrDefault(i, rx.bufIdx(i)), 1, Integer::sum);
            }
            return m;
        }
    }
}
