package io.jnetmap.rings;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Tuple;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

import static io.jnetmap.rings.NetmapLayout.FIRST_BUFFER;
import static org.junit.jupiter.api.Assertions.*;

/**
 * What the ring properties ({@link LoopbackRingProperties}, {@link PipeRingProperties}, and the
 * drivers' through the test-jar) share: the arithmetic of an n-slot ring as the user sees it, the
 * oracle's slot check, garbling a user-owned slot, the checks after a sync, and playing a list of
 * moves step by step.
 *
 * @param <M> a move
 */
public abstract class RingModel<M> {
    protected final int n, nb, bs;

    protected RingModel(int n, int nb, int bs) {
        this.n = n;
        this.nb = nb;
        this.bs = bs;
    }

    /** Applies one move, asserting what it must. */
    protected abstract void apply(M m);

    /** Applies the moves in order; a failed assertion names the step and the move. */
    protected void play(List<M> moves) {
        int step = 0;
        for (M m : moves) {
            step++;
            try {
                apply(m);
            } catch (AssertionError e) {
                throw new AssertionError("step " + step + " " + m + ": " + e.getMessage(), e);
            }
        }
    }

    protected int dist(int from, int to) { return Math.floorMod(to - from, n); }
    /** x in the circular interval [a, b]. */
    protected boolean within(int x, int a, int b) { return x >= 0 && x < n && dist(a, x) <= dist(a, b); }
    protected boolean validBuf(int idx) { return idx >= FIRST_BUFFER && idx < nb; }

    /** The slot checks of netmap's sync: every slot in [from, to) has a valid buffer and length. */
    protected boolean slotsValid(NetmapRing r, int from, int to) {
        for (int i = from; i != to; i = (i + 1) % n)
            if (!validBuf(r.bufIdx(i)) || r.len(i) > bs) return false;
        return true;
    }

    /**
     * Writes an invalid length (bs + 1 + up to {@code lenSpan}) or one of the {@code bad} buffer
     * indices into a slot of [head, tail) the user owns (as the user last saw the ring). Only slots
     * whose buffer the port already knows: a garbled index is restored from the port's record, which
     * cannot know about a swap not yet handed over. {@code garbage} records slot to overwritten index.
     *
     * @return the slot that got a long length, or -1
     */
    protected int garble(NetmapRing r, Kring k, int head, int tail, Map<Integer, Integer> garbage, int a, int b, int lenSpan, int[] bad) {
        int room = dist(head, tail);
        if (room == 0) return -1;
        int s = (head + Math.floorMod(a, room)) % n;
        if (Math.floorMod(b, 3) == 0) {
            r.len(s, bs + 1 + Math.floorMod(b, lenSpan));
            return s;
        }
        int idx = r.bufIdx(s);
        if (garbage.containsKey(s) || idx != k.shadow(s)) return -1;
        garbage.put(s, idx);
        r.bufIdx(s, bad[Math.floorMod(b, bad.length)]);
        return -1;
    }

    /** After a reset every garbled index of {@code r} (a {@code kind} ring) is back, and no length exceeds the buffer. */
    protected void assertRestored(NetmapRing r, String kind, Map<Integer, Integer> garbage) {
        for (Map.Entry<Integer, Integer> e : garbage.entrySet())
            assertEquals((int) e.getValue(), r.bufIdx(e.getKey()), "garbled " + kind + " slot " + e.getKey() + " got its buffer back");
        garbage.clear();
        for (int i = 0; i < n; i++) assertTrue(r.len(i) <= bs, kind + " slot " + i + " length " + r.len(i));
    }

    /** After any sync: head, cur and tail in the ring, space at most n - 1, head <= cur <= tail. */
    protected void ringInvariants(NetmapRing r) {
        for (int v : new int[] {r.head(), r.cur(), r.tail()}) assertTrue(v >= 0 && v < n, r.toString());
        assertTrue(r.space() <= n - 1, "space " + r.space());
        assertTrue(within(r.cur(), r.head(), r.tail()), "head <= cur <= tail: " + r);
    }

    /** POLLIN, POLLOUT or both, from a raw number. */
    protected static int pollEvents(int a) {
        return switch (Math.floorMod(a, 3)) {
            case 0 -> NetmapPort.POLLIN;
            case 1 -> NetmapPort.POLLOUT;
            default -> NetmapPort.POLLIN | NetmapPort.POLLOUT;
        };
    }

    /** Each kind, drawn as often as its weight says. */
    protected static <K extends Enum<K>> Arbitrary<K> weighted(K[] kinds, ToIntFunction<K> weight) {
        List<Tuple.Tuple2<Integer, Arbitrary<K>>> f = Arrays.stream(kinds)
                .map(k -> Tuple.of(weight.applyAsInt(k), Arbitraries.just(k))).toList();
        return Arbitraries.frequencyOf(f);
    }

    /** The raw numbers moves draw their values from: mostly -3..16, sometimes one of {@code extremes}. */
    protected static Arbitrary<Integer> rawValues(Integer... extremes) {
        return Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.integers().between(-3, 16)),
                Tuple.of(1, Arbitraries.of(extremes)));
    }
}
