package io.jnetmap.rings;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

class PipeTest {
    private final String name = "pipetest" + ProcessHandle.current().pid() + "_" + System.nanoTime() % 100000;

    @AfterEach
    void noRegionFileLeft() {
        assertFalse(Files.exists(MemoryRegion.fileFor(name, RegionConfig.defaults())), "region file left behind");
    }

    @Test
    void framesCrossThePipeInOrderWithTheirBytes() {
        try (NetmapPort m = NetmapPort.open("netmap:" + name + "{1");
             NetmapPort s = NetmapPort.open("netmap:" + name + "}1")) {
            NetmapRing tx = m.txRing(0), rx = s.rxRing(0);
            assertEquals(1023, tx.space());
            assertTrue(rx.empty());
            for (int n = 0; n < 10; n++) {
                int i = tx.head();
                tx.buffers().putInt(tx.slotBufOffset(i), 1000 + n);
                tx.len(i, 60 + n);
                tx.advance(tx.next(i));
            }
            m.txsync();
            assertEquals(1013, tx.space(), "TX space comes back only when the receiver releases");
            s.rxsync();
            assertEquals(10, rx.space());
            for (int n = 0; n < 10; n++) {
                int i = rx.head();
                assertEquals(60 + n, rx.len(i));
                assertEquals(1000 + n, rx.buffers().getInt(rx.slotBufOffset(i)));
                rx.advance(rx.next(i));
            }
            s.rxsync();
            m.txsync();
            assertEquals(1023, tx.space());
        }
    }

    @Test
    void pollBlocksUntilThePeerSends() throws Exception {
        try (NetmapPort m = NetmapPort.open("netmap:" + name + "{2");
             NetmapPort s = NetmapPort.open("netmap:" + name + "}2")) {
            assertEquals(0, s.poll(NetmapPort.POLLIN, 50));
            AtomicReference<Throwable> err = new AtomicReference<>();
            Thread sender = new Thread(() -> {
                try {
                    Thread.sleep(100);
                    NetmapRing tx = m.txRing(0);
                    tx.len(tx.head(), 64);
                    tx.advance(tx.next(tx.head()));
                    m.txsync();
                } catch (Throwable t) { err.set(t); }
            });
            sender.start();
            long t0 = System.nanoTime();
            assertEquals(NetmapPort.POLLIN, s.poll(NetmapPort.POLLIN, 10_000));
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
            sender.join();
            assertNull(err.get());
        }
    }

    @Test
    void anIdlePollSleepsInsteadOfSpinning() {
        try (NetmapPort m = NetmapPort.open("netmap:" + name + "{3");
             NetmapPort s = NetmapPort.open("netmap:" + name + "}3")) {
            var threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpu0 = threads.getCurrentThreadCpuTime(), t0 = System.nanoTime();
            assertEquals(0, s.poll(NetmapPort.POLLIN, 500));
            long wall = System.nanoTime() - t0, cpu = threads.getCurrentThreadCpuTime() - cpu0;
            assertTrue(wall >= 500_000_000L, "poll returned before its timeout: " + wall + " ns");
            // a short spin before sleeping is allowed (jnetmap.poll.spinMicros); burning the timeout is not
            assertTrue(cpu < wall / 5, "poll used " + cpu / 1_000_000 + " ms of CPU in " + wall / 1_000_000 + " ms of waiting");
        }
    }
}
