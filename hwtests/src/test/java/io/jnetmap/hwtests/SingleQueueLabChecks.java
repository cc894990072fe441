package io.jnetmap.hwtests;

import io.jnetmap.nic.NicAdapter;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.RingStateException;
import io.jnetmap.sys.OffHeapBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

import static io.jnetmap.hwtests.Checks.lastLines;
import static io.jnetmap.hwtests.Checks.waitFor;
import static io.jnetmap.rings.NetmapLayout.NS_BUF_CHANGED;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The lab checklist of issue #4 for one NIC with one queue pair (the 82574L, the RTL8168) and one
 * access method (the subclasses, which say what differs between the chips: the adapter, where the
 * descriptors are, the doorbell, the stall report): the NIC is bound with nm-bind, opened as
 * {@code netmap:BDF}, and exchanges traffic with its cabled peer run by a Linux kernel driver in a
 * network namespace; the peer's tcpdump and QEMU's pcap of the wire witness what went over the cable.
 * <ol>
 * <li>TX: numbered frames, sizes cycling 60..1514: the peer captures every one, byte-exact, in order; so does the wire pcap.</li>
 * <li>RX: the peer sends numbered frames (an AF_PACKET socket, flow-controlled): the port delivers every one, byte-exact
 *     and in order (so does the wire pcap), no buffer lost.</li>
 * <li>Jumbo 9000-byte frames both ways, through NS_MOREFRAG.</li>
 * <li>Cable pull: link down within 1 s; frames handed over with the link down come back at once, counted as dropped,
 *     none sent (as a real chip, which stops TX DMA); no buffer lost; re-plug: nothing stale, traffic resumes.</li>
 * <li>Counters: the chip's counters equal what both sides saw.</li>
 * <li>Bad slots refused before any descriptor is written.</li>
 * <li>A process opening the NIC after its owner was killed mid-traffic starts from a clean reset.</li>
 * <li>After close the kernel driver takes the NIC back and passes traffic.</li>
 * </ol>
 * Frame counts: {@code JNETMAP_<CHIP>_FRAMES} (e.g. {@code JNETMAP_E1000E_FRAMES}; the chip's default) and
 * {@code JNETMAP_LAB_FLOOD_FRAMES}. Figures go to the log and to {@code <chip>-lab.txt} in the run's
 * results directory.
 *
 * @param <A> the driver's adapter
 */
@Tag("hardware")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class SingleQueueLabChecks<A extends NicAdapter> extends LabChecklist<A> {
    /** The chip's name in JNETMAP_LAB_NICS, which is also the Linux driver that takes the NIC back. */
    protected final String chip;
    private final Class<A> adapterType;
    /** Frames of the paced TX and RX checks ({@code JNETMAP_<CHIP>_FRAMES}). */
    protected final int frames;
    /** Frames of the full-speed phase (JNETMAP_LAB_FLOOD_FRAMES, else the chip's default). */
    private final int floodFrames;
    /** The kernel driver's subnet after close: 198.18.(this + nicIndex).0/24. */
    private final int subnet;
    /**
     * Frames sent ahead of what the peer's kernel has counted: less than its RX ring (256), because
     * QEMU's igb drops a frame when the queue it hashes to is full.
     */
    protected static final int TX_WINDOW = 128;
    /**
     * RX slots the peer may fill ahead of what the port has taken: half the port's RX ring (512 at
     * most), so QEMU never has to hold frames back (observed on the 82574L: frames held back under
     * back-pressure come out of order, though the wire pcap has them in order; and its net queue
     * drops past 10,000).
     */
    protected int rxWindow() { return Math.min(512, rx.numSlots() / 2); }

    protected NetmapRing tx, rx;

    /**
     * @param chip        the chip's name in JNETMAP_LAB_NICS and its Linux driver
     * @param frames      default frame count of the paced checks
     * @param floodFrames default frame count of the full-speed phase
     * @param subnet      198.18.(subnet + nicIndex).0/24 for the kernel driver after close
     */
    protected SingleQueueLabChecks(Binding.Kind kind, int nicIndex, String chip, Class<A> adapterType, int frames, int floodFrames,
                                   int subnet) {
        super(kind, nicIndex, chip + "-lab.txt");
        this.chip = chip;
        this.adapterType = adapterType;
        this.frames = Integer.parseInt(envOr("JNETMAP_" + chip.toUpperCase(java.util.Locale.ROOT) + "_FRAMES", Integer.toString(frames)));
        this.floodFrames = Integer.parseInt(envOr("JNETMAP_LAB_FLOOD_FRAMES", Integer.toString(floodFrames)));
        this.subnet = subnet;
    }

    @Override
    protected int floodFrames() { return floodFrames; }

    /** The chip as the opened adapter names it, for the report. */
    protected abstract String describeChip();

    /** The TX ring's descriptors. */
    protected abstract OffHeapBuffer txDescriptors();

    /** The RX ring's descriptors. */
    protected abstract OffHeapBuffer rxDescriptors();

    /** What a TX kick changes: the tail register, or on a chip without one the driver's count of kicks. */
    protected abstract long txDoorbell();

    /** The RX tail register; empty on a chip that has none (it walks the descriptors it owns). */
    protected abstract OptionalLong rxTail();

    @BeforeAll
    public void setUp() {
        selectNic(chip);
        bindNic();
        long t0 = System.nanoTime();
        port = NetmapPort.open("netmap:" + nic.bdf());
        adapter = adapterType.cast(port.adapter());
        tx = port.txRing(0);
        rx = port.rxRing(0);
        report("%s via %s: opened in %d ms, %s", nic, adapter.device().accessMethod(), (System.nanoTime() - t0) / 1_000_000,
                describeChip());
        checkOpened();
    }

    @AfterAll
    public void tearDown() {
        closeAll();
    }

    // ================================================================== 1. TX

    @Test
    @Order(1)
    public void transmitsNumberedFramesByteExactAndInOrder() throws Exception {
        Path capture = Path.of(System.getProperty("java.io.tmpdir"), chip + "-" + kind + "-tx.pcap"); // tmpfs: fast
        Files.deleteIfExists(capture);
        Path wire = Lab.pcap(nic).orElse(null);
        long wireFrom = wire == null ? 0 : Pcap.size(wire);
        long peerRx0 = peer.counter("rx_packets");
        Shell.Background dump = peer.tcpdump(capture, "ether proto 0x" + Integer.toHexString(Frames.ETHERTYPE_TEST), frames);
        try {
            long t0 = System.nanoTime();
            int heldBack = sendNumbered(frames, seq -> 60 + seq % 1455, peerRx0, capture);
            double secs = (System.nanoTime() - t0) / 1e9;
            waitFor("the peer counted all frames (" + peer.counters() + ")", 120_000,
                    () -> peer.counter("rx_packets") - peerRx0 >= frames);
            PeerPort.awaitCapture(dump, frames, 120);
            report("TX %s: %,d frames (60..1514 B) in %.1f s: %,.0f frames/s, %.1f Mb/s, held back %d times for tcpdump; tcpdump: %s",
                    kind, frames, secs, frames / secs, bytesOf(frames) * 8 / secs / 1e6, heldBack,
                    lastLines(dump.err(), 3).replace('\n', ' '));
            assertTrue(dump.err().matches("(?s).*(^|\\n)0 packets dropped by kernel.*"), "tcpdump dropped frames: " + dump.err());
        } finally {
            dump.close();
        }
        // the peer's capture: every frame, in order, byte-exact
        long t1 = System.nanoTime();
        assertEquals(frames, checkNumbered(capture, 0, frames, seq -> 60 + seq % 1455, "peer capture"), "frames in the peer's capture");
        if (wire != null) {
            assertEquals(frames, checkNumbered(wire, wireFrom, frames, seq -> 60 + seq % 1455, "wire pcap"), "frames on the wire");
        }
        report("TX %s: peer capture%s byte-exact and in order (checked in %.1f s)", kind, wire != null ? " and wire pcap" : "",
                (System.nanoTime() - t1) / 1e9);
        Files.deleteIfExists(capture);
    }

    /** Sends frames 0..count-1 (sizes from {@code size}), paced against the peer's receive counter, then waits for every completion. */
    void sendNumbered(int count, Size size, long peerRxBase) {
        sendNumbered(count, size, peerRxBase, null);
    }

    /**
     * How far the sender may run ahead of the peer's tcpdump, in bytes of its pcap file: a quarter of
     * the ring it asks for ({@link PeerPort#TCPDUMP_BUFFER_KIB}, 16 MiB). The peer's kernel keeps up
     * with the paced sender, but on a slow CI host the guest's tcpdump (TCG, two vCPUs shared with the
     * sender and the peer's softirqs) did not: 200,000 frames (157 MB) overran its ring, 13,713 dropped.
     */
    static final long WITNESS_LAG = PeerPort.TCPDUMP_BUFFER_KIB * 1024L / 4;

    /**
     * {@link #sendNumbered(int, Size, long)}, also held back while the capture that {@code witness}
     * names (a tcpdump writing it, not null) is more than {@link #WITNESS_LAG} behind what was sent.
     * The full-speed TX phases are pkt-gen's lab tests; this one checks bytes and order. Returns how
     * many times the sender waited for the capture.
     */
    int sendNumbered(int count, Size size, long peerRxBase, Path witness) {
        byte[] f = new byte[16384];
        int heldBack = 0;
        int seq = 0;
        long seen = peerRxBase;
        long recorded = 24, written = 0; // pcap bytes: the file header, then 16 per record and the frame
        long writtenAt = System.nanoTime();
        // the peer's ring counts descriptors: a jumbo frame takes several of its 2 KiB buffers
        int descs = (size.of(0) + 2047) / 2048;
        int window = descs <= 1 ? TX_WINDOW : Math.max(4, 96 / descs);
        while (seq < count) {
            if (seq - (seen - peerRxBase) >= window) {
                seen = peer.counter("rx_packets");
                if (seq - (seen - peerRxBase) >= window) {
                    port.txsync();
                    Thread.onSpinWait();
                    continue;
                }
            }
            if (witness != null && recorded - written > WITNESS_LAG) {
                long now = Pcap.size(witness);
                if (now > written) {
                    written = now;
                    writtenAt = System.nanoTime();
                }
                if (recorded - written > WITNESS_LAG) {
                    if (System.nanoTime() - writtenAt > 60_000_000_000L)
                        throw new AssertionError("the peer's tcpdump wrote nothing to " + witness + " for 60 s, "
                                + (recorded - written) + " B behind frame " + seq);
                    port.txsync();
                    heldBack++;
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // yield the vCPU to tcpdump
                    continue;
                }
            }
            int len = size.of(seq);
            if (!hasTxSpace(port, tx, len, "no TX space within 5 s")) continue;
            putNumbered(tx, f, seq, len);
            recorded += 16 + len;
            seq++;
            if ((seq & 15) == 0) port.txsync();
        }
        awaitTxCompletions(port, tx, "TX completions did not all come back");
        return heldBack;
    }

    /** Checks a pcap's test frames from {@code mac}: numbered from 0, in order, byte-exact; returns how many. */
    long checkNumbered(Path pcap, long from, int count, Size size, String what) {
        AtomicLong n = new AtomicLong();
        byte[] expect = new byte[16384];
        Pcap.forEach(pcap, from, frame -> {
            if (!Frames.isTestFrame(frame, frame.length) || !Frames.from(frame, mac)) return;
            int seq = (int) n.getAndIncrement();
            assertTrue(seq < count, what + ": more frames than sent");
            int len = Frames.fill(expect, peerMac, mac, seq, size.of(seq));
            if (frame.length != len || !Arrays.equals(frame, 0, len, expect, 0, len)) {
                fail(what + ": frame " + seq + " differs (got " + frame.length + " B, seq " + Frames.seq(frame) + ", expected "
                        + len + " B)");
            }
        });
        return n.get();
    }

    // ================================================================== 2. RX

    @Test
    @Order(2)
    public void receivesEveryFrameInOrderWithoutLosingBuffers() {
        Path wire = Lab.pcap(nic).orElse(null);
        long wireFrom = wire == null ? 0 : Pcap.size(wire);
        long t0 = System.nanoTime();
        Numbered got;
        try (PeerPort.Sender snd = peer.sender(frames, 0, mac)) {
            got = receive(snd, frames, seq -> 60 + seq % 1455, 900_000);
            double secs = (System.nanoTime() - t0) / 1e9;
            report("RX %s: %,d frames (60..1514 B) in %.1f s: %,.0f frames/s, %.1f Mb/s; %d interrupt wake-ups; %d other frames;"
                            + " sender: %s", kind, got.count, secs, got.count / secs, bytesOf(got.count) * 8 / secs / 1e6, got.wakeups,
                    got.others, snd.output().replace('\n', ' '));
        }
        assertEquals(frames, got.count, "frames delivered (" + peer.counters() + ")" + (got.stall == null ? "" : "; stalled: " + got.stall));
        assertEquals(0, got.mismatches, "frames out of order or not byte-exact; first: " + got.firstMismatch);
        if (wire != null) {
            // the wire witness shows the same frames, in the same order
            assertEquals(frames, checkPeerFrames(wire, wireFrom, frames, seq -> 60 + seq % 1455), "frames from the peer on the wire");
        }
        assertNoBufferLeaked();
    }

    /** Receives frames 0..want-1 of {@code snd} on the port's ring, each checked as it is taken; see {@link #receiveNumbered}. */
    Numbered receive(PeerPort.Sender snd, int want, Size size, long timeoutMillis) {
        return receiveNumbered(snd, want, size, rxWindow(), timeoutMillis);
    }

    // ================================================================== 3. jumbo

    @Test
    @Order(3)
    public void jumboFramesBothWaysThroughMoreFrag() throws Exception {
        int n = Math.min(frames, 1000);
        peer.setMtu(9000);
        try {
            Path capture = Path.of(System.getProperty("java.io.tmpdir"), chip + "-" + kind + "-jumbo.pcap");
            Files.deleteIfExists(capture);
            long peerRx0 = peer.counter("rx_packets");
            Shell.Background dump = peer.tcpdump(capture, "ether proto 0x" + Integer.toHexString(Frames.ETHERTYPE_TEST), n);
            long t0 = System.nanoTime();
            try {
                sendNumbered(n, seq -> 9000, peerRx0, capture);
                waitFor("the peer counted the jumbo frames (" + peer.counters() + ")", 60_000,
                        () -> peer.counter("rx_packets") - peerRx0 >= n);
                PeerPort.awaitCapture(dump, n, 60);
            } finally {
                dump.close();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            assertEquals(n, checkNumbered(capture, 0, n, seq -> 9000, "peer capture (jumbo)"));
            Files.deleteIfExists(capture);
            report("jumbo TX %s: %d frames of 9000 B (%d slots each, NS_MOREFRAG) byte-exact at the peer, %.1f s", kind, n,
                    Frames.slotsFor(tx, 9000), secs);

            Numbered got;
            long t1 = System.nanoTime();
            try (PeerPort.Sender snd = peer.sender(n, 9000, mac)) {
                got = receive(snd, n, seq -> 9000, 120_000);
            }
            assertEquals(n, got.count, "jumbo frames delivered (" + peer.counters() + ")");
            assertEquals(0, got.mismatches, "jumbo frames byte-exact and in order; first: " + got.firstMismatch);
            assertEquals(n, got.jumbo, "each jumbo frame came in several slots (NS_MOREFRAG)");
            report("jumbo RX %s: %d frames of %d B in %d slots each, byte-exact and in order, %.1f s", kind, got.count, got.firstLen,
                    got.maxSlots, (System.nanoTime() - t1) / 1e9);
        } finally {
            peer.setMtu(1500);
        }
    }

    // ================================================================== 4. cable pull

    @Test
    @Order(4)
    public void cablePullShowsLinkDownWithinOneSecondAndReplugResumes() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Lab.labLink().isPresent(), "this lab cannot pull cables");
        try {
            // a poller services the link-change interrupt, as an application blocked in poll() would
            pullCable(() -> {
                if (!rx.empty()) rx.advance(rx.tail());
            });
            // transmitting into a dead cable loses no buffer: the driver gives the slots back, counted as dropped
            int n = 100;
            transmitIntoDeadCable(port, tx, n);
            assertEquals(tx.numSlots() - 1, tx.space());
            assertArrayEquals(buffersAtStart, ringBuffers(), "no buffer lost");

            replugCable();
            long peerRx0 = peer.counter("rx_packets");
            sendNumbered(n, seq -> 200, peerRx0);
            waitFor("the peer got frames after the re-plug", 30_000, () -> peer.counter("rx_packets") - peerRx0 >= n);
            try (PeerPort.Sender snd = peer.sender(n, 200, mac)) {
                Numbered got = receive(snd, n, seq -> 200, 60_000);
                assertEquals(n, got.count, "frames received after the re-plug");
                assertEquals(0, got.mismatches, got.firstMismatch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ================================================================== 5. counters

    @Test
    @Order(5)
    public void countersEqualWhatBothSidesSaw() {
        int n = Math.min(frames, 5000);
        Map<String, Long> s0 = adapter.statistics();
        long pRxPackets = peer.counter("rx_packets"), pRxBytes = peer.counter("rx_bytes");
        long pTxPackets = peer.counter("tx_packets"), pTxBytes = peer.counter("tx_bytes");
        sendNumbered(n, seq -> 60 + seq % 1455, pRxPackets);
        waitFor("the peer counted the frames (" + peer.counters() + ")", 60_000, () -> peer.counter("rx_packets") - pRxPackets >= n);
        Numbered got;
        try (PeerPort.Sender snd = peer.sender(n, 0, mac)) {
            got = receive(snd, n, seq -> 60 + seq % 1455, 300_000);
        }
        Shell.sleep(200);
        Map<String, Long> s1 = adapter.statistics();
        long txP = delta(s0, s1, "tx_packets"), txB = delta(s0, s1, "tx_bytes");   // 0 B on a chip without octet counters
        long rxP = delta(s0, s1, "rx_packets"), rxB = delta(s0, s1, "rx_bytes");
        long peerRxP = peer.counter("rx_packets") - pRxPackets, peerRxB = peer.counter("rx_bytes") - pRxBytes;
        long peerTxP = peer.counter("tx_packets") - pTxPackets, peerTxB = peer.counter("tx_bytes") - pTxBytes;
        report("counters %s: port tx %d packets %d B / peer rx %d packets %d B; port rx %d packets %d B / peer tx %d packets %d B"
                        + "; driver tx %d rx %d", kind, txP, txB, peerRxP, peerRxB, rxP, rxB, peerTxP, peerTxB,
                s1.get("driver_tx_packets") - s0.get("driver_tx_packets"), s1.get("driver_rx_packets") - s0.get("driver_rx_packets"));
        assertCountersAgree(n, got.count, got.others, s0, s1, peerRxP, peerRxB, peerTxP, peerTxB, bytesOf(n), bytesOf(got.count));
    }

    // ================================================================== 6. bad slots

    @Test
    @Order(6)
    public void badSlotsAreRefusedBeforeAnyDescriptorIsWritten() {
        int refused = refuseBadTxSlots(port, tx, txDescriptors(), this::txDoorbell);
        // RX: get one frame, then release its slot with a bad buffer
        PeerPort.Sender snd = peer.sender(1, 64, mac);
        snd.credit(1);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (rx.empty() && System.nanoTime() < deadline) port.poll(NetmapPort.POLLIN, 500);
        snd.close();
        assertFalse(rx.empty(), "a frame arrived");
        OffHeapBuffer rxDesc = rxDescriptors();
        byte[] rxBefore = snapshot(rxDesc, rx.numSlots() * 16);
        OptionalLong rdt = rxTail();
        int h = rx.head(), good = rx.bufIdx(h);
        rx.bufIdx(h, 1);
        rx.slotFlags(h, NS_BUF_CHANGED);
        rx.advance(rx.next(h));
        assertThrows(RingStateException.class, port::rxsync);
        assertArrayEquals(rxBefore, snapshot(rxDesc, rx.numSlots() * 16), "RX descriptors untouched");
        assertEquals(rdt, rxTail(), "no RX tail write");
        assertEquals(good, rx.bufIdx(h), "the slot's own buffer restored");
        rx.advance(rx.tail());
        port.rxsync();
        assertArrayEquals(buffersAtStart, ringBuffers(), "no buffer lost");
        report("bad slots %s: %d TX and 1 RX refused; descriptors and doorbells untouched, nothing sent", kind, refused);
    }

    // ================================================================== 7. reopen after a crash

    @Test
    @Order(7)
    public void aNewProcessStartsCleanAfterTheOwnerWasKilledMidTraffic() throws Exception {
        port.close();
        port = null;
        // a process that opens the port and transmits until SIGKILL: no close, no reset, the chip left running
        Process owner = killOwnerMidTraffic();
        long t0 = System.nanoTime();
        port = NetmapPort.open("netmap:" + nic.bdf());
        adapter = adapterType.cast(port.adapter());
        tx = port.txRing(0);
        rx = port.rxRing(0);
        long openMs = (System.nanoTime() - t0) / 1_000_000;
        waitFor("link up after the reopen", 15_000, () -> adapter.linkUp() && peer.carrier());
        int n = 1000;
        long peerRx0 = peer.counter("rx_packets");
        sendNumbered(n, seq -> 60 + seq % 1455, peerRx0);
        waitFor("the peer got the new owner's frames", 30_000, () -> peer.counter("rx_packets") - peerRx0 >= n);
        try (PeerPort.Sender snd = peer.sender(n, 0, mac)) {
            Numbered got = receive(snd, n, seq -> 60 + seq % 1455, 120_000);
            assertEquals(n, got.count, "frames received by the new owner");
            assertEquals(0, got.mismatches, got.firstMismatch);
        }
        report("crash %s: owner killed (exit %d) mid-traffic; a new process opened the NIC in %d ms and passed %d frames each way",
                kind, owner.exitValue(), openMs, n);
    }

    // ================================================================== 8. back to the kernel

    @Test
    @Order(8)
    public void afterCloseTheKernelDriverTakesTheNicBackAndPassesTraffic() {
        kernelDriverTakesTheNicBack(chip, subnet + nicIndex);
    }

    // ================================================================== helpers

    @Override
    protected int[] ringBuffers() {
        int[] b = new int[tx.numSlots() + rx.numSlots()];
        for (int i = 0; i < tx.numSlots(); i++) b[i] = tx.bufIdx(i);
        for (int i = 0; i < rx.numSlots(); i++) b[tx.numSlots() + i] = rx.bufIdx(i);
        Arrays.sort(b);
        for (int i = 1; i < b.length; i++) assertNotEquals(b[i - 1], b[i], "buffer " + b[i] + " in two slots");
        return b;
    }
}
