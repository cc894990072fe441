package io.jnetmap.hwtests;

import io.jnetmap.nic.NicAdapter;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.RingStateException;
import io.jnetmap.sys.OffHeapBuffer;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import static io.jnetmap.hwtests.Checks.lastLines;
import static io.jnetmap.hwtests.Checks.waitFor;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The steps every NIC driver's lab checklist shares (issues #4 and #5): one lab NIC bound with
 * nm-bind for one access method, its cabled peer run by a Linux driver in a network namespace, and
 * the checks whose procedure does not depend on the chip: the port opened as the NIC with its MAC,
 * link up; cable pull and re-plug; counters against the peer's; bad TX slots refused; a new
 * process after the owner was killed; the kernel driver taking the NIC back. A chip's checklist
 * (a subclass) opens the port its own way, says which rings it uses, and adds its own checks.
 *
 * @param <A> the driver's adapter
 */
public abstract class LabChecklist<A extends NicAdapter> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LabChecklist.class);
    protected final Binding.Kind kind;
    protected final int nicIndex;
    private final String resultsFile;
    protected Lab.Nic nic, peerNic;
    protected Binding binding;
    protected PeerPort peer;
    protected NetmapPort port;
    protected A adapter;
    protected int[] buffersAtStart;
    protected byte[] mac, peerMac;

    /** Frame sizes by sequence number. */
    public interface Size { int of(int seq); }

    /** @param resultsFile where {@link #report} appends figures, in the run's results directory */
    protected LabChecklist(Binding.Kind kind, int nicIndex, String resultsFile) {
        this.kind = kind;
        this.nicIndex = nicIndex;
        this.resultsFile = resultsFile;
    }

    public static String envOr(String k, String d) {
        String v = System.getenv(k);
        return v == null || v.isBlank() ? d : v;
    }

    /** Logs a figure and appends it to this checklist's results file. */
    protected void report(String fmt, Object... args) {
        Checks.report(resultsFile, fmt, args);
    }

    /** Every buffer in the port's slots, sorted; fails if one sits in two slots. */
    protected abstract int[] ringBuffers();

    // ================================================================== set-up and tear-down

    /** The lab's {@code chip} NIC number {@link #nicIndex} (the test is skipped without one) and its cabled peer. */
    protected void selectNic(String chip) {
        Lab.require();
        List<Lab.Nic> nics = Lab.nics(chip);
        Assumptions.assumeTrue(nics.size() > nicIndex, "the lab has no " + chip + " number " + nicIndex);
        nic = nics.get(nicIndex);
        peerNic = Lab.peer(nic).orElseThrow(() -> new IllegalStateException(nic + " has no cabled peer in JNETMAP_PORTS"));
    }

    /** Opens the peer's end and hands the NIC to nm-bind for {@link #kind}. */
    protected void bindNic() {
        mac = nic.mac();
        peerMac = peerNic.mac();
        peer = PeerPort.open(peerNic, "peer-" + peerNic.port());
        binding = Binding.bind(nic, kind);
    }

    /** The opened port: through the access method asked for, with the NIC's MAC address; link up on both ends; its buffers noted. */
    protected void checkOpened() {
        assertEquals(kind.name(), adapter.device().accessMethod());
        assertArrayEquals(mac, adapter.macAddress(), "the MAC address read from the NIC");
        waitFor("link up on both ends", 15_000, () -> adapter.linkUp() && peer.carrier());
        buffersAtStart = ringBuffers();
    }

    /** Closes the port, gives the NIC back (nm-bind) and closes the peer's end. */
    protected void closeAll() {
        if (port != null) port.close();
        if (binding != null) binding.close();
        if (peer != null) peer.close();
    }

    // ================================================================== TX

    /** Writes numbered frame {@code seq} of {@code len} bytes to the peer into {@code tx} ({@code f}: a reused buffer). */
    protected void putNumbered(NetmapRing tx, byte[] f, int seq, int len) {
        Frames.fill(f, peerMac, mac, seq, len);
        Frames.put(tx, f, len);
    }

    /**
     * Whether {@code tx} has the slots a frame of {@code len} bytes needs; if not, waits up to 5 s
     * in poll() on {@code p} for TX space (failing with {@code noSpace} if none comes) and says no:
     * the caller looks again.
     */
    protected static boolean hasTxSpace(NetmapPort p, NetmapRing tx, int len, String noSpace) {
        if (tx.space() >= Frames.slotsFor(tx, len)) return true;
        assertNotEquals(0, p.poll(NetmapPort.POLLOUT, 5000) & NetmapPort.POLLOUT, noSpace);
        return false;
    }

    /** Hands what {@code tx} holds to the NIC and waits (30 s at most, else fails with {@code notBack}) for every completion. */
    protected static void awaitTxCompletions(NetmapPort p, NetmapRing tx, String notBack) {
        p.txsync();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (tx.txPending()) {
            p.poll(NetmapPort.POLLOUT, 100);
            p.txsync();
            assertTrue(System.nanoTime() < deadline, notBack);
        }
    }

    // ================================================================== RX

    /** After receiving: the port's slots hold the buffers they held at the start, all still allocated. */
    protected void assertNoBufferLeaked() {
        assertArrayEquals(buffersAtStart, ringBuffers(), "every slot still holds one of the port's own buffers");
        for (int b : buffersAtStart) assertTrue(adapter.region().bufferAllocated(b), "buffer " + b + " still allocated");
    }

    /** What the port delivered of a {@link PeerPort.Sender}'s frames: counts, and the first frame that was not the next expected one. */
    public static final class Numbered {
        public int count, others, mismatches, jumbo, maxSlots, firstLen;
        public long wakeups;
        public String firstMismatch, stall;
    }

    /** No frame for this long while frames were owed: the receive gives up and says where everything stands. */
    protected static final long STALL_NANOS = 15_000_000_000L;

    /**
     * Receives frames 0..want-1 of {@code snd} (Frames.fillPeer layout, sizes from {@code size})
     * on every RX ring of the port, each checked byte-exact and in order as it is taken, blocking
     * in poll(). The sender is flow-controlled, not paced: it may be {@code windowSlots} RX slots
     * ahead of what the port has taken (a jumbo frame takes several), so it goes as fast as the
     * port drains and never has to be held back by QEMU. Gives up after {@code timeoutMillis}, or
     * after {@link #STALL_NANOS} without a frame.
     */
    protected Numbered receiveNumbered(PeerPort.Sender snd, int want, Size size, int windowSlots, long timeoutMillis) {
        Numbered got = new Numbered();
        byte[] f = new byte[16384], expect = new byte[16384];
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        int window = Math.max(1, windowSlots / Frames.slotsFor(port.rxRing(port.firstRxRing()), size.of(0)));
        snd.credit(Math.min(want, window));
        long progress = System.nanoTime();
        int lastCount = 0;
        while (got.count < want && System.nanoTime() < deadline) {
            if (got.count != lastCount) {
                lastCount = got.count;
                progress = System.nanoTime();
            } else if (System.nanoTime() - progress > STALL_NANOS) {
                // nothing for a while: say where everything stands and give up. No tail-write
                // "nudge": it would revive a ring the driver left wedged and hide the bug (issue 10)
                got.stall = rxStallReport(snd);
                LOG.warn("RX stalled at frame {} of {}: {}", got.count, want, got.stall);
                break;
            }
            if (port.poll(NetmapPort.POLLIN, 1000) != 0) got.wakeups++;
            for (int ring = port.firstRxRing(); ring <= port.lastRxRing(); ring++) {
                NetmapRing rx = port.rxRing(ring);
                while (!rx.empty()) {
                    int head = rx.head();
                    int len = Frames.take(rx, f);
                    int slots = rx.head() >= head ? rx.head() - head : rx.head() + rx.numSlots() - head;
                    if (!Frames.isTestFrame(f, len) || !Frames.from(f, peerMac)) {
                        got.others++;
                        continue;
                    }
                    int elen = Frames.fillPeer(expect, mac, peerMac, got.count, size.of(got.count));
                    if (len != elen || !java.util.Arrays.equals(f, 0, len, expect, 0, elen)) {
                        if (got.mismatches++ == 0)
                            got.firstMismatch = "frame " + got.count + " (ring " + ring + "): got seq " + Frames.seq(f) + ", " + len
                                    + " B; expected " + elen + " B";
                    }
                    if (slots > 1) got.jumbo++;
                    if (got.count == 0) got.firstLen = len;
                    got.maxSlots = Math.max(got.maxSlots, slots);
                    got.count++;
                }
            }
            port.rxsync(); // give the slots back, then let the peer send as many more
            snd.credit(Math.min(want, got.count + window));
        }
        return got;
    }

    /** Where the port, the chip and the peer stand, for a stall message; a chip's checklist adds its registers. */
    protected String rxStallReport(PeerPort.Sender snd) {
        return "sender " + snd.output().replace('\n', ' ') + "; peer " + peer.counters();
    }

    /** Checks the wire pcap's test frames from the peer to the port: numbered from 0, in order, byte-exact; returns how many. */
    protected long checkPeerFrames(Path pcap, long from, int count, Size size) {
        java.util.concurrent.atomic.AtomicLong n = new java.util.concurrent.atomic.AtomicLong();
        byte[] expect = new byte[16384];
        Pcap.forEach(pcap, from, frame -> {
            if (!Frames.isTestFrame(frame, frame.length) || !Frames.from(frame, peerMac) || !Frames.to(frame, mac)) return;
            int seq = (int) n.getAndIncrement();
            assertTrue(seq < count, "wire: more frames from the peer than it sent");
            int len = Frames.fillPeer(expect, mac, peerMac, seq, size.of(seq));
            if (frame.length != len || !java.util.Arrays.equals(frame, 0, len, expect, 0, len))
                fail("wire: peer frame " + seq + " differs (got seq " + Frames.seq(frame) + ", " + frame.length + " B)");
        });
        return n.get();
    }

    // ================================================================== cable pull

    /**
     * Pulls the cable while a thread in poll() on the port services the link-change interrupt, as
     * an application's would ({@code drainRx} gives back what its RX rings received): link down
     * within 1 s, reported with when the interrupt came. The thread is stopped when this returns
     * or fails.
     */
    protected void pullCable(Runnable drainRx) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        Thread poller = new Thread(() -> {
            while (!stop.get()) {
                port.poll(NetmapPort.POLLIN, 100);
                drainRx.run();
            }
        }, "poller");
        long changes0 = adapter.linkChanges();
        poller.start();
        try {
            Lab.setLink(false, nic, peerNic);
            long t0 = System.nanoTime();
            waitFor("link down", 5_000, () -> !adapter.linkUp());
            long downMs = (System.nanoTime() - t0) / 1_000_000;
            long irqMs = -1;
            while (adapter.linkChanges() == changes0 && System.nanoTime() - t0 < 2_000_000_000L) Shell.sleep(5);
            if (adapter.linkChanges() > changes0) irqMs = (System.nanoTime() - t0) / 1_000_000;
            report("cable pull %s: link down seen after %d ms (link-change interrupt after %d ms)", kind, downMs, irqMs);
            assertTrue(downMs <= 1000, "link down after " + downMs + " ms");
            assertEquals(0, adapter.linkSpeedMbps());
            stop.set(true);
            poller.join(5000);
        } finally {
            stop.set(true);
        }
    }

    /**
     * Transmits {@code n} frames of 100 B from {@code tx} of {@code p} into the dead cable. A real
     * chip stops transmit DMA while the link is down (QEMU's models complete the descriptors
     * anyway); either way the driver, which saw the link go down, gives every slot back at once
     * and counts the frames as dropped ({@code tx_dropped}), and the chip sends nothing.
     */
    protected void transmitIntoDeadCable(NetmapPort p, NetmapRing tx, int n) {
        Map<String, Long> s0 = adapter.statistics();
        byte[] f = new byte[2048];
        for (int i = 0; i < n; i++) putNumbered(tx, f, i, 100);
        p.txsync();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (tx.txPending() && System.nanoTime() < deadline) {
            p.poll(NetmapPort.POLLOUT, 100);
            p.txsync();
        }
        assertFalse(tx.txPending(), "the slots handed over with the link down came back");
        Map<String, Long> s1 = adapter.statistics();
        long dropped = s1.get("tx_dropped") - s0.get("tx_dropped"), sent = s1.get("tx_packets") - s0.get("tx_packets");
        report("dead cable %s: %d frames handed over, %d counted as dropped, %d sent by the chip", kind, n, dropped, sent);
        assertEquals(n, dropped, "every frame handed over with the link down counts as dropped");
        assertEquals(0, sent, "the chip sent nothing with the link down");
    }

    /** Plugs the cable back: link up on both ends within 15 s, reported; nothing stale reaches the peer. */
    protected void replugCable() {
        long peerRx0 = peer.counter("rx_packets");
        Lab.setLink(true, nic, peerNic);
        long t1 = System.nanoTime();
        waitFor("link up again", 15_000, () -> adapter.linkUp() && peer.carrier());
        report("re-plug %s: link up after %d ms", kind, (System.nanoTime() - t1) / 1_000_000);
        Shell.sleep(500);
        assertEquals(peerRx0, peer.counter("rx_packets"), "nothing queued before or during the pull went out after the re-plug");
    }

    // ================================================================== counters

    /**
     * The chip's counters (deltas between the statistics {@code s0} and {@code s1}) against what
     * was sent ({@code n} frames each way), what the driver delivered ({@code delivered} test frames
     * of {@code deliveredBytes} together, and {@code others}) and the peer's counter deltas. On a
     * chip that counts octets ({@link #chipCountsOctets}): TX octets equal {@code sentBytes}, RX
     * octets {@code deliveredBytes}, each within the 4-byte CRC per frame (plus whole frames for the
     * {@code others}); the peer's octets are held to the same figures only from above: Linux's
     * e1000e reads the chip's GORCL and then GORCH, and that read clears both halves, so the bytes
     * of a frame that arrives between the two reads are lost to the peer's count (the lab saw its
     * rx_bytes 14,867 short of 5,000 frames it counted whole). No receive errors ({@link #rxErrorCounter}).
     */
    protected void assertCountersAgree(int n, int delivered, int others, Map<String, Long> s0, Map<String, Long> s1,
                                       long peerRxP, long peerRxB, long peerTxP, long peerTxB, long sentBytes, long deliveredBytes) {
        long txP = s1.get("tx_packets") - s0.get("tx_packets");
        long rxP = s1.get("rx_packets") - s0.get("rx_packets");
        assertEquals(n, txP, "GPTC: frames the NIC sent");
        assertEquals(peerRxP, txP, "what the NIC sent = what the peer received");
        assertEquals(n, delivered);
        assertEquals(peerTxP, rxP, "what the NIC received = what the peer sent");
        assertEquals(delivered + others, rxP, "GPRC = frames the driver delivered");
        if (chipCountsOctets()) {
            // octets: the chip counts the 4-byte CRC in GORC (and in GOTC on silicon); Linux counts without it
            long txB = s1.get("tx_bytes") - s0.get("tx_bytes"), rxB = s1.get("rx_bytes") - s0.get("rx_bytes");
            long crc = 4L * n, strays = others * (4L + 1518);
            assertTrue(txB >= sentBytes && txB <= sentBytes + crc, "GOTC " + txB + " B for " + n + " frames of " + sentBytes + " B");
            assertTrue(rxB >= deliveredBytes && rxB <= deliveredBytes + crc + strays,
                    "GORC " + rxB + " B for " + delivered + " frames of " + deliveredBytes + " B and " + others + " others");
            assertTrue(peerRxB <= sentBytes + crc, "the peer counted " + peerRxB + " B received of " + sentBytes + " B sent");
            assertTrue(peerTxB <= deliveredBytes + crc + strays, "the peer counted " + peerTxB + " B sent, the NIC received "
                    + deliveredBytes + " B in " + delivered + " frames and " + others + " others");
        }
        assertEquals(0, s1.get(rxErrorCounter()) - s0.get(rxErrorCounter()), rxErrorCounter());
    }

    /** Whether the chip counts octets ({@code tx_bytes}/{@code rx_bytes}); Realtek's tally block counts frames only. */
    protected boolean chipCountsOctets() { return true; }

    /** The chip's counter of frames received with errors (CRC and the like). */
    protected String rxErrorCounter() { return "rx_crc_errors"; }

    // ================================================================== bad slots

    /**
     * Bad TX slots on {@code tx} of {@code p} (buffers 0, 1 and one past the last, a length over
     * the buffer size): each txsync refused before a descriptor of {@code txDesc} is written or the
     * doorbell rung ({@code doorbell}: the tail register, or on a chip without one the driver's
     * count of kicks), and nothing goes out. Returns how many were refused.
     */
    protected int refuseBadTxSlots(NetmapPort p, NetmapRing tx, OffHeapBuffer txDesc, LongSupplier doorbell) {
        byte[] before = snapshot(txDesc, tx.numSlots() * 16);
        long tdt = doorbell.getAsLong();
        long peerRx0 = peer.counter("rx_packets");
        int[][] bad = {{0, 100}, {1, 100}, {adapter.region().numBuffers(), 100}, {-1, adapter.region().bufSize() + 1}};
        for (int[] b : bad) {
            int i = tx.head();
            if (b[0] != -1) tx.bufIdx(i, b[0]);
            tx.len(i, b[1]);
            tx.slotFlags(i, 0);
            tx.advance(tx.next(i));
            assertThrows(RingStateException.class, p::txsync, "TX slot with buffer " + b[0] + ", length " + b[1]);
            assertArrayEquals(before, snapshot(txDesc, tx.numSlots() * 16), "TX descriptors untouched");
            assertEquals(tdt, doorbell.getAsLong(), "no doorbell");
        }
        Shell.sleep(300);
        assertEquals(peerRx0, peer.counter("rx_packets"), "nothing went out");
        return bad.length;
    }

    protected static byte[] snapshot(OffHeapBuffer b, int len) {
        byte[] s = new byte[len];
        b.getBytes(0, s, 0, len);
        return s;
    }

    // ================================================================== reopen after a crash

    /**
     * Runs another process that opens the NIC and transmits to the peer until it is killed
     * (SIGKILL: no close, no reset, the chip left running); returns it once it has exited. The
     * port must be closed.
     */
    protected Process killOwnerMidTraffic() throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process owner = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                io.jnetmap.hwtests.igb.CrashingOwner.class.getName(), nic.bdf(), Frames.macString(peerMac))
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream()));
        CompletableFuture<Boolean> ready = CompletableFuture.supplyAsync(() -> {
            try {
                for (String l; (l = out.readLine()) != null; ) if (l.contains("ready")) return true;
            } catch (IOException ignored) {
                // the process went away
            }
            return false;
        });
        try {
            assertTrue(ready.get(300, TimeUnit.SECONDS), "the owner process opened the port");
            long peerRx0 = peer.counter("rx_packets");
            waitFor("the owner transmits", 60_000, () -> peer.counter("rx_packets") - peerRx0 > 100);
        } finally {
            owner.destroyForcibly(); // SIGKILL: no close, no reset, the chip still running
        }
        assertTrue(owner.waitFor(30, TimeUnit.SECONDS));
        return owner;
    }

    // ================================================================== back to the kernel

    /**
     * Closes the port (the adapter goes), gives the NIC back with nm-bind: the kernel's
     * {@code driver} takes it under its old interface name, and pings the peer over subnet
     * 198.18.{@code subnet}.0/24 from a namespace of its own.
     */
    protected void kernelDriverTakesTheNicBack(String driver, int subnet) {
        port.close();
        port = null;
        assertTrue(adapter.isDestroyed());
        binding.close();
        assertEquals(driver, binding.currentDriver());
        String ifname = PeerPort.kernelInterface(nic.bdf());
        assertEquals(nic.port(), ifname, "nm-bind restored the interface name");
        String net = "198.18." + subnet + ".";
        String self = "self-" + nic.port();
        Shell.run(30, "ip", "netns", "del", self);
        Shell.check("ip", "netns", "add", self);
        try {
            Shell.check("ip", "link", "set", ifname, "netns", self);
            Shell.check("ip", "netns", "exec", self, "ip", "addr", "add", net + "1/24", "dev", ifname);
            Shell.check("ip", "netns", "exec", self, "ip", "link", "set", ifname, "up");
            peer.exec(30, "ip", "addr", "add", net + "2/24", "dev", peer.ifname());
            waitFor("kernel link up", 20_000, () -> Shell.run(10, "ip", "netns", "exec", self, "cat",
                    "/sys/class/net/" + ifname + "/carrier").out().strip().equals("1"));
            Shell.Result ping = Shell.run(60, "ip", "netns", "exec", self, "ping", "-c", "3", "-i", "0.3", "-W", "3", net + "2");
            report("kernel " + driver + " after %s close: %s", kind, lastLines(ping.out(), 2).replace('\n', ' '));
            assertTrue(ping.ok(), "ping through the kernel's " + driver + ": " + ping.out() + ping.err());
        } finally {
            Shell.run(30, "ip", "netns", "del", self);
            Shell.run(30, "ip", "netns", "exec", peer.namespace(), "ip", "addr", "flush", "dev", peer.ifname());
        }
    }

    // ================================================================== full-speed RX (issue 10)

    /**
     * Issue 10: the peer sends as fast as it can, no credit, no pacing; the port must keep
     * receiving on its rings (drops at a full ring counted by the chip, never a wedge), deliver
     * each frame once and byte-exact, and still receive after the flood.
     */
    @org.junit.jupiter.api.Test
    @org.junit.jupiter.api.Order(2)
    protected void keepsReceivingAnUnpacedFloodAndCountsWhatItDrops() {
        assertFloodReceived(receiveUnpacedFlood(floodFrames(), 60, 500, 300_000));
    }

    /** Frames of this checklist's full-speed phase: {@link #FLOOD_FRAMES} unless the chip's checklist says otherwise. */
    protected int floodFrames() { return FLOOD_FRAMES; }

    /** Frames of the full-speed phase (JNETMAP_LAB_FLOOD_FRAMES). */
    protected static final int FLOOD_FRAMES = Integer.parseInt(envOr("JNETMAP_LAB_FLOOD_FRAMES", "100000"));

    /** What {@link #receiveUnpacedFlood} saw. */
    public static final class Flood {
        public long sent, received, others, outOfOrder, duplicates, notExact, chipDrops, late, lateWanted;
        final java.util.BitSet seen = new java.util.BitSet();
        /** Longest time without a delivered frame while the peer was still sending, ms. */
        public long longestGapMillis;
        public double seconds;
        /** Frames delivered in each second of the flood. */
        public final List<Long> perSecond = new java.util.ArrayList<>();
        public String sender = "", firstProblem;

        /** Frames that reached neither the ring nor a chip counter: dropped before the chip (an emulator's queue). */
        public long lostBeforeChip() { return sent - received - chipDrops; }

        @Override
        public String toString() {
            return String.format("%,d sent, %,d received (%,.0f frames/s), %,d dropped and counted by the chip, %,d lost before"
                            + " the chip; longest gap while sending %d ms; per second %s; after the flood %d of %d frames;"
                            + " %d out of order, %d twice, %d not byte-exact, %d other frames%s", sent, received,
                    received / Math.max(seconds, 1e-9), chipDrops, lostBeforeChip(), longestGapMillis, perSecond, late, lateWanted,
                    outOfOrder, duplicates, notExact, others,
                    firstProblem == null ? "" : "; first problem: " + firstProblem);
        }
    }

    /** Frames the chip dropped and counted, from two {@code statistics()} snapshots (rx_missed; a chip adds its own). */
    protected long chipDrops(Map<String, Long> before, Map<String, Long> after) {
        return delta(before, after, "rx_missed");
    }

    protected static long delta(Map<String, Long> before, Map<String, Long> after, String counter) {
        return after.getOrDefault(counter, 0L) - before.getOrDefault(counter, 0L);
    }

    /**
     * The full-speed phase every RX check has (issue 10): the peer sends {@code n} numbered frames
     * of {@code size} bytes as fast as its kernel lets it (all credit at once: no pacing), the port
     * takes them in poll() on every ring as an application would. What arrived must be byte-exact
     * and arrive once (gaps are drops); then, with the flood over, {@code lateFrames} more frames from a
     * fresh sender (at most half the ring, so even silicon drops none) must all arrive: RX kept
     * going through the overruns and nobody had to write a tail register to revive it.
     */
    protected Flood receiveUnpacedFlood(int n, int size, int lateFrames, long timeoutMillis) {
        lateFrames = Math.min(lateFrames, port.rxRing(port.firstRxRing()).numSlots() / 2);
        Flood r = new Flood();
        long peerTx0 = peer.counter("tx_packets");
        Map<String, Long> st0 = adapter.statistics();
        byte[] f = new byte[16384], expect = new byte[16384];
        long t0 = System.nanoTime();
        try (PeerPort.Sender snd = peer.sender(n, size, mac)) {
            snd.credit(n);
            long deadline = t0 + timeoutMillis * 1_000_000L, lastFrame = System.nanoTime();
            long[] last = {-1};
            while (System.nanoTime() < deadline) {
                boolean sending = !snd.done();
                if (!sending && System.nanoTime() - lastFrame > 3_000_000_000L) break;
                port.poll(NetmapPort.POLLIN, 500);
                long got = takeTestFrames(r, f, expect, last);
                long now = System.nanoTime();
                if (got > 0) {
                    int sec = (int) ((now - t0) / 1_000_000_000L);
                    while (r.perSecond.size() <= sec) r.perSecond.add(0L);
                    r.perSecond.set(sec, r.perSecond.get(sec) + got);
                    lastFrame = now;
                } else if (sending) {
                    r.longestGapMillis = Math.max(r.longestGapMillis, (now - lastFrame) / 1_000_000);
                }
            }
            r.seconds = (lastFrame - t0) / 1e9;
            r.sender = snd.output().replace('\n', ' ');
        }
        port.rxsync();
        r.sent = peer.counter("tx_packets") - peerTx0;
        r.chipDrops = chipDrops(st0, adapter.statistics());
        // after the flood: a few frames, sent at once, each must arrive
        r.lateWanted = lateFrames;
        try (PeerPort.Sender snd = peer.sender(lateFrames, size, mac)) {
            snd.credit(lateFrames);
            long deadline = System.nanoTime() + 60_000_000_000L;
            long[] last = {-1};
            Flood late = new Flood();
            while (late.received < lateFrames && System.nanoTime() < deadline) {
                port.poll(NetmapPort.POLLIN, 500);
                takeTestFrames(late, f, expect, last);
            }
            r.late = late.received;
            if (late.firstProblem != null && r.firstProblem == null) r.firstProblem = "after the flood: " + late.firstProblem;
            r.outOfOrder += late.outOfOrder;
            r.duplicates += late.duplicates;
            r.notExact += late.notExact;
        }
        port.rxsync();
        return r;
    }

    /** Takes every frame on the port's RX rings into {@code r}: the peer's test frames checked in order and byte-exact. */
    private long takeTestFrames(Flood r, byte[] f, byte[] expect, long[] last) {
        long got = 0;
        for (int ring = port.firstRxRing(); ring <= port.lastRxRing(); ring++) {
            NetmapRing rx = port.rxRing(ring);
            while (!rx.empty()) {
                int len = Frames.take(rx, f);
                if (!Frames.isTestFrame(f, len) || !Frames.from(f, peerMac)) {
                    r.others++;
                    continue;
                }
                int seq = Frames.seq(f);
                int elen = Frames.fillPeer(expect, mac, peerMac, seq, len);
                if (len != elen || !java.util.Arrays.equals(f, 0, len, expect, 0, elen)) {
                    r.notExact++;
                    if (r.firstProblem == null) r.firstProblem = "frame " + seq + " (" + len + " B) is not what the peer sent";
                }
                if (seq >= 0 && r.seen.get(seq)) {
                    r.duplicates++;
                    if (r.firstProblem == null) r.firstProblem = "frame " + seq + " delivered twice";
                } else if (seq >= 0) {
                    r.seen.set(seq);
                }
                if (seq <= last[0]) {
                    r.outOfOrder++;
                    if (r.firstProblem == null) r.firstProblem = "frame " + seq + " after frame " + last[0];
                }
                last[0] = seq;
                r.received++;
                got++;
            }
        }
        return got;
    }

    /**
     * The checks on a {@link Flood}: never wedged, nothing delivered twice or that was not sent,
     * byte-exact. Order is reported, not asserted: QEMU reorders frames it held back from a full
     * 82574L ring (a tail write flushes its hub port's queue, the newer frames, before the NIC's own
     * queue, the older ones): in the lab the wire pcap carried 0..99,999 in order while the port got
     * frame 2046 after 3556, all byte-exact, nothing lost. The paced phases check order.
     */
    protected void assertFloodReceived(Flood r) {
        report("RX %s full speed: %s", kind, r);
        assertTrue(r.received > 0, "nothing delivered during the flood: " + r);
        assertTrue(r.longestGapMillis < 10_000, "RX stopped for " + r.longestGapMillis + " ms while the peer was sending: " + r);
        assertEquals(r.lateWanted, r.late, "RX after the flood (a wedged ring delivers nothing): " + r);
        assertEquals(0, r.duplicates, "frames delivered twice: " + r);
        assertEquals(0, r.notExact, "frames not byte-exact: " + r);
        assertTrue(r.received + r.chipDrops <= r.sent, "more frames delivered or counted than the peer sent: " + r);
        assertNoBufferLeaked();
    }

    // ================================================================== helpers

    /** Bytes in frames 0..n-1 of sizes 60 + seq % 1455. */
    protected static long bytesOf(int n) { return bytesOf(0, n, seq -> 60 + seq % 1455); }

    /** Bytes in frames {@code first}..{@code first+count-1} whose sizes {@code size} gives. */
    protected static long bytesOf(int first, int count, Size size) {
        long b = 0;
        for (int seq = first; seq < first + count; seq++) b += size.of(seq);
        return b;
    }
}
