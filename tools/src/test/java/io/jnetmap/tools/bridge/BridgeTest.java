package io.jnetmap.tools.bridge;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class BridgeTest {
    private final String id = "br" + ProcessHandle.current().pid();

    /** Runs the bridge CLI in a thread for {@code seconds}, returning its exit code and output. */
    private static final class Running {
        final StringWriter out = new StringWriter(), err = new StringWriter();
        final AtomicInteger rc = new AtomicInteger(-1);
        final Thread t;
        Running(String... args) {
            t = new Thread(() -> rc.set(Bridge.run(new PrintWriter(out, true), new PrintWriter(err, true), args)));
            t.start();
        }
        void waitFor() throws InterruptedException { t.join(20_000); }
    }

    /** Sends {@code count} frames into {@code in}, receives them from {@code out}: returns the buffer indices seen. */
    private static List<Integer> pass(NetmapPort in, NetmapPort out, int count, int len) {
        return pass(in, out, count, len, false);
    }

    private static List<Integer> pass(NetmapPort in, NetmapPort out, int count, int len, boolean sameBuffers) {
        return pass(in, out, count, len, sameBuffers, 0);
    }

    /** As above with the sequence number at {@code seqOff} (past an Ethernet header a switch reads). */
    private static List<Integer> pass(NetmapPort in, NetmapPort out, int count, int len, boolean sameBuffers, int seqOff) {
        NetmapRing tx = in.txRing(0), rx = out.rxRing(0);
        List<Integer> sent = new ArrayList<>(), got = new ArrayList<>();
        int seq = 0, received = 0;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (received < count && System.nanoTime() < deadline) {
            while (seq < count && tx.space() > 0) {
                int i = tx.head();
                tx.buffers().putInt(tx.slotBufOffset(i) + seqOff, seq++);
                tx.len(i, len);
                sent.add(tx.bufIdx(i));
                tx.advance(tx.next(i));
            }
            in.txsync();
            out.poll(NetmapPort.POLLIN, 100);
            for (int j = rx.head(); j != rx.tail(); j = rx.next(j)) {
                assertEquals(received, rx.buffers().getInt(rx.slotBufOffset(j) + seqOff), "order");
                assertEquals(len, rx.len(j));
                got.add(rx.bufIdx(j));
                received++;
            }
            rx.advance(rx.tail());
        }
        assertEquals(count, received, "frames through the bridge");
        if (sameBuffers) assertEquals(sent, got, "zero copy: the receiver gets the sender's very buffers");
        return got;
    }

    @Test
    void forwardsBothWaysZeroCopyWithinOneRegion() throws Exception {
        try (NetmapPort left = NetmapPort.open("netmap:" + id + "}1"); NetmapPort right = NetmapPort.open("netmap:" + id + "}2")) {
            Running b = new Running("-i", "netmap:" + id + "{1", "-i", "netmap:" + id + "{2", "-w", "0", "-n", "3", "-T", "500");
            Thread.sleep(500);
            pass(left, right, 5000, 60, true);
            pass(right, left, 5000, 1514, true);
            b.waitFor();
            assertEquals(0, b.rc.get(), b.err.toString());
            assertTrue(b.out.toString().contains("zero copy"), b.out.toString());
            assertTrue(b.out.toString().contains("forwarded 5000 packets"), b.out.toString());
        }
    }

    @Test
    void bridgesAValePortToAPipeEnd() throws Exception {
        String sw = "valebr" + ProcessHandle.current().pid();
        try (NetmapPort host = NetmapPort.open("netmap:" + sw + ":y"); NetmapPort wire = NetmapPort.open("netmap:" + id + "v}1")) {
            Running b = new Running("-i", sw + ":x", "-i", "netmap:" + id + "v{1", "-w", "0", "-n", "3");
            Thread.sleep(500);
            broadcastHeaders(host, 1);
            broadcastHeaders(wire, 2);
            pass(host, wire, 500, 60, false, 14);   // VALE port y -> switch (flooded) -> x -> bridge -> pipe
            pass(wire, host, 500, 1514, false, 14); // and back
            b.waitFor();
            assertEquals(0, b.rc.get(), b.err.toString());
            assertTrue(b.out.toString().contains("copying"), b.out.toString());
        }
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertEquals(2, Bridge.run(new PrintWriter(out, true), new PrintWriter(err, true), "-i", "vale0:z"));
        assertTrue(err.toString().contains("no host rings"), err.toString());
    }

    /** An Ethernet header in every TX buffer: to everyone, from a unicast MAC of host {@code h}. */
    private static void broadcastHeaders(NetmapPort p, int h) {
        NetmapRing tx = p.txRing(0);
        for (int i = 0; i < tx.numSlots(); i++) {
            int off = tx.slotBufOffset(i);
            for (int k = 0; k < 6; k++) tx.buffers().putByte(off + k, (byte) 0xff);
            tx.buffers().putInt(off + 6, 0x02 | h << 8);
            tx.buffers().putShort(off + 10, (short) 0);
        }
    }

    @Test
    void copiesBetweenRegions() throws Exception {
        try (NetmapPort left = NetmapPort.open("netmap:" + id + "a}1"); NetmapPort right = NetmapPort.open("netmap:" + id + "b}1")) {
            Running b = new Running("-i", "netmap:" + id + "a{1", "-i", "netmap:" + id + "b{1", "-w", "0", "-n", "2");
            Thread.sleep(500);
            pass(left, right, 3000, 200);
            b.waitFor();
            assertEquals(0, b.rc.get(), b.err.toString());
            assertTrue(b.out.toString().contains("copying"), b.out.toString());
        }
    }

    @Test
    void badPortIsOneClearLineAndExitOne() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Bridge.run(new PrintWriter(out, true), new PrintWriter(err, true), "-i", "netmap:nosuchnic0", "-i", "netmap:" + id + "{9", "-w", "0");
        assertEquals(1, rc);
        String e = err.toString().strip();
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.startsWith("bridge: no port named 'nosuchnic0'"), e);
    }

    @Test
    void usageErrorsExitTwo() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertEquals(2, Bridge.run(new PrintWriter(out, true), new PrintWriter(err, true), "-i", "a", "-i", "b", "-i", "c"));
        assertEquals(2, Bridge.run(new PrintWriter(out, true), new PrintWriter(err, true), "-i", "netmap:x{1", "-b", "0"));
        assertEquals(2, Bridge.run(new PrintWriter(out, true), new PrintWriter(err, true)));
    }
}
