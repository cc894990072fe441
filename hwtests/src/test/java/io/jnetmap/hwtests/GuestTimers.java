package io.jnetmap.hwtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Whether every CPU of the machine the tests run on still takes its timer events, asked of
 * {@code hwtests/lab/bin/lab-timers} (its header says why a lab guest CPU can lose its timer and
 * how that is told from a busy one). A test whose program stalled calls this before blaming the
 * program: a CPU without timer interrupts never wakes a thread that waits there with a timeout.
 */
public final class GuestTimers {
    private GuestTimers() { }

    /** The CPUs that lost their timer, in lab-timers' words; empty when all take timer events or there is no /proc/timer_list. */
    public static Optional<String> lost() {
        // 10 s overdue: a vCPU thread the busy host does not run for a while is late by far less; a lost timer stays lost
        return lost(null, "3", "10");
    }

    /**
     * {@link #lost()} reading {@code timerList} (a saved /proc/timer_list) instead when not null;
     * {@code interval}: seconds between the two samples, {@code late}: seconds overdue that count as lost.
     */
    static Optional<String> lost(Path timerList, String interval, String late) {
        ProcessBuilder pb = new ProcessBuilder(script().toString(), "--interval", interval, "--late", late).redirectErrorStream(true);
        if (timerList != null) pb.environment().put("LAB_TIMER_LIST", timerList.toString());
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("lab-timers did not finish in 30 s: " + out);
            }
            return switch (p.exitValue()) {
                case 0, 2 -> Optional.empty(); // all CPUs take timer events / no /proc/timer_list (not Linux)
                case 1 -> Optional.of(lines(out, "lab-timers: "));
                default -> throw new IllegalStateException("lab-timers exited " + p.exitValue() + ": " + out.strip());
            };
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + script(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running lab-timers", e);
        }
    }

    static Path script() {
        return Lab.repo().resolve("hwtests/lab/bin/lab-timers");
    }

    private static String lines(String out, String prefix) {
        List<String> l = out.lines().filter(s -> s.startsWith(prefix)).map(s -> s.substring(prefix.length())).toList();
        return l.stream().collect(Collectors.joining("; "));
    }
}
