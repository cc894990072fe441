package io.jnetmap.hwtests.tools;

import io.jnetmap.hwtests.Binding;
import io.jnetmap.hwtests.Checks;
import io.jnetmap.hwtests.Lab;
import io.jnetmap.hwtests.Pcap;
import io.jnetmap.hwtests.Shell;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * pkt-gen on the lab's wire A (our e1000e p0 and our igb p1, both bound with nm-bind to vfio-pci),
 * each end its own pkt-gen process, run as a user runs it ({@link Tool}, {@link Tool#fastestWay()}: the
 * launcher's jars with suite prepare's CDS archive of their classes, which only shortens the JVM's start);
 * the two of a check start together and wait for the link while the lab holds the cable out ({@link #startPair}):
 * <ol>
 * <li>how long a pkt-gen start takes in the guest, by the class path, the launcher and the CDS archive;</li>
 * <li>the no-NIC default run (a pipe in one process);</li>
 * <li>-f tx on one NIC and -f rx -o on the other, both ways, paced with -R: the counts are equal and
 *     tcpdump -vv finds every IP and UDP checksum of the capture right;</li>
 * <li>-f ping and -f pong: RTT percentiles, nothing lost;</li>
 * <li>-P: a pcap tcpdump wrote of kernel traffic, replayed on one NIC, received byte-exact on the other;</li>
 * <li>the unpaced rates, reported.</li>
 * </ol>
 * Settings: JNETMAP_PKTGEN_FRAMES (default 10000), JNETMAP_PKTGEN_RATE (pps, default 2000),
 * JNETMAP_PKTGEN_PINGS (default 500). Figures go to {@code tools-lab.txt} in the results directory.
 */
@Tag("hardware")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PktGenLabTest {
    static final long FRAMES = Long.parseLong(envOr("JNETMAP_PKTGEN_FRAMES", "10000"));
    static final long RATE = Long.parseLong(envOr("JNETMAP_PKTGEN_RATE", "2000"));
    static final long PINGS = Long.parseLong(envOr("JNETMAP_PKTGEN_PINGS", "500"));
    /** A JVM start under TCG takes seconds; a run's budget is its packets at the rate plus this. */
    static final long START_SECONDS = 120;

    Lab.Nic e1000e, igb;
    /** How this class starts pkt-gen: {@link Tool#fastestWay()}. */
    Tool.Way way;
    final List<Binding> bindings = new ArrayList<>();
    final List<Shell.Background> running = new ArrayList<>();

    static String envOr(String k, String d) {
        String v = System.getenv(k);
        return v == null || v.isBlank() ? d : v;
    }

    @BeforeAll
    void setUp() {
        Lab.require();
        way = Tool.fastestWay();
        List<Lab.Nic> e = Lab.nics("e1000e");
        org.junit.jupiter.api.Assumptions.assumeFalse(e.isEmpty(), "the lab has no e1000e");
        e1000e = e.get(0);
        igb = Lab.peer(e1000e).orElseThrow(() -> new IllegalStateException(e1000e + " has no cabled peer"));
        bindings.add(Binding.bind(e1000e, Binding.Kind.VFIO));
        bindings.add(Binding.bind(igb, Binding.Kind.VFIO));
    }

    @AfterAll
    void tearDown() {
        for (Shell.Background b : running) b.close();
        for (Binding b : bindings) b.close();
    }

    /**
     * The port of {@code nic} for a receiver: one queue pair (frames in wire order) with 4096 RX
     * slots, so a JVM pause under TCG does not overflow it (QEMU drops what finds no descriptor).
     */
    static String rxPort(Lab.Nic nic) { return "netmap:" + nic.bdf() + "@conf:rings=1,rx-slots=4096"; }

    static String txPort(Lab.Nic nic) { return "netmap:" + nic.bdf(); }

    static void report(String fmt, Object... args) { Checks.report("tools-lab.txt", fmt, args); }

    // ------------------------------------------------------------------ 1, 2

    @Test
    @Order(1)
    void aStartTakesThisLongByTheLauncherAndByTheClassPath() {
        long[] ms = new long[Tool.Way.values().length];
        String[] how = new String[ms.length];
        for (Tool.Way w : Tool.Way.values()) {
            if (w == Tool.Way.ARCHIVED && Tool.Archive.get().isEmpty()) {
                how[w.ordinal()] = "no archive for this JDK";
                continue;
            }
            // -Xshare:on: the archive is used, or the JVM refuses to start (-Xshare:auto would go on without it, slowly)
            List<String> jvm = w == Tool.Way.ARCHIVED ? List.of("-Xshare:on") : List.of();
            long t0 = System.nanoTime();
            Shell.Result r = Tool.PKT_GEN.run(w, jvm, 300, "-V");
            ms[w.ordinal()] = (System.nanoTime() - t0) / 1_000_000;
            how[w.ordinal()] = r.ok() ? "ok" : "failed: " + Checks.lastLines(r.err() + r.out(), 1);
            if (w == way || w == Tool.FALLBACK_WAY) assertTrue(r.ok() && r.out().contains("pkt-gen (jnetmap)"), w + ": " + r.err() + r.out());
        }
        report("pkt-gen -V in the guest: class path %d ms (%s), tools/bin/pkt-gen %d ms (%s), with the CDS archive %d ms (%s, copied to %s in %s ms); tests use %s",
                ms[0], how[0], ms[1], how[1], ms[2], how[2], System.getProperty("java.io.tmpdir"),
                Tool.Archive.get().map(a -> Long.toString(a.copyMillis())).orElse("-"), way);
    }

    @Test
    @Order(2)
    void theDefaultRunWithoutANicTestsAPipe() {
        Shell.Result r = Tool.PKT_GEN.run(way, START_SECONDS + 60);
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.out().matches("(?s).*Pipe pktgen\\w+: .* 0 lost .*"), r.out());
        report("pkt-gen (no arguments): %s", Checks.lastLines(r.out(), 2).lines().filter(l -> l.startsWith("Pipe")).findFirst().orElse("?"));
    }

    // ------------------------------------------------------------------ 3

    @Test
    @Order(3)
    void txOnTheE1000eRxOnTheIgbCountsEqualAndChecksumsValid() {
        txRx(e1000e, igb);
    }

    @Test
    @Order(4)
    void txOnTheIgbRxOnTheE1000eCountsEqualAndChecksumsValid() {
        txRx(igb, e1000e);
    }

    void txRx(Lab.Nic from, Lab.Nic to) {
        Path capture = Path.of(System.getProperty("java.io.tmpdir"), "pktgen-" + to.port() + "-rx.pcap");
        long budget = START_SECONDS + FRAMES / Math.max(1, RATE) * 3;
        Pair pair = startPair(from, to, receiverArgs(to, FRAMES, capture, budget), "Receiving from",
                "-f", "tx", "-i", txPort(from), "-n", Long.toString(FRAMES), "-R", Long.toString(RATE));
        Shell.Result tx = awaitSender(pair, budget);
        Shell.Background rx = pair.rx();
        assertEquals(0, tx.exit(), "pkt-gen -f tx: " + tx.err() + tx.out());
        PktGenOutput sent = new PktGenOutput(tx.out());
        PktGenOutput got = finish(rx);
        report("pkt-gen %s -> %s at -R %d: sent %d (%s), received %d (%s)", from, to, RATE, sent.packets(), sent.speed(),
                got.packets(), got.speed());
        assertEquals(FRAMES, sent.packets(), tx.out());
        assertEquals(sent.packets(), got.packets(), "received as many as sent: " + got.out() + rx.err());

        // tcpdump checks every IP header and UDP checksum of what arrived
        long ok = udpChecksumsTcpdumpVerified(capture);
        assertEquals(FRAMES, ok, "frames whose UDP checksum tcpdump verified");
        report("tcpdump -vv -r %s: %d frames, every IP and UDP checksum right", capture.getFileName(), ok);
    }

    /** The arguments of pkt-gen -f rx on {@code nic} (recording to {@code capture} if not null). */
    static List<String> receiverArgs(Lab.Nic nic, long count, Path capture, long budgetSeconds) {
        List<String> args = new ArrayList<>(List.of("-f", "rx", "-i", rxPort(nic), "-n", Long.toString(count),
                "--duration", Long.toString(budgetSeconds)));
        if (capture != null) {
            args.addAll(List.of("-o", capture.toString()));
        }
        return args;
    }

    /** A receiving (or answering) pkt-gen process and the sending one of {@link #startPair}. */
    record Pair(Shell.Background rx, Shell.Background tx) { }

    /** Waits for {@code p}'s sender to finish (failing after {@code seconds}) and returns what it did. */
    Shell.Result awaitSender(Pair p, long seconds) {
        Shell.Background tx = p.tx();
        assertTrue(tx.awaitExit(seconds), "pkt-gen " + tx + " did not finish in " + seconds + " s: " + tx.err() + tx.out());
        running.remove(tx);
        return new Shell.Result(tx.process().exitValue(), tx.out(), tx.err());
    }

    /**
     * Starts pkt-gen with {@code rxArgs} on {@code to} and pkt-gen with {@code txArgs} on {@code from},
     * and returns once the first is {@code rxReady} and the second has its link. A pkt-gen start
     * under TCG takes half a minute (the JVM, then the NIC's open), so with lab-link the two start
     * together, wire A's cable pulled: each opens its NIC and waits for the link (-w, as a user
     * waits for a cable); once both wait, the cable goes back in, the receiver's end first, so the
     * sender sends nothing before the receiver's ring is live. Without lab-link: the receiver first,
     * the sender once it receives.
     */
    Pair startPair(Lab.Nic from, Lab.Nic to, List<String> rxArgs, String rxReady, String... txArgs) {
        String waitFlag = Long.toString(2 * START_SECONDS);
        if (Lab.labLink().isEmpty()) {
            Shell.Background rx = Tool.PKT_GEN.start(way, rxArgs.toArray(new String[0]));
            running.add(rx);
            assertTrue(rx.awaitOutput(rxReady, START_SECONDS * 1000), "pkt-gen " + rxArgs + " did not start: " + rx.err() + rx.out());
            Shell.Background tx = Tool.PKT_GEN.start(way, txArgs);
            running.add(tx);
            return new Pair(rx, tx);
        }
        Shell.Background rx, tx;
        long t0 = System.nanoTime(), opened;
        Lab.setLink(false, from, to);
        try {
            List<String> r = new ArrayList<>(rxArgs);
            r.addAll(List.of("-w", waitFlag));
            rx = Tool.PKT_GEN.start(way, r.toArray(new String[0]));
            running.add(rx);
            List<String> t = new ArrayList<>(List.of(txArgs));
            t.addAll(List.of("-w", waitFlag));
            tx = Tool.PKT_GEN.start(way, t.toArray(new String[0]));
            running.add(tx);
            assertTrue(rx.awaitOutput("Waiting up to", 2 * START_SECONDS * 1000), "pkt-gen " + r + " did not open: " + rx.err() + rx.out());
            assertTrue(tx.awaitOutput("Waiting up to", 2 * START_SECONDS * 1000), "pkt-gen " + t + " did not open: " + tx.err() + tx.out());
            opened = System.nanoTime();
        } finally {
            Lab.setLink(true, to);
            Lab.setLink(true, from);
        }
        assertTrue(rx.awaitOutput(rxReady, START_SECONDS * 1000), "pkt-gen " + rxArgs + " did not start: " + rx.err() + rx.out());
        report("pkt-gen pair %s -> %s (%s): both JVMs started and waiting for the link in %d ms, the receiver working %d ms after the cable went back in",
                from.port(), to.port(), way, (opened - t0) / 1_000_000, (System.nanoTime() - opened) / 1_000_000);
        return new Pair(rx, tx);
    }

    /** Waits for a receiver to count its packets (or stops it after a grace period) and returns its summary. */
    PktGenOutput finish(Shell.Background rx) {
        if (!rx.awaitExit(60)) rx.interrupt(30);
        running.remove(rx);
        return new PktGenOutput(rx.out());
    }

    // ------------------------------------------------------------------ 4

    @Test
    @Order(5)
    void pingAndPongGiveRoundTripTimesWithoutLoss() {
        long budget = START_SECONDS + PINGS / 10;
        Pair pair = startPair(e1000e, igb, List.of("-f", "pong", "-i", txPort(igb), "-n", Long.toString(PINGS),
                "--duration", Long.toString(budget)), "Working on", "-f", "ping", "-i", txPort(e1000e), "-n", Long.toString(PINGS));
        Shell.Background pong = pair.rx();
        Shell.Result ping = awaitSender(pair, budget);
        PktGenOutput p = new PktGenOutput(ping.out());
        if (!pong.awaitExit(30)) pong.interrupt(30);
        running.remove(pong);
        report("pkt-gen ping %s <-> pong %s: %d round trips, %s, %d lost; pong: %s", e1000e, igb, p.rttPackets(), p.rtt(),
                p.lost(), new PktGenOutput(pong.out()).speed());
        assertEquals(0, ping.exit(), ping.err() + ping.out());
        assertNotNull(p.rtt(), "no RTT line: " + ping.out());
        assertTrue(p.rtt().contains("p50") && p.rtt().contains("p99"), p.rtt());
        assertEquals(PINGS, p.rttPackets(), ping.out());
        assertEquals(0, p.lost(), ping.out());
    }

    // ------------------------------------------------------------------ 5

    @Test
    @Order(6)
    void aTcpdumpCaptureIsReplayedAndReceivedByteExact() throws Exception {
        Path in = Path.of(System.getProperty("java.io.tmpdir"), "kernel-traffic.pcap");
        Path out = Path.of(System.getProperty("java.io.tmpdir"), "replayed.pcap");
        Files.deleteIfExists(out);
        long frames = KernelCapture.write(in, igb.mac());
        List<byte[]> sent = frames(in);
        assertEquals(frames, sent.size(), "frames in tcpdump's file");
        assertTrue(sent.size() >= 2 * KernelCapture.PING_SIZES.length, "tcpdump captured " + sent.size() + " frames");

        Pair pair = startPair(e1000e, igb, receiverArgs(igb, sent.size(), out, START_SECONDS + 60), "Receiving from",
                "-f", "tx", "-i", txPort(e1000e), "-P", in.toString(), "-R", "1000");
        Shell.Result tx = awaitSender(pair, START_SECONDS + 60);
        Shell.Background rx = pair.rx();
        assertEquals(0, tx.exit(), tx.err() + tx.out());
        PktGenOutput got = finish(rx);
        assertEquals(sent.size(), new PktGenOutput(tx.out()).packets(), tx.out());
        assertEquals(sent.size(), got.packets(), got.out() + rx.err());

        List<byte[]> received = frames(out);
        assertEquals(sent.size(), received.size());
        int padded = 0;
        for (int i = 0; i < sent.size(); i++) {
            byte[] s = sent.get(i), r = received.get(i);
            // the NIC pads a short frame to 60 bytes on the wire (82574L TCTL.PSP); the padding is zeros
            boolean same = r.length == s.length ? Arrays.equals(r, s)
                    : s.length < 60 && r.length == 60 && Arrays.equals(r, 0, s.length, s, 0, s.length) && zeros(r, s.length);
            assertTrue(same, "frame " + i + " differs: sent " + s.length + " B, received " + r.length + " B");
            if (r.length != s.length) padded++;
        }
        int min = sent.stream().mapToInt(f -> f.length).min().orElse(0), max = sent.stream().mapToInt(f -> f.length).max().orElse(0);
        report("pkt-gen -P %s: %d frames (%d..%d B, ARP, ICMP, UDP) replayed %s -> %s, received byte-exact in order (%d short ones padded to 60 B)",
                in.getFileName(), sent.size(), min, max, e1000e, igb, padded);
    }

    static List<byte[]> frames(Path pcap) {
        List<byte[]> l = new ArrayList<>();
        Pcap.forEach(pcap, 0, l::add);
        return l;
    }

    /**
     * Reads {@code pcap} with {@code tcpdump -vv} (optionally through a capture {@code filter}),
     * which checks every IP header and UDP checksum: fails on a tcpdump error or any bad checksum,
     * and returns how many UDP frames it verified.
     */
    static long udpChecksumsTcpdumpVerified(Path pcap, String... filter) {
        List<String> cmd = new ArrayList<>(List.of("tcpdump", "-vv", "-n", "-r", pcap.toString()));
        cmd.addAll(List.of(filter));
        Shell.Result td = Shell.run(300, cmd.toArray(String[]::new));
        assertEquals(0, td.exit(), td.err());
        assertFalse(td.out().contains("bad cksum") || td.out().contains("bad udp cksum"),
                "tcpdump found bad checksums: " + td.out().lines().filter(l -> l.contains("bad")).findFirst().orElse(""));
        return td.out().lines().filter(l -> l.contains("[udp sum ok]")).count();
    }

    static boolean zeros(byte[] f, int from) {
        for (int i = from; i < f.length; i++) if (f[i] != 0) return false;
        return true;
    }

    // ------------------------------------------------------------------ 6

    @Test
    @Order(7)
    void unpacedRatesAreReported() {
        for (Lab.Nic[] pair : new Lab.Nic[][] {{e1000e, igb}, {igb, e1000e}}) {
            Pair p = startPair(pair[0], pair[1], receiverArgs(pair[1], 0, null, START_SECONDS + 30), "Receiving from",
                    "-f", "tx", "-i", txPort(pair[0]), "--duration", "5");
            Shell.Result tx = awaitSender(p, START_SECONDS + 30);
            Shell.Background rx = p.rx();
            rx.interrupt(30);
            running.remove(rx);
            PktGenOutput sent = new PktGenOutput(tx.out()), got = new PktGenOutput(rx.out());
            report("pkt-gen unpaced 5 s %s -> %s, 60 B: sent %d (%s), received %d (%s)", pair[0], pair[1], sent.packets(),
                    sent.speed(), got.packets(), got.speed());
            assertEquals(0, tx.exit(), tx.err() + tx.out());
            assertTrue(sent.packets() > 0 && got.packets() > 0, tx.out() + got.out());
        }
    }
}
