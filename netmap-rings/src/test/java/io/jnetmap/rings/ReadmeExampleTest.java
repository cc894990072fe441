package io.jnetmap.rings;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The ring example in README.md is this code: it must compile, run, and stay identical to the README's copy. */
class ReadmeExampleTest {

    static String example() {
        // README-BEGIN
        try (NetmapPort sender = NetmapPort.open("netmap:demo{1");     // pipe "1" of region "demo", master end
             NetmapPort receiver = NetmapPort.open("netmap:demo}1")) { // its slave end (may be another process)
            NetmapRing tx = sender.txRing(0);
            byte[] frame = "hello, netmap".getBytes(StandardCharsets.US_ASCII);
            int i = tx.head();                                         // slots [head, tail) are ours to fill
            tx.buffers().putBytes(tx.slotBufOffset(i), frame, 0, frame.length);
            tx.len(i, frame.length);
            tx.advance(tx.next(i));                                    // head = cur = next slot
            sender.txsync();                                           // hand the slot to the pipe

            NetmapRing rx = receiver.rxRing(0);
            receiver.poll(NetmapPort.POLLIN, 1000);                    // blocks until something arrives
            int j = rx.head();
            byte[] got = new byte[rx.len(j)];
            rx.buffers().getBytes(rx.slotBufOffset(j), got, 0, got.length);
            rx.advance(rx.next(j));                                    // give the slot back at the next sync
            receiver.rxsync();
            return new String(got, StandardCharsets.US_ASCII);
        }
        // README-END
    }

    @Test
    void theExampleSendsAFrameThroughAPipe() {
        assertEquals("hello, netmap", example());
    }

    @Test
    void theReadmeShowsThisCode() throws Exception {
        Path src = Path.of("src/test/java/io/jnetmap/rings/ReadmeExampleTest.java");
        Path readme = Path.of("../README.md");
        List<String> lines = Files.readAllLines(src);
        int a = -1, b = -1;
        for (int k = 0; k < lines.size(); k++) {
            if (lines.get(k).trim().equals("// README-BEGIN") && a < 0) a = k;
            if (lines.get(k).trim().equals("// README-END") && b < 0) b = k;
        }
        StringBuilder code = new StringBuilder();
        for (String l : lines.subList(a + 1, b)) code.append(l.length() >= 8 ? l.substring(8) : l.strip()).append('\n');
        String md = Files.readString(readme);
        assertTrue(md.contains(code.toString()), "README.md must contain the example exactly as in this test:\n" + code);
    }
}
