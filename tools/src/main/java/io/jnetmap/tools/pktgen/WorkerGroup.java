package io.jnetmap.tools.pktgen;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The workers of one function on one port (all threads of {@code -p N}), reported together as
 * netmap's pkt-gen sums its threads. A self-test has two groups: the sender and the receiver.
 */
public final class WorkerGroup {
    final String label;
    final Mode mode;
    final String portName;
    final int queues;
    final StopFlag stop = new StopFlag();
    final List<io.jnetmap.rings.NetmapPort> ports = new ArrayList<>();
    final List<Worker> workers = new ArrayList<>();
    final List<Thread> threads = new ArrayList<>();
    /** ping: all round trips so far */
    final Histogram rttTotal = new Histogram(Pinger.MAX_RTT_NANOS, 3);
    Histogram rttInterval;
    long prevPackets, prevBytes, prevEvents, prevNanos;
    /** rx, rxseq: the adapter's counters when the workers started (for {@link NicDrops}), null for a port without any. */
    Map<String, Long> statsAtStart;
    int length;

    WorkerGroup(String label, Mode mode, String portName, int queues) {
        this.label = label;
        this.mode = mode;
        this.portName = portName;
        this.queues = queues;
    }

    boolean finished() {
        for (Worker w : workers) if (!w.finished()) return false;
        return true;
    }

    long packets() { long s = 0; for (Worker w : workers) s += w.counters().packets(); return s; }
    long bytes() { long s = 0; for (Worker w : workers) s += w.counters().bytes(); return s; }
    long events() { long s = 0; for (Worker w : workers) s += w.counters().events(); return s; }

    int takeMinSpace() {
        if (mode.role != Mode.Role.RECEIVER) return Counters.NO_SPACE;
        long s = 0;
        for (Worker w : workers) s += w.counters().takeMinSpace();
        return (int) Math.min(s, Integer.MAX_VALUE);
    }

    /** Busy time: earliest start to latest end, in seconds (0 if nothing started). */
    double seconds() {
        long start = Long.MAX_VALUE, end = Long.MIN_VALUE;
        for (Worker w : workers) {
            if (w.startNanos() < 0) continue;
            start = Math.min(start, w.startNanos());
            end = Math.max(end, w.endNanos());
        }
        return start == Long.MAX_VALUE || end < start ? 0 : (end - start) / 1e9;
    }

    Pinger pinger() { return workers.isEmpty() || !(workers.get(0) instanceof Pinger p) ? null : p; }

    SequenceTracker sequence() {
        return workers.isEmpty() || !(workers.get(0) instanceof Receiver r) ? null : r.sequenceTracker();
    }

    long seqGaps() { long s = 0; for (Worker w : workers) if (w instanceof Receiver r && r.sequenceTracker() != null) s += r.sequenceTracker().gaps(); return s; }
    long seqMissing() { long s = 0; for (Worker w : workers) if (w instanceof Receiver r && r.sequenceTracker() != null) s += r.sequenceTracker().missing(); return s; }
    long seqOutOfOrder() { long s = 0; for (Worker w : workers) if (w instanceof Receiver r && r.sequenceTracker() != null) s += r.sequenceTracker().outOfOrder(); return s; }

    long dropped() { long s = 0; for (Worker w : workers) if (w instanceof Ponger p) s += p.dropped(); return s; }

    /** The first failure of a worker, or null. */
    Worker failed() {
        for (Worker w : workers) if (w.failure() != null) return w;
        return null;
    }
}
