package io.jnetmap.rings;

import io.jnetmap.sys.OffHeapBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jnetmap.rings.NetmapLayout.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Host rings against the real kernel: a port's host TX ring injects frames into the kernel's stack
 * through a TAP, the kernel's answers come back on the host RX ring. The TAP lives in a network
 * namespace this test creates, addressed in the benchmarking range.
 */
class HostStackTest {
    static final byte[] TAP_MAC = {0x02, 0, 0, 0, 0x5a, 0x01};
    static final byte[] PEER_MAC = {0x02, 0, 0, 0, 0x5a, 0x02};
    static final byte[] TAP_IP = {(byte) 198, 18, 90, 1}, PEER_IP = {(byte) 198, 18, 90, 2};

    private final String tap = "jnmt" + ProcessHandle.current().pid() % 100000;
    private final String ns = "jnmtest" + ProcessHandle.current().pid();
    private MemoryRegion region;

    /** A NIC-shaped adapter whose NIC rings loop TX back to RX, with host rings on a TAP. */
    static final class LoopNic extends NetmapAdapter {
        private final String tapName;

        LoopNic(MemoryRegion region, String tapName) { this(region, tapName, 1); }

        LoopNic(MemoryRegion region, String tapName, int txRings) {
            super("loopnic", region);
            this.tapName = tapName;
            createKrings(txRings, 1, 1, 1, 256, 256);
        }

        @Override public int txsync(Kring k, int flags) {
            k.hwcur(k.rhead());
            k.hwtail(k.prev(k.rhead()));
            return 0;
        }

        @Override public int rxsync(Kring k, int flags) {
            k.hwcur(k.rhead());
            return 0;
        }

        @Override protected HostStack createHostStack() { return HostStack.open(tapName, TAP_MAC, 1500); }
        @Override protected void register(boolean on) { }
        @Override protected void destroy() { freeKrings(); }
    }

    @BeforeEach
    void setUp() throws Exception {
        region = MemoryRegion.createPrivate("hosttest", RegionConfig.defaults().withBuffers(2048));
        sh("ip", "netns", "add", ns);
    }

    @AfterEach
    void tearDown() throws Exception {
        sh("ip", "netns", "del", ns);
        region.close();
    }

    @Test
    void theKernelAnswersAPingInjectedThroughTheHostTxRing() throws Exception {
        LoopNic nic = new LoopNic(region, tap);
        try (NetmapPort port = NetmapPort.bind(PortName.parse("netmap:loopnic^"), nic)) {
            assertEquals(1, port.firstTxRing(), "netmap:X^ binds the host rings, which follow the NIC's");
            assertNull(port.txRing(0), "the NIC ring is not bound by ^");
            sh("ip", "link", "set", tap, "netns", ns);
            sh("ip", "-n", ns, "addr", "add", "198.18.90.1/24", "dev", tap);
            sh("ip", "-n", ns, "link", "set", tap, "up");
            sh("ip", "-n", ns, "neigh", "add", "198.18.90.2", "lladdr", "02:00:00:00:5a:02", "dev", tap);

            NetmapRing tx = port.txRing(1), rx = port.rxRing(1);
            int i = tx.head();
            int len = Frames.icmpEcho(tx.buffers(), tx.slotBufOffset(i), PEER_MAC, TAP_MAC, PEER_IP, TAP_IP, 0x4242, 7);
            tx.len(i, len);
            tx.advance(tx.next(i));
            port.txsync();
            assertEquals(tx.numSlots() - 1, tx.space(), "host TX completes at once");

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            boolean replied = false;
            while (!replied && System.nanoTime() < deadline) {
                port.poll(NetmapPort.POLLIN, 500);
                for (int j = rx.head(); j != rx.tail(); j = rx.next(j)) {
                    if (Frames.isEchoReply(rx.buffers(), rx.slotBufOffset(j), rx.len(j), TAP_IP, PEER_IP, 0x4242, 7))
                        replied = true;
                }
                rx.advance(rx.tail());
            }
            assertTrue(replied, "no ICMP echo reply from the kernel on the host RX ring");
            assertTrue(nic.hostStack().framesToHost() >= 1);
        }
        assertNotEquals(0, run("ip", "-n", ns, "link", "show", tap), "the TAP must disappear when the port closes");
    }

    /**
     * A monitor of the host rings ({@code netmap:X^/rt}) sees what the application hands the
     * kernel (flagged NS_TXMON) and what the kernel sends back, byte for byte and in order, in its
     * host ring (after its NIC rings); a monitor of the NIC rings sees none of it.
     */
    @Test
    void aMonitorOfTheHostRingsSeesWhatGoesToTheKernelAndWhatComesBack() throws Exception {
        LoopNic nic = new LoopNic(region, tap);
        try (NetmapPort port = NetmapPort.bind(PortName.parse("netmap:loopnic^"), nic);
             NetmapPort host = NetmapPort.open("netmap:loopnic^/rt");
             NetmapPort nicRings = NetmapPort.open("netmap:loopnic/rt")) {
            assertEquals(1, host.firstRxRing(), "the monitor's host ring follows its NIC ring");
            assertEquals(1, host.lastRxRing());
            sh("ip", "link", "set", tap, "netns", ns);
            sh("ip", "-n", ns, "addr", "add", "198.18.90.1/24", "dev", tap);
            sh("ip", "-n", ns, "link", "set", tap, "up");
            sh("ip", "-n", ns, "neigh", "add", "198.18.90.2", "lladdr", "02:00:00:00:5a:02", "dev", tap);
            List<byte[]> sent = new ArrayList<>(), received = new ArrayList<>();
            NetmapRing tx = port.txRing(1), rx = port.rxRing(1);
            for (int seq = 1; seq <= 3; seq++) {
                int i = tx.head();
                int len = Frames.icmpEcho(tx.buffers(), tx.slotBufOffset(i), PEER_MAC, TAP_MAC, PEER_IP, TAP_IP, 0x4343, seq);
                tx.len(i, len);
                sent.add(bytes(tx, i));
                tx.advance(tx.next(i));
                port.txsync();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                boolean replied = false;
                while (!replied && System.nanoTime() < deadline) {
                    port.poll(NetmapPort.POLLIN, 500);
                    for (int j = rx.head(); j != rx.tail(); j = rx.next(j)) {
                        received.add(bytes(rx, j)); // the reply and whatever else the kernel sends (IPv6 solicitations)
                        replied |= Frames.isEchoReply(rx.buffers(), rx.slotBufOffset(j), rx.len(j), TAP_IP, PEER_IP, 0x4343, seq);
                    }
                    rx.advance(rx.tail());
                }
                assertTrue(replied, "the kernel answers echo request " + seq);
            }
            List<byte[]> toKernel = new ArrayList<>(), fromKernel = new ArrayList<>();
            host.rxsync();
            NetmapRing m = host.rxRing(1);
            for (int j = m.head(); j != m.tail(); j = m.next(j))
                ((m.slotFlags(j) & NS_TXMON) != 0 ? toKernel : fromKernel).add(bytes(m, j));
            assertEquals(sent.size(), toKernel.size(), "every frame handed to the kernel, once");
            for (int k = 0; k < sent.size(); k++) assertArrayEquals(sent.get(k), toKernel.get(k), "to the kernel, frame " + k);
            assertEquals(received.size(), fromKernel.size(), "every frame from the kernel, once");
            for (int k = 0; k < received.size(); k++) assertArrayEquals(received.get(k), fromKernel.get(k), "from the kernel, frame " + k);
            nicRings.rxsync();
            assertEquals(nicRings.rxRing(0).head(), nicRings.rxRing(0).tail(), "the NIC rings' monitor sees no host traffic");
            assertEquals(0, ((MonitorAdapter) host.adapter()).drops());
        }
    }

    private static byte[] bytes(NetmapRing r, int slot) {
        byte[] b = new byte[r.len(slot)];
        r.buffers().getBytes(r.slotBufOffset(slot), b, 0, b.length);
        return b;
    }

    /**
     * An application that writes a stray index (here -1, 0xffffffff) into a free slot of the host
     * RX ring, one the port owns: the kernel's next frame must land in the buffer the port knows
     * for that slot, never 2 KB below the buffer pool (where -1 points), and the slot gets its
     * buffer back.
     */
    @Test
    void aStrayIndexInAFreeHostRxSlotNeverSendsTheKernelsFrameOutsideThePool() throws Exception {
        LoopNic nic = new LoopNic(region, tap);
        try (NetmapPort port = NetmapPort.bind(PortName.parse("netmap:loopnic^"), nic)) {
            sh("ip", "link", "set", tap, "netns", ns);
            sh("ip", "-n", ns, "addr", "add", "198.18.90.1/24", "dev", tap);
            sh("ip", "-n", ns, "link", "set", tap, "up");
            sh("ip", "-n", ns, "neigh", "add", "198.18.90.2", "lladdr", "02:00:00:00:5a:02", "dev", tap);
            NetmapRing rx = port.rxRing(1);
            port.rxsync();
            rx.advance(rx.tail()); // drop whatever the TAP sent when it came up (IPv6 solicitations)
            port.rxsync();
            int slot = rx.tail(), good = rx.bufIdx(slot);
            OffHeapBuffer mem = region.memory();
            int below = (int) region.bufferPoolOffset() - region.bufSize();
            byte[] before = new byte[region.bufSize()], after = new byte[region.bufSize()];
            mem.getBytes(below, before, 0, before.length);

            rx.bufIdx(slot, -1);
            run("ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "1", "198.18.90.2"); // no one answers: only the request matters
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (rx.tail() == slot && System.nanoTime() < deadline) port.poll(NetmapPort.POLLIN, 500);

            assertNotEquals(slot, rx.tail(), "the kernel's frame never reached the host RX ring");
            mem.getBytes(below, after, 0, after.length);
            assertArrayEquals(before, after, "read(2) wrote below the buffer pool, through the stray index");
            assertEquals(good, rx.bufIdx(slot), "the slot gets back the buffer the port knew");
            assertTrue(rx.len(slot) >= 14, "the frame is in that buffer: length " + rx.len(slot));
        }
    }

    /**
     * netmap_sw_to_nic: NS_FORWARD slots released on the host RX ring of an NR_FORWARD ring move,
     * zero copy, into the first NIC TX ring with room (not only ring 0), both slots flagged
     * NS_BUF_CHANGED; and only when the port binds every NIC TX ring, since it writes their heads.
     */
    @Test
    void hostToNicForwardingFillsEveryNicTxRingAndOnlyFromAPortHoldingThemAll() throws Exception {
        LoopNic nic = new LoopNic(region, tap, 2);
        try (NetmapPort all = NetmapPort.bind(PortName.parse("netmap:loopnic*"), nic);
             NetmapPort hostOnly = NetmapPort.bind(PortName.parse("netmap:loopnic^"), nic)) {
            sh("ip", "link", "set", tap, "netns", ns); // down in there: the kernel sends us nothing
            NetmapRing tx0 = all.txRing(0), tx1 = all.txRing(1), hostRx = all.rxRing(1);
            Kring hk = nic.rxKring(1);
            hostRx.flags(hostRx.flags() | NR_FORWARD);
            tx0.advance(tx0.tail()); // the user filled TX ring 0: no room there
            all.txsync(0);
            tx0.advance(tx0.tail());

            // four frames from the kernel, as HostStack.rxsync would leave them; three to forward
            int[] bufs = new int[4];
            for (int i = 0; i < 4; i++) {
                bufs[i] = hostRx.bufIdx(i);
                hostRx.buffers().putInt(hostRx.slotBufOffset(i), 0x1000 + i);
                hostRx.len(i, 60 + i);
            }
            hk.hwtail(4);
            hostOnly.rxsync(1);
            for (int i = 0; i < 4; i++) hostRx.slotFlags(i, i == 1 ? 0 : NS_FORWARD);

            // a port without the NIC TX rings only releases them
            hostRx.advance(1);
            int h1 = tx1.head(), h0 = tx0.head();
            hostOnly.rxsync(1);
            assertEquals(h1, tx1.head(), "a port holding no NIC TX ring never writes one");
            assertEquals(bufs[0], hostRx.bufIdx(0), "released, not forwarded");

            hostRx.advance(4);
            all.rxsync();
            assertEquals(h0, tx0.head(), "TX ring 0 had no room");
            assertEquals((h1 + 2) % tx1.numSlots(), tx1.head(), "slots 2 and 3 went to TX ring 1 (slot 1 had no NS_FORWARD)");
            assertEquals(tx1.head(), tx1.cur());
            for (int k = 0; k < 2; k++) {
                int s = (h1 + k) % tx1.numSlots(), from = 2 + k;
                assertEquals(bufs[from], tx1.bufIdx(s), "zero copy");
                assertEquals(60 + from, tx1.len(s));
                assertEquals(NS_BUF_CHANGED, tx1.slotFlags(s));
                assertEquals(NS_BUF_CHANGED, hostRx.slotFlags(from), "the host slot got a TX buffer in exchange");
                assertNotEquals(bufs[from], hostRx.bufIdx(from));
            }
            assertEquals(bufs[1], hostRx.bufIdx(1), "without NS_FORWARD a slot stays");
            all.txsync(1);
            assertEquals(tx1.numSlots() - 1, tx1.space(), "the forwarded frames left on TX ring 1");
        }
    }

    @Test
    void portsWithoutHostRingsRefuseTheCaretForm() {
        try (NetmapPort m = NetmapPort.open("netmap:nohost" + ProcessHandle.current().pid() + "{1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NetmapPort.bind(PortName.parse("netmap:x^"), m.adapter()));
            assertTrue(e.getMessage().contains("no host rings"), e.getMessage());
        }
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

    /** Minimal frame builders for the test (checksums computed the plain way). */
    static final class Frames {
        static int icmpEcho(OffHeapBuffer b, int off, byte[] src, byte[] dst, byte[] sip, byte[] dip, int id, int seq) {
            byte[] f = new byte[14 + 20 + 8 + 32];
            System.arraycopy(dst, 0, f, 0, 6);
            System.arraycopy(src, 0, f, 6, 6);
            f[12] = 0x08; f[13] = 0x00;
            f[14] = 0x45; f[16] = 0; f[17] = (byte) (20 + 8 + 32); f[20] = 0x40; f[22] = 64; f[23] = 1;
            System.arraycopy(sip, 0, f, 26, 4);
            System.arraycopy(dip, 0, f, 30, 4);
            put16(f, 24, checksum(f, 14, 20));
            f[34] = 8; f[38] = (byte) (id >> 8); f[39] = (byte) id; f[40] = (byte) (seq >> 8); f[41] = (byte) seq;
            for (int k = 42; k < f.length; k++) f[k] = (byte) k;
            put16(f, 36, checksum(f, 34, 8 + 32));
            b.putBytes(off, f, 0, f.length);
            return f.length;
        }

        static boolean isEchoReply(OffHeapBuffer b, int off, int len, byte[] sip, byte[] dip, int id, int seq) {
            if (len < 42) return false;
            byte[] f = new byte[len];
            b.getBytes(off, f, 0, len);
            if (f[12] != 0x08 || f[13] != 0x00 || f[23] != 1 || f[34] != 0) return false;
            for (int k = 0; k < 4; k++) if (f[26 + k] != sip[k] || f[30 + k] != dip[k]) return false;
            if (checksum(f, 14, 20) != 0) return false;
            int ipLen = ((f[16] & 0xff) << 8 | (f[17] & 0xff)) - 20;
            return checksum(f, 34, ipLen) == 0 && ((f[38] & 0xff) << 8 | (f[39] & 0xff)) == id
                    && ((f[40] & 0xff) << 8 | (f[41] & 0xff)) == seq;
        }

        static int checksum(byte[] f, int off, int len) {
            long sum = 0;
            for (int k = 0; k + 1 < len; k += 2) sum += (f[off + k] & 0xff) << 8 | (f[off + k + 1] & 0xff);
            if ((len & 1) != 0) sum += (f[off + len - 1] & 0xff) << 8;
            while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
            return (int) (~sum & 0xffff);
        }

        static void put16(byte[] f, int off, int v) { f[off] = (byte) (v >> 8); f[off + 1] = (byte) v; }
    }
}
