package io.jnetmap.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * {@link PipeCpuCost}'s loop as a JMH benchmark, so that JMH's profilers can look inside it
 * ({@code -prof perfasm:events=cpu-clock} on a VM without a PMU, with Debian's libhsdis0-fcml
 * linked as hsdis-amd64.so): both ends of a pipe in one thread, send {@code batch} slots and
 * txsync, then rxsync, read them and release them. No cache line crosses cores, so the profile
 * is the ring code's own cost, the fixed part of a sync included ({@code batch=1}).
 * Score: ns per invocation; divide by {@code batch} for ns per packet.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Djnetmap.region.buffers=4098"})
@State(Scope.Thread)
public class PipeOneThreadBenchmark {
    @Param({"1", "8", "32"})
    public int batch;

    private final PipeThroughputBenchmark pipe = new PipeThroughputBenchmark();
    private final PipeThroughputBenchmark.Packets packets = new PipeThroughputBenchmark.Packets();
    private final PipeThroughputBenchmark.SenderCpu sender = new PipeThroughputBenchmark.SenderCpu();
    private final PipeThroughputBenchmark.ReceiverCpu receiver = new PipeThroughputBenchmark.ReceiverCpu();

    @Setup(Level.Trial)
    public void open() {
        pipe.batch = batch;
        pipe.pin = "unpinned";
        pipe.open();
    }

    @TearDown(Level.Trial)
    public void close() { pipe.close(); }

    @Benchmark
    public long sendThenReceive() {
        pipe.send(packets, sender);
        return pipe.receive(packets, receiver);
    }
}
