package io.jnetmap.rings;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs in a second JVM for {@link MonitorTest}: opens both ends of pipe NAME{1 / NAME}1, waits for
 * the file {@code go}, sends {@code count} numbered frames through at full speed, then closes.
 */
public final class MonitoredOwnerMain {
    public static void main(String[] args) throws Exception {
        String name = args[0];
        int count = Integer.parseInt(args[1]);
        Path go = Path.of(args[2]);
        try (NetmapPort a = NetmapPort.open("netmap:" + name + "{1"); NetmapPort b = NetmapPort.open("netmap:" + name + "}1")) {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Files.exists(go)) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("no monitor came");
                Thread.sleep(5);
            }
            NetmapRing tx = a.txRing(0), rx = b.rxRing(0);
            int seq = 0, received = 0;
            while (received < count) {
                int i = tx.head();
                for (int k = 0; k < 64 && tx.space() > 0 && seq < count; k++) {
                    tx.buffers().putInt(tx.slotBufOffset(i), seq++);
                    tx.len(i, 60);
                    i = tx.next(i);
                    tx.advance(i);
                }
                a.txsync();
                b.rxsync();
                for (int j = rx.head(); j != rx.tail(); j = rx.next(j)) {
                    if (rx.buffers().getInt(rx.slotBufOffset(j)) != received) throw new IllegalStateException("pipe out of order");
                    received++;
                }
                rx.advance(rx.tail());
                b.rxsync();
            }
        }
    }
}
