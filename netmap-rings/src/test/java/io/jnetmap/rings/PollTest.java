package io.jnetmap.rings;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static io.jnetmap.rings.NetmapPort.*;
import static io.jnetmap.rings.RingOps.*;
import static org.junit.jupiter.api.Assertions.*;

/** netmap-semantics.md §2.6, §3.4, §8.2, §8.6: poll readiness is cur != tail; poll also transmits. */
class PollTest {

    @Test
    void aTxRingWithRoomIsWritable() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapPort p = f.open();
            assertEquals(POLLOUT, p.poll(POLLOUT, 0));
            assertEquals(POLLOUT, p.poll(POLLOUT, 1000), "returns at once when ready");
        }
    }

    @Test
    void aFullTxRingIsWritableAgainOnlyAfterCompletions() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapPort p = f.open();
            NetmapRing tx = p.txRing(0);
            f.nic.completeAtOnce = false;
            send(tx, 7, 0, 60);
            assertEquals(0, p.poll(POLLOUT, 0), "cur == tail: not writable");
            assertEquals(7, f.nic.handedTx().size(), "poll pushed the pending slots");
            f.nic.complete(0, 3);
            assertEquals(POLLOUT, p.poll(POLLOUT, 0));
            assertEquals(2, tx.tail());
            assertEquals(3, tx.space());
        }
    }

    @Test
    void curAtTailMeansWaitForMoreSpaceEvenIfSomeIsFree() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapPort p = f.open();
            NetmapRing tx = p.txRing(0);
            f.nic.completeAtOnce = false;
            send(tx, 2, 0, 60);
            tx.cur(tx.tail()); // pkt-gen: the batch did not fit
            assertEquals(5, tx.space());
            assertEquals(0, p.poll(POLLOUT, 0), "space() > 0 but cur == tail: not ready");
            assertEquals(2, f.nic.handedTx().size());
            f.nic.complete(0, 1);
            p.txsync(); // forced reclaim moves tail past cur
            assertEquals(0, tx.tail());
            assertEquals(POLLOUT, p.poll(POLLOUT, 0));
        }
    }

    @Test
    void anRxRingIsReadableWhenCurIsNotTail() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapPort p = f.open("netmap:test0/R");
            NetmapRing rx = p.rxRing(0);
            assertEquals(0, p.poll(POLLIN, 0));
            f.nic.inject(0, frame(0, 60));
            f.nic.inject(0, frame(1, 60));
            assertEquals(POLLIN, p.poll(POLLIN, 0), "poll imported the packets");
            assertEquals(2, rx.tail());
            rx.cur(rx.tail()); // hold both, wait for more
            assertFalse(rx.empty());
            assertEquals(0, p.poll(POLLIN, 0), "held packets behind cur do not make the ring readable");
            f.nic.inject(0, frame(2, 60));
            assertEquals(POLLIN, p.poll(POLLIN, 0));
            rx.advance(rx.tail());
            assertEquals(0, p.poll(POLLIN, 0));
        }
    }

    @Test
    void aTimeoutReturnsZeroAfterTheTimeout() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapPort p = f.open();
            long t0 = System.nanoTime();
            assertEquals(0, p.poll(POLLIN, 60));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 55 && ms < 5000, "waited " + ms + " ms");
        }
    }

    @Test
    void pollWakesWhenAPacketArrivesFromAnotherThread() throws Exception {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapPort p = f.open();
            AtomicReference<Throwable> err = new AtomicReference<>();
            Thread wire = new Thread(() -> {
                try {
                    Thread.sleep(50);
                    f.nic.inject(0, frame(7, 60));
                } catch (Throwable t) { err.set(t); }
            });
            wire.start();
            long t0 = System.nanoTime();
            assertEquals(POLLIN, p.poll(POLLIN, 10_000));
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
            wire.join();
            assertNull(err.get());
            assertEquals(java.util.List.of(7), visible(p.rxRing(0)));
        }
    }

    @Test
    void bothDirectionsAreReportedTogether() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapPort p = f.open();
            f.nic.inject(0, frame(0, 60));
            assertEquals(POLLIN | POLLOUT, p.poll(POLLIN | POLLOUT, 0));
        }
    }

    @Test
    void pollTransmitsPendingSlotsEvenWithoutPollout() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapPort p = f.open();
            send(p.txRing(0), 2, 0, 60);
            assertEquals(POLLIN, p.poll(POLLIN, 0), "the looped-back frames came in during the same poll");
            assertEquals(2, f.nic.handedTx().size(), "NR_NO_TX_POLL is off by default");
            assertEquals(java.util.List.of(0, 1), visible(p.rxRing(0)));
        }
    }

    @Test
    void withNoTxPollOnlyPolloutOrAnIoctlTransmits() {
        try (NicFixture f = NicFixture.simple(8)) {
            PortName plain = PortName.parse("netmap:test0");
            PortName noTxPoll = new PortName(plain.spec(), plain.name(), plain.mode(), plain.ring(), plain.pipeId(),
                    plain.flags() | NetmapLayout.NR_NO_TX_POLL, plain.memId(), plain.conf());
            try (NetmapPort p = NetmapPort.bind(noTxPoll, f.nic)) {
                send(p.txRing(0), 2, 0, 60);
                assertEquals(0, p.poll(POLLIN, 0));
                assertTrue(f.nic.handedTx().isEmpty(), "NR_NO_TX_POLL: a POLLIN poll leaves TX alone");
                assertEquals(POLLOUT, p.poll(POLLOUT, 0));
                assertEquals(2, f.nic.handedTx().size(), "POLLOUT transmits");
                send(p.txRing(0), 1, 2, 60);
                p.txsync();
                assertEquals(3, f.nic.handedTx().size(), "so does NIOCTXSYNC");
            }
        }
    }

    @Test
    void aTxPointerViolationIsPollerrWithTheReasonInLastError() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapPort p = f.open();
            NetmapRing tx = p.txRing(0);
            tx.head(9);
            int rev = p.poll(POLLOUT, 0);
            assertEquals(POLLERR, rev & POLLERR);
            assertEquals(POLLOUT, rev & POLLOUT, "after the reset the ring has room");
            assertEquals("test0 TX ring 0: head 9 or cur 0 is outside the ring (8 slots); "
                    + "the ring was reset to head = cur = 0, tail = 7", p.lastError());
            assertEquals(0, tx.head());
            assertTrue(f.nic.handed.isEmpty());
        }
    }

    @Test
    void anRxPointerViolationIsPollerrAndThePacketsStillArrive() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapPort p = f.open("netmap:test0/R");
            NetmapRing rx = p.rxRing(0);
            f.nic.inject(0, frame(0, 60));
            rx.head(3);
            int rev = p.poll(POLLIN, 0);
            assertEquals(POLLERR | POLLIN, rev);
            assertTrue(p.lastError().startsWith("test0 RX ring 0: head 3 is outside [0, 0]"), p.lastError());
            assertEquals(java.util.List.of(0), visible(rx));
        }
    }
}
