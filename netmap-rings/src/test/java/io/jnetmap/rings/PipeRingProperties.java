package io.jnetmap.rings;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.jnetmap.rings.NetmapLayout.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue #2 on a pipe: both ends in one process, random user moves (valid and invalid head/cur,
 * overwritten tails, garbled slots, NS_MOREFRAG chains, zero-copy forwarding from an end's RX ring
 * into its own TX ring) and syncs. After every sync: 0 <= head, cur, tail < num_slots;
 * space <= num_slots - 1; a sync fails exactly when the move broke netmap's rules; the receiver
 * sees exactly the slots the sender published, in order, with their buffers (no copy), lengths and
 * flags, whole as netmap's {@code *rs = *ts} (the sender's slot loses only NS_BUF_CHANGED), and only whole NS_MOREFRAG chains; no invalid slot ever
 * reaches the receiver; and the multiset of buffer indices over sender and receiver rings of both
 * directions, each position counted on the side that owns it, never changes. Closing returns every
 * buffer to the region.
 */
class PipeRingProperties {
    private static int seq;

    private static synchronized int next() { return seq++; }

    /** One step on end {@code end} (0 master, 1 slave). */
    record Move(Kind kind, int end, int a, int b) { }

    /** The kinds of move, each with how often it is drawn. */
    enum Kind {
        FILL(8), TX_NUDGE(3), TX_SET_HEAD_CUR(1), TX_SET_TAIL(1), TX_GARBLE(1), TXSYNC(7),
        CONSUME(6), RX_NUDGE(3), RX_SET_HEAD_CUR(1), RX_SET_TAIL(1), RX_GARBLE(1), RXSYNC(7),
        POLL(3), FORWARD(4);

        final int weight;
        Kind(int weight) { this.weight = weight; }
    }

    @Provide
    Arbitrary<List<Move>> moves() {
        Arbitrary<Kind> kind = RingModel.weighted(Kind.values(), k -> k.weight);
        Arbitrary<Integer> v = RingModel.rawValues(Integer.MIN_VALUE, Integer.MAX_VALUE, 65535);
        return Combinators.combine(kind, Arbitraries.integers().between(0, 1), v, v).as(Move::new)
                .list().ofMinSize(20).ofMaxSize(100);
    }

    @Property(tries = 300)
    void pipesKeepTheirInvariantsAndDeliverWhatWasSent(@ForAll @IntRange(min = 2, max = 10) int n,
                                                      @ForAll("moves") List<Move> moves) {
        String name = "pprop" + ProcessHandle.current().pid() + "_" + next();
        try (MemoryRegion held = MemoryRegion.attach(name, RegionConfig.fromSystemProperties())) {
            int pool = held.freeBuffers();
            try (NetmapPort m = NetmapPort.open("netmap:" + name + "{1@conf:slots=" + n);
                 NetmapPort s = NetmapPort.open("netmap:" + name + "}1@conf:slots=" + n)) {
                new Run(n, new NetmapPort[] {m, s}).play(moves);
            }
            assertEquals(pool, held.freeBuffers(), "closing the pipe returned every buffer");
        }
    }

    /** What was published and not yet seen by the receiver: one entry per slot. */
    record Sent(int seq, int len, int flags, int bufIdx) { }

    static final class End {
        final NetmapPort port;
        final NetmapRing tx, rx;
        final Kring txk, rxk;
        int txHead, txTail, rxHead, rxTail;  // what the user saw after the last sync of each ring
        final Map<Integer, Integer> txGarbage = new HashMap<>(), rxGarbage = new HashMap<>();

        End(NetmapPort p) {
            port = p;
            tx = p.txRing(0);
            rx = p.rxRing(0);
            txk = p.boundTxKrings()[0];
            rxk = p.boundRxKrings()[0];
            txHead = tx.head();
            txTail = tx.tail();
            rxHead = rx.head();
            rxTail = rx.tail();
        }
    }

    static final class Run extends RingModel<Move> {
        final End[] ends = new End[2];
        /** Per direction d (end d's TX to end 1-d's RX): published end, and what the receiver has not yet seen. */
        final int[] pubEnd = new int[2];
        /** Each TX ring's slot flags just before its last sync: what the receiver must see. */
        final int[][] txFlagsBefore = new int[2][];
        final int[] rxSeen = new int[2];
        @SuppressWarnings("unchecked")
        final ArrayDeque<Sent>[] inFlight = new ArrayDeque[] {new ArrayDeque<>(), new ArrayDeque<>()};
        final Map<Integer, Integer> initial;
        int seqNo = 1;

        Run(int n, NetmapPort[] ports) {
            super(n, ports[0].region().numBuffers(), ports[0].region().bufSize());
            for (int e = 0; e < 2; e++) ends[e] = new End(ports[e]);
            initial = multiset();
            assertEquals(2 * n, initial.size(), "a new pipe: 2n distinct buffers");
        }

        int seqOf(NetmapRing r, int slot) { return r.buffers().getInt(r.bufIdx(slot) * bs); }

        @Override
        protected void apply(Move m) {
            End e = ends[m.end()];
            int a = m.a(), b = m.b();
            switch (m.kind()) {
                case FILL -> {
                    int h = e.tx.head();
                    if (!within(h, e.txHead, e.txTail)) return;
                    int k = Math.floorMod(a, dist(h, e.txTail) + 1);
                    for (int j = 0; j < k; j++) {
                        int s = (h + j) % n;
                        if (validBuf(e.tx.bufIdx(s))) e.tx.buffers().putInt(e.tx.bufIdx(s) * bs, seqNo++);
                        e.tx.len(s, 4 + Math.floorMod(b + j, bs - 3));
                        int fl = Math.floorMod(b + j, 4) == 0 ? NS_MOREFRAG : 0;
                        if (Math.floorMod(b + j, 6) == 1) fl |= NS_REPORT;
                        if (Math.floorMod(b + j, 10) == 3) fl |= NS_FORWARD;
                        e.tx.slotFlags(s, fl);
                    }
                    int nh = (h + k) % n;
                    e.tx.head(nh);
                    e.tx.cur((nh + Math.floorMod(b, dist(nh, e.txTail) + 1)) % n);
                }
                case TX_NUDGE -> { e.tx.head(Math.floorMod(e.txHead + a, n)); e.tx.cur(Math.floorMod(e.tx.head() + b, n)); }
                case TX_SET_HEAD_CUR -> { e.tx.head(a); e.tx.cur(b); }
                case TX_SET_TAIL -> e.tx.tail(a);
                case TX_GARBLE -> garble(e.tx, e.txk, e.txHead, e.txTail, e.txGarbage, a, b);
                case TXSYNC -> txsync(m.end(), false);
                case CONSUME -> {
                    int h = e.rx.head();
                    if (!within(h, e.rxHead, e.rxTail)) return;
                    int nh = (h + Math.floorMod(a, dist(h, e.rxTail) + 1)) % n;
                    e.rx.head(nh);
                    e.rx.cur((nh + Math.floorMod(b, dist(nh, e.rxTail) + 1)) % n);
                }
                case RX_NUDGE -> { e.rx.head(Math.floorMod(e.rxHead + a, n)); e.rx.cur(Math.floorMod(e.rx.head() + b, n)); }
                case RX_SET_HEAD_CUR -> { e.rx.head(a); e.rx.cur(b); }
                case RX_SET_TAIL -> e.rx.tail(a);
                case RX_GARBLE -> garble(e.rx, e.rxk, e.rxHead, e.rxTail, e.rxGarbage, a, b);
                case RXSYNC -> rxsync(m.end(), false);
                case POLL -> poll(m.end(), a);
                case FORWARD -> { // zero copy from this end's RX ring into its own TX ring
                    int rxRoom = dist(e.rxHead, e.rxTail), txRoom = dist(e.txHead, e.txTail);
                    if (rxRoom == 0 || txRoom == 0) return;
                    int i = (e.rxHead + Math.floorMod(a, rxRoom)) % n, j = (e.txHead + Math.floorMod(b, txRoom)) % n;
                    if (!validBuf(e.rx.bufIdx(i)) || !validBuf(e.tx.bufIdx(j)) || e.rx.len(i) > bs) return;
                    e.rx.swapBuffers(i, e.tx, j);
                }
            }
        }

        /** {@link RingModel#garble}, with lengths up to bs + 1000. */
        void garble(NetmapRing r, Kring k, int head, int tail, Map<Integer, Integer> garbage, int a, int b) {
            garble(r, k, head, tail, garbage, a, b, 1000, new int[] {0, 1, nb, -1});
        }

        boolean txValid(End e) {
            int h = e.tx.head(), c = e.tx.cur();
            // the port checks [hwcur, head); hwcur lags at the start of an unpublished chain
            return within(h, e.txHead, e.txTail) && within(c, h, e.txTail)
                    && slotsValid(e.tx, pubEnd[index(e)], h);
        }

        boolean rxValid(End e, int d) {
            int h = e.rx.head(), c = e.rx.cur(), hwtail = pubEnd[d];
            return within(h, e.rxHead, hwtail) && within(c, h, hwtail) && slotsValid(e.rx, e.rxHead, h);
        }

        int index(End e) { return e == ends[0] ? 0 : 1; }

        // ---- TX

        void noteTxFlags(int d) {
            NetmapRing tx = ends[d].tx;
            int[] f = new int[tx.numSlots()];
            for (int i = 0; i < f.length; i++) f[i] = tx.slotFlags(i);
            txFlagsBefore[d] = f;
        }

        void txsync(int d, boolean viaPoll) {
            noteTxFlags(d);
            End e = ends[d];
            boolean valid = txValid(e);
            int head = e.tx.head();
            boolean threw = false;
            if (!viaPoll) {
                try {
                    e.port.txsync();
                } catch (RingStateException x) {
                    threw = true;
                }
                assertEquals(!valid, threw, "txsync fails exactly on a broken rule");
            }
            afterTxsync(d, valid, head);
        }

        void afterTxsync(int d, boolean valid, int head) {
            End e = ends[d];
            if (valid) {
                assertEquals(head, e.tx.head());
                // publish up to the end of the last complete chain in [pubEnd, head)
                int end = pubEnd[d];
                for (int i = pubEnd[d]; i != head; i = (i + 1) % n)
                    if ((e.tx.slotFlags(i) & NS_MOREFRAG) == 0) end = (i + 1) % n;
                for (int i = pubEnd[d]; i != end; i = (i + 1) % n) {
                    int before = txFlagsBefore[d][i];
                    assertEquals(before & ~NS_BUF_CHANGED, e.tx.slotFlags(i), "only NS_BUF_CHANGED is cleared in the sender's slot");
                    inFlight[d].add(new Sent(seqOf(e.tx, i), e.tx.len(i), before, e.tx.bufIdx(i)));
                }
                pubEnd[d] = end;
            } else {
                assertEquals(pubEnd[d], e.tx.head(), "reset to hwcur: the start of any unpublished chain");
                assertEquals(pubEnd[d], e.tx.cur());
                assertRestored(e.tx, "TX", e.txGarbage);
            }
            assertEquals(pubEnd[d], e.txk.hwcur(), "the port published what the model says");
            ringInvariants(e.tx);
            e.txHead = e.tx.head();
            e.txTail = e.tx.tail();
            assertEquals(initial, multiset(), "no buffer lost or duplicated");
        }

        // ---- RX

        void rxsync(int r, boolean viaPoll) {
            End e = ends[r];
            int d = 1 - r;
            boolean valid = rxValid(e, d);
            int head = e.rx.head();
            boolean threw = false;
            if (!viaPoll) {
                try {
                    e.port.rxsync();
                } catch (RingStateException x) {
                    threw = true;
                }
                assertEquals(!valid, threw, "rxsync fails exactly on a broken rule");
            }
            afterRxsync(r, valid, head);
        }

        void afterRxsync(int r, boolean valid, int head) {
            End e = ends[r];
            int d = 1 - r;
            if (valid) {
                assertEquals(head, e.rx.head());
            } else {
                assertEquals(e.rxHead, e.rx.head(), "reset to hwcur");
                assertEquals(e.rxHead, e.rx.cur());
                assertRestored(e.rx, "RX", e.rxGarbage);
            }
            assertEquals(pubEnd[d], e.rx.tail(), "everything published is visible after an rxsync");
            // newly visible slots are exactly what the sender published, in order, zero copy; those the
            // user released in the same sync (head may reach the peer's new tail) lost NS_BUF_CHANGED
            int released = valid && within(head, rxSeen[d], pubEnd[d]) ? dist(rxSeen[d], head) : 0;
            for (int i = rxSeen[d]; i != e.rx.tail(); i = (i + 1) % n) {
                Sent sent = inFlight[d].poll();
                assertNotNull(sent, "the receiver sees a slot nobody sent");
                int idx = e.rx.bufIdx(i);
                assertTrue(validBuf(idx), "the receiver never sees an invalid buffer");
                assertEquals(sent.bufIdx(), idx, "the sender's buffer, not a copy");
                assertEquals(sent.seq(), seqOf(e.rx, i), "content, in order");
                assertEquals(sent.len(), e.rx.len(i));
                int flags = dist(rxSeen[d], i) < released ? sent.flags() & ~NS_BUF_CHANGED : sent.flags();
                assertEquals(flags, e.rx.slotFlags(i), "the slot whole, flags included (*rs = *ts)");
            }
            assertTrue(inFlight[d].isEmpty(), "everything published was seen");
            if (e.rx.tail() != rxSeen[d])
                assertEquals(0, e.rx.slotFlags((e.rx.tail() + n - 1) % n) & NS_MOREFRAG, "only whole chains are published");
            rxSeen[d] = e.rx.tail();
            ringInvariants(e.rx);
            e.rxHead = e.rx.head();
            e.rxTail = e.rx.tail();
            assertEquals(initial, multiset(), "no buffer lost or duplicated");
        }

        void poll(int x, int a) {
            End e = ends[x];
            int events = pollEvents(a);
            boolean wantTx = (events & NetmapPort.POLLOUT) != 0, wantRx = (events & NetmapPort.POLLIN) != 0;
            boolean txSynced = wantTx || e.tx.head() != pubEnd[x]; // netmap_poll: asked for space, or unsent slots
            boolean txOk = txValid(e), rxOk = rxValid(e, 1 - x);
            int txH = e.tx.head(), rxH = e.rx.head();
            noteTxFlags(x);
            int rev = e.port.poll(events, 0);
            assertEquals((txSynced && !txOk) || (wantRx && !rxOk), (rev & NetmapPort.POLLERR) != 0, "POLLERR (rev " + rev + ")");
            if (txSynced) afterTxsync(x, txOk, txH);
            if (wantRx) afterRxsync(x, rxOk, rxH);
            if (wantTx) assertEquals(e.tx.cur() != e.tx.tail(), (rev & NetmapPort.POLLOUT) != 0);
            if (wantRx) assertEquals(e.rx.cur() != e.rx.tail(), (rev & NetmapPort.POLLIN) != 0);
        }

        /**
         * Every slot position of a direction belongs to the receiver while it is in
         * [receiver's hwcur, published end), else to the sender; count the owner's buffer (a
         * garbled one as the buffer it replaced).
         */
        Map<Integer, Integer> multiset() {
            Map<Integer, Integer> m = new HashMap<>();
            for (int d = 0; d < 2; d++) {
                End snd = ends[d], rcv = ends[1 - d];
                int rxHwcur = rcv.rxk.hwcur();
                for (int i = 0; i < n; i++) {
                    boolean receiverOwns = dist(rxHwcur, i) < dist(rxHwcur, pubEnd[d]);
                    int idx = receiverOwns ? rcv.rxGarbage.getOrDefault(i, rcv.rx.bufIdx(i))
                            : snd.txGarbage.getOrDefault(i, snd.tx.bufIdx(i));
                    m.merge(idx, 1, Integer::sum);
                }
            }
            return m;
        }
    }
}
