package io.jnetmap.rings;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * netmap's nm_kr_tryget: a second sync of a ring that is inside a sync backs off. The layout the
 * igb README recommends, one thread per ring on {@code netmap:X-K} plus a thread in poll() on
 * {@code netmap:X} (which syncs every ring), must never run two syncs of one ring at once: that
 * would import packets twice, send slots twice and corrupt the tail.
 */
class ConcurrentSyncTest {
    private MemoryRegion region;

    /**
     * A NIC whose RX rings receive numbered packets without end and whose TX rings send at once,
     * as a driver would reconcile its descriptors: plain fields per ring, no locks. Counts syncs
     * of one ring that overlap.
     */
    static final class NumberingNic extends NetmapAdapter {
        final AtomicInteger[] inSync = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
        final AtomicInteger overlaps = new AtomicInteger();
        final int[] nextRx = new int[2], nextTx = new int[2];
        volatile String txError;

        NumberingNic(MemoryRegion region) {
            super("numnic", region);
            createKrings(2, 2, 0, 0, 64, 64);
        }

        private void enter(int i) { if (inSync[i].incrementAndGet() > 1) overlaps.incrementAndGet(); }
        private void leave(int i) { inSync[i].decrementAndGet(); }

        @Override public int txsync(Kring k, int flags) {
            enter(k.ringId());
            try {
                NetmapRing r = k.ring();
                for (int i = k.hwcur(); i != k.rhead(); i = k.next(i)) {
                    int seq = r.buffers().getInt(r.slotBufOffset(i));
                    if (seq != nextTx[k.ringId()] && txError == null)
                        txError = "TX ring " + k.ringId() + " sent " + seq + ", expected " + nextTx[k.ringId()];
                    nextTx[k.ringId()] = seq + 1;
                    Thread.onSpinWait();
                }
                k.hwcur(k.rhead());
                k.hwtail(k.prev(k.rhead()));
                return 0;
            } finally {
                leave(k.ringId());
            }
        }

        @Override public int rxsync(Kring k, int flags) {
            enter(2 + k.ringId());
            try {
                NetmapRing r = k.ring();
                k.hwcur(k.rhead());
                int t = k.hwtail(), stop = k.prev(k.hwcur());
                for (; t != stop; t = k.next(t)) {
                    r.buffers().putInt(r.slotBufOffset(t), nextRx[k.ringId()]++);
                    r.len(t, 60);
                    Thread.onSpinWait();
                }
                k.hwtail(t);
                return 0;
            } finally {
                leave(2 + k.ringId());
            }
        }

        @Override protected void register(boolean on) { }
        @Override protected void destroy() { freeKrings(); }
    }

    @BeforeEach
    void setUp() {
        region = MemoryRegion.createPrivate("csync" + ProcessHandle.current().pid(),
                RegionConfig.defaults().withBuffers(NetmapLayout.FIRST_BUFFER + 4 * 64 + 8).withMaxSlots(64).withRings(4).withIfs(4));
    }

    @AfterEach
    void tearDown() { region.close(); }

    @Test
    void pollOnAllRingsAndPerRingThreadsNeverSyncOneRingTwiceAtOnce() throws Exception {
        NumberingNic nic = new NumberingNic(region);
        NetmapPort all = NetmapPort.bind(PortName.parse("netmap:numnic"), nic);
        NetmapPort[] one = {NetmapPort.bind(PortName.parse("netmap:numnic-0"), nic), NetmapPort.bind(PortName.parse("netmap:numnic-1"), nic)};
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] received = new long[2], sent = new long[2];
        Thread poller = new Thread(() -> {
            try {
                while (!stop.get()) all.poll(NetmapPort.POLLIN | NetmapPort.POLLOUT, 0);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "poll on netmap:numnic");
        Thread[] workers = new Thread[2];
        for (int q = 0; q < 2; q++) {
            int ring = q;
            workers[q] = new Thread(() -> {
                try {
                    NetmapPort p = one[ring];
                    NetmapRing rx = p.rxRing(ring), tx = p.txRing(ring);
                    int expect = 0, seq = 0;
                    while (!stop.get()) {
                        p.rxsync(ring);
                        int t = rx.tail();
                        assertTrue(t >= 0 && t < rx.numSlots(), "tail " + t);
                        for (int i = rx.head(); i != t; i = rx.next(i)) {
                            int got = rx.buffers().getInt(rx.slotBufOffset(i));
                            if (got != expect) throw new AssertionError("RX ring " + ring + ": packet " + got + " where " + expect
                                    + " was due (imported twice or skipped)");
                            expect++;
                            received[ring]++;
                        }
                        rx.advance(t);
                        int i = tx.head();
                        for (int k = 0; k < 8 && i != tx.tail(); k++, i = tx.next(i)) {
                            tx.buffers().putInt(tx.slotBufOffset(i), seq++);
                            tx.len(i, 60);
                            sent[ring]++;
                        }
                        tx.advance(i);
                        p.txsync(ring);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "netmap:numnic-" + ring);
        }
        poller.start();
        for (Thread w : workers) w.start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < end && failure.get() == null) Thread.sleep(20);
        stop.set(true);
        poller.join(5000);
        for (Thread w : workers) w.join(5000);
        try {
            if (failure.get() != null) throw new AssertionError("a thread failed", failure.get());
            assertEquals(0, nic.overlaps.get(), "syncs of one ring that ran at the same time");
            assertNull(nic.txError, "a TX slot sent twice or skipped");
            for (int q = 0; q < 2; q++) {
                assertTrue(received[q] > 1000, "ring " + q + " received only " + received[q]);
                assertTrue(sent[q] > 1000, "ring " + q + " sent only " + sent[q]);
            }
        } finally {
            for (NetmapPort p : one) p.close();
            all.close();
        }
    }

    /** A process killed inside a sync leaves its pid in the busy word; the next sync takes the ring over. */
    @Test
    void aRingLeftBusyByADeadProcessIsTakenOverAndOneBusyInALiveProcessIsSkipped() throws Exception {
        NumberingNic nic = new NumberingNic(region);
        try (NetmapPort p = NetmapPort.bind(PortName.parse("netmap:numnic-0"), nic)) {
            Kring k = nic.rxKring(0);
            Process gone = new ProcessBuilder("true").start();
            gone.waitFor();
            int dead = (int) gone.pid();
            region.memory().putIntVolatile((int) k.busyWordOffset(), dead);
            p.rxsync(0);
            assertEquals(63, p.rxRing(0).tail(), "the sync ran: a dead holder does not wedge the ring");
            assertEquals(0, k.busyHolder(), "and released it");

            int live = (int) ProcessHandle.current().parent().orElseThrow().pid(); // a live process, not ours
            region.memory().putIntVolatile((int) k.busyWordOffset(), live);
            NetmapRing rx = p.rxRing(0);
            rx.advance(rx.tail());
            assertEquals(Kring.BUSY, k.rxsync(SyncFlags.FORCE_READ), "a ring busy in a live process is skipped");
            p.rxsync(0); // no error, as netmap's NIOCRXSYNC on a busy ring
            assertEquals(0, k.hwcur(), "nothing was released while the ring was busy elsewhere");
            region.memory().putIntVolatile((int) k.busyWordOffset(), 0);
            p.rxsync(0);
            assertEquals(63, k.hwcur());
        }
    }
}
