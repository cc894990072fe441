package io.jnetmap.tools.pktgen;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.OffHeapBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** Two pkt-gens on the two ends of a pipe (two threads of this JVM), as two shells would run them. */
class PipeRunTest {
    @TempDir
    Path dir;

    private static Cli.Result[] pair(String[] receiver, String[] sender) throws Exception {
        Cli.Running rx = Cli.start(receiver);
        Thread.sleep(200);
        Cli.Result tx = Cli.run(sender);
        return new Cli.Result[] {tx, rx.await()};
    }

    @Test
    void txseqToRxseqHundredThousandPacketsWithoutAGap() throws Exception {
        String p = Cli.pipe();
        Cli.Result[] r = pair(new String[] {"-f", "rxseq", "-i", "netmap:" + p + "}1", "-n", "100000"},
                new String[] {"-f", "txseq", "-i", "netmap:" + p + "{1", "-n", "100000"});
        assertEquals(0, r[0].rc(), r[0].toString());
        assertEquals(0, r[1].rc(), r[1].toString());
        assertTrue(r[0].out().contains("Sending on netmap:" + p + "{1: 1 queues, 1 threads"), r[0].out());
        assertTrue(r[0].out().contains("Sent 100000 packets 6000000 bytes"), r[0].out());
        assertTrue(r[1].out().contains("Receiving from netmap:" + p + "}1"), r[1].out());
        assertTrue(r[1].out().contains("Received 100000 packets 6000000 bytes"), r[1].out());
        assertTrue(r[1].out().contains("Sequence: 0 gaps (0 packets missing), 0 out of order."), r[1].out());
        assertFalse(r[1].err().contains("Sequence GAP"), r[1].err());
        assertFalse(Cli.regionLeft(p));
    }

    /**
     * netmap's pipes hand a released slot back whole (*ts = *rs): a receiver that keeps each frame
     * and gives back another buffer (here poisoned with 0xEE) marks it NS_BUF_CHANGED, and pkt-gen,
     * which writes each buffer's frame once, must see the flag and write the frame again rather
     * than send the poison.
     */
    @Test
    void pktGenBehindAReceiverThatSwapsBuffersNeverSendsAStaleFrame() throws Exception {
        String p = Cli.pipe();
        int count = 20_000;
        try (NetmapPort s = NetmapPort.open("netmap:" + p + "}1")) {
            Cli.Running tx = Cli.start("-f", "tx", "-i", "netmap:" + p + "{1", "-n", Integer.toString(count), "-l", "60");
            NetmapRing rx = s.rxRing(0), spare = s.txRing(0); // the slave never sends: its TX buffers are its spares
            int bufSize = s.region().bufSize();
            int j = spare.head();
            long got = 0, stale = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (got < count && System.nanoTime() < deadline) {
                s.poll(NetmapPort.POLLIN, 100);
                for (int i = rx.head(); i != rx.tail(); i = rx.next(i)) {
                    int off = rx.slotBufOffset(i);
                    if (rx.len(i) != 60 || rx.buffers().getByte(off + 12) != 0x08 || rx.buffers().getByte(off + 13) != 0x00) stale++;
                    got++;
                    spare.buffers().fill(spare.slotBufOffset(j), bufSize, (byte) 0xEE);
                    rx.swapBuffers(i, spare, j); // keep the frame, give the pipe the poisoned buffer
                    j = spare.next(j);
                    if (j == spare.tail()) j = spare.head();
                }
                rx.advance(rx.tail());
            }
            while (!tx.result.isDone() && System.nanoTime() < deadline) s.poll(NetmapPort.POLLIN, 10); // give the last slots back: pkt-gen waits for them
            Cli.Result r = tx.await();
            assertEquals(0, r.rc(), r.toString());
            assertEquals(count, got, "frames received");
            assertEquals(0, stale, "frames that were a swapped-in buffer's old contents, not pkt-gen's frame");
        }
        assertFalse(Cli.regionLeft(p));
    }

    @Test
    void rxseqReportsGapsAndReorderingLikeNetmap() throws Exception {
        // numbered frames 0 1 2 5 6 4 7: a gap (3, 4 missing), 4 out of order, then 7 where 5 was expected (netmap
        // restarts the expectation from what it found)
        FrameTemplate t = FrameTemplate.udp(MacAddress.ZERO, MacAddress.BROADCAST, FrameTemplate.DEFAULT_SOURCE, FrameTemplate.DEFAULT_DESTINATION, 60);
        List<byte[]> frames = new ArrayList<>();
        for (int s : new int[] {0, 1, 2, 5, 6, 4, 7}) {
            byte[] f = t.bytes();
            f[42] = (byte) (s >>> 24); f[43] = (byte) (s >>> 16); f[44] = (byte) (s >>> 8); f[45] = (byte) s;
            frames.add(f);
        }
        Path file = Files.write(dir.resolve("seq.pcap"), PcapTest.pcap(ByteOrder.LITTLE_ENDIAN, false, 1, frames));
        String p = Cli.pipe();
        Cli.Result[] r = pair(new String[] {"-f", "rxseq", "-i", "netmap:" + p + "}1", "-n", "7"},
                new String[] {"-f", "tx", "-i", "netmap:" + p + "{1", "-P", file.toString()});
        assertEquals(0, r[1].rc(), r[1].toString());
        assertTrue(r[1].out().contains("Sequence: 2 gaps (4 packets missing), 1 out of order."), r[1].out());
        assertTrue(r[1].err().contains("Sequence GAP: exp 3 found 5"), r[1].err());
        assertTrue(r[1].err().contains("Sequence OUT OF ORDER: exp 7 found 4"), r[1].err());
        assertTrue(r[1].err().contains("Sequence GAP: exp 5 found 7"), r[1].err());
    }

    @Test
    void pingAndPongOverAPipeGiveRoundTripTimesWithoutLoss() throws Exception {
        String p = Cli.pipe();
        Cli.Result[] r = pair(new String[] {"-f", "pong", "-i", "netmap:" + p + "}1", "-n", "3000"},
                new String[] {"-f", "ping", "-i", "netmap:" + p + "{1", "-n", "3000", "-R", "10000", "-T", "100"});
        assertEquals(0, r[0].rc(), r[0].toString());
        assertEquals(0, r[1].rc(), r[1].toString());
        assertTrue(r[0].out().contains("Working on netmap:" + p + "{1"), r[0].out());
        assertTrue(r[0].out().contains("Sent 3000 packets"), r[0].out());
        Matcher m = Pattern.compile("RTT over 3000 packets: min (\\d+) av (\\d+) max (\\d+) ns, p50 (\\d+) p90 (\\d+) p99 (\\d+) p99\\.9 (\\d+) ns, 0 lost")
                .matcher(r[0].out());
        assertTrue(m.find(), r[0].out());
        assertTrue(Long.parseLong(m.group(1)) > 0 && Long.parseLong(m.group(1)) <= Long.parseLong(m.group(4)), m.group());
        assertTrue(r[0].err().contains("RTT: min "), "per-interval RTT lines: " + r[0].err());
        assertTrue(r[1].out().contains("Echoed 3000 packets"), r[1].out());
        assertFalse(Cli.regionLeft(p));
    }

    @Test
    void pingSelfTestInOneProcess() {
        Cli.Result r = Cli.run("-f", "ping", "-n", "1000");
        assertEquals(0, r.rc(), r.toString());
        assertTrue(r.out().contains("RTT over 1000 packets: min "), r.out());
        assertTrue(Pattern.compile("(?m)^Pipe pktgen\\w+: 1000 pings, 1000 replies, 0 lost, RTT p50 \\d+ ns").matcher(r.out()).find(), r.out());
    }

    @Test
    void recordedPcapHoldsExactlyTheFramesSent() throws Exception {
        String p = Cli.pipe();
        Path out = dir.resolve("rx.pcap");
        int n = 5000;
        Cli.Result[] r = pair(new String[] {"-f", "rx", "-i", "netmap:" + p + "}1", "-n", "" + n, "-o", out.toString()},
                new String[] {"-f", "tx", "-i", "netmap:" + p + "{1", "-n", "" + n, "-l", "77",
                        "-s", "10.0.0.1:5000-10.0.0.3:5003", "-d", "10.9.0.1:80-81", "-S", "02:00:00:00:00:01", "-D", "02:00:00:00:00:02"});
        assertEquals(0, r[0].rc(), r[0].toString());
        assertEquals(0, r[1].rc(), r[1].toString());
        assertTrue(r[0].out().contains("10.0.0.1:5000-10.0.0.3:5003 -> 10.9.0.1:80-81 (02:00:00:00:00:01 -> 02:00:00:00:00:02)"), r[0].out());
        PcapReader.Capture c = PcapReader.read(out);
        assertEquals(n, c.size());
        Ipv4Range s = Ipv4Range.parse("10.0.0.1:5000-10.0.0.3:5003"), d = Ipv4Range.parse("10.9.0.1:80-81");
        FrameTemplate t = FrameTemplate.udp(MacAddress.parse("02:00:00:00:00:01"), MacAddress.parse("02:00:00:00:00:02"), s, d, 77);
        FrameRewriter expected = new FrameRewriter(t, s, d, false, false, FrameRewriter.Payload.FIXED, 77, 1);
        long prevTs = 0, now = System.currentTimeMillis() * 1000;
        try (OffHeapBuffer buf = OffHeapBuffer.allocate(2048)) {
            byte[] e = new byte[77];
            for (int i = 0; i < n; i++) {
                expected.writeNext(buf, 0, i == 0);
                buf.getBytes(0, e, 0, 77);
                PcapReader.Record rec = c.records().get(i);
                assertArrayEquals(e, rec.data(), "frame " + i);
                Frames.assertValid(rec.data(), 77, "frame " + i);
                long ts = rec.seconds() * 1_000_000 + rec.fraction();
                assertTrue(ts >= prevTs && Math.abs(ts - now) < 600_000_000L, "timestamp " + ts + " of frame " + i);
                prevTs = ts;
            }
        }
    }

    @Test
    void aPcapFileIsReplayedByteExactLoopingWithN() throws Exception {
        List<byte[]> frames = PcapTest.randomFrames(37, 7);
        Path in = Files.write(dir.resolve("in.pcap"), PcapTest.pcap(ByteOrder.BIG_ENDIAN, true, 1, frames));
        String p = Cli.pipe();
        Path out = dir.resolve("out.pcap");
        Cli.Result[] r = pair(new String[] {"-f", "rx", "-i", "netmap:" + p + "}1", "-n", "100", "-o", out.toString()},
                new String[] {"-f", "tx", "-i", "netmap:" + p + "{1", "-P", in.toString(), "-n", "100"});
        assertEquals(0, r[0].rc(), r[0].toString());
        assertTrue(r[0].out().contains("Frames from " + in + ": 37 frames of "), r[0].out());
        PcapReader.Capture c = PcapReader.read(out);
        assertEquals(100, c.size());
        for (int i = 0; i < 100; i++) assertArrayEquals(frames.get(i % 37), c.records().get(i).data(), "frame " + i);

        // without -n: the file once
        String q = Cli.pipe();
        Path once = dir.resolve("once.pcap");
        Cli.Running rx = Cli.start("-f", "rx", "-i", "netmap:" + q + "}1", "-o", once.toString(), "--duration", "3");
        Thread.sleep(200);
        Cli.Result tx = Cli.run("-f", "tx", "-i", "netmap:" + q + "{1", "-P", in.toString());
        assertTrue(tx.out().contains("Sent 37 packets"), tx.toString());
        rx.await();
        assertEquals(37, PcapReader.read(once).size());
        assertFalse(Cli.regionLeft(p));
        assertFalse(Cli.regionLeft(q));
    }

    @Test
    void tcpdumpFindsTheChecksumsRight() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/tcpdump")) || Files.isExecutable(Path.of("/usr/sbin/tcpdump")),
                "tcpdump is not installed");
        String tcpdump = Files.isExecutable(Path.of("/usr/sbin/tcpdump")) ? "/usr/sbin/tcpdump" : "/usr/bin/tcpdump";
        String p = Cli.pipe();
        Path out = dir.resolve("ck.pcap");
        Cli.Result[] r = pair(new String[] {"-f", "rxseq", "-i", "netmap:" + p + "}1", "-n", "400", "-o", out.toString()},
                new String[] {"-f", "txseq", "-i", "netmap:" + p + "{1", "-n", "400", "-l", "1514", "-l", "60",
                        "-s", "198.18.0.1:1000-198.18.0.9:1010", "-z", "-Z"});
        assertEquals(0, r[1].rc(), r[1].toString());
        Process t = new ProcessBuilder(tcpdump, "-r", out.toString(), "-vv", "-n").redirectErrorStream(true).start();
        String dump = new String(t.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(t.waitFor(30, TimeUnit.SECONDS));
        assertFalse(dump.contains("bad"), dump);
        assertFalse(dump.contains("incorrect"), dump);
        assertEquals(400, dump.split("udp sum ok", -1).length - 1, dump);
        assertTrue(dump.contains("198.19.0.1."), dump);
    }

    static String read(Path p) throws IOException { return Files.readString(p); }
}
