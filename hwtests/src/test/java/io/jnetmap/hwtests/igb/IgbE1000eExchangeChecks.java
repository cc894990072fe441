package io.jnetmap.hwtests.igb;

import io.jnetmap.hwtests.Binding;
import io.jnetmap.hwtests.Frames;
import io.jnetmap.hwtests.Lab;
import io.jnetmap.hwtests.Pcap;
import io.jnetmap.igb.IgbAdapter;
import io.jnetmap.nic.NicRegion;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static io.jnetmap.hwtests.Checks.waitFor;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Our e1000e driver and our igb driver, in one process, on both lab cables (wire A: p0 82574L
 * and p1 82576; wire B: p2 82576 and p3 82574L), all four NICs bound to the access method of
 * the subclass:
 * <ol>
 * <li>all four ports live in the process's one NIC region (so buffers can move between them);</li>
 * <li>e1000e to igb and igb to e1000e, {@code JNETMAP_IGB_FRAMES} (200,000) numbered frames each way,
 *     every one byte-exact and in order, QEMU's wire pcap agreeing;</li>
 * <li>a zero-copy bridge between the drivers, both ways: frames from p3 arrive on p2 (igb),
 *     their buffers are swapped into p0's (e1000e) TX ring and reach p1 (igb); and back from
 *     p1 through p0 and p2 to p3. Buffers move between the NICs' rings, nothing is copied.</li>
 * </ol>
 */
@Tag("hardware")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class IgbE1000eExchangeChecks {
    static final int FRAMES = Integer.parseInt(IgbLabChecks.envOr("JNETMAP_IGB_FRAMES", "200000"));
    static final int BRIDGED = Integer.parseInt(IgbLabChecks.envOr("JNETMAP_IGB_BRIDGE_FRAMES", "20000"));
    /** Frames in flight between sender and receiver: well under what QEMU's hub and the RX ring hold. */
    static final int WINDOW = 512;

    final Binding.Kind kind;
    Lab.Nic eA, iA, iB, eB;
    final List<Binding> bindings = new ArrayList<>();
    NetmapPort pA0, pA1, pB2, pB3; // e1000e p0, igb p1, igb p2, e1000e p3

    IgbE1000eExchangeChecks(Binding.Kind kind) {
        this.kind = kind;
    }

    void report(String fmt, Object... args) {
        io.jnetmap.hwtests.Checks.report("igb-lab.txt", fmt, args);
    }

    @BeforeAll
    void setUp() {
        Lab.require();
        for (Lab.Nic e : Lab.nics("e1000e")) {
            Optional<Lab.Nic> p = Lab.peer(e);
            if (p.isEmpty() || !p.get().chip().equals("igb")) continue;
            if (eA == null) { eA = e; iA = p.get(); } else if (eB == null) { eB = e; iB = p.get(); }
        }
        Assumptions.assumeTrue(eA != null && eB != null, "needs two e1000e-igb cables (JNETMAP_PORTS)");
        for (Lab.Nic n : List.of(eA, iA, iB, eB)) bindings.add(Binding.bind(n, kind));
        pA0 = NetmapPort.open("netmap:" + eA.bdf());
        pA1 = NetmapPort.open("netmap:" + iA.bdf() + "@conf:rings=2");
        pB2 = NetmapPort.open("netmap:" + iB.bdf() + "@conf:rings=2");
        pB3 = NetmapPort.open("netmap:" + eB.bdf());
        waitFor("links up", 15_000, () -> pA0.adapter().linkUp() && pA1.adapter().linkUp()
                && pB2.adapter().linkUp() && pB3.adapter().linkUp());
        report("exchange %s: %s=%s and %s=%s open, igb %s", kind, eA, iA, iB, eB,
                ((IgbAdapter) pA1.adapter()).usesMsix() ? "MSI-X per queue pair" : "shared interrupt");
    }

    @AfterAll
    void tearDown() {
        for (NetmapPort p : new NetmapPort[] {pA0, pA1, pB2, pB3}) if (p != null) p.close();
        for (Binding b : bindings) b.close();
    }

    // ================================================================== 1. one region

    @Test
    @Order(1)
    void allFourNicsShareTheProcesssRegion() {
        assertSame(pA0.region(), pA1.region(), "e1000e and igb in one region");
        assertSame(pA0.region(), pB2.region());
        assertSame(pA0.region(), pB3.region());
        assertTrue(NicRegion.isOpen());
        assertEquals("E1000eAdapter", pA0.adapter().getClass().getSimpleName());
        assertEquals("IgbAdapter", pA1.adapter().getClass().getSimpleName());
    }

    // ================================================================== 2. both ways, 200,000 frames

    @Test
    @Order(2)
    void e1000eToIgb() {
        exchange(pA0, eA, pA1, iA, "e1000e -> igb");
    }

    @Test
    @Order(3)
    void igbToE1000e() {
        exchange(pA1, iA, pA0, eA, "igb -> e1000e");
    }

    /** Sends FRAMES numbered frames from {@code src} to {@code dst} with a bounded window, checking each on arrival; then the wire pcap. */
    void exchange(NetmapPort src, Lab.Nic srcNic, NetmapPort dst, Lab.Nic dstNic, String what) {
        Path wire = Lab.pcap(srcNic).orElse(null);
        long wireFrom = wire == null ? 0 : Pcap.size(wire);
        byte[] f = new byte[16384], got = new byte[16384];
        NetmapRing tx = src.txRing(0);
        int sent = 0, received = 0;
        long t0 = System.nanoTime(), lastProgress = t0;
        while (received < FRAMES) {
            boolean progress = false;
            while (sent < FRAMES && sent - received < WINDOW && tx.space() > 0) {
                int len = 60 + sent % 1455;
                Frames.fill(f, dstNic.mac(), srcNic.mac(), sent, len);
                Frames.put(tx, f, len);
                sent++;
                progress = true;
            }
            src.txsync();
            dst.rxsync();
            for (int r = dst.firstRxRing(); r <= dst.lastRxRing(); r++) {
                NetmapRing rx = dst.rxRing(r);
                int len;
                while ((len = Frames.take(rx, got)) >= 0) {
                    if (!Frames.isTestFrame(got, len) || !Frames.from(got, srcNic.mac())) continue;
                    int elen = Frames.fill(f, dstNic.mac(), srcNic.mac(), received, 60 + received % 1455);
                    if (len != elen || !Arrays.equals(got, 0, len, f, 0, elen))
                        fail(what + ": frame " + received + " differs (got seq " + Frames.seq(got) + ", " + len + " B)");
                    received++;
                    progress = true;
                }
            }
            // give the slots back at once: the window counts frames taken, so the chip must have their
            // slots again (QEMU's 82576 drops a frame for a full queue while another queue has room)
            dst.rxsync();
            long now = System.nanoTime();
            if (progress) {
                lastProgress = now;
            } else {
                assertTrue(now - lastProgress < 10_000_000_000L, what + ": no progress for 10 s at " + received + " of " + FRAMES
                        + " (" + sent + " sent)");
                dst.poll(NetmapPort.POLLIN, 20);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        while (tx.txPending()) {
            src.poll(NetmapPort.POLLOUT, 100);
            src.txsync();
        }
        report("%s %s: %,d frames (60..1514 B) byte-exact and in order in %.1f s: %,.0f frames/s", what, kind, FRAMES, secs, FRAMES / secs);
        if (wire != null) {
            AtomicLong n = new AtomicLong();
            byte[] expect = new byte[16384];
            Pcap.forEach(wire, wireFrom, frame -> {
                if (!Frames.isTestFrame(frame, frame.length) || !Frames.from(frame, srcNic.mac())) return;
                int seq = (int) n.getAndIncrement();
                int len = Frames.fill(expect, dstNic.mac(), srcNic.mac(), seq, 60 + seq % 1455);
                if (frame.length != len || !Arrays.equals(frame, 0, len, expect, 0, len))
                    fail(what + ": wire frame " + seq + " differs");
            });
            assertEquals(FRAMES, n.get(), what + ": frames in QEMU's pcap");
        }
    }

    // ================================================================== 3. zero-copy bridge between the drivers

    @Test
    @Order(4)
    void aZeroCopyBridgeBetweenTheDriversBothWays() {
        // p3 (e1000e) -> wire B -> p2 (igb) == swap ==> p0 (e1000e) -> wire A -> p1 (igb)
        bridge(pB3, eB, pB2, pA0, pA1, iA, "e1000e p3 -> igb p2 => e1000e p0 -> igb p1");
        // p1 (igb) -> wire A -> p0 (e1000e) == swap ==> p2 (igb) -> wire B -> p3 (e1000e)
        bridge(pA1, iA, pA0, pB2, pB3, eB, "igb p1 -> e1000e p0 => igb p2 -> e1000e p3");
    }

    void bridge(NetmapPort source, Lab.Nic sourceNic, NetmapPort in, NetmapPort out, NetmapPort sink, Lab.Nic sinkNic, String what) {
        byte[] f = new byte[16384], got = new byte[16384];
        NetmapRing stx = source.txRing(0), otx = out.txRing(0);
        // a bridge's ports take every frame (netmap's bridge needs promiscuous NICs too): the frames
        // arriving on the bridge's input are addressed to the sink behind its output
        in.adapter().setReceiveFilter(true, true, true);
        Set<Integer> inBuffers = new HashSet<>();
        for (int r = in.firstRxRing(); r <= in.lastRxRing(); r++)
            for (int i = 0; i < in.rxRing(r).numSlots(); i++) inBuffers.add(in.rxRing(r).bufIdx(i));
        int sent = 0, received = 0, swapped = 0;
        long t0 = System.nanoTime(), lastProgress = t0;
        while (received < BRIDGED) {
            boolean progress = false;
            while (sent < BRIDGED && sent - received < WINDOW && stx.space() > 0) {
                int len = 60 + sent % 1455;
                Frames.fill(f, sinkNic.mac(), sourceNic.mac(), sent, len);
                Frames.put(stx, f, len);
                sent++;
                progress = true;
            }
            source.txsync();
            in.rxsync();
            for (int r = in.firstRxRing(); r <= in.lastRxRing(); r++) {
                NetmapRing rx = in.rxRing(r);
                while (!rx.empty() && otx.space() > 0) {
                    int i = rx.head(), j = otx.head();
                    rx.swapBuffers(i, otx, j); // zero copy: NS_BUF_CHANGED on both slots
                    rx.advance(rx.next(i));
                    otx.advance(otx.next(j));
                    swapped++;
                    progress = true;
                }
            }
            out.txsync();
            in.rxsync();
            sink.rxsync();
            for (int r = sink.firstRxRing(); r <= sink.lastRxRing(); r++) {
                NetmapRing rx = sink.rxRing(r);
                int len;
                while ((len = Frames.take(rx, got)) >= 0) {
                    if (!Frames.isTestFrame(got, len) || !Frames.from(got, sourceNic.mac())) continue;
                    int elen = Frames.fill(f, sinkNic.mac(), sourceNic.mac(), received, 60 + received % 1455);
                    if (len != elen || !Arrays.equals(got, 0, len, f, 0, elen))
                        fail(what + ": frame " + received + " differs (got seq " + Frames.seq(got) + ", " + len + " B)");
                    received++;
                    progress = true;
                }
            }
            sink.rxsync();
            long now = System.nanoTime();
            if (progress) {
                lastProgress = now;
            } else {
                assertTrue(now - lastProgress < 10_000_000_000L, what + ": no progress for 10 s at " + received + " of " + BRIDGED);
                sink.poll(NetmapPort.POLLIN, 20);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        int moved = 0;
        for (int i = 0; i < otx.numSlots(); i++) if (inBuffers.contains(otx.bufIdx(i))) moved++;
        report("bridge %s %s: %,d frames forwarded by buffer swap (%,d swaps) in %.1f s: %,.0f frames/s; %d of the TX ring's"
                + " buffers came from the other driver's RX ring", what, kind, BRIDGED, swapped, secs, BRIDGED / secs, moved, otx.numSlots());
        in.adapter().setReceiveFilter(false, false, true);
        assertEquals(BRIDGED, swapped, "every frame crossed by a swap");
        assertTrue(moved > 0, "buffers moved from one driver's RX ring to the other's TX ring: zero copy");
    }
}
