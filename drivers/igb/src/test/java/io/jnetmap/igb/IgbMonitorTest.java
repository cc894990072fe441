package io.jnetmap.igb;

import io.jnetmap.nic.ModelAdapterHarness;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.rings.MonitorAdapter;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.jnetmap.igb.Packets.*;
import static io.jnetmap.nic.TestFrames.*;
import static io.jnetmap.rings.NetmapLayout.NS_TXMON;
import static org.junit.jupiter.api.Assertions.*;

/** Issue #16: copy monitors on the igb driver's four queues (82576 model, RSS): monitor ring i is queue i. */
class IgbMonitorTest extends ModelAdapterHarness<Igb82576Model, IgbAdapter> {
    static final int QUEUES = 4;

    void open() {
        model = new Igb82576Model(MAC);
        dev = new ModelDevice(model, IgbAdapterTest.I82576, IgbAdapterTest.ADDRESS, "MSIX");
        adapter = IgbAdapter.open(dev, IgbConfig.defaults().withSlots(64, 64).withQueues(QUEUES).withLinkWait(100));
        port = bind("netmap:" + IgbAdapterTest.ADDRESS);
    }

    NetmapPort monitor(String flags) {
        NetmapPort m = NetmapPort.open("netmap:" + IgbAdapterTest.ADDRESS + flags);
        ports.add(m);
        return m;
    }

    /** The sequence numbers (at {@code seqOffset}) each monitor ring holds, flagged "T" when sent; releases them. */
    static List<List<String>> drain(NetmapPort mon, int seqOffset) {
        List<List<String>> seen = new ArrayList<>();
        mon.rxsync();
        for (int r = 0; r < QUEUES; r++) {
            List<String> ring = new ArrayList<>();
            NetmapRing rx = mon.rxRing(r);
            while (rx.head() != rx.tail()) {
                boolean sent = (rx.slotFlags(rx.head()) & NS_TXMON) != 0;
                ring.add((sent ? "T" : "R") + getInt(take(rx), seqOffset));
            }
            seen.add(ring);
        }
        mon.rxsync();
        return seen;
    }

    static List<List<String>> perQueue() {
        List<List<String>> l = new ArrayList<>();
        for (int q = 0; q < QUEUES; q++) l.add(new ArrayList<>());
        return l;
    }

    static void addAll(List<List<String>> to, List<List<String>> from) {
        for (int q = 0; q < QUEUES; q++) to.get(q).addAll(from.get(q));
    }

    @Test
    void eachQueuesFramesReachTheMonitorRingOfTheSameNumberInOrder() {
        open();
        NetmapPort mon = monitor("/r");
        assertEquals(0, mon.firstRxRing());
        assertEquals(QUEUES - 1, mon.lastRxRing(), "a monitor has the port's ring pairs");
        List<List<String>> expected = perQueue(), seen = perQueue();
        for (int k = 0; k < 400; k++) {
            int q = model.receive(flow(17, 1 + k % 5, 1000 + k % 37, 2000, k, 80));
            assertTrue(q >= 0, "the model took frame " + k);
            expected.get(q).add("R" + k);
            if (k % 20 == 19) {
                port.rxsync();
                for (int r = 0; r < QUEUES; r++) while (take(port.rxRing(r)) != null) { } // the application reads
                port.rxsync();
                addAll(seen, drain(mon, 46));
            }
        }
        assertEquals(expected, seen);
        assertTrue(expected.stream().filter(l -> !l.isEmpty()).count() >= 2, "RSS spread the flows: " + expected);
        assertEquals(0, ((MonitorAdapter) mon.adapter()).drops());
    }

    @Test
    void framesSentOnOneRingAppearOnlyOnThatMonitorRingFlaggedAsSent() {
        open();
        NetmapPort one = NetmapPort.open("netmap:" + IgbAdapterTest.ADDRESS + "-2/t");
        ports.add(one);
        NetmapPort all = monitor("/rt");
        assertEquals(2, one.firstRxRing());
        assertEquals(2, one.lastRxRing(), "netmap:X-2/t watches ring pair 2 only");
        NetmapRing tx = port.txRing(2);
        for (int k = 0; k < 30; k++) put(tx, numbered(PEER, k, 60 + k));
        port.txsync();
        List<List<String>> seen = drain(all, SEQ_OFFSET);
        List<String> sent = new ArrayList<>();
        for (int k = 0; k < 30; k++) sent.add("T" + k);
        assertEquals(List.of(List.of(), List.of(), sent, List.of()), seen);
        one.rxsync();
        NetmapRing r2 = one.rxRing(2);
        List<String> onRing2 = new ArrayList<>();
        while (r2.head() != r2.tail()) {
            assertNotEquals(0, r2.slotFlags(r2.head()) & NS_TXMON);
            onRing2.add("T" + seq(take(r2)));
        }
        assertEquals(sent, onRing2);
    }
}
