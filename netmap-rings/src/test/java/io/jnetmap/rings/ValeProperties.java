package io.jnetmap.rings;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.jnetmap.rings.ValeFrames.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue #15: the switch against a model of netmap's learning bridge, over 2..64 ports: every
 * port receives exactly the frames the model says (learned unicast to its port only, broadcast,
 * multicast and unknown destinations to every port but the source, nothing back to the source,
 * MACs that move followed, hash collisions overwriting), in the order sent; a full destination
 * keeps the oldest frames and counts the rest as dropped; several senders at once into one port
 * keep each sender's order, and every frame is delivered or counted.
 */
class ValeProperties {
    /** One step: port {@code src} sends {@code count} frames from host {@code host} to {@code dst} (a host, -1 broadcast, -2 multicast). */
    record Send(int src, int host, int dst, int count) { }

    @Provide
    Arbitrary<List<Send>> sends() {
        return Combinators.combine(Arbitraries.integers().between(0, 63), Arbitraries.integers().between(0, 40),
                Arbitraries.integers().between(-2, 40), Arbitraries.integers().between(1, 4)).as(Send::new).list().ofMinSize(5).ofMaxSize(60);
    }

    @Property(tries = 40)
    void everyPortGetsWhatTheLearningBridgeModelSays(@ForAll @IntRange(min = 2, max = 64) int ports,
                                                     @ForAll("sends") List<Send> sends) {
        String sw = uniqueSwitch("q");
        List<NetmapPort> open = new ArrayList<>();
        try {
            for (int p = 0; p < ports; p++) open.add(NetmapPort.open("netmap:" + sw + ":p" + p + "@conf:slots=32"));
            Map<Integer, long[]> table = new HashMap<>(); // MAC table slot -> {mac, port}
            int seq = 0;
            for (Send s : sends) {
                int src = s.src() % ports;
                long smac = mac(s.host());
                long dmac = s.dst() == -1 ? BROADCAST : s.dst() == -2 ? 0x0000005e0001L | 1 : mac(s.dst());
                List<List<Integer>> expected = new ArrayList<>();
                for (int p = 0; p < ports; p++) expected.add(new ArrayList<>());
                NetmapRing tx = open.get(src).txRing(0);
                int i = tx.head();
                for (int k = 0; k < s.count(); k++, seq++) {
                    write(tx, i, dmac, smac, src, seq, 60);
                    i = tx.next(i);
                    table.put(ValeSwitch.macSlot(smac), new long[] {smac, src}); // learn, then look up, frame by frame
                    long[] e = table.get(ValeSwitch.macSlot(dmac));
                    if ((dmac & 1) == 0 && e != null && e[0] == dmac) {
                        if (e[1] != src) expected.get((int) e[1]).add(seq);
                    } else {
                        for (int p = 0; p < ports; p++) if (p != src) expected.get(p).add(seq);
                    }
                }
                tx.advance(i);
                open.get(src).txsync();
                for (int p = 0; p < ports; p++) {
                    List<Integer> got = drain(open.get(p)).stream().map(Rx::seq).toList();
                    assertEquals(expected.get(p), got, "port " + p + " after " + s);
                }
            }
        } finally {
            open.forEach(NetmapPort::close);
        }
    }

    @Property(tries = 30)
    void aFullDestinationKeepsTheOldestFramesAndCountsTheRest(@ForAll @IntRange(min = 4, max = 256) int slots,
                                                              @ForAll @Size(min = 1, max = 12) List<@IntRange(min = 1, max = 300) Integer> batches) {
        String sw = uniqueSwitch("f");
        try (NetmapPort a = NetmapPort.open("netmap:" + sw + ":a");
             NetmapPort b = NetmapPort.open("netmap:" + sw + ":b@conf:slots=" + slots)) {
            NetmapRing tx = a.txRing(0);
            int sent = 0;
            for (int n : batches) {
                int i = tx.head();
                for (int k = 0; k < n; k++, sent++) { write(tx, i, BROADCAST, mac(1), 1, sent, 60); i = tx.next(i); }
                tx.advance(i);
                a.txsync();
                assertEquals(tx.numSlots() - 1, tx.space(), "the sender got every slot back at once");
            }
            List<Rx> got = drain(b);
            int kept = Math.min(sent, slots - 1);
            assertEquals(kept, got.size());
            for (int k = 0; k < kept; k++) assertEquals(k, got.get(k).seq());
            long dropped = ValeSwitch.list().stream().filter(p -> p.fullName().equals(sw + ":b")).findFirst().orElseThrow().dropped();
            assertEquals(sent - kept, dropped);
        }
    }

    @Property(tries = 8)
    void concurrentSendersKeepTheirOrderAndLoseNothingUncounted(@ForAll @IntRange(min = 2, max = 4) int senders,
                                                               @ForAll @IntRange(min = 1, max = 256) int batch,
                                                               @ForAll @IntRange(min = 16, max = 1024) int slots) throws Exception {
        String sw = uniqueSwitch("m");
        int each = 40_000;
        try (NetmapPort r = NetmapPort.open("netmap:" + sw + ":r@conf:slots=" + slots)) {
            send(r, BROADCAST, mac(0), 0, 0);
            List<NetmapPort> ports = new ArrayList<>();
            for (int s = 1; s <= senders; s++) ports.add(NetmapPort.open("netmap:" + sw + ":s" + s));
            AtomicBoolean failed = new AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            try {
                for (int s = 1; s <= senders; s++) {
                    NetmapPort p = ports.get(s - 1);
                    int id = s;
                    Thread t = new Thread(() -> {
                        try {
                            NetmapRing tx = p.txRing(0);
                            for (int seq = 0; seq < each; ) {
                                int i = tx.head();
                                for (int k = 0; k < batch && seq < each; k++, seq++) { write(tx, i, mac(0), mac(id), id, seq, 60); i = tx.next(i); }
                                tx.advance(i);
                                p.txsync();
                            }
                        } catch (Throwable e) {
                            failed.set(true);
                            throw e;
                        }
                    });
                    threads.add(t);
                    t.start();
                }
                int[] next = new int[senders + 1];
                long frames = 0;
                while (threads.stream().anyMatch(Thread::isAlive) || frames < (long) senders * each - drops(sw)) {
                    r.poll(NetmapPort.POLLIN, 50);
                    for (Rx f : drain(r)) {
                        assertEquals(60, f.len(), "an empty or damaged frame arrived");
                        assertTrue(f.seq() >= next[f.sender()], "sender " + f.sender() + " out of order at " + f.seq());
                        next[f.sender()] = f.seq() + 1;
                        frames++;
                    }
                    if (!threads.stream().anyMatch(Thread::isAlive) && frames + drops(sw) >= (long) senders * each) break;
                }
                assertFalse(failed.get());
                assertEquals((long) senders * each, frames + drops(sw));
            } finally {
                for (Thread t : threads) t.join();
                ports.forEach(NetmapPort::close);
            }
        }
    }

    private static long drops(String sw) {
        return ValeSwitch.list().stream().filter(p -> p.fullName().equals(sw + ":r")).findFirst().orElseThrow().dropped();
    }
}
