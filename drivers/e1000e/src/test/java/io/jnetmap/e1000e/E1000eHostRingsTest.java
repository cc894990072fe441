package io.jnetmap.e1000e;

import io.jnetmap.nic.ModelAdapterHarness;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.pci.HostPaths;
import io.jnetmap.pci.PciId;
import io.jnetmap.rings.NetmapLayout;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.PortName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static io.jnetmap.rings.NetmapLayout.NS_FORWARD;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The host rings of a NIC adapter, on the 82574L model: {@code netmap:NIC^} binds the host ring
 * pair only, {@code netmap:NIC*} the NIC's rings and the host pair; the host rings are a real TAP
 * (in a network namespace this test creates) named and addressed as nm-bind remembered the NIC.
 * Frames go wire -> NIC RX -> host TX -> the kernel, and the kernel's answers host RX -> NIC TX
 * -> wire, moved by zero-copy swaps and by NS_FORWARD; poll() wakes on the TAP.
 */
class E1000eHostRingsTest {
    static final PciId I82574L = new PciId(0x8086, 0x10d3);
    static final byte[] TAP_IP = {(byte) 198, 18, 91, 1}, PEER_IP = {(byte) 198, 18, 91, 2};
    static final byte[] OTHER_MAC = {0x02, 0, 0, 0, 0x5b, 0x01};

    final long pid = ProcessHandle.current().pid();
    /** An address no real device has here, so concurrent runs and real NICs never share a TAP name. */
    final String address = String.format("0000:%02x:%02x.%d", 0x80 | (pid & 0x7f), (pid >> 7) & 0x1f, (pid >> 12) & 7);
    final String tapName = "jnmh" + pid % 100000;
    final String ns = "jnmhost" + pid;

    @TempDir
    Path state;
    E1000eModel model;
    E1000eAdapter adapter;
    final List<NetmapPort> ports = new ArrayList<>();
    boolean nsCreated;

    @BeforeAll
    static void smallRegion() {
        ModelAdapterHarness.smallRegion();
    }

    @BeforeEach
    void stateDir() {
        System.setProperty(HostPaths.STATE_PROPERTY, state.toString());
    }

    @AfterEach
    void close() throws Exception {
        for (NetmapPort p : ports) p.close();
        ports.clear();
        System.clearProperty(HostPaths.STATE_PROPERTY);
        if (nsCreated) run("ip", "netns", "del", ns);
        if (adapter != null) assertTrue(adapter.isDestroyed());
        if (model != null) model.close();
    }

    /** What nm-bind writes when it takes a NIC: its interface name and MAC before binding. */
    void bindRecord(String ifname, byte[] mac) throws IOException {
        Path dir = Files.createDirectories(state.resolve("bound"));
        Files.writeString(dir.resolve(address), "ifname=" + ifname + "\nmac=" + macString(mac)
                + "\ndriver=e1000e\nbound=vfio-pci\nvendor=0x8086\ndevice=0x10d3\n");
    }

    void open() {
        model = new E1000eModel(Frames.MAC);
        adapter = E1000eAdapter.open(new ModelDevice(model, I82574L, address, "MSIX"),
                E1000eConfig.defaults().withSlots(64, 64).withLinkWait(100));
    }

    NetmapPort bind(String suffix) {
        NetmapPort p = NetmapPort.bind(PortName.parse("netmap:" + address + suffix), adapter);
        ports.add(p);
        return p;
    }

    // ------------------------------------------------------------------ which rings

    @Test
    void caretBindsTheHostPairAndStarBindsBoth() throws Exception {
        bindRecord(tapName, OTHER_MAC);
        open();
        assertEquals(1, adapter.numHostTxRings());
        assertEquals(1, adapter.numHostRxRings());

        NetmapPort nic = bind("");
        assertEquals(0, nic.firstTxRing());
        assertEquals(0, nic.lastTxRing());
        assertNull(nic.txRing(1), "netmap:NIC leaves the host rings alone");
        assertNull(adapter.hostStack(), "no TAP until a port binds the host rings");
        assertEquals(1, nic.nif().hostTxRings());

        NetmapPort host = bind("^");
        assertEquals(1, host.firstTxRing());
        assertEquals(1, host.lastTxRing());
        assertEquals(1, host.firstRxRing());
        assertEquals(1, host.lastRxRing());
        assertNull(host.txRing(0), "^ does not bind the NIC's rings");
        assertNull(host.rxRing(0));
        assertTrue(host.boundTxKrings()[0].isHost() && host.boundRxKrings()[0].isHost());

        NetmapPort both = bind("*");
        assertEquals(0, both.firstTxRing());
        assertEquals(1, both.lastTxRing());
        assertEquals(0, both.firstRxRing());
        assertEquals(1, both.lastRxRing());
        assertFalse(both.boundRxKrings()[0].isHost());
        assertTrue(both.boundRxKrings()[1].isHost());

        NetmapPort one = bind("^0");
        assertEquals(1, one.firstTxRing());
        assertEquals(1, one.lastRxRing());

        // the TAP: nm-bind's name and MAC, MTU 1500, up
        assertEquals(tapName, adapter.hostStack().ifname());
        Path sys = Path.of("/sys/class/net", tapName);
        assertEquals(macString(OTHER_MAC), Files.readString(sys.resolve("address")).strip());
        assertEquals("1500", Files.readString(sys.resolve("mtu")).strip());
        assertEquals(0x1, Integer.decode(Files.readString(sys.resolve("flags")).strip()) & 0x1, "IFF_UP");

        for (NetmapPort p : ports) p.close();
        ports.clear();
        assertFalse(Files.exists(sys), "the TAP goes with the last port");
    }

    @Test
    void withoutARecordTheTapIsNamedAfterThePciAddressWithTheNicsMac() throws Exception {
        open();
        bind("^");
        String name = "nm" + address.replace(':', '_');
        assertTrue(name.length() <= 15, name);
        assertEquals(name, adapter.hostStack().ifname());
        assertEquals(macString(Frames.MAC), Files.readString(Path.of("/sys/class/net", name, "address")).strip());
    }

    // ------------------------------------------------------------------ traffic through the TAP

    @Test
    void theKernelAnswersThroughTheHostRingsBySwapAndByForward() throws Exception {
        bindRecord(tapName, Frames.MAC); // nm-bind remembers the NIC's own MAC
        open();
        NetmapPort port = bind("*");
        setUpNamespace();
        NetmapRing nicRx = port.rxRing(0), nicTx = port.txRing(0), hostRx = port.rxRing(1), hostTx = port.txRing(1);

        // 1. zero copy, as bridge does: wire -> NIC RX -> host TX -> kernel; kernel -> host RX -> NIC TX -> wire
        assertTrue(model.receive(0, HostFrames.echoRequest(Frames.PEER, Frames.MAC, PEER_IP, TAP_IP, 0x4a4a, 1)));
        int i = await(port, nicRx, f -> HostFrames.isIpv4(f, 1));
        int j = hostTx.head();
        nicRx.swapBuffers(i, hostTx, j);
        nicRx.advance(nicRx.next(i));
        hostTx.advance(hostTx.next(j));
        port.txsync();
        assertEquals(1, adapter.hostStack().framesToHost());
        int r = await(port, hostRx, f -> HostFrames.isEchoReply(f, TAP_IP, PEER_IP, 0x4a4a, 1));
        int t = nicTx.head();
        hostRx.swapBuffers(r, nicTx, t);
        hostRx.advance(hostRx.next(r));
        nicTx.advance(nicTx.next(t));
        port.txsync();
        assertEquals(1, model.wire.size(), "the kernel's reply went out of the NIC");
        byte[] reply = model.wire.get(0);
        assertTrue(HostFrames.isEchoReply(reply, TAP_IP, PEER_IP, 0x4a4a, 1), "echo reply with complete checksums");
        assertTrue(HostFrames.same(reply, 0, Frames.PEER) && HostFrames.same(reply, 6, Frames.MAC), "TAP MAC -> peer MAC");

        // 2. NS_FORWARD on rings flagged NR_FORWARD: the port only marks slots and releases them
        nicRx.flags(nicRx.flags() | NetmapLayout.NR_FORWARD);
        hostRx.flags(hostRx.flags() | NetmapLayout.NR_FORWARD);
        assertTrue(model.receive(0, HostFrames.echoRequest(Frames.PEER, Frames.MAC, PEER_IP, TAP_IP, 0x4a4a, 2)));
        i = await(port, nicRx, f -> HostFrames.isIpv4(f, 1));
        nicRx.slotFlags(i, nicRx.slotFlags(i) | NS_FORWARD);
        nicRx.advance(nicRx.next(i));
        port.rxsync(); // releasing the slot copies it to the kernel
        r = await(port, hostRx, f -> HostFrames.isEchoReply(f, TAP_IP, PEER_IP, 0x4a4a, 2));
        hostRx.slotFlags(r, hostRx.slotFlags(r) | NS_FORWARD);
        hostRx.advance(hostRx.next(r));
        port.rxsync(); // ... and this one moves to NIC TX ring 0
        port.txsync();
        assertEquals(2, model.wire.size(), "the forwarded reply went out of the NIC");
        assertTrue(HostFrames.isEchoReply(model.wire.get(1), TAP_IP, PEER_IP, 0x4a4a, 2));

        // 3. what the kernel sends itself carries a complete UDP checksum (the TAP has no offloads)
        sh("ip", "netns", "exec", ns, "bash", "-c", "echo host-ring-test > /dev/udp/198.18.91.2/9");
        r = await(port, hostRx, f -> HostFrames.isIpv4(f, 17));
        byte[] udp = copy(hostRx, r);
        assertTrue(HostFrames.ipChecksumOk(udp), "IP header checksum");
        assertTrue(HostFrames.udpChecksumOk(udp), "UDP checksum filled in by the kernel");
        hostRx.advance(hostRx.next(r));
    }

    @Test
    void pollWakesWhenTheKernelWritesToTheTap() throws Exception {
        bindRecord(tapName, Frames.MAC);
        open();
        NetmapPort sender = bind("*");
        NetmapPort waiter = bind("^/R");
        setUpNamespace();
        NetmapRing hostTx = sender.txRing(1), hostRx = waiter.rxRing(1);
        long best = Long.MAX_VALUE;
        for (int seq = 1; seq <= 3; seq++) {
            drain(waiter, hostRx); // what the kernel sent when the TAP came up must not end the wait
            CompletableFuture<Long> woke = CompletableFuture.supplyAsync(() -> {
                int ev = waiter.poll(NetmapPort.POLLIN, 5000);
                return ev != 0 ? System.nanoTime() : -1L;
            });
            Thread.sleep(50); // the waiter sits in poll(2) on the interrupt vectors by now
            int i = hostTx.head();
            byte[] req = HostFrames.echoRequest(Frames.PEER, Frames.MAC, PEER_IP, TAP_IP, 0x4b4b, seq);
            hostTx.buffers().putBytes(hostTx.slotBufOffset(i), req, 0, req.length);
            hostTx.len(i, req.length);
            hostTx.advance(hostTx.next(i));
            long sent = System.nanoTime();
            sender.txsync(1);
            long wake = woke.get(10, TimeUnit.SECONDS);
            assertTrue(wake > 0, "poll timed out: the kernel's reply never woke it");
            assertTrue(wake > sent, "poll returned before the request was sent: something else was on the host RX ring");
            assertTrue(HostFrames.isEchoReply(copy(hostRx, hostRx.head()), TAP_IP, PEER_IP, 0x4b4b, seq), "the reply woke poll");
            best = Math.min(best, wake - sent);
        }
        // without the TAP in the poll set the waiter would sleep out its 250 ms slice
        assertTrue(best < TimeUnit.MILLISECONDS.toNanos(100), "poll woke " + best / 1000 + " us after the kernel's reply was due");
    }

    // ------------------------------------------------------------------ helpers

    /** Moves the TAP into a namespace of its own, addressed, with the peer as a permanent neighbour. */
    void setUpNamespace() throws Exception {
        sh("ip", "netns", "add", ns);
        nsCreated = true;
        sh("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        String tap = adapter.hostStack().ifname();
        sh("ip", "link", "set", tap, "netns", ns);
        sh("ip", "-n", ns, "addr", "add", "198.18.91.1/24", "dev", tap);
        sh("ip", "-n", ns, "link", "set", tap, "up");
        sh("ip", "-n", ns, "neigh", "replace", "198.18.91.2", "lladdr", macString(Frames.PEER), "nud", "permanent", "dev", tap);
    }

    /**
     * Polls until a packet matching {@code want} is in {@code ring}; releases the packets before it
     * and returns its slot (still the port's until the caller advances past it).
     */
    static int await(NetmapPort port, NetmapRing ring, Predicate<byte[]> want) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            port.poll(NetmapPort.POLLIN, 200);
            for (int j = ring.head(); j != ring.tail(); j = ring.next(j)) {
                if (want.test(copy(ring, j))) {
                    ring.advance(j);
                    return j;
                }
            }
            ring.advance(ring.tail());
        }
        throw new AssertionError("no matching packet on " + ring + " within 10 s");
    }

    /** Releases everything on {@code ring} until nothing more has come for 100 ms. */
    static void drain(NetmapPort port, NetmapRing ring) {
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(100)) {
            port.rxsync();
            if (!ring.empty()) {
                ring.advance(ring.tail());
                quietSince = System.nanoTime();
            }
            Thread.onSpinWait();
        }
        port.rxsync();
    }

    static byte[] copy(NetmapRing ring, int j) {
        byte[] f = new byte[ring.len(j)];
        ring.buffers().getBytes(ring.slotBufOffset(j), f, 0, f.length);
        return f;
    }

    static String macString(byte[] m) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < 6; k++) b.append(k == 0 ? "" : ":").append(String.format("%02x", m[k] & 0xff));
        return b.toString();
    }

    static void sh(String... cmd) throws IOException, InterruptedException {
        int rc = run(cmd);
        if (rc != 0) throw new IOException(String.join(" ", cmd) + " exited " + rc);
    }

    static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }
}
