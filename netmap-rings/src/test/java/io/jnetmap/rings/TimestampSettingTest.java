package io.jnetmap.rings;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * netmap-semantics.md §2.8 and netmap's {@code dev.netmap.no_timestamp}: an rxsync stamps the RX
 * ring's ts when the setting ({@code -Djnetmap.no_timestamp}, read once per JVM, hence a JVM per
 * case) is 0, the default, or when the ring's flags have NR_TIMESTAMP. Other ring behaviour is the
 * same either way.
 */
class TimestampSettingTest {

    @Test
    void byDefaultEveryRxsyncStamps() throws Exception {
        Map<String, long[]> r = run(null);
        assertStamped(r.get("plain"));
        assertStamped(r.get("flagged"));
    }

    @Test
    void withNoTimestampOnlyARingFlaggedNrTimestampIsStamped() throws Exception {
        for (String on : new String[] {"1", "true"}) {
            Map<String, long[]> r = run(on);
            assertEquals(0, r.get("plain")[1], "no_timestamp=" + on + " and no NR_TIMESTAMP: ts untouched");
            assertStamped(r.get("flagged"));
        }
    }

    @Test
    void noTimestampZeroIsTheDefault() throws Exception {
        Map<String, long[]> r = run("0");
        assertStamped(r.get("plain"));
        assertStamped(r.get("flagged"));
    }

    /** {before, ts, space}: the sync received the frame whether or not it stamped. */
    private static void assertStamped(long[] line) {
        long before = line[0], ts = line[1];
        assertTrue(ts >= before - 50_000 && ts <= before + 10_000_000, "ts " + ts + " is the time of the sync (after " + before + ")");
    }

    private static Map<String, long[]> run(String noTimestamp) throws Exception {
        List<String> cmd = new ArrayList<>(ChildJvm.command(RxTimestampMain.class,
                "tsknob" + ProcessHandle.current().pid() + "x" + (noTimestamp == null ? "u" : noTimestamp)));
        if (noTimestamp != null) cmd.add(1, "-Djnetmap.no_timestamp=" + noTimestamp);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        Map<String, long[]> r = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] w = line.trim().split(" ");
            if (w.length == 4 && (w[0].equals("plain") || w[0].equals("flagged")))
                r.put(w[0], new long[] {Long.parseLong(w[1]), Long.parseLong(w[2]), Long.parseLong(w[3])});
        }
        assertEquals(2, r.size(), out);
        assertEquals(1, r.get("plain")[2], "the frame arrived: " + out);
        assertEquals(1, r.get("flagged")[2], out);
        return r;
    }
}
