package io.jnetmap.tools.pktgen;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * rxseq's check of txseq's 32-bit sequence numbers, per ring as netmap's rxseq_body: the first
 * packet sets the expectation; a higher number is a GAP (the numbers in between are missing), a
 * lower one (modulo 2³²) is OUT OF ORDER; either way the expectation restarts from what was found.
 * The receiving thread calls {@link #check}; the reporter reads the totals and the latest events
 * (the last {@value #KEPT} are kept) without locks, and prints netmap's lines for them.
 */
public final class SequenceTracker {
    public static final int NONE = 0, GAP = 1, OUT_OF_ORDER = 2;
    /** Events kept for the reporter between two reports. */
    public static final int KEPT = 8;
    private static final VarHandle GAPS, MISSING, OOO, EVENTS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            GAPS = l.findVarHandle(SequenceTracker.class, "gaps", long.class);
            MISSING = l.findVarHandle(SequenceTracker.class, "missing", long.class);
            OOO = l.findVarHandle(SequenceTracker.class, "outOfOrder", long.class);
            EVENTS = l.findVarHandle(SequenceTracker.class, "events", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int[] expected;
    private final boolean[] started;
    private long gaps, missing, outOfOrder, checked, events;
    /** the latest events: kind (bits 64-65 would not fit, so a separate array), expected << 32 | found */
    private final long[] ring = new long[KEPT];
    private final int[] kinds = new int[KEPT];

    public SequenceTracker(int rings) {
        expected = new int[rings];
        started = new boolean[rings];
    }

    /** Checks the sequence number {@code seq} of a packet from ring {@code ring}; returns NONE, GAP or OUT_OF_ORDER. */
    public int check(int ring, int seq) {
        checked++;
        int kind = NONE;
        if (!started[ring]) {
            started[ring] = true;
        } else if (seq != expected[ring]) {
            int delta = seq - expected[ring];
            if (Integer.compareUnsigned(delta, 0x7fffffff) < 0) {
                kind = GAP;
                GAPS.setRelease(this, gaps + 1);
                MISSING.setRelease(this, missing + Integer.toUnsignedLong(delta));
            } else {
                kind = OUT_OF_ORDER;
                OOO.setRelease(this, outOfOrder + 1);
            }
            int at = (int) (events % KEPT);
            this.ring[at] = ((long) expected[ring] << 32) | (seq & 0xffffffffL);
            kinds[at] = kind;
            EVENTS.setRelease(this, events + 1);
        }
        expected[ring] = seq + 1;
        return kind;
    }

    public long gaps() { return (long) GAPS.getAcquire(this); }
    /** Packets skipped over by gaps. */
    public long missing() { return (long) MISSING.getAcquire(this); }
    public long outOfOrder() { return (long) OOO.getAcquire(this); }
    /** Packets checked (receiving thread only). */
    public long checked() { return checked; }

    /** Gaps and reorderings seen so far. */
    public long events() { return (long) EVENTS.getAcquire(this); }

    /**
     * netmap's lines for events number {@code from} (counting from 0) up to the latest, at most the
     * last {@value #KEPT}: {@code Sequence GAP: exp 3 found 5}, {@code Sequence OUT OF ORDER: exp 7 found 4}.
     */
    public java.util.List<String> eventsSince(long from) {
        long n = events();
        java.util.List<String> l = new java.util.ArrayList<>();
        for (long e = Math.max(from, n - KEPT); e < n; e++) {
            int at = (int) (e % KEPT);
            long v = ring[at];
            l.add((kinds[at] == OUT_OF_ORDER ? "Sequence OUT OF ORDER: exp " : "Sequence GAP: exp ")
                    + Integer.toUnsignedString((int) (v >>> 32)) + " found " + Integer.toUnsignedString((int) v));
        }
        return l;
    }
}
