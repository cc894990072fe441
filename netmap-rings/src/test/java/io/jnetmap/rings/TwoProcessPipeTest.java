package io.jnetmap.rings;

import io.jnetmap.sys.OffHeapBuffer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Issue #2: one process sends 1,000,000 numbered frames over a pipe, the other receives them all, in order, intact. */
class TwoProcessPipeTest {
    static final int FRAMES = 1_000_000;

    static int frameLength(int seq) { return 60 + (seq * 7) % 200; }

    /** Frame bytes: the sequence number, then a pattern that depends on it and on the position. */
    static void fill(OffHeapBuffer b, int off, int seq, int len) {
        b.putInt(off, seq);
        for (int j = 4; j < len; j += 4) b.putInt(off + j, seq * 31 + j);
    }

    static boolean intact(OffHeapBuffer b, int off, int seq, int len) {
        if (b.getInt(off) != seq) return false;
        for (int j = 4; j + 4 <= len; j += 4) if (b.getInt(off + j) != seq * 31 + j) return false;
        return true;
    }

    @Test
    void aMillionFramesCrossFromAnotherJvmInOrderAndIntact() throws Exception {
        String name = "twojvm" + ProcessHandle.current().pid();
        Path log = Files.createTempFile("pipe-sender", ".log");
        List<String> cmd = ChildJvm.command(PipeSenderMain.class, "netmap:" + name + "{1", Integer.toString(FRAMES));
        Process sender = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (NetmapPort p = NetmapPort.open("netmap:" + name + "}1")) {
            NetmapRing rx = p.rxRing(0);
            int expected = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (expected < FRAMES) {
                if (p.poll(NetmapPort.POLLIN, 1000) == 0) {
                    assertTrue(sender.isAlive() || expected == FRAMES,
                            "sender exited early after " + expected + " frames: " + Files.readString(log));
                    assertTrue(System.nanoTime() < deadline, "timed out at frame " + expected);
                    continue;
                }
                int i = rx.head();
                while (i != rx.tail()) {
                    int len = rx.len(i);
                    assertEquals(frameLength(expected), len, "length of frame " + expected);
                    if (!intact(rx.buffers(), rx.slotBufOffset(i), expected, len))
                        fail("frame " + expected + " arrived damaged or out of order (found sequence "
                                + rx.buffers().getInt(rx.slotBufOffset(i)) + ")");
                    expected++;
                    i = rx.next(i);
                }
                rx.advance(i);
            }
            p.rxsync(); // release the last slots so the sender sees them back
            assertTrue(sender.waitFor(60, TimeUnit.SECONDS), "sender did not finish");
            assertEquals(0, sender.exitValue(), Files.readString(log));
            assertEquals(FRAMES, expected);
        } finally {
            sender.destroyForcibly();
            Files.deleteIfExists(log);
        }
        assertFalse(Files.exists(Path.of("/dev/shm/jnetmap." + name)), "region file left behind");
    }
}
