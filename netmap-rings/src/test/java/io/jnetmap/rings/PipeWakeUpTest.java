package io.jnetmap.rings;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A poll that goes to sleep while the peer, in another process, publishes must wake up: the
 * handshake of {@link AsymmetricFence}, where the waker has no fence of its own when the kernel
 * has membarrier. The sleeping end ({@link PipeWakeUpMain}) runs with a 30 s futex slice, so a
 * lost wake-up is a 30 s wait, which it reports; scheduling delays on a loaded machine are far
 * shorter. The busy end here spreads its publications over the poll's spin phase (20 µs by
 * default) and beyond, so many land while the other end is deciding to sleep.
 */
class PipeWakeUpTest {
    private static final int ROUNDS = 20_000;
    private final String name = "wakeup" + ProcessHandle.current().pid() + "_" + System.nanoTime() % 100000;

    static int length(int i) { return 60 + i % 1000; }

    @AfterEach
    void noRegionFileLeft() {
        assertFalse(Files.exists(MemoryRegion.fileFor(name, RegionConfig.defaults())), "region file left behind");
    }

    @Test
    void aReceiverAsleepInPollWakesForEveryPacket() throws Exception {
        try (NetmapPort m = NetmapPort.open("netmap:" + name + "{1")) {
            Process child = sleeper("netmap:" + name + "}1", "rx");
            NetmapRing tx = m.txRing(0);
            SplittableRandom rnd = new SplittableRandom(1);
            for (int i = 0; i < ROUNDS && child.isAlive(); i++) {
                while (tx.txPending() && child.isAlive()) { // one packet in flight: the receiver goes to sleep between them
                    Thread.onSpinWait();
                    m.txsync();
                }
                spin(rnd.nextLong(60_000));
                int h = tx.head();
                tx.len(h, length(i));
                tx.advance(tx.next(h));
                m.txsync();
            }
            finish(child);
        }
    }

    @Test
    void aSenderAsleepForRingSpaceWakesWhenTheReceiverFreesIt() throws Exception {
        try (NetmapPort s = NetmapPort.open("netmap:" + name + "}2@conf:slots=4")) {
            Process child = sleeper("netmap:" + name + "{2@conf:slots=4", "tx");
            NetmapRing rx = s.rxRing(0);
            SplittableRandom rnd = new SplittableRandom(2);
            for (int got = 0; got < ROUNDS && child.isAlive(); ) {
                s.rxsync();
                if (rx.head() == rx.tail()) continue;
                spin(rnd.nextLong(60_000)); // the sender has filled the ring and goes to sleep meanwhile
                assertEquals(length(got), rx.len(rx.head()), "packet " + got + " out of order");
                rx.advance(rx.next(rx.head()));
                s.rxsync(); // one slot back: the sender's TX space
                got++;
            }
            finish(child);
        }
    }

    private static Process sleeper(String port, String role) throws Exception {
        List<String> cmd = ChildJvm.command(PipeWakeUpMain.class, port, role, Integer.toString(ROUNDS));
        cmd.add(1, "-Djnetmap.pipe.sleepSliceMillis=30000");
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static void finish(Process child) throws Exception {
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the sleeping end did not finish");
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), out);
        assertTrue(out.contains("slowest wait"), out);
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) Thread.onSpinWait();
    }
}
