package io.jnetmap.tools.capture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue #16: what nm-capture writes is read by Debian's tcpdump through a pipe, and tshark captures
 * a jnetmap port through the installed extcap interface. Both run in other processes, as a user
 * runs them; ./run-tests installs tcpdump and tshark.
 */
class ThirdPartyReadersTest {
    @TempDir
    Path dir;

    static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(NmCapture.class.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    static String tool(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/sbin").split(":"))
            if (Files.isExecutable(Path.of(d, name))) return Path.of(d, name).toString();
        for (String d : new String[] {"/usr/sbin", "/usr/bin"}) if (Files.isExecutable(Path.of(d, name))) return d + "/" + name;
        fail(name + " is not installed: apt-get install " + name + " (./run-tests installs it)");
        return null;
    }

    @Test
    void tcpdumpReadsWhatNmCaptureWritesToAPipe() throws Exception {
        String tcpdump = tool("tcpdump");
        Path err = dir.resolve("nm-capture.err"), tcpErr = dir.resolve("tcpdump.err");
        try (PipeTraffic t = new PipeTraffic(NmCaptureTest.unique(), 0).start()) {
            ProcessBuilder capture = new ProcessBuilder(java("-i", t.master + "/t", "-w", "-", "-c", "200", "-q"))
                    .redirectError(err.toFile());
            ProcessBuilder reader = new ProcessBuilder(tcpdump, "-n", "-r", "-").redirectError(tcpErr.toFile());
            List<Process> p = ProcessBuilder.startPipeline(List.of(capture, reader));
            String text = new String(p.get(1).getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.get(1).waitFor(60, TimeUnit.SECONDS));
            assertTrue(p.get(0).waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.get(0).exitValue(), Files.readString(err));
            assertEquals(0, p.get(1).exitValue(), Files.readString(tcpErr));
            List<String> lines = text.lines().toList();
            assertEquals(200, lines.size(), text + Files.readString(tcpErr));
            for (String l : lines)
                assertTrue(l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d+ IP 10\\.0\\.0\\.1\\.1234 > 10\\.1\\.0\\.1\\.5678: UDP, length \\d+"), l);
            assertTrue(Files.readString(tcpErr).contains("link-type EN10MB"), Files.readString(tcpErr));
        }
    }

    @Test
    void tsharkListsAndCapturesAPortThroughTheExtcapInterface() throws Exception {
        String tshark = tool("tshark");
        Path home = Files.createDirectories(dir.resolve("home"));
        // one command installs it, into the folder tshark reports for this user
        String installed = runWithHome(new ProcessBuilder(java("--install-extcap")), home, 60);
        Path launcher = home.resolve(".config/wireshark/extcap/nm-capture");
        assertTrue(Files.isExecutable(launcher), "installed into the personal extcap folder: " + installed);
        // Wireshark asks for the options at every start and twice per capture: the launcher answers
        // as nm-capture does, without starting a JVM (sh -x shows the commands it ran: no exec)
        for (String call : new String[] {"--extcap-config", "--extcap-dlts"}) {
            String fromJava = runWithHome(new ProcessBuilder(java(call, "--extcap-interface", "netmap:x%7B1")), home, 60);
            String traced = runWithHome(new ProcessBuilder("sh", "-x", launcher.toString(), call, "--extcap-interface",
                    "netmap:x%7B1", "--extcap-version=4.0"), home, 60);
            List<String> answer = traced.lines().filter(l -> !l.startsWith("+")).toList();
            assertEquals(fromJava.lines().toList(), answer, call + " answered by the launcher as by nm-capture");
            assertTrue(traced.lines().noneMatch(l -> l.startsWith("+ exec")), call + " starts no JVM: " + traced);
        }

        String name = NmCaptureTest.unique();
        try (PipeTraffic t = new PipeTraffic(name, 0).start()) {
            String iface = "netmap:" + name + "%7B1";
            String list = runWithHome(new ProcessBuilder(tshark, "-D"), home, 60);
            assertTrue(list.contains(iface + " (jnetmap " + name + "(1"), list);
            String fields = runWithHome(new ProcessBuilder(tshark, "-i", iface, "-c", "100", "-T", "fields",
                    "-e", "ip.src", "-e", "udp.dstport", "-e", "frame.packet_flags_direction"), home, 120);
            List<String> lines = fields.lines().filter(l -> l.startsWith("10.")).toList();
            assertEquals(100, lines.size(), fields);
            for (String l : lines) assertTrue(l.matches("10\\.0\\.0\\.1\t5678\t0x0*2"), "outbound UDP frame: " + l);
        }
    }

    /** Runs a command with HOME set; returns stdout and stderr; fails on a non-zero exit or a timeout. */
    static String runWithHome(ProcessBuilder pb, Path home, int seconds) throws IOException, InterruptedException {
        pb.environment().put("HOME", home.toString());
        pb.environment().remove(ExtcapInstaller.LAUNCHER_ENV);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), String.join(" ", pb.command()) + " did not finish");
        String s = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", pb.command()) + ": " + s);
        return s;
    }
}
