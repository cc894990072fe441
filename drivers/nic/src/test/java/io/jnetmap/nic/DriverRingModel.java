package io.jnetmap.nic;

import io.jnetmap.rings.Kring;
import io.jnetmap.rings.MemoryRegion;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.RingModel;
import io.jnetmap.rings.RingStateException;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongPredicate;

import static io.jnetmap.rings.NetmapLayout.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue #10 §3: a NIC driver's rings driven through {@link NetmapPort} by an application that
 * does anything netmap lets it do and much it does not, against a chip model acting as the wire
 * ({@link WirePeer}): fills and MOREFRAG chains (some left open across syncs), zero-copy forwards
 * from RX to TX (buffer swaps with NS_BUF_CHANGED), head/cur moves in and out of range,
 * overwritten tails, invalid buffer indices and lengths, frames shorter than a chip takes, syncs
 * and polls at random, the chip sending late, floods arriving while the application is slow, and
 * link drops. Checked after every step:
 * <ul>
 * <li>every descriptor the chip owns (TX [TDH, TDT), RX [RDH, RDT), or, on a chip without tail
 *     registers, the run of OWN descriptors from where it stands: {@link ChipRing}) holds the
 *     address of the buffer of its own slot, a valid buffer of the region, and no buffer is in two
 *     slots; the chip owns nothing outside that run;</li>
 * <li>free buffers + buffers in slots = every buffer of the region (none lost or owned twice);</li>
 * <li>the chip's tails never pass its heads: the chip has no more to send than the driver has in
 *     flight, up to where the driver's push ended (TDT = hwcur); hwtail &lt;= RDH &lt;= RDT &lt; hwcur;</li>
 * <li>a sync fails exactly when the move broke netmap's rules (an independent oracle, from what
 *     the application saw after the previous sync), a failed sync leaves the ring at the port's
 *     state with every invalid slot restored, and a good one clears NS_BUF_CHANGED/NS_REPORT;</li>
 * <li>what the wire saw is exactly what the application handed over, byte for byte and in order,
 *     MOREFRAG chains reassembled, short frames padded to 60 bytes by a chip that pads (frames in flight when the link dropped, or handed over while it
 *     was down, may be missing: a driver may drop them);</li>
 * <li>what the application reads is exactly what the chip took from the wire, in order;</li>
 * <li>now and then, and at the end: with the link up, once the application released every slot,
 *     everything handed over was sent and reclaimed, the chip has all RX descriptors but the one
 *     netmap keeps empty, and a frame the peer then offers is received (RX never wedges).</li>
 * </ul>
 * Queue 0 of the port is driven; the chip models transmit only when a move says so.
 */
public final class DriverRingModel extends RingModel<DriverRingModel.Move> {
    /**
     * The chip's shortest frame with padding (TCTL.PSP): shorter frames and zero-length fragments
     * may be refused as bad slots (issue #10 §2), so a sync handing one over may go either way.
     */
    static final int MIN_FRAME = 17;
    static final int MAX_RX_FRAME = 9000;
    static final byte[] PEER_MAC = {0x02, 0, 0, 0, 0, 0x7e};

    /** One step: what to do and two raw numbers it draws its values from. */
    public record Move(Kind kind, int a, int b) { }

    /** The kinds of move, each with how often it is drawn. */
    public enum Kind {
        TX_FILL(10), TX_FORWARD(3), TX_SHORT(1), TX_NUDGE(2), TX_SET_HEAD_CUR(1), TX_SET_TAIL(1), TX_GARBLE(2), TX_SYNC(6),
        CHIP_TX(5), PEER_SEND(6), PEER_FLOOD(1), LINK_DOWN(1), LINK_UP(4),
        RX_CONSUME(8), RX_NUDGE(2), RX_SET_HEAD_CUR(1), RX_SET_TAIL(1), RX_GARBLE(2), RX_SYNC(6),
        POLL(3), CHECK_LIVE(1);

        final int weight;
        Kind(int weight) { this.weight = weight; }
    }

    /** {@code steps} moves; shrinking may remove any of them. */
    public static Arbitrary<List<Move>> moves(int steps) {
        Arbitrary<Kind> kind = weighted(Kind.values(), k -> k.weight);
        Arbitrary<Integer> v = rawValues(Integer.MIN_VALUE, Integer.MAX_VALUE, 65535, 1 << 20);
        RandomDistribution longest = (genSize, min, max, center) -> random -> max;
        return Combinators.combine(kind, v, v).as(Move::new).list().ofMinSize(1).ofMaxSize(steps).withSizeDistribution(longest);
    }

    /** What a sync of the application's ring must do. */
    private enum Outcome { ACCEPT, REFUSE, EITHER }

    /** A packet the driver handed to the chip; at risk when the link dropped before it was seen on the wire. */
    private static final class Handed {
        final byte[] frame;
        boolean atRisk;

        Handed(byte[] frame, boolean atRisk) {
            this.frame = frame;
            this.atRisk = atRisk;
        }
    }

    private final NetmapPort port;
    private final NicAdapter adapter;
    private final WirePeer peer;
    private final MemoryRegion region;
    private final byte[] mac;
    private final NetmapRing tx, rx;
    private final Kring txk, rxk;
    private final int[] seenAt;
    private int stamp;

    // the TX ring as the application knows it: head and tail after the last sync (the prologue's
    // window), and where the driver's push ended (the end of the last whole packet handed over)
    private int txHead, txTail, txHwcur;
    // the RX ring: hwcur (head after the last good sync) and tail
    private int rxHwcur, rxTail;
    /** Slots whose index the application overwrote with an invalid one: slot to the index it had. */
    private final Map<Integer, Integer> txGarbage = new HashMap<>(), rxGarbage = new HashMap<>();
    /** Slots holding a buffer swapped in that no good sync has covered yet (the port does not know it). */
    private final Set<Integer> txSwapped = new HashSet<>(), rxSwapped = new HashSet<>();
    /** Fragments of a packet the application started and has not finished writing (an open MOREFRAG chain). */
    private final Deque<byte[]> txOpen = new ArrayDeque<>();

    private final List<Handed> handed = new ArrayList<>();
    /**
     * Where in {@link #handed} the wire may have got to: the positions after a frame that matches
     * the wire so far, frames at risk left out or not (a frame sent twice by the application may
     * have been lost either time).
     */
    private TreeSet<Integer> wireAt = new TreeSet<>(List.of(0));
    private int wireSeen;
    private boolean linkUp = true;

    /** Frames the chip wrote into the RX ring that the application has not read yet, in order. */
    private final Deque<byte[]> rxExpected = new ArrayDeque<>();
    /** Frames in RX slots [hwcur, rxReadPos): read, or skipped by moving head, since the last good rxsync. */
    private final List<byte[]> rxRead = new ArrayList<>();
    private int rxReadPos;
    /**
     * Frames whose slots the application spoiled: forwarded (the slots hold other buffers now) or
     * given an invalid length (a reset zeroes it); shown again, their bytes are not the frame's.
     */
    private final Set<byte[]> rxSpoiled = Collections.newSetFromMap(new IdentityHashMap<>());
    /** RX slots the application gave an invalid length: slot to the length it had. */
    private final Map<Integer, Integer> rxLongLen = new HashMap<>();
    private int seq;

    /**
     * @param port a port bound to every ring of {@code adapter}'s NIC (queue 0 is driven)
     * @param peer the chip model, with transmission held until {@link WirePeer#transmit}
     */
    public DriverRingModel(NetmapPort port, NicAdapter adapter, WirePeer peer) {
        super(port.txRing(0).numSlots(), adapter.region().numBuffers(), adapter.region().bufSize());
        assertEquals(n, port.rxRing(0).numSlots(), "TX and RX rings of one size");
        this.port = port;
        this.adapter = adapter;
        this.peer = peer;
        this.region = adapter.region();
        this.mac = adapter.macAddress();
        this.tx = port.txRing(0);
        this.rx = port.rxRing(0);
        this.txk = adapter.txKring(0);
        this.rxk = adapter.rxKring(0);
        this.seenAt = new int[nb];
        txHead = tx.head();
        txTail = tx.tail();
        txHwcur = txk.hwcur();
        rxHwcur = rx.head();
        rxReadPos = rxHwcur;
        rxTail = rx.tail();
        invariants();
    }

    /** Plays the moves, checking after each, then a last liveness check with the link up. */
    @Override
    public void play(List<Move> moves) {
        super.play(moves);
        try {
            apply(new Move(Kind.LINK_UP, 0, 0));
            apply(new Move(Kind.CHECK_LIVE, 0, 0));
        } catch (AssertionError e) {
            throw new AssertionError("after the last step: " + e.getMessage(), e);
        }
    }

    @Override
    protected void apply(Move m) {
        int a = m.a(), b = m.b();
        switch (m.kind()) {
            case TX_FILL -> fill(a, b);
            case TX_FORWARD -> forward(a);
            case TX_SHORT -> shortFrame(a, b);
            case TX_NUDGE -> { // in range, but anywhere relative to the window
                tx.head(Math.floorMod(txHead + a, n));
                tx.cur(Math.floorMod(tx.head() + b, n));
            }
            case TX_SET_HEAD_CUR -> { tx.head(a); tx.cur(b); }
            case TX_SET_TAIL -> tx.tail(a);
            case TX_GARBLE -> { if (within(tx.head(), txHead, txTail)) garble(tx, tx.head(), txTail, txGarbage, txSwapped, null, a, b); }
            case TX_SYNC -> txsync();
            case CHIP_TX -> { peer.transmit(); checkWire(); }
            case PEER_SEND -> { for (int k = Math.floorMod(a, 5); k > 0; k--) offer(rxFrame(b + k)); }
            case PEER_FLOOD -> { for (int k = n + Math.floorMod(a, 4 * n); k > 0; k--) offer(rxFrame(b + k)); }
            case LINK_DOWN -> {
                if (!linkUp) return;
                linkUp = false;
                peer.link(false);
                if (Math.floorMod(a, 2) == 0) adapter.linkUp(); // the driver notices now (as from the link interrupt), or later
                for (int i = wireAt.first(); i < handed.size(); i++) handed.get(i).atRisk = true;
            }
            case LINK_UP -> {
                if (linkUp) return;
                linkUp = true;
                peer.link(true);
                adapter.linkUp(); // the driver notices (the link interrupt): frames handed over from now on must go out
            }
            case RX_CONSUME -> consume(1 + Math.floorMod(a, 8));
            case RX_NUDGE -> {
                rx.head(snapRx(Math.floorMod(rxHwcur + a, n)));
                rx.cur(Math.floorMod(rx.head() + b, n));
            }
            case RX_SET_HEAD_CUR -> { rx.head(snapRx(a)); rx.cur(b); }
            case RX_SET_TAIL -> rx.tail(a);
            case RX_GARBLE -> { if (within(rx.head(), rxHwcur, rxTail)) garble(rx, rx.head(), rxTail, rxGarbage, rxSwapped, rxLongLen, a, b); }
            case RX_SYNC -> rxsync();
            case POLL -> poll(pollEvents(a));
            case CHECK_LIVE -> checkLive();
        }
        invariants();
    }

    // ------------------------------------------------------------------ the application's TX moves

    /** Writes up to 1-6 packets from head (finishing an open chain first), some as MOREFRAG chains; cur anywhere up to tail. */
    private void fill(int a, int b) {
        int h = tx.head();
        if (!within(h, txHead, txTail) || !within(tx.cur(), h, txTail)) return; // the user's pointers are off: FILL follows the rules
        Random r = new Random(((long) a << 32) ^ b);
        int packets = 1 + Math.floorMod(a, 6);
        while (h != txTail) {
            if (txOpen.isEmpty()) {
                if (packets-- == 0) break;
                txOpen.addAll(fragments(txFrame(r), r));
            }
            byte[] frag = txOpen.poll();
            int more = txOpen.isEmpty() ? (r.nextInt(8) == 0 ? NS_REPORT : 0) : NS_MOREFRAG;
            writeTxSlot(h, frag, more);
            h = tx.next(h);
        }
        tx.head(h);
        tx.cur((h + Math.floorMod(b, dist(h, txTail) + 1)) % n);
    }

    /** Puts {@code data} in TX slot {@code s}; NS_BUF_CHANGED stays if a swapped buffer has not been handed over yet. */
    private void writeTxSlot(int s, byte[] data, int flags) {
        int idx = tx.bufIdx(s);
        if (validBuf(idx)) tx.buffers().putBytes(tx.bufOffset(idx), data, 0, data.length);
        tx.len(s, data.length);
        tx.slotFlags(s, (tx.slotFlags(s) & NS_BUF_CHANGED) | flags);
    }

    /** A numbered frame of 17-1514 bytes (mostly 60 or more), sometimes up to four buffers long. */
    private byte[] txFrame(Random r) {
        int size = switch (r.nextInt(10)) {
            case 0 -> MIN_FRAME + r.nextInt(60 - MIN_FRAME);
            case 1 -> 1515 + r.nextInt(4 * bs - 1515);
            default -> 60 + r.nextInt(1515 - 60);
        };
        return frame(mac, size);
    }

    /** {@code f} cut into 1-5 fragments of 1..bs bytes (one, mostly, when it fits a buffer). */
    private List<byte[]> fragments(byte[] f, Random r) {
        int min = (f.length + bs - 1) / bs;
        int k = f.length <= bs && r.nextInt(4) != 0 ? 1 : Math.min(f.length, Math.max(min, 1 + r.nextInt(5)));
        List<byte[]> out = new ArrayList<>();
        int off = 0;
        for (int i = 0; i < k; i++) {
            int left = f.length - off, after = k - 1 - i;
            int lo = Math.max(1, left - after * bs), hi = Math.min(bs, left - after);
            int len = i == k - 1 ? left : lo + r.nextInt(hi - lo + 1);
            out.add(Arrays.copyOfRange(f, off, off + len));
            off += len;
        }
        return out;
    }

    /** A frame shorter than the chip's minimum, or a chain with a zero-length fragment. */
    private void shortFrame(int a, int b) {
        int h = tx.head();
        if (!txOpen.isEmpty() || !within(h, txHead, txTail) || dist(h, txTail) < 2) return;
        if (Math.floorMod(b, 2) == 0) {
            writeTxSlot(h, frame(mac, Math.floorMod(a, MIN_FRAME)), 0);
            h = tx.next(h);
        } else {
            byte[] f = frame(mac, 60);
            boolean zeroFirst = Math.floorMod(a, 2) == 0;
            writeTxSlot(h, zeroFirst ? new byte[0] : f, NS_MOREFRAG);
            writeTxSlot(tx.next(h), zeroFirst ? f : new byte[0], 0);
            h = tx.next(tx.next(h));
        }
        tx.advance(h);
    }

    /**
     * netmap's zero-copy forward: the packet at RX head goes out on TX by swapping buffers (length
     * copied, NS_BUF_CHANGED on both slots), both heads advance. The frame is checked as read.
     */
    private void forward(int a) {
        int th = tx.head(), rh = rx.head();
        if (!txOpen.isEmpty() || !within(th, txHead, txTail) || !within(rh, rxHwcur, rxTail)) return;
        int end = packetEnd(rh);
        if (end < 0) return;
        int slots = dist(rh, end);
        if (dist(th, txTail) < slots) return;
        for (int i = rh, j = th; i != end; i = rx.next(i), j = tx.next(j))
            if (rxGarbage.containsKey(i) || rx.len(i) > bs || txGarbage.containsKey(j)) return;
        readUpTo(rh);
        rxSpoiled.add(read(readPacket(rh, end)));
        rxReadPos = end;
        for (int i = rh, j = th; i != end; i = rx.next(i), j = tx.next(j)) {
            rx.swapBuffers(i, tx, j);
            rxSwapped.add(i);
            txSwapped.add(j);
        }
        rx.advance(end);
        tx.advance((th + slots) % n);
    }

    /**
     * Writes an invalid length, or an invalid index into a slot of [head, tail) whose buffer the
     * port knows (overwriting a buffer it does not know would lose it: the application's fault).
     */
    private void garble(NetmapRing r, int head, int tail, Map<Integer, Integer> garbage, Set<Integer> swapped,
                        Map<Integer, Integer> longLen, int a, int b) {
        int room = dist(head, tail);
        if (room == 0) return;
        int s = (head + Math.floorMod(a, room)) % n;
        if (Math.floorMod(b, 3) == 0) {
            if (longLen != null) longLen.putIfAbsent(s, r.len(s));
            r.len(s, bs + 1 + Math.floorMod(b, 65535 - bs));
            return;
        }
        if (garbage.containsKey(s) || swapped.contains(s)) return;
        int[] bad = {0, 1, nb, nb + Math.floorMod(b, 1000), -1, Integer.MIN_VALUE};
        garbage.put(s, r.bufIdx(s));
        r.bufIdx(s, bad[Math.floorMod(b, bad.length)]);
    }

    // ------------------------------------------------------------------ the application's RX moves

    /** Reads up to {@code k} packets from head, checking each against what the chip took; head = cur = after them. */
    private void consume(int k) {
        int h = rx.head();
        if (!within(h, rxHwcur, rxTail)) return;
        readUpTo(h);
        for (; k > 0 && h != rxTail; k--) {
            int end = packetEnd(h);
            assertTrue(end >= 0, "RX slots [" + h + ", tail " + rxTail + ") end inside a packet: half a packet was published");
            read(readPacket(h, end));
            h = end;
        }
        rxReadPos = h;
        rx.advance(h);
    }

    /**
     * The application moved head to {@code h} (in the window, at a packet boundary): packets it
     * jumped over are released unread, packets it moved back over will be shown again.
     */
    private void readUpTo(int h) {
        if (dist(rxHwcur, h) >= dist(rxHwcur, rxReadPos)) {
            for (int k = packetsIn(rxReadPos, h); k > 0; k--) {
                byte[] skipped = rxExpected.poll();
                assertNotNull(skipped, "RX slots hold more packets than the chip received");
                rxRead.add(skipped);
            }
        } else {
            for (int k = packetsIn(h, rxReadPos); k > 0; k--) rxExpected.addFirst(rxRead.remove(rxRead.size() - 1));
        }
        rxReadPos = h;
    }

    /** The slot after the packet starting at RX slot {@code h}, or -1 if it does not end before tail. */
    private int packetEnd(int h) {
        for (int i = h; i != rxTail; i = rx.next(i))
            if ((rx.slotFlags(i) & NS_MOREFRAG) == 0) return rx.next(i);
        return -1;
    }

    /** A packet's bytes from RX slots [h, end) (a garbled slot read through the buffer it had). */
    private byte[] readPacket(int h, int end) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = h; i != end; i = rx.next(i)) {
            int idx = rxGarbage.getOrDefault(i, rx.bufIdx(i)), len = rxLongLen.getOrDefault(i, rx.len(i));
            assertTrue(len <= bs, "RX slot " + i + " length " + len);
            byte[] part = new byte[len];
            rx.buffers().getBytes(rx.bufOffset(idx), part, 0, len);
            b.write(part, 0, len);
        }
        return b.toByteArray();
    }

    private byte[] read(byte[] got) {
        byte[] want = rxExpected.poll();
        assertNotNull(want, "the application read a " + got.length + "-byte frame the chip never received");
        String what = "RX frame " + TestFrames.seq(want) + " (" + want.length + " bytes, got " + got.length + ")";
        if (!rxSpoiled.contains(want)) assertArrayEquals(want, got, what);
        rxRead.add(want);
        return want;
    }

    /** A head the application may set: out of the window as it is, in it moved to a packet boundary (no half packets released). */
    private int snapRx(int h) {
        if (!within(h, rxHwcur, rxTail)) return h;
        int i = rxHwcur;
        while (dist(rxHwcur, i) < dist(rxHwcur, h)) i = packetEnd(i);
        return i;
    }

    // ------------------------------------------------------------------ the peer

    private byte[] rxFrame(int b) {
        Random r = new Random(b * 31L + seq);
        int size = r.nextInt(10) == 0 ? 1515 + r.nextInt(MAX_RX_FRAME - 1515) : 60 + r.nextInt(1515 - 60);
        return TestFrames.numbered(mac, PEER_MAC, seq++, size);
    }

    /** The peer sends {@code f}: expected at RX if the chip wrote it into the ring (RDH moved). */
    private boolean offer(byte[] f) {
        int before = peer.rxRing().head();
        peer.offer(f);
        boolean taken = peer.rxRing().head() != before;
        if (taken) rxExpected.add(f);
        return taken;
    }

    private byte[] frame(byte[] src, int size) {
        if (size >= TestFrames.SEQ_OFFSET + 4) return TestFrames.numbered(PEER_MAC, src, seq++, size);
        byte[] f = new byte[size];
        for (int i = 0; i < size; i++) f[i] = (byte) (seq * 7 + i);
        seq++;
        return f;
    }

    /** Frames new on the wire are the next ones handed over, byte for byte, leaving out only frames at risk from a link drop. */
    private void checkWire() {
        for (; wireSeen < peer.wireFrames(); wireSeen++) {
            byte[] w = peer.wireFrame(wireSeen);
            TreeSet<Integer> next = new TreeSet<>();
            for (int p : wireAt) {
                for (int i = p; i < handed.size(); i++) {
                    if (sameOnWire(handed.get(i).frame, w)) next.add(i + 1);
                    if (!handed.get(i).atRisk) break;
                }
            }
            if (next.isEmpty()) {
                int p = wireAt.first();
                assertTrue(p < handed.size(), "wire frame " + wireSeen + " (" + w.length + " bytes) was never handed over");
                byte[] h = handed.get(p).frame;
                fail("wire frame " + wireSeen + " (" + w.length + " bytes) is not the next one handed over (" + h.length + " bytes"
                        + (h.length >= 18 ? ", #" + TestFrames.seq(h) : "") + "); handed " + handedAround(p));
            }
            wireAt = next;
        }
    }

    /**
     * Whether {@code w} on the wire is the frame {@code h} handed over: the same bytes, or, for a
     * frame shorter than Ethernet's 60 bytes, those bytes padded with zeros to 60 by a chip that
     * pads (Realtek always, Intel with TCTL.PSP).
     */
    static boolean sameOnWire(byte[] h, byte[] w) {
        if (Arrays.equals(h, w)) return true;
        if (h.length >= 60 || w.length != 60 || !Arrays.equals(h, 0, h.length, w, 0, h.length)) return false;
        for (int i = h.length; i < 60; i++) if (w[i] != 0) return false;
        return true;
    }

    /** Lengths of the frames handed over around {@code i} ('?' marks those at risk), for failure messages. */
    private String handedAround(int i) {
        StringBuilder sb = new StringBuilder("[");
        for (int j = Math.max(0, i - 4); j < Math.min(handed.size(), i + 5); j++)
            sb.append(j == i ? " >" : " ").append(handed.get(j).frame.length).append(handed.get(j).atRisk ? "?" : "");
        return sb.append(" ]").toString();
    }

    // ------------------------------------------------------------------ syncs and their oracle

    /** Would netmap's txsync prologue and slot checks take the ring as the user left it? */
    private Outcome txOutcome() {
        int h = tx.head(), c = tx.cur();
        if (!within(h, txHead, txTail) || !within(c, h, txTail)) return Outcome.REFUSE;
        if (!slotsValid(tx, txHwcur, h)) return Outcome.REFUSE;
        return hasShortFrame(txHwcur, h) ? Outcome.EITHER : Outcome.ACCEPT;
    }

    /** A zero-length fragment or a whole packet shorter than {@link #MIN_FRAME} in TX slots [from, to). */
    private boolean hasShortFrame(int from, int to) {
        int total = 0;
        for (int i = from; i != to; i = tx.next(i)) {
            if (tx.len(i) == 0) return true;
            total += tx.len(i);
            if ((tx.slotFlags(i) & NS_MOREFRAG) == 0) {
                if (total < MIN_FRAME) return true;
                total = 0;
            }
        }
        return false;
    }

    private boolean rxValid() {
        int h = rx.head(), c = rx.cur();
        return within(h, rxHwcur, rxTail) && within(c, h, rxTail) && slotsValid(rx, rxHwcur, h);
    }

    private void txsync() {
        Outcome o = txOutcome();
        int head = tx.head();
        afterTxsync(o, refused(port::txsync, "TX"), head);
    }

    /** Runs a sync of the port; whether it refused the ring (a RingStateException naming it). */
    private static boolean refused(Runnable sync, String ring) {
        try {
            sync.run();
            return false;
        } catch (RingStateException e) {
            assertTrue(e.getMessage().contains(ring + " ring 0: "), e.getMessage());
            return true;
        }
    }

    private void afterTxsync(Outcome o, boolean refused, int head) {
        if (o != Outcome.EITHER) assertEquals(o == Outcome.REFUSE, refused, "txsync must fail exactly when the move broke the rules");
        if (!refused) {
            int from = txHwcur;
            ByteArrayOutputStream pkt = new ByteArrayOutputStream();
            for (int i = from; i != head; i = tx.next(i)) { // whole packets in [hwcur, head) go out; an open chain waits
                byte[] part = new byte[tx.len(i)];
                tx.buffers().getBytes(tx.bufOffset(tx.bufIdx(i)), part, 0, part.length);
                pkt.write(part, 0, part.length);
                if ((tx.slotFlags(i) & NS_MOREFRAG) == 0) {
                    handed.add(new Handed(pkt.toByteArray(), !linkUp));
                    pkt.reset();
                    txHwcur = tx.next(i);
                }
            }
            for (int i = from; i != head; i = tx.next(i)) txSwapped.remove(i);
            for (int i = from; i != txHwcur; i = tx.next(i))
                assertEquals(0, tx.slotFlags(i) & (NS_BUF_CHANGED | NS_REPORT), "TX slot " + i + ": NS_BUF_CHANGED/NS_REPORT cleared once sent");
            assertEquals(head, tx.head());
            txHead = head;
        } else {
            assertEquals(txHwcur, tx.head(), "reset to hwcur");
            assertEquals(txHwcur, tx.cur());
            assertEquals(txTail, tx.tail(), "reset to hwtail");
            assertRestored(tx, "TX", txGarbage);
            txOpen.clear(); // the application starts over from head
            txHead = txHwcur;
        }
        assertEquals(txHwcur, txk.hwcur(), "the driver pushed up to the end of the last whole packet");
        ringInvariants(tx);
        assertEquals(txk.hwtail(), tx.tail(), "the port's tail is published");
        txTail = tx.tail();
    }

    private void rxsync() {
        boolean valid = rxValid();
        int head = rx.head();
        if (valid) readUpTo(head);
        assertEquals(!valid, refused(port::rxsync, "RX"), "rxsync must fail exactly when the move broke the rules");
        afterRxsync(valid, head);
    }

    /** Whole packets in RX slots [from, to). */
    private int packetsIn(int from, int to) {
        int k = 0;
        for (int i = from; i != to; i = rx.next(i)) if ((rx.slotFlags(i) & NS_MOREFRAG) == 0) k++;
        return k;
    }

    private void afterRxsync(boolean valid, int head) {
        int oldHwcur = rxHwcur;
        if (valid) { // the packets of [hwcur, head), read or skipped, are gone
            for (int i = oldHwcur; i != head; i = rx.next(i)) {
                rxSwapped.remove(i);
                assertEquals(0, rx.slotFlags(i) & NS_BUF_CHANGED, "RX slot " + i + ": NS_BUF_CHANGED cleared once re-armed");
            }
            assertEquals(head, rx.head());
            rxHwcur = head;
        } else {
            if (!rxLongLen.isEmpty()) { // the reset zeroed invalid lengths: the frames in the ring may have lost bytes
                rxSpoiled.addAll(rxRead);
                rxExpected.stream().limit(packetsIn(rxReadPos, rxTail)).forEach(rxSpoiled::add);
                rxLongLen.clear();
            }
            for (int i = rxRead.size() - 1; i >= 0; i--) rxExpected.addFirst(rxRead.get(i)); // shown again
            assertEquals(rxHwcur, rx.head(), "reset to hwcur");
            assertEquals(rxHwcur, rx.cur());
            assertRestored(rx, "RX", rxGarbage);
        }
        rxRead.clear();
        rxReadPos = rxHwcur;
        assertEquals(rxHwcur, rxk.hwcur());
        assertTrue(dist(rxTail, rx.tail()) <= dist(rxTail, rx.prev(oldHwcur)),
                "RX tail moved forward over new packets, never into the slot before the old hwcur");
        ringInvariants(rx);
        assertEquals(rxk.hwtail(), rx.tail(), "the port's tail is published");
        assertEquals(peer.rxRing().head(), rxk.hwtail(), "rxsync imported every frame the chip wrote");
        rxTail = rx.tail();
    }

    /** poll() with a zero timeout: TX synced when POLLOUT asks or slots are pending, RX when POLLIN asks. */
    private void poll(int events) {
        boolean wantTx = (events & NetmapPort.POLLOUT) != 0, wantRx = (events & NetmapPort.POLLIN) != 0;
        boolean txSynced = wantTx || tx.head() != txk.hwcur();
        Outcome to = txOutcome();
        boolean rxOk = rxValid();
        int txHeadBefore = tx.head(), rxHeadBefore = rx.head();
        if (wantRx && rxOk) readUpTo(rxHeadBefore);
        int rev = port.poll(events, 0);
        boolean txRefused = txSynced && (to == Outcome.REFUSE || (to == Outcome.EITHER && tx.head() != txHeadBefore));
        assertEquals(txRefused || (wantRx && !rxOk), (rev & NetmapPort.POLLERR) != 0, "POLLERR exactly on a violation (rev " + rev + ")");
        if (txSynced) afterTxsync(to, txRefused, txHeadBefore);
        if (wantRx) afterRxsync(rxOk, rxHeadBefore);
        if (wantTx) assertEquals(tx.cur() != tx.tail(), (rev & NetmapPort.POLLOUT) != 0, "POLLOUT iff cur != tail");
        if (wantRx) assertEquals(rx.cur() != rx.tail(), (rev & NetmapPort.POLLIN) != 0, "POLLIN iff cur != tail");
    }

    // ------------------------------------------------------------------ liveness

    /**
     * With the link up: TX hands over every whole packet, the chip sends, everything is reclaimed
     * and on the wire (but frames at risk from a link drop); RX: the application reads and releases
     * everything, the chip then has every descriptor but one, and a frame offered is received.
     */
    private void checkLive() {
        if (!linkUp) return;
        txsync(); // whole packets handed over, or the ring reset if the user broke the rules
        peer.transmit();
        checkWire();
        txsync();
        txsync(); // reclaims even if the one before refused what the user left in the ring
        assertEquals(tx.prev(txk.hwcur()), txk.hwtail(), "every packet handed over was sent and reclaimed");
        boolean allSent = false;
        for (int p : wireAt) {
            int i = p;
            while (i < handed.size() && handed.get(i).atRisk) i++;
            allSent |= i == handed.size();
        }
        assertTrue(allSent, "a frame handed over with the link up never reached the wire: handed " + handedAround(wireAt.first()));
        wireAt = new TreeSet<>(List.of(handed.size()));

        for (int round = 0; ; round++) {
            assertTrue(round < 6, "the application could not read and release the RX ring");
            if (rxValid()) {
                consume(n);
                if (rxValid()) {
                    rxsync();
                    if (rx.head() == rx.tail()) break;
                    continue;
                }
            }
            rxsync(); // resets the ring
        }
        assertTrue(rxExpected.isEmpty(), rxExpected.size() + " frame(s) the chip took were never delivered");
        assertEquals(n - 1, peer.rxRing().owned(), "the chip has every RX descriptor but the one netmap keeps empty: " + peer.rxRing());
        byte[] f = rxFrame(0);
        assertTrue(offer(f), "RX wedged: the chip refused a frame after the application released every slot: " + peer.rxRing());
        rxsync();
        assertNotEquals(rx.head(), rx.tail(), "the frame received is shown after rxsync");
        consume(1);
        rxsync();
    }

    // ------------------------------------------------------------------ invariants after every step

    private void invariants() {
        buffers();
        descriptors();
        assertTrue(!(peer instanceof DmaChecked c) || c.dmaViolations().isEmpty(), () -> ((DmaChecked) peer).dmaViolations().toString());
    }

    /** No buffer in two slots of any ring (host rings too); free + in slots = every buffer. */
    private void buffers() {
        stamp++;
        int owned = 0;
        for (int k = 0; k < adapter.totalTxKrings() + adapter.totalRxKrings(); k++) {
            boolean isTx = k < adapter.totalTxKrings();
            Kring kr = isTx ? adapter.txKring(k) : adapter.rxKring(k - adapter.totalTxKrings());
            NetmapRing r = kr.ring();
            Map<Integer, Integer> garbage = kr == txk ? txGarbage : kr == rxk ? rxGarbage : Map.of();
            for (int i = 0; i < r.numSlots(); i++) {
                int idx = garbage.getOrDefault(i, r.bufIdx(i));
                assertTrue(validBuf(idx), kr + " slot " + i + " has buffer " + idx);
                assertNotEquals(stamp, seenAt[idx], "buffer " + idx + " is in two slots (one is " + kr + " slot " + i + ")");
                seenAt[idx] = stamp;
                owned++;
            }
        }
        assertEquals(nb - FIRST_BUFFER, region.freeBuffers() + owned, "free + owned = every buffer");
    }

    /** The chip's rings: addresses of their own slots' buffers, tails behind heads. */
    private void descriptors() {
        ChipRing ct = peer.txRing();
        int th = ct.head(), tt = ct.tail();
        // where the chip's head and tail stand while it owns nothing is the driver's business (it
        // may leave them behind while the link is down); what the chip owns ends where the push did
        if (th != tt) assertEquals(txk.hwcur(), tt, "TDT = where the driver's push ended: " + ct + ", " + txk);
        int inFlight = dist(tx.next(txk.hwtail()), txk.hwcur());
        assertTrue(dist(th, tt) <= inFlight, "the chip has " + dist(th, tt) + " TX descriptors to send, the driver "
                + inFlight + " in flight: " + ct + ", " + txk);
        assertNull(ct.layoutError(), () -> "TX: " + ct.layoutError() + ", " + ct + ", " + txk);
        for (int i = th; i != tt; i = tx.next(i)) ownsItsBuffer(ct, i, tx, "TX");
        ChipRing cr = peer.rxRing();
        assertTrue(cr.owned() < n, () -> "the chip owns all " + n + " RX descriptors, the one netmap keeps empty too: " + cr + ", " + rxk);
        int rh = cr.head(), rt = cr.tail(), hwtail = rxk.hwtail();
        assertTrue(dist(hwtail, rh) <= dist(hwtail, rt) && dist(hwtail, rt) <= dist(hwtail, rx.prev(rxk.hwcur())),
                "hwtail <= RDH <= RDT < hwcur: " + cr + ", " + rxk);
        assertNull(cr.layoutError(), () -> "RX: " + cr.layoutError() + ", " + cr + ", " + rxk);
        for (int i = rh; i != rt; i = rx.next(i)) ownsItsBuffer(cr, i, rx, "RX");
    }

    private void ownsItsBuffer(ChipRing c, int i, NetmapRing r, String what) {
        long addr = c.address(i);
        int idx = r.bufIdx(i);
        assertTrue(validBuf(idx), what + " descriptor " + i + " is the chip's but slot " + i + " has buffer " + idx);
        assertEquals(region.bufferAddress(idx), addr, what + " descriptor " + i + " points at 0x" + Long.toHexString(addr)
                + ", not at slot " + i + "'s buffer " + idx);
    }

    /** Device addresses of the region's buffers (identity DMA in the models): what a descriptor may point at. */
    public static LongPredicate netmapBuffers(MemoryRegion r) {
        long first = r.bufferAddress(0), size = r.bufSize(), n = r.numBuffers();
        return a -> (a - first) % size == 0 && (a - first) / size >= FIRST_BUFFER && (a - first) / size < n;
    }

    /** A peer whose chip model records DMA outside the netmap buffers. */
    public interface DmaChecked {
        List<String> dmaViolations();
    }
}
