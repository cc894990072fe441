package io.jnetmap.tools.pktgen;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The command line: errors, the summary, --json, the self-test without arguments, Ctrl-C. */
class PktGenCliTest {
    @TempDir
    Path dir;

    /** One line on stderr that starts with "pkt-gen: " and contains {@code what}; nothing on stdout. */
    private static void assertOneErrorLine(Cli.Result r, int rc, String what) {
        assertEquals(rc, r.rc(), r.toString());
        assertEquals(1, r.errLines().length, "exactly one line on stderr:\n" + r);
        assertTrue(r.err().startsWith("pkt-gen: "), r.toString());
        assertTrue(r.err().contains(what), "'" + what + "' in " + r.err());
        assertEquals("", r.out(), "nothing on stdout");
    }

    @Test
    void badUsageIsOneLineAndExitCode2() {
        assertOneErrorLine(Cli.run("-f", "foo"), 2, "unknown function 'foo'");
        assertOneErrorLine(Cli.run("--bogus"), 2, "Unknown option");
        assertOneErrorLine(Cli.run("-l", "59"), 2, "-l 59");
        assertOneErrorLine(Cli.run("-l", "70000"), 2, "-l 70000");
        assertOneErrorLine(Cli.run("-l", "abc"), 2, "-l");
        assertOneErrorLine(Cli.run("-l", "100", "-l", "100"), 2, "MIN < MAX");
        assertOneErrorLine(Cli.run("-n", "-5"), 2, "-n -5");
        assertOneErrorLine(Cli.run("-b", "0"), 2, "-b 0");
        assertOneErrorLine(Cli.run("-D", "zz"), 2, "invalid MAC address 'zz'");
        assertOneErrorLine(Cli.run("-S", "1:2:3"), 2, "invalid MAC address");
        assertOneErrorLine(Cli.run("-s", "1.2.3"), 2, "invalid address '1.2.3'");
        assertOneErrorLine(Cli.run("-d", "198.19.0.1:99999"), 2, "above 65535");
        assertOneErrorLine(Cli.run("-i", "netmap:a b"), 2, "invalid port name");
        assertOneErrorLine(Cli.run("-p", "2"), 2, "-p 2");
        assertOneErrorLine(Cli.run("-f", "ping", "-i", "netmap:x{1", "-p", "2"), 2, "one thread");
        assertOneErrorLine(Cli.run("-f", "tx", "-i", "netmap:x{1", "-o", "x.pcap"), 2, "-o records received frames");
        assertOneErrorLine(Cli.run("-f", "rx", "-i", "netmap:x}1", "-P", "x.pcap"), 2, "-P sends");
        assertOneErrorLine(Cli.run("-T", "5"), 2, "-T 5");
        int cpus = Runtime.getRuntime().availableProcessors();
        assertOneErrorLine(Cli.run("-a", Integer.toString(cpus)), 2, "-a " + cpus + ": CPUs are numbered 0.." + (cpus - 1));
        assertOneErrorLine(Cli.run("-a", "-1"), 2, "-a -1");
    }

    @Test
    void runTimeFailuresAreOneLineExitCode1AndLeaveNothingOpen() throws Exception {
        assertOneErrorLine(Cli.run("-f", "tx", "-i", "nosuchnic0", "-w", "0"), 1, "no port named 'nosuchnic0'");

        String p = Cli.pipe();
        assertOneErrorLine(Cli.run("-f", "tx", "-i", "netmap:" + p + "{1", "-P", dir.resolve("missing.pcap").toString()), 1, "does not exist");
        assertFalse(Cli.regionLeft(p));

        Path junk = Files.writeString(dir.resolve("junk.pcap"), "definitely not a capture file");
        assertOneErrorLine(Cli.run("-f", "tx", "-i", "netmap:" + p + "{1", "-P", junk.toString()), 1, "not a pcap file");
        assertFalse(Cli.regionLeft(p));

        // a length the pipe's 2048-byte buffers cannot hold: found after the port opened, which is closed again
        assertOneErrorLine(Cli.run("-f", "tx", "-i", "netmap:" + p + "{1", "-l", "3000"), 2, "longer than the 2048-byte buffers");
        assertFalse(Cli.regionLeft(p), "region file removed after the error");

        assertOneErrorLine(Cli.run("-f", "rx", "-i", "netmap:" + p + "}1", "-o", dir.resolve("no/such/dir/x.pcap").toString()), 1, "cannot write");
        assertFalse(Cli.regionLeft(p));
    }

    @Test
    void helpAndVersionGoToStdout() {
        Cli.Result h = Cli.run("-h");
        assertEquals(0, h.rc());
        assertTrue(h.out().contains("-f  FUNCTION"), h.out());
        assertTrue(h.out().contains("self-test"), h.out());
        Cli.Result v = Cli.run("-V");
        assertEquals(0, v.rc());
        assertTrue(v.out().contains("pkt-gen (jnetmap)"));
    }

    @Test
    void withoutArgumentsItTestsAPipeAndPrintsBothRates() {
        Cli.Result r = Cli.run();
        assertEquals(0, r.rc(), r.toString());
        String o = r.out();
        Matcher pipe = Pattern.compile("testing netmap pipe (pktgen\\w+) in this process").matcher(o);
        assertTrue(pipe.find(), o);
        assertTrue(o.contains("Sending on netmap:" + pipe.group(1) + "{1: 1 queues, 1 threads and"), o);
        assertTrue(o.contains("Receiving from netmap:" + pipe.group(1) + "}1: 1 queues"), o);
        assertTrue(o.contains("198.18.0.1 -> 198.19.0.1 (00:00:00:00:00:00 -> ff:ff:ff:ff:ff:ff)"), o);
        assertTrue(o.contains("60-byte UDP frames, batch 512"), o);
        assertTrue(Pattern.compile("(?m)^Sent \\d+ packets \\d+ bytes \\d+ events 60 bytes each in [45]\\.\\d\\d seconds\\.$").matcher(o).find(), o);
        assertTrue(Pattern.compile("(?m)^Received \\d+ packets \\d+ bytes \\d+ events 60 bytes each in").matcher(o).find(), o);
        assertEquals(2, o.split("Speed: ", -1).length - 1, "two speed lines: " + o);
        assertTrue(Pattern.compile("(?m)^Pipe pktgen\\w+: [\\d.]+ [KMG]?pps sent, [\\d.]+ [KMG]?pps received, 0 lost \\(60-byte frames\\)\\.$")
                .matcher(o).find(), o);
        assertTrue(r.err().contains("[tx] ") && r.err().contains("[rx] "), "interval lines on stderr: " + r.err());
        assertTrue(Pattern.compile("\\[tx\\] [\\d.]+ [KMG]?pps \\([\\d.]+ [KMG]?pkts [\\d.]+ [KMG]?bps in \\d+ usec\\) [\\d.]+ avg_batch 99999 min_space")
                .matcher(r.err()).find(), r.err());
        assertFalse(Cli.regionLeft(pipe.group(1)));
    }

    @Test
    void dashAPinsTheSenderToTheCpuAndTheReceiverToTheNext() {
        int cpus = Runtime.getRuntime().availableProcessors();
        int first = cpus - 1; // the receiver wraps around to CPU 0, as netmap's (a + i) % cpus
        Cli.Result r = Cli.run("-a", Integer.toString(first), "-n", "100000");
        assertEquals(0, r.rc(), r.toString());
        assertTrue(Pattern.compile("(?m)^Sending on netmap:\\w+\\{1: 1 queues, 1 threads and \\d+ cpus, on CPU " + first + "\\.$")
                .matcher(r.out()).find(), r.out());
        assertTrue(Pattern.compile("(?m)^Receiving from netmap:\\w+\\}1: 1 queues, 1 threads and \\d+ cpus, on CPU " + (first + 1) % cpus + "\\.$")
                .matcher(r.out()).find(), r.out());
        assertTrue(r.out().contains("Received 100000 packets"), r.out());
    }

    @Test
    void jsonIsOneObjectWithTheSummaryFields() {
        Cli.Result r = Cli.run("-n", "200000", "--json");
        assertEquals(0, r.rc(), r.toString());
        assertEquals(1, r.out().strip().split("\n").length, "one line: " + r.out());
        Map<String, Object> j = MiniJson.object(r.out());
        for (String k : new String[] {"mode", "port", "packets", "bytes", "seconds", "pps", "bps", "avg_batch"}) assertTrue(j.containsKey(k), k + " in " + j);
        assertEquals("tx", j.get("mode"));
        assertEquals(200000.0, j.get("packets"));
        assertEquals(200000.0 * 60, j.get("bytes"));
        assertTrue((Double) j.get("pps") > 0);
        assertEquals(0.0, j.get("lost"));
        @SuppressWarnings("unchecked") Map<String, Object> peer = (Map<String, Object>) j.get("peer");
        assertEquals("rx", peer.get("mode"));
        assertEquals(200000.0, peer.get("packets"));
        assertTrue(r.err().contains("Sending on"), "start lines go to stderr with --json");
    }

    @Test
    void pingJsonHasRttPercentiles() {
        Cli.Result r = Cli.run("-f", "ping", "-n", "2000", "--json");
        assertEquals(0, r.rc(), r.toString());
        Map<String, Object> j = MiniJson.object(r.out());
        assertEquals("ping", j.get("mode"));
        assertEquals(2000.0, j.get("packets"));
        assertEquals(2000.0, j.get("replies"));
        assertEquals(0.0, j.get("lost"));
        @SuppressWarnings("unchecked") Map<String, Object> rtt = (Map<String, Object>) j.get("rtt_ns");
        for (String k : new String[] {"min", "avg", "max", "p50", "p90", "p99", "p999"}) assertTrue((Double) rtt.get(k) > 0, k + " in " + rtt);
        assertTrue((Double) rtt.get("min") <= (Double) rtt.get("p50") && (Double) rtt.get("p50") <= (Double) rtt.get("p999")
                && (Double) rtt.get("p999") <= (Double) rtt.get("max"), rtt.toString());
    }

    @Test
    void ctrlCStopsCleanlyWithTheSummaryAndClosesThePorts() throws Exception {
        Cli.Running run = Cli.start("--duration", "0", "--json");
        Thread.sleep(1500);
        run.cmd.interrupt();
        Cli.Result r = run.await();
        assertEquals(0, r.rc(), r.toString());
        Map<String, Object> j = MiniJson.object(r.out());
        assertEquals(Boolean.TRUE, j.get("interrupted"));
        assertTrue((Double) j.get("packets") > 0);
        String pipe = ((String) j.get("pipe")).substring("netmap:".length());
        assertFalse(Cli.regionLeft(pipe), "ports closed, region removed");
    }
}
