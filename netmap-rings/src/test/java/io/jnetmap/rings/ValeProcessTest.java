package io.jnetmap.rings;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jnetmap.rings.ValeFrames.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue #15: ports of one VALE switch in two and three JVMs, and a sender killed with SIGKILL
 * in the middle of a copy (it holds a lease it will never finish) not stopping the others.
 */
class ValeProcessTest {
    private static final int RECEIVER = 0;
    private final String sw = uniqueSwitch("p");

    /** A sender JVM; its stdout is read line by line. */
    private static final class Child implements AutoCloseable {
        final Process proc;
        final BufferedReader out;
        final OutputStream in;

        Child(String port, int sender, int count, boolean stall) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(
                    ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    ValeSenderMain.class.getName(), port, Integer.toString(sender), Integer.toString(count),
                    Integer.toString(RECEIVER)));
            if (stall) cmd.add("stall");
            proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            out = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8));
            in = proc.getOutputStream();
        }

        void expect(String line) throws Exception {
            String l;
            while ((l = out.readLine()) != null) if (l.equals(line)) return;
            fail("sender exited (" + proc.waitFor() + ") before printing " + line);
        }

        void go() throws Exception { in.write('\n'); in.flush(); }

        @Override
        public void close() { proc.destroyForcibly(); }
    }

    /** What the receiver saw: per sender the next expected sequence (frames must come in order), frames, empty frames. */
    private static final class Tally {
        final int[] next = new int[8];
        long frames, empty;
        long firstFrameNanos;

        void take(NetmapPort p) {
            p.rxsync();
            NetmapRing rx = p.rxRing(0);
            int i = rx.head();
            while (i != rx.tail()) {
                int len = rx.len(i), off = rx.slotBufOffset(i);
                if (len == 0) {
                    empty++;
                } else {
                    assertEquals(60, len);
                    int s = rx.buffers().getInt(off + 14), seq = rx.buffers().getInt(off + 18);
                    assertTrue(seq >= next[s], "sender " + s + ": frame " + seq + " after " + (next[s] - 1) + ": out of order");
                    next[s] = seq + 1;
                    if (frames++ == 0) firstFrameNanos = System.nanoTime();
                }
                i = rx.next(i);
            }
            rx.advance(i);
            p.rxsync();
        }
    }

    private NetmapPort openReceiver() {
        NetmapPort r = NetmapPort.open("netmap:" + sw + ":r");
        send(r, BROADCAST, mac(RECEIVER), RECEIVER, 0); // the switch learns the receiver's MAC
        return r;
    }

    private long drops(String port) {
        return ValeSwitch.list().stream().filter(p -> p.fullName().equals(sw + ":" + port)).findFirst().orElseThrow().dropped();
    }

    private void receiveUntilDone(NetmapPort r, Tally t, List<Child> senders, long total) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            r.poll(NetmapPort.POLLIN, 200);
            t.take(r);
            boolean alive = senders.stream().anyMatch(c -> c.proc.isAlive());
            if (!alive && t.frames + drops("r") >= total) break;
            assertTrue(System.nanoTime() < deadline, "timed out with " + t.frames + " frames and " + drops("r") + " drops of " + total);
        }
        for (Child c : senders) assertEquals(0, c.proc.exitValue(), "a sender failed");
    }

    private void run(int senders, int each) throws Exception {
        try (NetmapPort r = openReceiver()) {
            List<Child> cs = new ArrayList<>();
            try {
                for (int s = 1; s <= senders; s++) cs.add(new Child("netmap:" + sw + ":s" + s, s, each, false));
                for (Child c : cs) c.expect("READY");
                for (Child c : cs) c.go();
                Tally t = new Tally();
                receiveUntilDone(r, t, cs, (long) senders * each);
                assertEquals((long) senders * each, t.frames + drops("r"), "every frame arrived or was counted as dropped");
                assertEquals(0, t.empty);
                assertTrue(t.frames > 0);
                for (int s = 1; s <= senders; s++) assertTrue(t.next[s] > 0, "nothing from sender " + s);
            } finally {
                cs.forEach(Child::close);
            }
        }
    }

    @Test
    void twoJvmsOneSenderOneReceiver() throws Exception {
        run(1, 500_000);
    }

    @Test
    void threeJvmsTwoSendersIntoOneReceiver() throws Exception {
        run(2, 300_000);
    }

    @Test
    void aSenderKilledInTheMiddleOfACopyDoesNotStopTheOthers() throws Exception {
        try (NetmapPort r = openReceiver()) {
            try (Child stuck = new Child("netmap:" + sw + ":k", 1, 1000, true);
                 Child other = new Child("netmap:" + sw + ":o", 2, 20_000, false)) {
                stuck.expect("READY");
                other.expect("READY");
                stuck.go();
                stuck.expect("STALLED"); // it holds a lease in r's ring and will never finish it
                other.go();
                other.expect("DONE");
                Tally t = new Tally();
                for (int k = 0; k < 5; k++) { r.poll(NetmapPort.POLLIN, 100); t.take(r); }
                assertEquals(0, t.frames, "frames published past a lease that is still being copied");
                long killed = System.nanoTime();
                stuck.proc.destroyForcibly(); // SIGKILL
                assertTrue(stuck.proc.waitFor(10, TimeUnit.SECONDS));
                while (t.frames == 0 && System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(10)) {
                    r.poll(NetmapPort.POLLIN, 200);
                    t.take(r);
                }
                assertTrue(t.frames > 0, "the other sender's frames never arrived after the stuck one was killed");
                long recoveryMs = (t.firstFrameNanos - killed) / 1_000_000;
                System.out.println("VALE recovery after SIGKILL: " + recoveryMs + " ms");
                assertTrue(t.empty > 0, "the dead sender's slots should arrive as empty frames");
                assertEquals(20_000, t.frames + drops("r"), "every frame of the other sender arrived or was counted");
                assertEquals(1, ValeSwitch.list().stream().filter(p -> p.fullName().equals(sw + ":r")).findFirst().orElseThrow().recovered());
                // the dead sender's port is gone at the next look; the live one closed its own
                assertEquals(List.of("r"), ValeSwitch.list().stream().filter(p -> p.switchName().equals(sw)).map(ValeSwitch.PortInfo::port).toList());
                // and the ring works on: a new sender gets through
                try (NetmapPort s = NetmapPort.open("netmap:" + sw + ":n")) {
                    send(s, mac(RECEIVER), mac(3), 3, 0);
                    r.poll(NetmapPort.POLLIN, 1000);
                    t.take(r);
                    assertEquals(1, t.next[3]);
                }
            }
        }
        assertFalse(Arrays.asList(new java.io.File("/dev/shm").list()).contains("jnetmap." + sw));
    }
}
