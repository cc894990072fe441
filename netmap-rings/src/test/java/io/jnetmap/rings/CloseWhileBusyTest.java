package io.jnetmap.rings;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import static io.jnetmap.rings.NetmapPort.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Closing a port while another thread of the process polls or syncs it, as netmap's close of an fd
 * another thread polls: that thread's call fails with a clear error and nothing touches the port's
 * memory after it is unmapped (before, the poll read a monitor's or pipe end's unmapped region and
 * the JVM died of SIGSEGV). Each case is repeated with the close at random moments: asleep in
 * poll, in poll's ring scan, in a sync, in the owner's copy into a monitor.
 */
class CloseWhileBusyTest {
    static final int ROUNDS = 150;
    private static int counter;

    private static String unique() { return "cwb" + ProcessHandle.current().pid() + "x" + (++counter); }

    /** How the busy thread's work ended: the message of its error. */
    interface Work { void run() throws Exception; }

    /**
     * Runs each of {@code works} on its own thread until it fails, closes {@code victim} from this
     * thread after a random short delay, and returns the error that ended the first work.
     */
    static String closeWhile(NetmapPort victim, Work... works) throws Exception {
        int n = works.length;
        AtomicReferenceArray<Throwable> ended = new AtomicReferenceArray<>(n);
        CountDownLatch started = new CountDownLatch(n), done = new CountDownLatch(n);
        for (int w = 0; w < n; w++) {
            Work work = works[w];
            int slot = w;
            Thread t = new Thread(() -> {
                started.countDown();
                try {
                    work.run();
                } catch (Throwable e) {
                    ended.set(slot, e);
                } finally {
                    done.countDown();
                }
            }, "busy-" + w);
            t.start();
        }
        started.await();
        long delay = ThreadLocalRandom.current().nextLong(2_000_000L);
        for (long end = System.nanoTime() + delay; System.nanoTime() < end; ) Thread.onSpinWait();
        victim.close();
        assertTrue(done.await(5, TimeUnit.SECONDS), "the busy threads end once the port is closed");
        for (int w = 0; w < n; w++) {
            Throwable e = ended.get(w);
            assertNotNull(e, "busy thread " + w + "'s call failed");
            assertTrue(e instanceof IllegalStateException && e.getMessage().contains(victim.name() + " is closed"),
                    "a clear error: " + e);
        }
        return ended.get(0).getMessage();
    }

    /** Polls until POLLERR, which it turns into an exception with the port's error. */
    static Work pollUntilError(NetmapPort p, int events) {
        return () -> {
            while (true) {
                int ev = p.poll(events, 1000);
                if ((ev & POLLERR) != 0) throw new IllegalStateException(p.lastError());
            }
        };
    }

    /** Syncs both directions until a sync throws (the port was closed). */
    static Work syncUntilError(NetmapPort p) {
        return () -> {
            while (true) {
                p.rxsync();
                p.txsync();
            }
        };
    }

    @Test
    void pollsAndSyncsOnAPipeEndEndWithAnErrorWhenAnotherThreadClosesIt() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String n = unique();
            try (NetmapPort master = NetmapPort.open("netmap:" + n + "{1")) {
                NetmapPort slave = NetmapPort.open("netmap:" + n + "}1");
                switch (round % 5) {
                    case 0 -> closeWhile(slave, pollUntilError(slave, POLLIN)); // asleep: nothing to read
                    case 1 -> {
                        RingOps.send(master.txRing(0), 8, 0, 60);
                        master.txsync();
                        closeWhile(slave, pollUntilError(slave, POLLIN)); // frames wait: poll scans and returns at once
                    }
                    case 2 -> closeWhile(slave, syncUntilError(slave));
                    // two threads inside the port at once: the second is counted apart from the first (NetmapPort.enter)
                    case 3 -> closeWhile(slave, pollUntilError(slave, POLLIN), syncUntilError(slave));
                    default -> closeWhile(slave, syncUntilError(slave), syncUntilError(slave));
                }
                assertEquals(POLLERR, slave.poll(POLLIN, 0), "a poll after close");
                assertTrue(slave.lastError().contains("is closed"), slave.lastError());
                assertThrows(IllegalStateException.class, slave::rxsync);
                slave.close(); // a second close does nothing
            }
        }
    }

    @Test
    void aPollOnAMonitorEndsWithAnErrorWhenAnotherThreadClosesTheMonitor() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String n = unique();
            try (NetmapPort a = NetmapPort.open("netmap:" + n + "{1");
                 NetmapPort b = NetmapPort.open("netmap:" + n + "}1")) {
                NetmapPort mon = NetmapPort.open("netmap:" + n + "{1/rt");
                if (round % 2 == 1) {
                    RingOps.send(a.txRing(0), 8, 0, 60);
                    a.txsync(); // the monitor holds frames it does not read
                }
                closeWhile(mon, pollUntilError(mon, POLLIN));
                // the owner goes on, and a new monitor attaches where the closed one was
                try (NetmapPort again = NetmapPort.open("netmap:" + n + "{1/t")) {
                    a.txsync();
                    RingOps.send(a.txRing(0), 3, 100, 60);
                    a.txsync();
                    again.rxsync();
                    assertEquals(java.util.List.of(100, 101, 102), RingOps.visible(again.rxRing(0)), "a new monitor sees what is sent now");
                }
            }
        }
    }

    @Test
    void anOwnerClosedWhileAnotherThreadSendsCopiesNothingIntoTheMonitorRegionItUnmapped() throws Exception {
        for (int round = 0; round < ROUNDS / 3; round++) {
            String n = unique();
            try (NetmapPort b = NetmapPort.open("netmap:" + n + "}1")) { // keeps the pipe's region mapped for the sender's ring writes
                NetmapPort a = NetmapPort.open("netmap:" + n + "{1");
                try (NetmapPort mon = NetmapPort.open("netmap:" + n + "{1/rt")) {
                    NetmapRing tx = a.txRing(0);
                    closeWhile(a, () -> {
                        for (int seq = 0; ; seq += 4) {
                            if (tx.space() >= 4) RingOps.send(tx, 4, seq, 60);
                            a.txsync(); // copies into the monitor's ring
                            b.rxsync();
                            RingOps.consumeAll(b.rxRing(0));
                            b.rxsync();
                        }
                    });
                    // the monitor drains what it got, then sees end of stream
                    int ev;
                    long deadline = System.nanoTime() + 5_000_000_000L;
                    do {
                        ev = mon.poll(POLLIN, 1000);
                        if ((ev & POLLIN) != 0) RingOps.consumeAll(mon.rxRing(0));
                        assertTrue(System.nanoTime() < deadline, "end of stream within 5 s");
                    } while ((ev & POLLERR) == 0);
                    assertTrue(mon.lastError().contains("closed by its owner"), mon.lastError());
                }
            }
        }
    }
}
