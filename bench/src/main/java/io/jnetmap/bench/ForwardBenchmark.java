package io.jnetmap.bench;

import io.jnetmap.ixgbe.IxgbeAdapter;
import io.jnetmap.ixgbe.IxgbeConfig;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.PortName;
import io.jnetmap.sys.OffHeapBuffer;
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

import static io.jnetmap.rings.NetmapLayout.NS_BUF_CHANGED;

/**
 * ixy's forwarder (and netmap's bridge) on two 82599 ports, one core, zero copy: rxsync on port A,
 * each received slot's buffer swapped into port B's TX ring (NS_BUF_CHANGED on both slots, the
 * TX slot's empty buffer given back to A's RX ring), txsync on B. Both ports are the real
 * {@link IxgbeAdapter} behind a {@link NetmapPort} on an {@link IntelNicStandIn} 82599; their
 * rings share the process's NIC memory region, as a zero-copy swap needs.
 *
 * <p>Each invocation forwards {@value DriverSyncBenchmark#PACKETS} packets in
 * {@value DriverSyncBenchmark#PACKETS}/batch rounds: ops/us is millions of forwarded packets per
 * second, {@code gc.alloc.rate.norm} bytes per forwarded packet. A round fails if A's RX ring
 * holds fewer than {@code batch} frames or B's TX ring has fewer free slots.
 *
 * <p>Not a benchmark of nothing: before every iteration and at the end, {@link #verify} forwards
 * one batch whose buffers carry a stamp and checks, in B's chip, that each TX descriptor it sent
 * points at the very buffer A's chip received into (zero copy) with the frame's length and DD set;
 * the trial's end checks B's chip sent exactly the frames forwarded and A's chip received them.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Djnetmap.nic.region.dir=/dev/shm",
        "-Djnetmap.nic.region.buffers=8194", "-Djnetmap.nic.counterRefreshSeconds=0"})
@State(Scope.Thread)
public class ForwardBenchmark {
    static final int PACKETS = DriverSyncBenchmark.PACKETS, SLOTS = DriverSyncBenchmark.SLOTS;

    /** Packets per round (rxsync, swap, txsync); divides {@value #PACKETS}. */
    @Param({"1", "32", "256"})
    public int batch;

    private IntelNicStandIn nicA, nicB;
    private IxgbeAdapter adapterA, adapterB;
    private NetmapPort portA, portB;
    private NetmapRing rx, tx;
    private long forwarded;
    private long stamp = 0x5a5a_0000_0000_0000L;
    private long[] stamps;

    @Setup(Level.Trial)
    public void open() {
        if (batch < 1 || PACKETS % batch != 0 || batch >= SLOTS)
            throw new IllegalArgumentException("batch " + batch + " must divide " + PACKETS);
        stamps = new long[batch];
        nicA = IntelNicStandIn.ixgbe("0000:00:06.0", new byte[] {0x02, 0, 0, 0, 0, 0x0a});
        nicB = IntelNicStandIn.ixgbe("0000:00:07.0", new byte[] {0x02, 0, 0, 0, 0, 0x0b});
        adapterA = IxgbeAdapter.open(nicA, config());
        adapterB = IxgbeAdapter.open(nicB, config());
        portA = NetmapPort.bind(PortName.parse("netmap:" + nicA.address()), adapterA);
        portB = NetmapPort.bind(PortName.parse("netmap:" + nicB.address()), adapterB);
        if (portA.region() != portB.region()) throw new IllegalStateException("the two ports do not share a region: no zero copy");
        rx = portA.rxRing(0);
        tx = portB.txRing(0);
        portA.rxsync(); // the chip filled the RX ring when the receiver was enabled
        if (rx.space() < batch) throw new IllegalStateException("port A: nothing received after the first rxsync");
    }

    private static IxgbeConfig config() {
        return IxgbeConfig.defaults().withSlots(SLOTS, SLOTS).withQueues(1).withInterrupts(false).withLinkWait(0);
    }

    @TearDown(Level.Trial)
    public void close() {
        verify();
        long sent = nicB.framesSent(), pushed = adapterB.txRing(0).packets(), received = nicA.framesReceived();
        portA.close();
        portB.close();
        if (sent != forwarded || pushed != forwarded)
            throw new IllegalStateException("forwarded " + forwarded + ", B's driver pushed " + pushed + ", B's chip sent " + sent);
        if (received < forwarded)
            throw new IllegalStateException("A's chip received " + received + ", fewer than the " + forwarded + " forwarded");
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public void forward() {
        for (int done = 0; done < PACKETS; done += batch) {
            portA.rxsync();
            swapAndSend();
        }
    }

    /**
     * The forwarder's move after A's rxsync: {@code batch} received slots swapped into B's TX ring,
     * both sides advanced, B's txsync (which also releases A's slots at A's next rxsync).
     */
    private void swapAndSend() {
        final NetmapRing r = rx, t = tx;
        final int b = batch;
        if (r.space() < b || t.space() < b)
            throw new IllegalStateException("A's RX ring holds " + r.space() + ", B's TX ring has " + t.space() + " free");
        int i = r.head(), j = t.head();
        for (int k = 0; k < b; k++) {
            int empty = t.bufIdx(j);
            t.bufIdx(j, r.bufIdx(i));
            t.lenAndFlags(j, r.len(i), NS_BUF_CHANGED); // the frame (one slot each here: no NS_MOREFRAG)
            r.bufIdx(i, empty);
            r.slotFlags(i, NS_BUF_CHANGED);
            i = r.next(i);
            j = t.next(j);
        }
        r.advance(i);
        t.advance(j);
        portB.txsync();
        forwarded += b;
    }

    /**
     * Forwards one batch whose received buffers carry a stamp (what A's chip would have DMAed in),
     * and checks in B's chip that each descriptor sent points at the same buffer, with the frame's
     * length and DD written back, and that the buffer still holds the stamp: the frames A received
     * are the ones B sent, without a copy. Outside the measured loop.
     */
    @Setup(Level.Iteration)
    public void verify() {
        final NetmapRing r = rx, t = tx;
        final OffHeapBuffer bufs = r.buffers();
        portA.rxsync();
        int i = r.head(), j0 = t.head();
        final long[] stamps = this.stamps;
        for (int k = 0; k < batch; k++, i = r.next(i)) {
            stamps[k] = ++stamp;
            bufs.putLong(r.slotBufOffset(i), stamps[k]);
        }
        long before = forwarded;
        long sentBefore = nicB.framesSent();
        swapAndSend();
        if (nicB.framesSent() - sentBefore != batch)
            throw new IllegalStateException("B's chip sent " + (nicB.framesSent() - sentBefore) + " of " + batch + " forwarded frames");
        for (int k = 0, j = j0; k < batch; k++, j = t.next(j)) {
            long addr = nicB.txDescriptor(0, j, 0), cmd = nicB.txDescriptor(0, j, 1);
            long expected = portB.region().bufferAddress(t.bufIdx(j));
            if (addr != expected)
                throw new IllegalStateException("B's TX descriptor " + j + " points at 0x" + Long.toHexString(addr)
                        + ", not at the buffer forwarded into slot " + j + " (0x" + Long.toHexString(expected) + ")");
            int len = (int) cmd & 0xffff;
            // DD where the driver asked for a report: at least the batch's last packet
            if (len != IntelNicStandIn.FRAME_LENGTH || k == batch - 1 && (cmd >>> 32 & 1) == 0)
                throw new IllegalStateException("B's TX descriptor " + j + ": length " + len + ", DD " + (cmd >>> 32 & 1));
            long got = bufs.getLong(t.slotBufOffset(j));
            if (got != stamps[k])
                throw new IllegalStateException("B sent a frame holding 0x" + Long.toHexString(got) + " where A received 0x"
                        + Long.toHexString(stamps[k]) + ": not the received buffer");
        }
        if (forwarded != before + batch) throw new IllegalStateException("verify forwarded " + (forwarded - before));
    }
}
