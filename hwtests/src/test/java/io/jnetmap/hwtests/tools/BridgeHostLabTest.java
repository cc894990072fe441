package io.jnetmap.hwtests.tools;

import io.jnetmap.hwtests.Binding;
import io.jnetmap.hwtests.Checks;
import io.jnetmap.hwtests.Lab;
import io.jnetmap.hwtests.PeerPort;
import io.jnetmap.hwtests.Shell;
import io.jnetmap.pci.BindRecord;
import io.jnetmap.pci.PciAddress;
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
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Host passthrough: {@code bridge -i netmap:<e1000e>} forwards between our e1000e (p0) and its host
 * rings, whose TAP takes the interface name and MAC nm-bind remembered, so the guest's kernel talks
 * through the NIC that jnetmap owns. The cabled igb (p1) stays with the kernel, in a namespace of
 * its own; it pings the TAP's address and pulls a 10 MB file over TCP from an HTTP server bound to
 * it (busybox httpd, else python3 -m http.server), whose SHA-256 must match. The same on the other
 * chips ({@link BridgeHostIxgbeLabTest}, {@link BridgeHostR8169LabTest}: the chip's first lab port,
 * the kernel's driver on the other end of its cable).
 */
@Tag("hardware")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BridgeHostLabTest {
    static final String TAP_IP = "198.18.60.1", PEER_IP = "198.18.60.2";
    static final int FILE_BYTES = 10 * 1024 * 1024, HTTP_PORT = 8080;

    /**
     * The chip (the lab's name, {@code JNETMAP_LAB_NICS}) whose first port the bridge drives; a
     * subclass sets its own in its constructor (JUnit wants one constructor per test class).
     */
    String chip = "e1000e";
    Lab.Nic nic, peerNic;
    PeerPort peer;
    Binding binding;
    Shell.Background bridge, server;
    String tap;
    Path dir;

    static void report(String fmt, Object... args) { Checks.report("tools-lab.txt", fmt, args); }

    @BeforeAll
    void setUp() throws Exception {
        Lab.require();
        org.junit.jupiter.api.Assumptions.assumeFalse(Lab.nics(chip).isEmpty(), "the lab has no " + chip
                + (chip.equals("e1000e") ? "" : " (the lab's own models need LAB_OWN_QEMU=1: hwtests/lab/README.md)"));
        nic = Lab.nics(chip).get(0);
        peerNic = Lab.peer(nic).orElseThrow(() -> new IllegalStateException(nic + " has no cabled peer"));
        peer = PeerPort.open(peerNic, "peer-" + peerNic.port());
        peer.exec(30, "ip", "addr", "add", PEER_IP + "/24", "dev", peer.ifname());
        binding = Binding.bind(nic, Binding.Kind.VFIO);
        tap = BindRecord.read(PciAddress.parse(nic.bdf())).map(BindRecord::interfaceName).filter(n -> !n.isEmpty())
                .orElse("nm" + nic.bdf().replace(':', '_'));

        long t0 = System.nanoTime();
        bridge = Tool.BRIDGE.start("-i", "netmap:" + nic.bdf());
        assertTrue(bridge.awaitOutput(" <-> ", 180_000), "bridge did not start: " + bridge.err() + bridge.out());
        report("bridge -i netmap:%s: started in %d ms: %s", nic.bdf(), (System.nanoTime() - t0) / 1_000_000,
                bridge.out().lines().findFirst().orElse(""));
        Path sys = Path.of("/sys/class/net", tap);
        assertTrue(Files.exists(sys), "the host rings' TAP " + tap + " (the name nm-bind remembered)");
        assertEquals(nic.macString(), Files.readString(sys.resolve("address")).strip(), "the TAP has the NIC's MAC");
        assertEquals("1500", Files.readString(sys.resolve("mtu")).strip());
        // quiet IPv6 on our side too: only what the test sends crosses the bridge
        Shell.run(30, "sysctl", "-q", "-w", "net.ipv6.conf." + tap + ".disable_ipv6=1");
        Shell.check(30, "ip", "addr", "add", TAP_IP + "/24", "dev", tap);
        Shell.check(30, "ip", "link", "set", tap, "up");
    }

    @AfterAll
    void tearDown() {
        if (server != null) server.close();
        if (bridge != null) {
            bridge.interrupt(30);
            report("bridge stopped: %s", Checks.lastLines(bridge.out(), 1));
        }
        if (binding != null) binding.close(); // the TAP is gone with the bridge: nm-bind gives the name back
        if (peer != null) peer.close();
    }

    @Test
    @Order(1)
    void thePeerPingsTheKernelThroughTheBridgeWithoutLoss() {
        Shell.Result r = Shell.run(120, "ip", "netns", "exec", peer.namespace(), "ping", "-c", "20", "-i", "0.2", "-W", "5", TAP_IP);
        String summary = r.out().lines().filter(l -> l.contains("packet loss") || l.startsWith("rtt")).reduce((a, b) -> a + "; " + b).orElse("");
        report("ping %s -> %s through bridge and TAP %s: %s", peer.ifname(), TAP_IP, tap, summary);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains(" 0% packet loss"), r.out());
    }

    @Test
    @Order(2)
    void thePeerPullsTenMegabytesOverTcpIntact() throws Exception {
        dir = Files.createTempDirectory("jnetmap-bridge");
        Path file = dir.resolve("blob");
        byte[] data = new byte[FILE_BYTES];
        new Random(6).nextBytes(data);
        Files.write(file, data);
        String want = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        assertEquals(want, sha256sum(file), "sha256sum of the served file");

        server = startServer(dir);
        Path got = Path.of("/tmp", "jnetmap-bridge-pulled");
        Files.deleteIfExists(got);
        long t0 = System.nanoTime();
        Shell.Result r = Shell.run(900, "ip", "netns", "exec", peer.namespace(), "curl", "-sS", "--max-time", "850",
                "-o", got.toString(), "http://" + TAP_IP + ":" + HTTP_PORT + "/blob");
        double secs = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.exit(), "curl: " + r.err() + " (server: " + server.err() + ")");
        String have = sha256sum(got);
        report("HTTP GET of %d MB through bridge and TAP %s: %.1f s, %.1f Mb/s; SHA-256 %s both ends: %s", FILE_BYTES >> 20, tap, secs,
                FILE_BYTES * 8 / secs / 1e6, want.substring(0, 16) + "...", want.equals(have) ? "equal" : "DIFFERENT (" + have + ")");
        assertEquals(FILE_BYTES, Files.size(got));
        assertEquals(want, have, "the file arrived intact");
        Files.deleteIfExists(got);
    }

    /** busybox httpd bound to the TAP's address if busybox has it, else python3's http.server. */
    Shell.Background startServer(Path root) {
        Shell.Result applets = Shell.run(30, "busybox", "--list");
        Shell.Background s = applets.ok() && applets.out().lines().anyMatch("httpd"::equals)
                ? Shell.start("busybox", "httpd", "-f", "-p", TAP_IP + ":" + HTTP_PORT, "-h", root.toString())
                : Shell.start("python3", "-m", "http.server", Integer.toString(HTTP_PORT), "--bind", TAP_IP, "--directory", root.toString());
        Checks.waitFor("the HTTP server listening on " + TAP_IP + ":" + HTTP_PORT, 120_000,
                () -> Shell.run(30, "ss", "-Hltn", "src", TAP_IP + ":" + HTTP_PORT).out().contains(TAP_IP));
        return s;
    }

    static String sha256sum(Path f) {
        return Shell.check(120, "sha256sum", f.toString()).split("\\s+")[0];
    }
}
