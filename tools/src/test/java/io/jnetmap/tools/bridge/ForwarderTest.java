package io.jnetmap.tools.bridge;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class ForwarderTest {
    private final String id = "fw" + ProcessHandle.current().pid();

    /**
     * One flow (a pipe end's one RX ring, as a VALE port has) into a NIC with four TX queues whose
     * first queue stalls until its ring is full: the frames must wait for that ring, not go out of
     * another queue ahead of the ones it holds. Every frame reaches the wire, in sending order.
     */
    @Test
    void aFullTxRingHoldsTheFlowBackInsteadOfSendingItOutOfAnotherQueueFirst() throws Exception {
        int slots = QueuedNic.SLOTS, frames = slots + slots / 2; // within the pipe ring: the forwarder returns its slots at its next rxsync
        QueuedNic nic = new QueuedNic(id + "nic", 4);
        try (NetmapPort sender = NetmapPort.open("netmap:" + id + "}1"); NetmapPort in = NetmapPort.open("netmap:" + id + "{1");
             NetmapPort out = nic.open()) {
            Forwarder f = new Forwarder(in, out, 1024, false);
            assertEquals(out.firstTxRing(), f.txRingFor(in.firstRxRing()));
            nic.hold(0);
            Thread t = new Thread(f, "forwarder");
            t.start();
            try {
                NetmapRing tx = sender.txRing(0);
                int seq = 0;
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (seq < frames && System.nanoTime() < deadline) {
                    while (seq < frames && tx.space() > 0) {
                        int i = tx.head();
                        tx.buffers().putInt(tx.slotBufOffset(i), seq++);
                        tx.len(i, 60);
                        tx.advance(tx.next(i));
                    }
                    sender.txsync();
                    Thread.sleep(1);
                }
                assertEquals(frames, seq, "frames into the pipe");
                // queue 0 holds a full ring (slots - 1 frames); the rest of the flow has to wait for it
                long until = System.nanoTime() + 10_000_000_000L;
                while (nic.queued(0) < slots - 1 && System.nanoTime() < until) Thread.sleep(1);
                assertEquals(slots - 1, nic.queued(0), "frames queue 0 holds");
                Thread.sleep(200); // time to (wrongly) send the rest out of another queue
                assertEquals(List.of(), nic.wire(), "frames sent ahead of the ones queue 0 holds");
                nic.release(0);
                until = System.nanoTime() + 10_000_000_000L;
                while (nic.wire().size() < frames && System.nanoTime() < until) Thread.sleep(1);
                assertEquals(IntStream.range(0, frames).boxed().toList(), nic.wire(), "the flow on the wire");
                assertEquals(frames, f.packets());
            } finally {
                f.stop();
                t.join(5_000);
            }
            assertNull(f.failure());
        }
    }

    /** Several RX rings into fewer TX rings: each RX ring keeps to one TX ring, the rings paired in turn. */
    @Test
    void eachRxRingFeedsOneTxRing() {
        QueuedNic two = new QueuedNic(id + "two", 2), four = new QueuedNic(id + "four", 4);
        try (NetmapPort a = two.open(); NetmapPort b = four.open()) {
            Forwarder f = new Forwarder(b, a, 64, false);
            assertEquals(List.of(0, 1, 0, 1), IntStream.range(0, 4).map(f::txRingFor).boxed().toList());
        }
    }
}
