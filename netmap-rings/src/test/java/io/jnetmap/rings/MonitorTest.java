package io.jnetmap.rings;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jnetmap.rings.NetmapLayout.NS_TXMON;
import static org.junit.jupiter.api.Assertions.*;

/** Issue #16: copy monitor ports (/r, /t, /rt) on pipe ends, in this process and from another one. */
class MonitorTest {
    private static int counter;

    private static String unique() { return "mon" + ProcessHandle.current().pid() + "x" + (++counter); }

    /** A frame a monitor saw: sequence number, direction, length, capture time. */
    record Seen(int seq, boolean tx, int len, long nanos) { }

    /** Reads every frame the monitor holds now and releases them. */
    static List<Seen> drain(NetmapPort mon) {
        List<Seen> seen = new ArrayList<>();
        mon.rxsync();
        for (int r = mon.firstRxRing(); r <= mon.lastRxRing(); r++) {
            NetmapRing rx = mon.rxRing(r);
            for (int i = rx.head(); i != rx.tail(); i = rx.next(i))
                seen.add(new Seen(rx.buffers().getInt(rx.slotBufOffset(i)), (rx.slotFlags(i) & NS_TXMON) != 0, rx.len(i), rx.ptr(i)));
            rx.advance(rx.tail());
        }
        mon.rxsync();
        return seen;
    }

    /** Sends {@code k} frames from {@code from}'s TX ring and reads them at {@code to}; returns what {@code to} got. */
    static List<Integer> transfer(NetmapPort from, NetmapPort to, int k, int firstSeq, int len) {
        from.txsync(); // the space the receiver released
        RingOps.send(from.txRing(0), k, firstSeq, len);
        from.txsync();
        to.rxsync();
        List<Integer> got = RingOps.consumeAll(to.rxRing(0));
        to.rxsync();
        return got;
    }

    @Test
    void aCopyMonitorSeesEveryFrameOnceInOrderWithItsDirection() {
        String n = unique();
        try (NetmapPort a = NetmapPort.open("netmap:" + n + "{1");
             NetmapPort b = NetmapPort.open("netmap:" + n + "}1");
             NetmapPort rt = NetmapPort.open("netmap:" + n + "{1/rt");
             NetmapPort r = NetmapPort.open("netmap:" + n + "{1/r");
             NetmapPort t = NetmapPort.open("netmap:" + n + "{1/t")) {
            long before = System.currentTimeMillis() * 1_000_000L;
            List<Seen> all = new ArrayList<>(), rxOnly = new ArrayList<>(), txOnly = new ArrayList<>();
            List<Seen> expected = new ArrayList<>();
            int seq = 0;
            for (int round = 0; round < 40; round++) {
                int k = 1 + (round * 37) % 300;
                // a's TX frames, then frames a receives from b
                assertEquals(k, transfer(a, b, k, seq, 60 + round).size());
                for (int j = 0; j < k; j++) expected.add(new Seen(seq + j, true, 60 + round, 0));
                seq += k;
                assertEquals(k / 2 + 1, transfer(b, a, k / 2 + 1, seq, 100 + round).size());
                for (int j = 0; j < k / 2 + 1; j++) expected.add(new Seen(seq + j, false, 100 + round, 0));
                seq += k / 2 + 1;
                all.addAll(drain(rt));
                rxOnly.addAll(drain(r));
                txOnly.addAll(drain(t));
            }
            long after = System.currentTimeMillis() * 1_000_000L + 1_000_000_000L;
            assertEquals(strip(expected), strip(all), "/rt: every frame once, in order, flagged by direction");
            assertEquals(strip(expected.stream().filter(s -> !s.tx()).toList()), strip(rxOnly), "/r sees only received frames");
            assertEquals(strip(expected.stream().filter(Seen::tx).toList()), strip(txOnly), "/t sees only sent frames");
            for (Seen s : all) assertTrue(s.nanos() >= before - 1_000_000_000L && s.nanos() <= after, "capture time " + s.nanos());
            MonitorAdapter m = (MonitorAdapter) rt.adapter();
            assertEquals(0, m.drops());
        }
    }

    private static List<Seen> strip(List<Seen> l) {
        return l.stream().map(s -> new Seen(s.seq(), s.tx(), s.len(), 0)).toList();
    }

    @Test
    void aMonitorThatDoesNotReadDropsAndCountsWhileTheOwnerRunsAtFullSpeed() {
        String n = unique();
        try (NetmapPort a = NetmapPort.open("netmap:" + n + "{1");
             NetmapPort b = NetmapPort.open("netmap:" + n + "}1");
             NetmapPort mon = NetmapPort.open("netmap:" + n + "{1/t")) {
            int slots = a.txRing(0).numSlots(), total = 0;
            for (int round = 0; round < 20; round++) {
                List<Integer> got = transfer(a, b, slots / 2, total, 64);
                assertEquals(slots / 2, got.size(), "the owner's traffic is not held back by the monitor");
                total += slots / 2;
            }
            MonitorAdapter m = (MonitorAdapter) mon.adapter();
            List<Seen> seen = drain(mon);
            assertEquals(slots - 1, seen.size(), "the monitor ring holds what fitted");
            assertEquals(total - (slots - 1), m.drops(), "the rest was dropped and counted");
            for (int i = 1; i < seen.size(); i++) assertTrue(seen.get(i).seq() > seen.get(i - 1).seq(), "in order");
            // once it reads again it sees new frames
            transfer(a, b, 10, total, 64);
            assertEquals(10, drain(mon).size());
        }
    }

    @Test
    void whenTheOwnerClosesTheMonitorReadsWhatItHoldsThenSeesEndOfStream() {
        String n = unique();
        NetmapPort a = NetmapPort.open("netmap:" + n + "{1");
        NetmapPort b = NetmapPort.open("netmap:" + n + "}1");
        try (NetmapPort mon = NetmapPort.open("netmap:" + n + "{1/t")) {
            transfer(a, b, 5, 0, 60);
            a.close();
            assertEquals(NetmapPort.POLLIN, mon.poll(NetmapPort.POLLIN, 1000));
            NetmapRing rx = mon.rxRing(0);
            assertEquals(List.of(0, 1, 2, 3, 4), RingOps.consumeAll(rx), "frames sent before the close are still delivered");
            int ev = mon.poll(NetmapPort.POLLIN, 1000);
            assertEquals(NetmapPort.POLLERR, ev & NetmapPort.POLLERR, "end of stream");
            assertTrue(mon.lastError().contains("closed by its owner"), mon.lastError());
        } finally {
            b.close();
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetmapPort.open("netmap:" + n + "{1/rt"));
        assertTrue(e.getMessage().contains("no jnetmap process has port '" + n + "{1' open"), e.getMessage());
    }

    @Test
    void zeroCopyMonitorsAreRefusedNamingTheCopyMonitors() {
        String n = unique();
        try (NetmapPort a = NetmapPort.open("netmap:" + n + "{1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetmapPort.open("netmap:" + n + "{1/z"));
            assertTrue(e.getMessage().contains("/r") && e.getMessage().contains("/t") && e.getMessage().contains("/rt"), e.getMessage());
        }
    }

    @Test
    void openPortsAreListedForDiscovery() {
        String n = unique();
        try (NetmapPort a = NetmapPort.open("netmap:" + n + "{1")) {
            assertTrue(MonitoredPorts.list().stream().anyMatch(p -> p.name().equals(n + "{1")
                    && p.ownerPid() == ProcessHandle.current().pid() && p.monitorSpec().equals("netmap:" + n + "{1/rt")));
        }
        assertTrue(MonitoredPorts.list().stream().noneMatch(p -> p.name().equals(n + "{1")), "gone after close");
    }

    @Test
    void aMonitorInThisProcessWatchesAPortAnotherProcessDrives() throws Exception {
        String n = unique();
        int frames = 200_000;
        Path log = Files.createTempFile("monitored-owner", ".log");
        Path go = Files.createTempFile("monitored-owner", ".go");
        Files.delete(go);
        List<String> cmd = ChildJvm.command(MonitoredOwnerMain.class, n, Integer.toString(frames), go.toString());
        Process owner = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            NetmapPort mon = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (mon == null) {
                try {
                    mon = NetmapPort.open("netmap:" + n + "{1/rt");
                } catch (IllegalArgumentException notYet) {
                    assertTrue(owner.isAlive(), Files.readString(log));
                    assertTrue(System.nanoTime() < deadline, "owner never opened the port: " + Files.readString(log));
                    Thread.sleep(20);
                }
            }
            try (NetmapPort m = mon) {
                Files.writeString(go, "go");
                int expected = 0, last = -1;
                boolean ended = false;
                while (!ended) {
                    int ev = m.poll(NetmapPort.POLLIN, 10_000);
                    assertNotEquals(0, ev, "no frame and no end of stream in 10 s at frame " + expected + ": " + Files.readString(log));
                    NetmapRing rx = m.rxRing(0);
                    for (int i = rx.head(); i != rx.tail(); i = rx.next(i)) {
                        int seq = rx.buffers().getInt(rx.slotBufOffset(i));
                        assertTrue(seq > last, "frame " + seq + " after " + last + ": in order, none twice");
                        assertTrue((rx.slotFlags(i) & NS_TXMON) != 0, "a sent frame");
                        last = seq;
                        expected++;
                    }
                    rx.advance(rx.tail());
                    if ((ev & NetmapPort.POLLERR) != 0) {
                        assertTrue(m.lastError().contains("closed by its owner"), m.lastError());
                        ended = true;
                    }
                }
                long drops = ((MonitorAdapter) m.adapter()).drops();
                assertEquals(frames, expected + drops, "every frame seen or counted as dropped");
                assertTrue(expected > 0);
            }
            assertTrue(owner.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, owner.exitValue(), Files.readString(log));
        } finally {
            owner.destroyForcibly();
            Files.deleteIfExists(log);
            Files.deleteIfExists(go);
        }
        assertTrue(MonitorControl.regionNames(RegionConfig.SHM).stream().noneMatch(r -> r.startsWith(MonitorControl.regionPrefix(n + "{1"))),
                "monitor region left behind");
    }

    @Test
    void aMonitorOfAReceivingEndSeesEachFrameOnceWhileTheSenderInAnotherProcessKeepsPublishing() throws Exception {
        String n = unique();
        int frames = 200_000;
        Path log = Files.createTempFile("pipe-sender", ".log");
        try (NetmapPort rxEnd = NetmapPort.open("netmap:" + n + "}1"); NetmapPort mon = NetmapPort.open("netmap:" + n + "}1/r")) {
            java.util.concurrent.atomic.AtomicReference<String> monitorFailure = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.atomic.AtomicLong monitored = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread watcher = new Thread(() -> {
                long last = -1;
                try {
                    while (!stop.get()) {
                        int ev = mon.poll(NetmapPort.POLLIN, 200);
                        NetmapRing rx = mon.rxRing(0);
                        for (int i = rx.head(); i != rx.tail(); i = rx.next(i)) {
                            int seq = rx.buffers().getInt(rx.slotBufOffset(i));
                            if (seq <= last) throw new AssertionError("frame " + seq + " after " + last);
                            last = seq;
                            monitored.incrementAndGet();
                        }
                        rx.advance(rx.tail());
                        if ((ev & NetmapPort.POLLERR) != 0) return;
                    }
                } catch (Throwable t) {
                    monitorFailure.set(t.toString());
                }
            }, "monitor");
            watcher.start();
            Process sender = new ProcessBuilder(ChildJvm.command(PipeSenderMain.class, "netmap:" + n + "{1", Integer.toString(frames)))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                NetmapRing rx = rxEnd.rxRing(0);
                int expected = 0;
                while (expected < frames) {
                    assertNotEquals(0, rxEnd.poll(NetmapPort.POLLIN, 10_000), "stalled at " + expected + ": " + Files.readString(log));
                    for (int i = rx.head(); i != rx.tail(); i = rx.next(i)) assertEquals(expected++, rx.buffers().getInt(rx.slotBufOffset(i)));
                    rx.advance(rx.tail());
                }
                rxEnd.rxsync();
                assertTrue(sender.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, sender.exitValue(), Files.readString(log));
            } finally {
                sender.destroyForcibly();
                long until = System.nanoTime() + 10_000_000_000L; // the monitor reads what it holds
                while (monitored.get() + ((MonitorAdapter) mon.adapter()).drops() < frames && System.nanoTime() < until) Thread.sleep(10);
                stop.set(true);
                watcher.join(10_000); // before the ports close under it
            }
            assertFalse(watcher.isAlive());
            assertNull(monitorFailure.get());
            assertEquals(frames, monitored.get() + ((MonitorAdapter) mon.adapter()).drops(), "each frame seen once or counted as dropped");
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void aPacketWhoseFragmentsAreSentInTwoSyncsIsSeenOnce() {
        String n = unique();
        try (NetmapPort a = NetmapPort.open("netmap:" + n + "{1");
             NetmapPort b = NetmapPort.open("netmap:" + n + "}1");
             NetmapPort mon = NetmapPort.open("netmap:" + n + "{1/t")) {
            NetmapRing tx = a.txRing(0);
            int h = tx.head();
            for (int f = 0; f < 3; f++) { // fragments 0 and 1 now, 2 (the last) at the next sync
                tx.buffers().putInt(tx.slotBufOffset(h), 100 + f);
                tx.len(h, 64);
                tx.slotFlags(h, f < 2 ? NetmapLayout.NS_MOREFRAG : 0);
                h = tx.next(h);
                if (f == 1) {
                    tx.advance(h);
                    a.txsync(); // the pipe keeps the unfinished packet
                }
            }
            tx.advance(h);
            a.txsync();
            b.rxsync();
            assertEquals(List.of(100, 101, 102), RingOps.consumeAll(b.rxRing(0)), "the receiver gets the packet once");
            List<Integer> seen = drain(mon).stream().map(Seen::seq).toList();
            assertEquals(List.of(100, 101, 102), seen, "so does the monitor");
        }
    }

    @Test
    void aPipeWithALongNameCanBeMonitoredToo() {
        String n = unique() + "_a_rather_long_pipe_name_0123456789";
        try (NetmapPort a = NetmapPort.open("netmap:" + n + "{1");
             NetmapPort b = NetmapPort.open("netmap:" + n + "}1");
             NetmapPort mon = NetmapPort.open("netmap:" + n + "{1/t")) {
            transfer(a, b, 3, 7, 60);
            assertEquals(List.of(7, 8, 9), drain(mon).stream().map(Seen::seq).toList());
        }
    }

    @Test
    void neitherTheOwnerNorTheMonitorAllocatesPerFrame() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        String n = unique();
        try (NetmapPort a = NetmapPort.open("netmap:" + n + "{1");
             NetmapPort b = NetmapPort.open("netmap:" + n + "}1");
             NetmapPort mon = NetmapPort.open("netmap:" + n + "{1/rt")) {
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicLong frames = new java.util.concurrent.atomic.AtomicLong(), seen = new java.util.concurrent.atomic.AtomicLong();
            Thread owner = new Thread(() -> {
                NetmapRing tx = a.txRing(0), rx = b.rxRing(0);
                int seq = 0;
                while (!stop.get()) {
                    a.txsync();
                    int h = tx.head();
                    for (int k = 0; k < 64 && tx.space() > 0; k++) {
                        tx.buffers().putInt(tx.slotBufOffset(h), seq++);
                        tx.len(h, 60);
                        h = tx.next(h);
                        tx.advance(h);
                    }
                    a.txsync();
                    b.rxsync();
                    rx.advance(rx.tail());
                    b.rxsync();
                    frames.lazySet(seq);
                }
            }, "owner");
            Thread watcher = new Thread(() -> {
                NetmapRing rx = mon.rxRing(0);
                long count = 0;
                while (!stop.get()) {
                    mon.poll(NetmapPort.POLLIN, 100);
                    for (int i = rx.head(); i != rx.tail(); i = rx.next(i)) count += rx.len(i) > 0 ? 1 : 0;
                    rx.advance(rx.tail());
                    seen.lazySet(count);
                }
            }, "monitor");
            owner.start();
            watcher.start();
            Thread.sleep(1500); // warmed up and compiled
            long o1 = mx.getThreadAllocatedBytes(owner.getId()), m1 = mx.getThreadAllocatedBytes(watcher.getId()), f1 = frames.get();
            Thread.sleep(1500);
            long o2 = mx.getThreadAllocatedBytes(owner.getId()), m2 = mx.getThreadAllocatedBytes(watcher.getId()), f2 = frames.get();
            stop.set(true);
            owner.join(10_000);
            watcher.join(10_000);
            assertFalse(owner.isAlive() || watcher.isAlive(), "both threads left before the ports close");
            assertTrue(f2 - f1 > 10_000, "frames flowed: " + (f2 - f1));
            assertTrue(seen.get() > 0, "the monitor saw frames");
            assertTrue(o2 - o1 < 16 * 1024, "the owner allocated " + (o2 - o1) + " bytes over " + (f2 - f1) + " frames");
            // the monitor looks for a dead owner twice a second (a /proc lookup, a few KiB): nothing per frame
            assertTrue(m2 - m1 < 64 * 1024, "the monitor allocated " + (m2 - m1) + " bytes over " + (f2 - f1) + " frames");
        }
    }

    @Test
    void aMonitorHasMaxOfTxAndRxRingsAndRingIWatchesRingPairI() {
        try (NicFixture f = NicFixture.create(2, 3, 0, 0, 64)) {
            NetmapPort port = f.open("netmap:test0");
            try (NetmapPort mon = NetmapPort.open("netmap:test0/rt")) {
                assertEquals(0, mon.firstRxRing());
                assertEquals(2, mon.lastRxRing(), "max(2 TX, 3 RX) monitor rings");
                RingOps.send(port.txRing(1), 3, 10, 60); // loops back to RX ring 1
                port.txsync();
                f.nic.inject(2, RingOps.frame(20, 70));
                port.rxsync();
                List<Seen> seen = new ArrayList<>();
                mon.rxsync();
                for (int r = 0; r < 3; r++) {
                    NetmapRing rx = mon.rxRing(r);
                    for (int i = rx.head(); i != rx.tail(); i = rx.next(i))
                        seen.add(new Seen(r * 1000 + rx.buffers().getInt(rx.slotBufOffset(i)), (rx.slotFlags(i) & NS_TXMON) != 0, rx.len(i), 0));
                }
                assertEquals(List.of(new Seen(1010, true, 60, 0), new Seen(1011, true, 60, 0), new Seen(1012, true, 60, 0),
                        new Seen(1010, false, 60, 0), new Seen(1011, false, 60, 0), new Seen(1012, false, 60, 0),
                        new Seen(2020, false, 70, 0)), seen, "ring 1: sent, then received back; ring 2: received");
            }
        }
    }
    /** The frames a monitor holds in ring {@code r}, by the ValeFrames sender and sequence, with their direction; released. */
    static List<String> valeFrames(NetmapPort mon, int r) {
        mon.rxsync();
        NetmapRing rx = mon.rxRing(r);
        List<String> seen = new ArrayList<>();
        for (int i = rx.head(); i != rx.tail(); i = rx.next(i)) {
            int off = rx.slotBufOffset(i);
            seen.add(((rx.slotFlags(i) & NS_TXMON) != 0 ? "sent " : "received ") + rx.buffers().getInt(off + 14) + "/"
                    + rx.buffers().getInt(off + 18) + " " + rx.len(i));
        }
        rx.advance(rx.tail());
        mon.rxsync();
        return seen;
    }

    @Test
    void aMonitorOfAValePortSeesWhatItSendsAndWhatTheSwitchDeliversToIt() {
        String sw = ValeFrames.uniqueSwitch("m");
        try (NetmapPort a = NetmapPort.open("netmap:" + sw + ":a");
             NetmapPort b = NetmapPort.open("netmap:" + sw + ":b");
             NetmapPort c = NetmapPort.open("netmap:" + sw + ":c");
             NetmapPort rt = NetmapPort.open("netmap:" + sw + ":a/rt");
             NetmapPort t = NetmapPort.open("netmap:" + sw + ":b/t")) {
            assertTrue(MonitoredPorts.list().stream().anyMatch(p -> p.monitorSpec().equals("netmap:" + sw + ":a/rt")),
                    "VALE ports are listed for nm-capture -D and the extcap");
            List<String> expectA = new ArrayList<>(), expectB = new ArrayList<>();
            for (int seq = 0; seq < 50; seq++) {
                ValeFrames.send(a, ValeFrames.BROADCAST, ValeFrames.mac(1), 1, seq); // flooded to b and c
                expectA.add("sent 1/" + seq + " 60");
                ValeFrames.send(b, ValeFrames.mac(1), ValeFrames.mac(2), 2, seq); // learned: to a only
                expectB.add("sent 2/" + seq + " 60");
                ValeFrames.send(c, ValeFrames.mac(2), ValeFrames.mac(3), 3, seq); // to b only: a's monitor never sees it
                assertEquals(1, ValeFrames.drain(a).size());
                expectA.add("received 2/" + seq + " 60");
                ValeFrames.drain(b);
                ValeFrames.drain(c);
            }
            assertEquals(expectA, valeFrames(rt, 0), "/rt on a VALE port: its frames both ways, in order, by direction");
            assertEquals(expectB, valeFrames(t, 0), "/t: only what b sent");
            assertEquals(0, ((MonitorAdapter) rt.adapter()).drops() + ((MonitorAdapter) t.adapter()).drops());
        }
    }
}
