package io.jnetmap.bench;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.Libc;
import io.jnetmap.sys.OffHeapBuffer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Packets per second through a netmap pipe, producer and consumer on separate threads, as
 * netmap's {@code pkt-gen -f tx} into {@code pkt-gen -f rx} on a pipe: the sender writes each
 * slot's length (the frame was placed in every buffer once, as pkt-gen does), the receiver reads
 * each slot's length. {@code received} is the figure: read it in Mpps (ops/us).
 *
 * <p>{@code pin=pinned} puts the sender on CPU 0 and the receiver on CPU 1 (sched_setaffinity, as
 * netmap's {@code pkt-gen -a 0}); {@code unpinned} leaves placement to the scheduler.
 *
 * <p>Right before and right after every iteration (outside the measured time) the same two threads
 * exchange a cache line for {@code roundTripMs} ms ({@link LineRoundTrip}); the median round trips
 * are the secondary results {@code roundTripNsBefore} and {@code roundTripNsAfter} of that
 * iteration (JMH's JSON "rawData" holds them per iteration, next to {@code received}'s). On a VM the
 * pipe's rate follows that figure (issue #17), so each measured second carries the placement of the
 * two vCPUs it ran on. {@code -p roundTripMs=0} leaves the probe out (both figures 0).
 *
 * <p>Group {@code floor} is the least any ring core can cost in this shape on this JVM and machine:
 * a bare single-producer, single-consumer ring of 16-byte elements in the same kind of off-heap
 * memory (a little-endian direct ByteBuffer, jffi-allocated, as every ring of ours), each element
 * written whole by the sender and read whole by the receiver, each side reading the other's index
 * with one acquire and publishing its own with one release per batch, the two indices on line
 * pairs of their own. That is DPDK rte_ring's SP/SC bulk path (its {@code ring_perf_autotest}
 * with 16-byte elements) and nothing of netmap's: no ring rules, no slot checks, no busy word, no
 * wake-up. Run it beside {@code pipe} ({@code -p batch=32 PipeThroughputBenchmark.floor}) to see
 * how much of the pipe's cost is the ring rules and how much the JVM's.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Djnetmap.region.buffers=4098"})
@State(Scope.Group)
public class PipeThroughputBenchmark {
    @Param({"1", "8", "32", "64", "256"})
    public int batch;

    /** pinned: sender on CPU 0, receiver on CPU 1; unpinned: wherever the scheduler puts them. */
    @Param({"pinned", "unpinned"})
    public String pin;

    /** How long the cache-line round trip is measured before and after each iteration, in ms; 0: not at all. */
    @Param({"50"})
    public int roundTripMs;

    private final LineRoundTrip roundTrip = new LineRoundTrip();
    /** The floor ring: FLOOR_SLOTS elements of 16 bytes, then the producer's and the consumer's index, 256 bytes apart. */
    private static final int FLOOR_SLOTS = 1024, FLOOR_MASK = FLOOR_SLOTS - 1, FLOOR_PROD = FLOOR_SLOTS * 16 + 256,
            FLOOR_CONS = FLOOR_PROD + 256;
    private OffHeapBuffer floor;
    private NetmapPort master, slave;
    private NetmapRing tx, rx;

    /** Per-thread packet counts, reported by JMH as rates. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Packets {
        public long sent, received;
        /** The floor ring's element count this thread has written or read so far (wraps as an int, as the indices do). */
        int floorPos;

        @Setup(Level.Iteration)
        public void reset() { sent = 0; received = 0; }
    }

    @Setup(Level.Trial)
    public void open() {
        String name = "bench" + ProcessHandle.current().pid();
        master = NetmapPort.open("netmap:" + name + "{0@conf:slots=1024");
        slave = NetmapPort.open("netmap:" + name + "}0");
        tx = master.txRing(0);
        rx = slave.rxRing(0);
        for (int i = 0; i < tx.numSlots(); i++) tx.buffers().putLong(tx.slotBufOffset(i), 0x0102030405060708L);
        floor = OffHeapBuffer.allocate(FLOOR_CONS + 256);
        floor.fill(0, floor.capacity(), (byte) 0);
    }

    /**
     * Each thread pins itself when its first invocation starts (setup of a thread-scoped state runs in
     * that thread). The sender's thread also times the round trip to the receiver's before and after
     * each iteration: JMH brings both threads to an iteration's setup and to its teardown together
     * (a latch), so the two ends of the exchange meet there. The figures go into the fields only at
     * teardown: JMH zeroes the counters after the iteration's setup.
     */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class SenderCpu {
        /** Median round trip to the receiver's thread, ns, right before and right after the iteration; 0: not measured. */
        public double roundTripNsBefore, roundTripNsAfter;
        private double before;

        @Setup(Level.Trial)
        public void pin(PipeThroughputBenchmark b) { b.pinThread(0); }

        @Setup(Level.Iteration)
        public void roundTripBefore(PipeThroughputBenchmark b) { before = b.measureRoundTrip(); }

        @TearDown(Level.Iteration)
        public void roundTripAfter(PipeThroughputBenchmark b) {
            roundTripNsBefore = before;
            roundTripNsAfter = b.measureRoundTrip();
        }
    }

    @State(Scope.Thread)
    public static class ReceiverCpu {
        @Setup(Level.Trial)
        public void pin(PipeThroughputBenchmark b) { b.pinThread(1); }

        @Setup(Level.Iteration)
        public void roundTripBefore(PipeThroughputBenchmark b) { b.echoRoundTrip(); }

        @TearDown(Level.Iteration)
        public void roundTripAfter(PipeThroughputBenchmark b) { b.echoRoundTrip(); }
    }

    /** The round trip in ns; 0 when the probe is off or the receiver's thread did not answer. */
    double measureRoundTrip() {
        if (roundTripMs <= 0) return 0;
        double ns = roundTrip.measure(roundTripMs * 1_000_000L);
        return Double.isNaN(ns) ? 0 : ns; // JMH's JSON and jq do not take NaN
    }

    void echoRoundTrip() {
        if (roundTripMs > 0) roundTrip.echo(roundTripMs * 1_000_000L);
    }

    void pinThread(int cpu) {
        switch (pin) {
            case "pinned" -> Libc.setThreadAffinity(cpu);
            case "unpinned" -> { }
            default -> throw new IllegalArgumentException("pin " + pin + ": pinned or unpinned");
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        slave.close();
        master.close();
        floor.close();
    }

    @Benchmark
    @Group("pipe")
    @GroupThreads(1)
    public void send(Packets p, SenderCpu cpu) {
        NetmapRing r = tx;
        int n = Math.min(batch, r.space());
        if (n > 0) {
            int i = r.head();
            for (int k = 0; k < n; k++) {
                r.len(i, 60);
                i = r.next(i);
            }
            r.advance(i);
            p.sent += n;
        } else {
            Thread.onSpinWait(); // ring full: as a polling sender, yield the core's pipeline to the receiver
        }
        master.txsync();
    }

    @Benchmark
    @Group("pipe")
    @GroupThreads(1)
    public long receive(Packets p, ReceiverCpu cpu) {
        NetmapRing r = rx;
        slave.rxsync();
        int n = Math.min(batch, r.space());
        if (n == 0) Thread.onSpinWait(); // nothing yet: as a polling receiver
        long bytes = 0;
        int i = r.head();
        for (int k = 0; k < n; k++) {
            bytes += r.len(i);
            i = r.next(i);
        }
        r.advance(i);
        p.received += n;
        return bytes;
    }

    @Benchmark
    @Group("floor")
    @GroupThreads(1)
    public void floorSend(Packets p, SenderCpu cpu) {
        OffHeapBuffer m = floor;
        int pos = p.floorPos;
        int n = Math.min(batch, FLOOR_SLOTS - (pos - m.getIntAcquire(FLOOR_CONS)));
        if (n > 0) {
            for (int k = 0; k < n; k++) {
                int at = ((pos + k) & FLOOR_MASK) << 4;
                m.putLong(at, 60L << 32 | (pos + k)); // a netmap slot's first word: buffer index, length, flags
                m.putLong(at + 8, 0);
            }
            m.putIntRelease(FLOOR_PROD, pos + n);
            p.floorPos = pos + n;
            p.sent += n;
        } else {
            Thread.onSpinWait();
        }
    }

    @Benchmark
    @Group("floor")
    @GroupThreads(1)
    public long floorReceive(Packets p, ReceiverCpu cpu) {
        OffHeapBuffer m = floor;
        int pos = p.floorPos;
        int n = Math.min(batch, m.getIntAcquire(FLOOR_PROD) - pos);
        if (n == 0) Thread.onSpinWait();
        long bytes = 0;
        for (int k = 0; k < n; k++) {
            int at = ((pos + k) & FLOOR_MASK) << 4;
            bytes += (m.getLong(at) >>> 32 & 0xffff) + m.getLong(at + 8);
        }
        m.putIntRelease(FLOOR_CONS, pos + n);
        p.floorPos = pos + n;
        p.received += n;
        return bytes;
    }
}
