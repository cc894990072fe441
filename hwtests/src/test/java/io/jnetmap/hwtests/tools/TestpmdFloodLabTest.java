package io.jnetmap.hwtests.tools;

import io.jnetmap.hwtests.Binding;
import io.jnetmap.hwtests.Checks;
import io.jnetmap.hwtests.Frames;
import io.jnetmap.hwtests.GuestTimers;
import io.jnetmap.hwtests.Lab;
import io.jnetmap.hwtests.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 10's reproduction kept as a check: a sender we did not write, DPDK's testpmd in txonly
 * mode (unpaced, 60-byte frames) over vfio-pci on one end of wire A, and {@code pkt-gen -f rx} on
 * our driver at the other end, as a user runs both. Our e1000e receiving from DPDK's igb PMD and
 * our igb receiving from DPDK's em PMD, over VFIO and over UIO, with interrupts and in busy-poll
 * (the driver's {@code interrupts} property off, given to pkt-gen's JVM as a user would): the
 * ways the issue asks RX to keep going ({@link #receivers}). RX must never stop while testpmd
 * sends (no 5 s without a frame); the receiver's per-second rates, testpmd's count and each CPU's
 * timer interrupts are reported (what did not arrive was dropped at a full ring or by the
 * emulator's queue).
 *
 * <p>testpmd runs with {@code --in-memory}: its hugepages are freed when it exits, so the tests
 * after it (and pkt-gen beside it: both use LAB_HUGEPAGES) find them. Skipped, with the reason,
 * where {@code dpdk-testpmd} is not installed (hwtests/lab/lib/install.sh installs Debian's dpdk).
 * Settings: JNETMAP_TESTPMD_SECONDS, each flood's length (default 12; the wedge came within
 * the first second); JNETMAP_TESTPMD_ALL=1 adds UIO with interrupts.
 */
@Tag("hardware")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TestpmdFloodLabTest {
    static final int SECONDS = Integer.parseInt(PktGenLabTest.envOr("JNETMAP_TESTPMD_SECONDS", "12"));
    /** Longest silence while testpmd sends that still counts as "receiving" (a JVM pause under TCG). */
    static final int LONGEST_SILENCE_SECONDS = 5;
    static final Pattern RX_LINE = Pattern.compile("^\\s*[0-9.]+ \\[rx\\] (\\d+) pps", Pattern.MULTILINE);
    static final Pattern TX_PACKETS = Pattern.compile("TX-packets:\\s*(\\d+)");

    Lab.Nic e1000e, igb;
    String testpmd;
    /** Each NIC's current binding: kept from one case to the next while the kind is the same. */
    final Map<String, Binding> bindings = new LinkedHashMap<>();

    @BeforeAll
    void setUp() {
        Lab.require();
        testpmd = onPath("dpdk-testpmd");
        Assumptions.assumeTrue(testpmd != null,
                "dpdk-testpmd is not installed: apt-get install dpdk (hwtests/lab/lib/install.sh installs it for the lab)");
        List<Lab.Nic> e = Lab.nics("e1000e");
        Assumptions.assumeFalse(e.isEmpty(), "the lab has no e1000e");
        e1000e = e.get(0);
        igb = Lab.peer(e1000e).orElseThrow(() -> new IllegalStateException(e1000e + " has no cabled peer"));
    }

    @AfterAll
    void tearDown() {
        for (Binding b : bindings.values()) b.close();
    }

    /**
     * Both drivers x VFIO, UIO x interrupts, busy-poll; VFIO first, so bindings change least often.
     * UIO with interrupts only with JNETMAP_TESTPMD_ALL=1: the drivers' UIO checks already take an
     * unpaced flood with interrupts (LabChecklist's full-speed phase, a Linux sender), and each case
     * here costs about a minute under TCG (measured: 51-90 s, mostly pkt-gen's and testpmd's start).
     */
    static Stream<Arguments> receivers() {
        boolean all = "1".equals(System.getenv("JNETMAP_TESTPMD_ALL"));
        Stream.Builder<Arguments> b = Stream.builder();
        for (Binding.Kind kind : Binding.Kind.values())
            for (String receiver : List.of("e1000e", "igb"))
                for (boolean interrupts : new boolean[] {true, false})
                    if (all || kind == Binding.Kind.VFIO || !interrupts) b.add(Arguments.of(receiver, kind, interrupts));
        return b.build();
    }

    /** {@code nic} bound to {@code kind}, rebinding it if it is bound otherwise. */
    void bind(Lab.Nic nic, Binding.Kind kind) {
        Binding b = bindings.get(nic.bdf());
        if (b != null && b.kind() == kind) return;
        if (b != null) {
            bindings.remove(nic.bdf());
            b.close();
        }
        bindings.put(nic.bdf(), Binding.bind(nic, kind));
    }

    @ParameterizedTest(name = "our {0} receives over {1}, interrupts {2}")
    @MethodSource("receivers")
    void receiverKeepsReceivingUnderTestpmdsUnpacedFlood(String receiver, Binding.Kind kind, boolean interrupts) {
        Lab.Nic rx = receiver.equals("e1000e") ? e1000e : igb, tx = rx == e1000e ? igb : e1000e;
        bind(tx, Binding.Kind.VFIO); // testpmd
        bind(rx, kind);
        String way = kind + (interrupts ? ", interrupts" : ", busy-poll");
        long t0 = System.nanoTime();
        // off: poll() spins and parks instead of sleeping on the interrupt (the drivers' own property)
        List<String> jvm = interrupts ? List.of() : List.of("-Djnetmap." + receiver + ".interrupts=false");
        try (Shell.Background rxGen = Tool.PKT_GEN.start(jvm, "-f", "rx", "-i", "netmap:" + rx.bdf(), "-N",
                "--duration", Integer.toString(SECONDS + 60))) {
            require(rxGen.awaitOutput("Receiving from", 180_000), () -> "pkt-gen did not start: " + rxGen.err());
            String sender;
            int start, sending;
            long[] timerTicks;
            try (Shell.Background pmd = Shell.startWithInput(testpmd, "-l", "0-1", "-n", "1", "--in-memory", "-a", tx.bdf(), "--",
                    "--forward-mode=txonly", "--txpkts=60", "--eth-peer=0," + Frames.macString(rx.mac()),
                    "--total-num-mbufs=8192", "--nb-cores=1")) {
                require(pmd.awaitOutput("Press enter to exit", 120_000), () -> "testpmd did not start: " + pmd.out() + pmd.err());
                start = rates(rxGen).size();
                long[] ticks0 = localTimerInterrupts();
                Shell.sleep(SECONDS * 1000L);
                sending = rates(rxGen).size() - start;
                timerTicks = minus(localTimerInterrupts(), ticks0);
                pmd.writeLine("");
                require(pmd.awaitExit(60), () -> "testpmd did not stop");
                sender = pmd.out();
            }
            long sent = first(TX_PACKETS, sender);
            Assumptions.assumeTrue(sent > 1024, "testpmd sent only " + sent + " frames (the 82576 model's TX sometimes stops"
                    + " after its first burst: nothing to receive)");
            rxGen.interrupt(60);
            List<Long> perSecond = rates(rxGen);
            List<Long> during = perSecond.subList(Math.min(start, perSecond.size()), perSecond.size());
            long received = during.stream().mapToLong(Long::longValue).sum();
            int silence = longestSilence(during, sending);
            String figures = String.format("testpmd flood into our %s (%s, %s): %,d sent, %,d received (%.0f%%), longest silence %d s"
                            + " while sending; frames/s each second: %s; %.0f s in all", receiver, rx.bdf(), way, sent, received,
                    100.0 * received / sent, silence, during, (System.nanoTime() - t0) / 1e9)
                    + "; local timer interrupts per CPU while sending: " + java.util.Arrays.toString(timerTicks)
                    + (java.util.Arrays.stream(timerTicks).anyMatch(t -> t == 0)
                        ? " (a CPU took no timer interrupt: the guest's timers stalled, a sleeping thread there never wakes)" : "");
            Checks.report("tools-lab.txt", "%s", figures);
            requireGuestTimers(() -> figures); // a lab that lost a CPU's timer voids the figures even when they look fine
            require(received > 0, () -> "nothing received: " + figures + "; pkt-gen: "
                    + Checks.lastLines(rxGen.out() + rxGen.err(), 8));
            require(silence < LONGEST_SILENCE_SECONDS, () -> "RX stopped while testpmd was sending: " + figures);
            assertTrue(received <= sent, "more received than sent: " + figures);
        }
    }

    /** Fails with {@code what} unless {@code ok}, naming the lab instead when a guest CPU lost its timer. */
    static void require(boolean ok, Supplier<String> what) {
        if (ok) return;
        requireGuestTimers(what);
        fail(what.get());
    }

    /**
     * Fails naming the lab when a guest CPU has lost its timer ({@link GuestTimers}): a CPU that takes
     * no timer interrupt never wakes a thread waiting there with a timeout (pkt-gen's poll(), the JVM's
     * timed waits), which looks exactly like a receiver that stopped. Seen twice under TCG during or
     * right after testpmd floods, once with pkt-gen never printing a line; the RCU reports then showed
     * that CPU idle, not busy.
     */
    static void requireGuestTimers(Supplier<String> what) {
        GuestTimers.lost().ifPresent(why -> fail("the lab guest lost a CPU's timer, so this case says nothing about the"
                + " driver: " + why + " (see hwtests/lab/bin/lab-timers); " + what.get()));
    }

    /**
     * Each CPU's local timer interrupts so far (the LOC line of /proc/interrupts), empty where
     * there is none: a CPU that took none while testpmd sent had lost its timer (see {@link #require}).
     */
    static long[] localTimerInterrupts() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/interrupts"))) {
                String t = line.trim();
                if (!t.startsWith("LOC:")) continue;
                return java.util.Arrays.stream(t.substring(4).trim().split("\\s+")).takeWhile(w -> w.matches("\\d+"))
                        .mapToLong(Long::parseLong).toArray();
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux, or no such line: nothing to report
        }
        return new long[0];
    }

    static long[] minus(long[] a, long[] b) {
        long[] d = new long[Math.min(a.length, b.length)];
        for (int i = 0; i < d.length; i++) d[i] = a[i] - b[i];
        return d;
    }

    /** pkt-gen's per-second receive rates so far, in order (the report lines go to stderr). */
    static List<Long> rates(Shell.Background pktGen) {
        return rates(pktGen.out() + "\n" + pktGen.err());
    }

    static List<Long> rates(String out) {
        List<Long> l = new ArrayList<>();
        Matcher m = RX_LINE.matcher(out);
        while (m.find()) l.add(Long.parseLong(m.group(1)));
        return l;
    }

    /**
     * The longest run of seconds without a frame, from the first second that had frames to the
     * last second testpmd was sending ({@code sending} seconds from the start of {@code perSecond}).
     */
    static int longestSilence(List<Long> perSecond, int sending) {
        int longest = 0, run = 0;
        boolean started = false;
        for (int i = 0; i < Math.min(sending, perSecond.size()); i++) {
            if (perSecond.get(i) > 0) {
                started = true;
                run = 0;
            } else if (started) {
                longest = Math.max(longest, ++run);
            }
        }
        return longest;
    }

    static long first(Pattern p, String s) {
        Matcher m = p.matcher(s);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    static String onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, exe);
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }
}
