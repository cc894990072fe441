package io.jnetmap.tools.pktgen;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What one worker has done so far, published once per batch with release stores and read by the
 * reporter once per interval: packets, bytes (sum of slot lengths, no CRC), events (non-empty
 * batches), and the smallest number of slots the port held on an RX ring during the interval.
 */
public final class Counters {
    /** netmap's min_space when nothing was measured. */
    public static final int NO_SPACE = 99999;
    private static final VarHandle PACKETS, BYTES, EVENTS, MIN_SPACE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PACKETS = l.findVarHandle(Counters.class, "packets", long.class);
            BYTES = l.findVarHandle(Counters.class, "bytes", long.class);
            EVENTS = l.findVarHandle(Counters.class, "events", long.class);
            MIN_SPACE = l.findVarHandle(Counters.class, "minSpace", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long packets, bytes, events;
    private int minSpace = NO_SPACE;

    /** Worker side: the running totals. */
    public void publish(long packets, long bytes, long events) {
        PACKETS.setRelease(this, packets);
        BYTES.setRelease(this, bytes);
        EVENTS.setRelease(this, events);
    }

    /** Worker side: free RX slots the port has now, summed over rings (the interval keeps the lowest). */
    public void noteSpace(int free) {
        if (free < (int) MIN_SPACE.getOpaque(this)) MIN_SPACE.setRelease(this, free);
    }

    public long packets() { return (long) PACKETS.getAcquire(this); }
    public long bytes() { return (long) BYTES.getAcquire(this); }
    public long events() { return (long) EVENTS.getAcquire(this); }

    /** Reporter side: the interval's fewest free RX slots, and a new interval. */
    public int takeMinSpace() { return (int) MIN_SPACE.getAndSet(this, NO_SPACE); }
}
