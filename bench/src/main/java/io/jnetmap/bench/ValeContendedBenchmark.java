package io.jnetmap.bench;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
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

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;

/**
 * Several senders into one VALE port at once (issue #15), each on its own thread with its own
 * port, the receiver on another: the leases on the receiver's ring are contended. Groups
 * {@code s1}, {@code s2}, {@code s4} have 1, 2 and 4 senders. Counters: {@code sent} (frames the
 * senders handed to the switch), {@code received} (frames the receiver got); read them in ops/us
 * = Mpps. The difference is what the switch dropped because the receiver's ring was full, which a
 * VALE switch does instead of slowing senders. Needs senders + 1 free cores to mean anything.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Group)
public class ValeContendedBenchmark {
    @Param({"64"})
    public int batch;
    @Param({"60"})
    public int len;

    private final AtomicInteger nextSender = new AtomicInteger();
    private String sw;
    private NetmapPort receiver;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Packets {
        public long sent, received;

        @Setup(Level.Iteration)
        public void reset() { sent = 0; received = 0; }
    }

    /** A sender's own port, made when its thread starts. */
    @State(Scope.Thread)
    public static class SenderPort {
        NetmapPort port;
        NetmapRing tx;

        @Setup(Level.Trial)
        public void open(ValeContendedBenchmark g) {
            port = NetmapPort.open("netmap:" + g.sw + ":s" + g.nextSender.incrementAndGet());
            tx = port.txRing(0);
            for (int i = 0; i < tx.numSlots(); i++) ValeForwardBenchmark.writeFrame(tx, i, ValeForwardBenchmark.mac(1), ValeForwardBenchmark.mac(100), g.len);
        }

        @TearDown(Level.Trial)
        public void close() { port.close(); }
    }

    @Setup(Level.Trial)
    public void open() {
        sw = "valecont" + ProcessHandle.current().pid() + "x" + System.identityHashCode(this);
        receiver = ValeForwardBenchmark.receivers(sw, 1)[0];
    }

    @TearDown(Level.Trial)
    public void close() { receiver.close(); }

    private void send(SenderPort s, Packets p) {
        NetmapRing r = s.tx;
        int i = r.head();
        for (int k = 0; k < batch; k++) {
            r.len(i, len);
            i = r.next(i);
        }
        r.advance(i);
        s.port.txsync();
        p.sent += batch;
    }

    private void receive(Packets p) {
        int n = ValeForwardBenchmark.drain(receiver);
        if (n == 0) Thread.onSpinWait();
        p.received += n;
    }

    @Benchmark @Group("s1") @GroupThreads(1) public void s1send(SenderPort s, Packets p) { send(s, p); }
    @Benchmark @Group("s1") @GroupThreads(1) public void s1recv(Packets p) { receive(p); }
    @Benchmark @Group("s2") @GroupThreads(2) public void s2send(SenderPort s, Packets p) { send(s, p); }
    @Benchmark @Group("s2") @GroupThreads(1) public void s2recv(Packets p) { receive(p); }
    @Benchmark @Group("s4") @GroupThreads(4) public void s4send(SenderPort s, Packets p) { send(s, p); }
    @Benchmark @Group("s4") @GroupThreads(1) public void s4recv(Packets p) { receive(p); }
}
