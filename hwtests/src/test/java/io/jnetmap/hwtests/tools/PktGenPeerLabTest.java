package io.jnetmap.hwtests.tools;

import io.jnetmap.hwtests.Binding;
import io.jnetmap.hwtests.Checks;
import io.jnetmap.hwtests.Lab;
import io.jnetmap.hwtests.Pcap;
import io.jnetmap.hwtests.PeerPort;
import io.jnetmap.hwtests.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * pkt-gen on one of our NICs (nm-bind, VFIO) against the Linux kernel's own driver for the same
 * chip at the other end of the cable (in a namespace of its own, {@link PeerPort}), each end as a
 * user runs it, both unpaced:
 * <ol>
 * <li>{@code pkt-gen -f tx -n N}: every frame pkt-gen counts is one the peer's NIC counted, received or
 *     missed (a peer slower than our sender misses frames and says so: reported, never hidden), and
 *     tcpdump -vv finds every IP and UDP checksum right in QEMU's record of the wire;</li>
 * <li>{@code pkt-gen -f rx} while the kernel's pktgen sends N frames as fast as it can: what pkt-gen
 *     received plus what our NIC dropped and counted (pkt-gen's own summary line) is exactly what the
 *     peer's NIC sent; then, the flood over, a few paced frames all arrive (nothing wedged).</li>
 * </ol>
 * A chip's class names the chip and the peer's counters. Settings: JNETMAP_PKTGEN_PEER_FRAMES (default
 * 20,000). Figures go to {@code tools-lab.txt}.
 */
@Tag("hardware")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class PktGenPeerLabTest {
    static final long FRAMES = Long.parseLong(PktGenLabTest.envOr("JNETMAP_PKTGEN_PEER_FRAMES", "20000"));
    /** Frames sent after the flood, paced: a ring that still receives takes every one. */
    static final int LATE_FRAMES = 200;
    static final long START_SECONDS = PktGenLabTest.START_SECONDS;
    static final Pattern NIC_DROPS = Pattern.compile("(?m)^The NIC dropped and counted (\\d+) frames");
    /** A per-second line of pkt-gen -f rx -N: its packet count (the pps figure is a rate, not a count). */
    static final Pattern RX_PACKETS = Pattern.compile("(?m)^\\s*[0-9.]+ \\[rx\\] \\d+ pps \\((\\d+) pkts");

    /**
     * The peer's NIC counters as its Linux driver names them in {@code ethtool -S}: frames received,
     * frames missed for want of room, frames sent.
     */
    record PeerCounters(String received, String missed, String sent) { }

    final String chip;
    final PeerCounters counters;
    Lab.Nic nic, peerNic;
    PeerPort peer;
    Binding binding;
    final List<Shell.Background> running = new ArrayList<>();

    PktGenPeerLabTest(String chip, PeerCounters counters) {
        this.chip = chip;
        this.counters = counters;
    }

    static void report(String fmt, Object... args) { Checks.report("tools-lab.txt", fmt, args); }

    /** A failure goes to the figures as it happens: a lab run cut short by its timeout still says which case failed and why. */
    @RegisterExtension
    final TestWatcher failures = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext c, Throwable t) {
            report("FAILED %s %s: %s", PktGenPeerLabTest.this.getClass().getSimpleName(), c.getDisplayName(), t);
        }
    };

    @BeforeAll
    void setUp() {
        Lab.require();
        List<Lab.Nic> l = Lab.nics(chip);
        Assumptions.assumeFalse(l.isEmpty(), "the lab has no " + chip + " (the lab's own models need LAB_OWN_QEMU=1: hwtests/lab/README.md)");
        nic = l.get(0);
        peerNic = Lab.peer(nic).orElseThrow(() -> new IllegalStateException(nic + " has no cabled peer"));
        Assumptions.assumeTrue(peerNic.chip().equals(chip), nic + " is cabled to " + peerNic + ", not to the kernel's " + chip);
        peer = PeerPort.open(peerNic, "peer-" + peerNic.port());
        binding = Binding.bind(nic, Binding.Kind.VFIO);
    }

    /** What a case left running when it failed (a receiver, testpmd): stopped, so it holds no NIC against the next case. */
    @AfterEach
    void stopLeftovers() {
        for (Shell.Background b : running) b.close();
        running.clear();
    }

    @AfterAll
    void tearDown() {
        for (Shell.Background b : running) b.close();
        if (binding != null) binding.close();
        if (peer != null) peer.close();
    }

    /** Our port as a user names it. */
    String port() { return "netmap:" + nic.bdf(); }

    // ------------------------------------------------------------------ TX

    @Test
    @Order(1)
    void txToTheKernelEveryFrameCountedByThePeerAndChecksumsValid() throws Exception {
        Path wire = Lab.pcap(nic).orElse(null);
        Assumptions.assumeTrue(wire != null, "no QEMU pcap of " + nic.port() + " (JNETMAP_LAB_PCAP_DIR) to check checksums against");
        long wireFrom = Pcap.size(wire);
        Map<String, Long> s0 = peer.ethtoolStatistics();
        Shell.Result tx = Tool.PKT_GEN.run(3 * START_SECONDS + 120, "-f", "tx", "-i", port(), "-n", Long.toString(FRAMES),
                "-D", peerNic.macString(), "-w", "60");
        assertEquals(0, tx.exit(), "pkt-gen -f tx: " + tx.err() + tx.out());
        PktGenOutput sent = new PktGenOutput(tx.out());
        assertEquals(FRAMES, sent.packets(), tx.out());
        long[] got = new long[2];
        Checks.waitFor("the peer counted " + FRAMES + " frames received or missed", 60_000, () -> {
            Map<String, Long> s = peer.ethtoolStatistics();
            got[0] = delta(s0, s, counters.received());
            got[1] = delta(s0, s, counters.missed());
            return got[0] + got[1] >= FRAMES;
        });
        Shell.sleep(1000); // anything more would be frames pkt-gen did not count
        Map<String, Long> s1 = peer.ethtoolStatistics();
        got[0] = delta(s0, s1, counters.received());
        got[1] = delta(s0, s1, counters.missed());
        report("pkt-gen -f tx %s -> Linux %s %s, unpaced: sent %,d (%s); the peer's NIC received %,d (%s) and missed %,d (%s)%s",
                nic, peerNic.chip(), peerNic.port(), sent.packets(), sent.speed(), got[0], counters.received(), got[1],
                counters.missed(), got[1] > 0 ? ": the kernel's receiver is slower than our sender" : "");
        assertEquals(FRAMES, got[0] + got[1], "frames the peer's NIC received or missed, of the " + FRAMES + " pkt-gen sent");

        // the wire as QEMU recorded it, read by tcpdump: every IP header and UDP checksum of our frames
        Path slice = Path.of(System.getProperty("java.io.tmpdir"), "pktgen-" + nic.port() + "-wire.pcap");
        Pcap.copyFrom(wire, wireFrom, slice);
        long ok = PktGenLabTest.udpChecksumsTcpdumpVerified(slice, "ether src " + nic.macString() + " and udp");
        assertEquals(FRAMES, ok, "our frames on the wire whose UDP checksum tcpdump verified");
        report("tcpdump -vv -r (QEMU's record of %s's wire): %,d frames from pkt-gen, every IP and UDP checksum right", nic.port(), ok);
        Files.deleteIfExists(slice);
    }

    static long delta(Map<String, Long> before, Map<String, Long> after, String counter) {
        Long a = after.get(counter);
        assertNotNull(a, "ethtool -S has no " + counter + ": " + after.keySet());
        return a - before.getOrDefault(counter, 0L);
    }

    // ------------------------------------------------------------------ RX

    @Test
    @Order(2)
    void rxFromTheKernelsFullSpeedSenderCountsEveryFrameAndKeepsReceiving() {
        Shell.Background rx = startReceiver();
        Map<String, Long> s0 = peer.ethtoolStatistics();
        Shell.Background flood = peer.pktgen(FRAMES, 64, 64, 0, nic.mac()); // pktgen's sizes count the CRC: 60-byte frames
        assertTrue(flood.awaitExit(300), "the kernel's pktgen did not finish: " + flood.out() + flood.err());
        String pg = flood.out().lines().filter(l -> l.contains("Result:") || l.contains("pps")).reduce((a, b) -> a + " " + b).orElse("");
        awaitQuiet(rx);
        List<Long> perSecond = counts(rx);
        long duringFlood = sum(perSecond);
        Shell.Background late = peer.pktgen(LATE_FRAMES, 64, 64, 2_000_000, nic.mac()); // 500 frames/s
        assertTrue(late.awaitExit(120), "the kernel's pktgen (paced) did not finish");
        awaitQuiet(rx);
        Map<String, Long> s1 = peer.ethtoolStatistics();
        PktGenOutput got = stopReceiver(rx);
        Matcher m = NIC_DROPS.matcher(rx.out());
        assertTrue(m.find(), "pkt-gen's summary says what the NIC dropped: " + rx.out() + rx.err());
        long drops = Long.parseLong(m.group(1)), sent = delta(s0, s1, counters.sent()), lateGot = got.packets() - duringFlood;
        String figures = String.format("pkt-gen -f rx %s <- Linux %s %s's pktgen, unpaced 60 B: the peer's NIC sent %,d (%s); pkt-gen received"
                        + " %,d (%s), the NIC dropped and counted %,d; per second %s; after the flood %d of %d paced frames", nic, peerNic.chip(),
                peerNic.port(), sent, pg.replaceAll("\\s+", " "), got.packets(), got.speed(), drops,
                perSecond, lateGot, LATE_FRAMES);
        report("%s", figures);
        assertEquals(FRAMES + LATE_FRAMES, sent, "frames the peer's NIC sent: " + figures);
        assertTrue(duringFlood > 0, "nothing received during the flood: " + figures);
        assertEquals(sent, got.packets() + drops, "every frame the peer sent was received or dropped and counted by our NIC: " + figures);
        assertEquals(LATE_FRAMES, lateGot, "after the flood every paced frame arrives (a wedged ring delivers none): " + figures);
    }

    /**
     * pkt-gen -f rx on our port (unnormalized per-second lines), started and receiving. A start (the
     * JVM, then the NIC's open) took 30 s under TCG on a quiet host and about two minutes while other
     * builds shared its two cores; a receiver that did not start is stopped, so it cannot hold the NIC
     * against the next case.
     */
    Shell.Background startReceiver() {
        long t0 = System.nanoTime();
        Shell.Background rx = Tool.PKT_GEN.start("-f", "rx", "-i", port(), "-N", "-w", "60", "--duration", Long.toString(3 * START_SECONDS + 300));
        if (!rx.awaitOutput("Receiving from", 3 * START_SECONDS * 1000)) {
            rx.interrupt(30);
            fail("pkt-gen -f rx did not start in " + 3 * START_SECONDS + " s: " + rx.err() + rx.out());
        }
        running.add(rx);
        report("pkt-gen -f rx -i %s: receiving %d ms after the start", port(), (System.nanoTime() - t0) / 1_000_000);
        return rx;
    }

    /** Stops pkt-gen -f rx with Ctrl-C (it prints its summary) and returns that. */
    PktGenOutput stopReceiver(Shell.Background rx) {
        rx.interrupt(60);
        running.remove(rx);
        return new PktGenOutput(rx.out());
    }

    /** Waits until the receiver has reported two seconds in a row without a frame (its ring drained). */
    static void awaitQuiet(Shell.Background rx) {
        Checks.waitFor("pkt-gen -f rx idle for two reports", 120_000, () -> {
            List<Long> r = counts(rx);
            return r.size() >= 2 && r.get(r.size() - 1) == 0 && r.get(r.size() - 2) == 0;
        });
    }

    /** The frames of each per-second line pkt-gen -f rx printed so far. */
    static List<Long> counts(Shell.Background rx) {
        List<Long> l = new ArrayList<>();
        Matcher m = RX_PACKETS.matcher(rx.out() + "\n" + rx.err());
        while (m.find()) l.add(Long.parseLong(m.group(1)));
        return l;
    }

    static long sum(List<Long> l) { return l.stream().mapToLong(Long::longValue).sum(); }
}
