package io.jnetmap.bench;

import io.jnetmap.e1000e.E1000eAdapter;
import io.jnetmap.e1000e.E1000eConfig;
import io.jnetmap.igb.IgbAdapter;
import io.jnetmap.igb.IgbConfig;
import io.jnetmap.ixgbe.IxgbeAdapter;
import io.jnetmap.ixgbe.IxgbeConfig;
import io.jnetmap.intel.IntelAdapter;
import io.jnetmap.nic.NicAdapter;
import io.jnetmap.r8169.R8169Adapter;
import io.jnetmap.r8169.R8169Config;
import io.jnetmap.rings.MonitorAdapter;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.PortName;
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
import java.util.function.LongSupplier;

/**
 * A NIC driver's data path as an application drives it: the real adapter ({@link E1000eAdapter},
 * {@link IgbAdapter}, {@link IxgbeAdapter} or {@link R8169Adapter}) behind a {@link NetmapPort}, its txsync/rxsync
 * through the port and the kring rules, against a stand-in device ({@link IntelNicStandIn},
 * {@link RealtekNicStandIn}) that completes every transmitted descriptor at the doorbell (tail
 * write, TxPoll) and keeps every receive descriptor it owns filled. No interrupts, one queue pair
 * of 1024 slots.
 *
 * <ul>
 * <li>{@code txsync}: fill {@code batch} TX slots (length 60), advance head and cur, txsync
 *     (descriptors, one tail write, reclaim of what the chip reported done);</li>
 * <li>{@code rxsync}: rxsync (release the slots consumed last time, one tail write, import what
 *     the chip wrote back), read the length of {@code batch} slots, advance head and cur.</li>
 * </ul>
 * Each invocation moves {@value #PACKETS} packets in {@value #PACKETS}/batch syncs, and counts as
 * {@value #PACKETS} operations: ops/us is millions of packets per second, and {@code -prof gc}'s
 * {@code gc.alloc.rate.norm} is bytes allocated <b>per packet</b>. An invocation fails if a sync
 * moved fewer packets than asked, so the figures never describe idle syncs.
 *
 * <p>The register writes are array stores here, not MMIO: throughput is the CPU cost of the
 * driver, an upper bound for real hardware. The allocation figure is the one the issue asks for.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Djnetmap.nic.region.dir=/dev/shm",
        "-Djnetmap.nic.region.buffers=8194", "-Djnetmap.nic.counterRefreshSeconds=0"})
@State(Scope.Thread)
public class DriverSyncBenchmark {
    /** Packets per invocation (a multiple of every batch). */
    public static final int PACKETS = 256;
    static final int SLOTS = 1024;
    static final byte[] MAC = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

    @Param({"e1000e", "igb", "ixgbe", "r8169"})
    public String driver;

    /** Packets per sync; divides {@value #PACKETS}. */
    @Param({"1", "32", "256"})
    public int batch;

    /**
     * {@code none}: no monitor (the owner pays one read of a monitor mask per sync); {@code rt}: a
     * copy monitor ({@code netmap:ADDRESS/rt}) watches the port and is drained after every sync in
     * the same thread, so the figure includes the copy and the monitor's own rxsync.
     */
    @Param({"none", "rt"})
    public String monitor;

    private NetmapPort mon;
    private NetmapRing monRx;
    private NicAdapter adapter;
    /** The chip's side as each driver's stand-in counts it: frames sent, frames received. */
    private LongSupplier sentFrames, receivedFrames;
    /** The driver's own counts: packets pushed to the chip, packets imported from it. */
    private LongSupplier pushedPackets, importedPackets;
    /**
     * The chip's receive engine between two syncs. The Intel stand-ins fill RX descriptors at the
     * tail write inside rxsync; the Realtek chip has no RX tail register (a refill is descriptor
     * memory only), so its stand-in fills what it owns here, as a chip that DMAs continuously.
     */
    private Runnable chipReceive = () -> { };
    private NetmapPort port;
    private NetmapRing tx, rx;
    private long txPackets, rxPackets;

    @Setup(Level.Trial)
    public void open() {
        if (batch < 1 || PACKETS % batch != 0 || batch >= SLOTS)
            throw new IllegalArgumentException("batch " + batch + " must divide " + PACKETS);
        String address;
        switch (driver) {
            case "e1000e", "igb", "ixgbe" -> {
                address = switch (driver) { case "e1000e" -> "0000:00:04.0"; case "igb" -> "0000:00:05.0"; default -> "0000:00:06.0"; };
                IntelNicStandIn nic = switch (driver) {
                    case "e1000e" -> IntelNicStandIn.e1000e(address, MAC);
                    case "igb" -> IntelNicStandIn.igb(address, MAC);
                    default -> IntelNicStandIn.ixgbe(address, MAC);
                };
                IntelAdapter a = switch (driver) {
                    case "e1000e" -> E1000eAdapter.open(nic, E1000eConfig.defaults().withSlots(SLOTS, SLOTS).withQueues(1)
                            .withInterrupts(false).withLinkWait(0));
                    case "igb" -> IgbAdapter.open(nic, IgbConfig.defaults().withSlots(SLOTS, SLOTS).withQueues(1)
                            .withInterrupts(false).withLinkWait(0));
                    default -> IxgbeAdapter.open(nic, IxgbeConfig.defaults().withSlots(SLOTS, SLOTS).withQueues(1)
                            .withInterrupts(false).withLinkWait(0));
                };
                adapter = a;
                sentFrames = nic::framesSent;
                receivedFrames = nic::framesReceived;
                pushedPackets = () -> a.txRing(0).packets();
                importedPackets = () -> a.rxRing(0).packets();
            }
            case "r8169" -> {
                address = "0000:03:00.0";
                RealtekNicStandIn nic = new RealtekNicStandIn(address, MAC);
                R8169Adapter a = R8169Adapter.open(nic, R8169Config.defaults().withSlots(SLOTS, SLOTS)
                        .withInterrupts(false).withLinkWait(0));
                adapter = a;
                sentFrames = nic::framesSent;
                receivedFrames = nic::framesReceived;
                pushedPackets = () -> a.txRing().packets();
                importedPackets = () -> a.rxRing().packets();
                chipReceive = nic::receive;
            }
            default -> throw new IllegalArgumentException("driver " + driver + ": e1000e, igb, ixgbe or r8169");
        }
        port = NetmapPort.bind(PortName.parse("netmap:" + address), adapter); // the NIC's rings, as NetmapPort.open would
        tx = port.txRing(0);
        rx = port.rxRing(0);
        if (monitor.equals("rt")) {
            mon = NetmapPort.open("netmap:" + address + "/rt");
            monRx = mon.rxRing(0);
        } else if (!monitor.equals("none")) {
            throw new IllegalArgumentException("monitor " + monitor + ": none or rt");
        }
        chipReceive.run();
        port.rxsync(); // the chip filled the RX ring when the receiver was enabled
        drainMonitor(); // takes the ring the chip filled,
        drainMonitor(); // and releases it: the monitor starts empty
        if (rx.space() < batch) throw new IllegalStateException(driver + ": nothing received after the first rxsync");
    }

    @TearDown(Level.Trial)
    public void close() {
        long sent = sentFrames.getAsLong(), pushed = pushedPackets.getAsLong(), imported = importedPackets.getAsLong();
        if (mon != null) {
            long drops = ((MonitorAdapter) mon.adapter()).drops();
            mon.close();
            if (drops != 0) throw new IllegalStateException(driver + ": the monitor dropped " + drops + " frames");
        }
        port.close();
        if (!adapter.isDestroyed()) throw new IllegalStateException(driver + ": the last port's close left the adapter open");
        // every packet the benchmark pushed reached the wire, every one it consumed came from the chip
        if (sent != pushed || pushed != txPackets)
            throw new IllegalStateException(driver + ": sent " + sent + ", driver pushed " + pushed + ", benchmark " + txPackets);
        if (imported < rxPackets || imported > receivedFrames.getAsLong())
            throw new IllegalStateException(driver + ": received " + receivedFrames.getAsLong() + ", imported " + imported
                    + ", consumed " + rxPackets);
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public void txsync() {
        final NetmapRing r = tx;
        final int b = batch;
        for (int done = 0; done < PACKETS; done += b) {
            if (r.space() < b) throw new IllegalStateException(driver + ": TX ring has " + r.space() + " free slots");
            int i = r.head();
            for (int k = 0; k < b; k++) {
                r.len(i, 60);
                i = r.next(i);
            }
            r.advance(i);
            port.txsync();
            drainMonitor();
        }
        txPackets += PACKETS;
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public long rxsync() {
        final NetmapRing r = rx;
        final int b = batch;
        long bytes = 0;
        for (int done = 0; done < PACKETS; done += b) {
            chipReceive.run();
            port.rxsync();
            drainMonitor();
            if (r.space() < b) throw new IllegalStateException(driver + ": RX ring holds " + r.space() + " packets");
            int i = r.head();
            for (int k = 0; k < b; k++) {
                bytes += r.len(i);
                i = r.next(i);
            }
            r.advance(i);
        }
        rxPackets += PACKETS;
        return bytes;
    }

    /** Releases what the monitor holds and takes what the last sync copied. */
    private void drainMonitor() {
        if (mon == null) return;
        monRx.advance(monRx.tail());
        mon.rxsync();
    }
}
