package io.jnetmap.hwtests;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.fail;

/** Small things every lab checklist needs: waiting for a condition with a deadline, and reporting figures. */
public final class Checks {
    private static final Logger LOG = LoggerFactory.getLogger(Checks.class);

    private Checks() { }

    public interface Condition { boolean ok() throws Exception; }

    /** Polls {@code c} every 10 ms; fails the test after {@code timeoutMillis}. */
    public static void waitFor(String what, long timeoutMillis, Condition c) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        try {
            while (!c.ok()) {
                if (System.nanoTime() > deadline) fail("timed out after " + timeoutMillis + " ms waiting for " + what);
                Shell.sleep(10);
            }
        } catch (Exception e) {
            throw new AssertionError("waiting for " + what + ": " + e, e);
        }
    }

    /** The last {@code n} lines of {@code s}. */
    public static String lastLines(String s, int n) {
        String[] l = s.strip().split("\n");
        return String.join("\n", Arrays.copyOfRange(l, Math.max(0, l.length - n), l.length)).strip();
    }

    /** Logs a figure and appends it to {@code file} in the run's results directory ({@link Lab#resultsDir}). */
    public static void report(String file, String fmt, Object... args) {
        String line = String.format(fmt, args);
        LOG.info(line);
        try {
            Files.writeString(Lab.resultsDir().resolve(file), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.warn("cannot write the results file: {}", e.toString());
        }
    }
}
