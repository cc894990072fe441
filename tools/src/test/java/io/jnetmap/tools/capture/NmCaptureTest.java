package io.jnetmap.tools.capture;

import io.jnetmap.sys.OffHeapBuffer;
import io.jnetmap.tools.pktgen.PcapReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** Issue #16: nm-capture on a pipe another thread drives at full speed. */
class NmCaptureTest {
    @TempDir
    Path dir;

    private static int counter;

    static String unique() { return "cap" + ProcessHandle.current().pid() + "x" + (++counter); }

    /** An nm-capture run in this process. */
    record Run(int exit, String out, String err) { }

    static CompletableFuture<Run> start(String... args) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
            int rc = NmCapture.execute(args, new PrintStream(o, true), new PrintStream(e, true), false);
            return new Run(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        }, task -> { // a thread each: captures block until their frames come (the common pool may have one thread)
            Thread t = new Thread(task, "nm-capture");
            t.setDaemon(true);
            t.start();
        });
    }

    static Run run(String... args) throws Exception {
        return start(args).get(60, TimeUnit.SECONDS);
    }

    static long seq(byte[] frame) {
        return Integer.toUnsignedLong(ByteBuffer.wrap(frame).order(ByteOrder.BIG_ENDIAN).getInt(PipeTraffic.SEQ_OFFSET));
    }

    static byte[] expectedFrame(long seq) {
        try (OffHeapBuffer b = OffHeapBuffer.allocate(256)) {
            PipeTraffic.frame(b, 0, seq);
            byte[] f = new byte[PipeTraffic.frameLength(seq)];
            b.getBytes(0, f, 0, f.length);
            return f;
        }
    }

    static long dropped(String err) {
        Matcher m = Pattern.compile("(\\d+) dropped by the monitor").matcher(err);
        long last = -1;
        while (m.find()) last = Long.parseLong(m.group(1));
        assertTrue(last >= 0, "no drop count in: " + err);
        return last;
    }

    /** Every frame intact, in order, none twice; gaps only where the monitor counted drops. */
    static void assertInOrder(List<byte[]> frames, long drops) {
        long gaps = 0;
        for (int i = 0; i < frames.size(); i++) {
            long s = seq(frames.get(i));
            assertArrayEquals(expectedFrame(s), frames.get(i), "frame " + s + " intact");
            if (i > 0) {
                long prev = seq(frames.get(i - 1));
                assertTrue(s > prev, "frame " + s + " after " + prev);
                gaps += s - prev - 1;
            }
        }
        assertTrue(gaps <= drops, gaps + " frames missing between the first and the last, " + drops + " counted as dropped");
    }

    @Test
    void aPcapFileHoldsWhatThePortSentInOrderWithNanosecondTimestamps() throws Exception {
        Path f = dir.resolve("tx.pcap");
        long before = System.currentTimeMillis() / 1000;
        Run r;
        try (PipeTraffic t = new PipeTraffic(unique(), 0).start()) {
            r = run("-i", t.master + "/t", "-w", f.toString(), "-c", "5000");
        }
        assertEquals(0, r.exit(), r.err());
        long after = System.currentTimeMillis() / 1000 + 1;
        PcapReader.Capture c = PcapReader.read(f);
        assertTrue(c.nanosecond(), "nanosecond pcap");
        assertEquals(5000, c.size());
        List<byte[]> frames = new ArrayList<>();
        long lastNanos = 0;
        for (PcapReader.Record rec : c.records()) {
            frames.add(rec.data());
            assertEquals(rec.data().length, rec.wireLength());
            assertTrue(rec.seconds() >= before && rec.seconds() <= after, "timestamp " + rec.seconds());
            long ns = rec.seconds() * 1_000_000_000L + rec.fraction();
            assertTrue(ns >= lastNanos, "timestamps never go back");
            lastNanos = ns;
        }
        assertInOrder(frames, dropped(r.err()));
        assertTrue(r.err().contains("5000 frames captured"), r.err());
    }

    @Test
    void withWaitACaptureStartedBeforeTheOwnerGetsItsFirstFrames() throws Exception {
        Path f = dir.resolve("early.pcap");
        String name = unique();
        CompletableFuture<Run> cap = start("-i", "netmap:" + name + "{1/t", "-w", f.toString(), "-c", "100", "--wait", "30");
        Thread.sleep(300); // it is waiting: no process has the port open yet
        assertFalse(cap.isDone(), "it waits for the port");
        try (PipeTraffic t = new PipeTraffic(name, 0)) {
            awaitMonitors(List.of(cap), name + "{1");
            t.start();
            Run r = cap.get(60, TimeUnit.SECONDS);
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.err().contains("waiting up to 30 s for a process to open " + name + "{1"), r.err());
        }
        PcapReader.Capture c = PcapReader.read(f);
        assertEquals(100, c.size());
        for (int i = 0; i < 100; i++) assertEquals(i, seq(c.records().get(i).data()), "from the first frame the port sent");
        Run late = run("-i", "netmap:" + unique() + "{1/t", "-w", f.toString(), "--wait", "0.3");
        assertEquals(1, late.exit(), "no port after the wait: the usual error");
        assertTrue(late.err().contains("no jnetmap process has port"), late.err());
    }

    @Test
    void pcapngCarriesEachFramesDirectionAndTheSnapLength() throws Exception {
        Path tx = dir.resolve("tx.pcapng"), rx = dir.resolve("rx.pcapng");
        try (PipeTraffic t = new PipeTraffic(unique(), 0)) {
            CompletableFuture<Run> a = start("-i", t.master + "/rt", "-w", tx.toString(), "-c", "300", "--pcapng", "-q");
            CompletableFuture<Run> b = start("-i", t.slave + "/rt", "-w", rx.toString(), "-c", "300", "--pcapng", "-s", "50", "-q");
            awaitMonitors(List.of(a, b), t.master.substring("netmap:".length()), t.slave.substring("netmap:".length()));
            t.start();
            assertEquals(0, a.get(60, TimeUnit.SECONDS).exit());
            assertEquals(0, b.get(60, TimeUnit.SECONDS).exit());
        }
        List<int[]> sent = Pcapng.read(tx), received = Pcapng.read(rx);
        assertEquals(300, sent.size());
        assertEquals(300, received.size());
        for (int[] p : sent) assertEquals(CaptureFile.EPB_OUTBOUND, p[2], "the master end sent these");
        for (int[] p : received) assertEquals(CaptureFile.EPB_INBOUND, p[2], "the slave end received these");
        for (int[] p : received) assertEquals(50, p[0], "captured length cut to the snap length");
        for (int[] p : received) assertTrue(p[1] >= 60, "original length kept");
    }

    /** Waits until the ports' owners see a monitor watching (nm-capture runs started in other threads). */
    static void awaitMonitors(List<CompletableFuture<Run>> runs, String... ports) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (String p : ports)
            while (!io.jnetmap.rings.MonitoredPorts.list().stream().anyMatch(x -> x.name().equals(p) && x.monitors() > 0)) {
                for (CompletableFuture<Run> r : runs) if (r.isDone()) fail("nm-capture ended early: " + r.get());
                assertTrue(System.nanoTime() < deadline, "no monitor on " + p);
                Thread.sleep(10);
            }
    }

    @Test
    void ringBufferFilesAreNamedAsTcpdumpNamesThemAndStandAlone() throws Exception {
        Path base = dir.resolve("ring.pcap");
        Run r;
        try (PipeTraffic t = new PipeTraffic(unique(), 0).start()) {
            r = run("-i", t.master, "-w", base.toString(), "-c", "3000", "-C", "10k", "-W", "3", "-q");
        }
        assertEquals(0, r.exit(), r.err());
        for (int i = 0; i < 3; i++) {
            Path f = dir.resolve("ring.pcap" + i);
            assertTrue(Files.exists(f), f + " exists");
            assertTrue(Files.size(f) <= 10 * 1024, f + " within -C");
            assertTrue(PcapReader.read(f).size() > 0);
        }
        assertFalse(Files.exists(dir.resolve("ring.pcap3")));
        assertFalse(Files.exists(base), "with -W, every file has a number");

        Path plain = dir.resolve("series.pcap");
        try (PipeTraffic t = new PipeTraffic(unique(), 0).start()) {
            r = run("-i", t.master, "-w", plain.toString(), "-c", "1000", "-C", "10k", "-q");
        }
        assertEquals(0, r.exit(), r.err());
        long total = PcapReader.read(plain).size();
        for (int i = 1; Files.exists(dir.resolve("series.pcap" + i)); i++) total += PcapReader.read(dir.resolve("series.pcap" + i)).size();
        assertEquals(1000, total, "FILE, FILE1, FILE2, ... hold every frame");
        assertTrue(Files.exists(dir.resolve("series.pcap2")));
    }

    @Test
    void whenTheOwnerClosesThePortTheCaptureEndsCleanly() throws Exception {
        Path f = dir.resolve("end.pcap");
        CompletableFuture<Run> cap;
        try (PipeTraffic t = new PipeTraffic(unique(), 1000)) {
            cap = start("-i", t.master + "/t", "-w", f.toString());
            awaitMonitors(List.of(cap), t.master.substring("netmap:".length()));
            t.start();
            t.join();
        }
        Run r = cap.get(30, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("closed by its owner"), r.err());
        assertEquals(1000, PcapReader.read(f).size() + dropped(r.err()));
    }

    @Test
    void badUsageSaysWhatToDo() throws Exception {
        Run r = run("-w", dir.resolve("x").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("give -i netmap:NAME/rt"), r.err());
        r = run("-i", "netmap:nobody" + unique() + "/rt", "-w", dir.resolve("x").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no jnetmap process has port"), r.err());
        try (PipeTraffic t = new PipeTraffic(unique(), 0)) {
            r = run("-i", t.master + "/z", "-w", dir.resolve("x").toString());
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("/rt"), r.err());
        }
        r = run("-i", "netmap:x{1/rt", "-w", dir.resolve("x").toString(), "-W", "3");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("-W needs -C"), r.err());
        r = run("-i", "netmap:x{1/rt", "-w", dir.resolve("x").toString(), "-C", "lots");
        assertEquals(2, r.exit());
    }

    @Test
    void listsThePortsJnetmapProcessesHaveOpen() throws Exception {
        String n = unique();
        try (PipeTraffic t = new PipeTraffic(n, 0)) {
            Run r = run("-D");
            assertEquals(0, r.exit());
            assertTrue(r.out().contains("netmap:" + n + "{1/rt  (process " + ProcessHandle.current().pid()), r.out());
        }
    }

    @Test
    void speaksWiresharksExtcapProtocol() throws Exception {
        String n = unique();
        try (PipeTraffic t = new PipeTraffic(n, 0)) {
            Run r = run("--extcap-interfaces", "--extcap-version=4.0");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().startsWith("extcap {version="), r.out());
            String line = r.out().lines().filter(l -> l.contains("value=netmap:" + n + "%7B1}")).findFirst().orElse("");
            assertTrue(line.matches("interface \\{value=netmap:" + n + "%7B1\\}\\{display=jnetmap [^{}]*\\}"), r.out());
            r = run("--extcap-dlts", "--extcap-interface", "netmap:" + n + "%7B1");
            assertEquals("dlt {number=1}{name=EN10MB}{display=Ethernet}", r.out().strip());
            r = run("--extcap-config", "--extcap-interface", "netmap:" + n + "%7B1", "--extcap-some-future-option", "x");
            assertEquals(0, r.exit(), "options a later Wireshark adds are ignored: " + r.err());
            assertTrue(r.out().contains("{call=--direction}") && r.out().contains("{call=--snaplen}"), r.out());
            assertEquals("netmap:" + n + "{1", Extcap.portName("netmap:" + n + "%7B1"));
        }
        assertEquals(2, run("--bogus").exit(), "outside extcap calls, unknown options are errors");
    }

    /** Reads pcapng blocks: checks the section and interface, returns each EPB as {captured, original, flags}. */
    static final class Pcapng {
        static List<int[]> read(Path f) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(CaptureFile.SHB, b.getInt(0));
            assertEquals(CaptureFile.BYTE_ORDER_MAGIC, b.getInt(8));
            List<int[]> packets = new ArrayList<>();
            boolean nanos = false;
            int p = 0;
            while (p < b.limit()) {
                int type = b.getInt(p), len = b.getInt(p + 4);
                assertEquals(len, b.getInt(p + len - 4), "block length repeated at its end");
                if (type == CaptureFile.IDB) {
                    assertEquals(1, b.getShort(p + 8), "Ethernet");
                    for (int o = p + 16; o < p + len - 4; ) {
                        int code = b.getShort(o) & 0xffff, olen = b.getShort(o + 2) & 0xffff;
                        if (code == CaptureFile.IF_TSRESOL) nanos = b.get(o + 4) == 9;
                        if (code == 0) break;
                        o += 4 + ((olen + 3) & ~3);
                    }
                } else if (type == CaptureFile.EPB) {
                    int cap = b.getInt(p + 20), orig = b.getInt(p + 24), flags = -1;
                    for (int o = p + 28 + ((cap + 3) & ~3); o < p + len - 4; ) {
                        int code = b.getShort(o) & 0xffff, olen = b.getShort(o + 2) & 0xffff;
                        if (code == CaptureFile.EPB_FLAGS) flags = b.getInt(o + 4);
                        if (code == 0) break;
                        o += 4 + ((olen + 3) & ~3);
                    }
                    packets.add(new int[] {cap, orig, flags & 3});
                }
                p += len;
            }
            assertTrue(nanos, "if_tsresol 9: nanoseconds");
            return packets;
        }
    }
}
