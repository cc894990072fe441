package io.jnetmap.hwtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back the disk space of QEMU's wire pcaps between tests. QEMU records every frame of every
 * port for the whole lab run, about 17 GiB in one suite (one CI machine ran out of disk on it), and
 * no test reads frames recorded before it started: each check takes {@link Pcap#size} of the wire
 * when it begins and reads on from there. So when a test starts, what the earlier tests recorded is
 * forgotten (the host punches a hole in the file: {@code lab-link forget-wire}), once it adds up to
 * {@link #FORGET_AFTER} over all ports. A failed test's stretch of every wire is kept for whoever
 * looks into the failure. Registered through {@code META-INF/services}; outside the lab, it does
 * nothing.
 */
public final class WireHistory implements TestExecutionListener {
    private static final Logger LOG = LoggerFactory.getLogger(WireHistory.class);
    /** Bytes recorded over all ports since the last hole, before the next test punches one. */
    static final long FORGET_AFTER = 256L << 20;
    /** The host frees whole file-system blocks only, and never the first (the pcap's global header). */
    private static final long BLOCK = 4096;

    private final Path dir;
    private final String link;
    private final long forgetAfter;
    /** Per port: where the last hole ended, and the wire's size when the running test began. */
    private final Map<String, Long> forgottenTo = new TreeMap<>(), testStart = new TreeMap<>();
    private boolean lastFailed, broken;
    private long kept;

    public WireHistory() {
        this(pcapDir(), Lab.labLink().orElse(null), FORGET_AFTER);
    }

    /** {@code dir} holds the wire pcaps (NETDEV.pcap), {@code link} is lab-link; either null: do nothing. */
    WireHistory(Path dir, String link, long forgetAfter) {
        this.dir = dir;
        this.link = link;
        this.forgetAfter = forgetAfter;
    }

    private static Path pcapDir() {
        String d = System.getenv("JNETMAP_LAB_PCAP_DIR");
        return d == null || d.isBlank() ? null : Path.of(d);
    }

    @Override
    public void executionStarted(TestIdentifier test) {
        if (!test.isTest() || dir == null || link == null || broken) return;
        Map<String, Long> now = sizes();
        List<String> ranges = new ArrayList<>();
        long pending = 0;
        for (Map.Entry<String, Long> e : now.entrySet()) {
            long from = forgottenTo.getOrDefault(e.getKey(), 0L);
            long to = lastFailed ? testStart.getOrDefault(e.getKey(), from) : e.getValue();
            if (lastFailed) kept += e.getValue() - to;
            if (to - from >= BLOCK && to >= 2 * BLOCK) ranges.add(e.getKey() + ":" + from + ":" + to); // else no whole block to give
            pending += Math.max(0, to - from);
        }
        if (lastFailed || pending >= forgetAfter) {
            if (!ranges.isEmpty()) forget(ranges, pending);
            forgottenTo.putAll(now);
        }
        testStart.clear();
        testStart.putAll(now);
        lastFailed = false;
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (test.isTest() && result.getStatus() == TestExecutionResult.Status.FAILED) lastFailed = true;
    }

    private void forget(List<String> ranges, long bytes) {
        Shell.Result r = forget(link, ranges);
        if (r.exit() != 0) {
            // the suite goes on; only the disk fills as it did before
            broken = true;
            LOG.warn("cannot give back the wire pcaps' disk space (lab-link forget-wire exit {}): {}; they keep every frame from now on",
                    r.exit(), (r.err() + r.out()).strip());
            return;
        }
        LOG.debug("wire pcaps: {} MiB of earlier tests' frames forgotten ({} MiB of failed tests' kept)", bytes >> 20, kept >> 20);
    }

    /** {@code link forget-wire} with {@code ranges} (PORT:FROM:TO), as it ended. */
    static Shell.Result forget(String link, List<String> ranges) {
        List<String> cmd = new ArrayList<>(List.of(link, "forget-wire"));
        cmd.addAll(ranges);
        return Shell.run(30, cmd.toArray(new String[0]));
    }

    private Map<String, Long> sizes() {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(p -> p.getFileName().toString().endsWith(".pcap"))
                    .forEach(p -> m.put(p.getFileName().toString().replaceFirst("\\.pcap$", ""), Pcap.size(p)));
        } catch (IOException e) {
            broken = true;
            LOG.warn("cannot list the wire pcaps in {}: {}", dir, e.toString());
        }
        return m;
    }
}
