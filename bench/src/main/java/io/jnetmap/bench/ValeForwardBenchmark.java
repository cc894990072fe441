package io.jnetmap.bench;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What one core forwards through a VALE switch (issue #15): one thread runs a sender's txsync
 * (the learning lookup, the lease on each destination ring, the copy of every frame into the
 * destination's own buffers, the publication) and then each receiver's rxsync, which releases
 * the previous batch and imports this one, as netmap's VALE figures are per core.
 *
 * <p>Each invocation sends 256 frames in 256 / {@code batch} syncs; frames go round-robin to
 * {@code receivers} ports whose MACs the switch has learned (unicast). 256 operations per
 * invocation: <b>ops/us is millions of packets per second, {@code gc.alloc.rate.norm} bytes per
 * packet</b>. The frame is written once into every TX buffer (pkt-gen's fast path), so a sync only
 * sets lengths; the switch copies {@code len} bytes per frame. An invocation fails if a frame is
 * dropped, so the figure is for frames delivered.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class ValeForwardBenchmark {
    static final int PER_INVOCATION = 256;

    @Param({"60", "1514"})
    public int len;
    @Param({"64", "256"})
    public int batch;
    @Param({"1", "2", "4"})
    public int receivers;

    private NetmapPort sender;
    private NetmapPort[] rx;
    private NetmapRing tx;

    static long mac(int h) { return 0x02L | ((long) h << 24) | (0x42L << 40); }

    static void writeFrame(NetmapRing r, int i, long dst, long src, int len) {
        int off = r.slotBufOffset(i);
        r.buffers().putInt(off, (int) dst);
        r.buffers().putShort(off + 4, (short) (dst >>> 32));
        r.buffers().putInt(off + 6, (int) src);
        r.buffers().putShort(off + 10, (short) (src >>> 32));
        r.buffers().putShort(off + 12, (short) 0x0008);
        r.len(i, len);
    }

    /** Opens {@code n} receivers on switch {@code sw} and lets the switch learn their MACs 1..n. */
    static NetmapPort[] receivers(String sw, int n) {
        NetmapPort[] ports = new NetmapPort[n];
        for (int k = 0; k < n; k++) {
            ports[k] = NetmapPort.open("netmap:" + sw + ":r" + k);
            NetmapRing t = ports[k].txRing(0);
            writeFrame(t, t.head(), 0xffffffffffffL, mac(k + 1), 60);
            t.advance(t.next(t.head()));
            ports[k].txsync();
        }
        for (NetmapPort p : ports) drain(p);
        return ports;
    }

    /** rxsync: releases what was read before, imports what arrived; returns the number of new frames. */
    static int drain(NetmapPort p) {
        p.rxsync();
        NetmapRing r = p.rxRing(0);
        int n = r.space();
        r.advance(r.tail());
        return n;
    }

    @Setup(Level.Trial)
    public void open() {
        String sw = "valebench" + ProcessHandle.current().pid();
        rx = receivers(sw, receivers);
        sender = NetmapPort.open("netmap:" + sw + ":s");
        tx = sender.txRing(0);
        for (int i = 0; i < tx.numSlots(); i++) writeFrame(tx, i, mac(1 + i % receivers), mac(100), len);
        if (tx.numSlots() % receivers != 0 || PER_INVOCATION % batch != 0) throw new IllegalStateException("uneven round robin");
    }

    @TearDown(Level.Trial)
    public void close() {
        sender.close();
        for (NetmapPort p : rx) p.close();
    }

    @Benchmark
    @OperationsPerInvocation(PER_INVOCATION)
    public int forward() {
        int got = 0;
        for (int b = 0; b < PER_INVOCATION; b += batch) {
            NetmapRing r = tx;
            int i = r.head();
            for (int k = 0; k < batch; k++) {
                r.len(i, len);
                i = r.next(i);
            }
            r.advance(i);
            sender.txsync();
            for (NetmapPort p : rx) got += drain(p);
        }
        if (got != PER_INVOCATION) throw new IllegalStateException("delivered " + got + " of " + PER_INVOCATION);
        return got;
    }
}
