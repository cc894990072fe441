package io.jnetmap.e1000e;

import io.jnetmap.nic.ModelAdapterHarness;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.rings.MonitorAdapter;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.jnetmap.e1000e.Frames.*;
import static io.jnetmap.nic.TestFrames.*;
import static io.jnetmap.rings.NetmapLayout.NS_TXMON;
import static org.junit.jupiter.api.Assertions.*;

/** Issue #16: a copy monitor (netmap:ADDRESS/rt) on the e1000e driver against the 82574L model. */
class E1000eMonitorTest extends ModelAdapterHarness<E1000eModel, E1000eAdapter> {
    static final String ADDRESS = "0000:00:04.0";

    void open() {
        model = new E1000eModel(MAC);
        dev = new ModelDevice(model, E1000eAdapterTest.I82574L, ADDRESS, "MSIX");
        adapter = E1000eAdapter.open(dev, E1000eConfig.defaults().withSlots(64, 64).withLinkWait(100));
        port = bind("netmap:" + ADDRESS);
    }

    NetmapPort monitor(String flags) {
        NetmapPort m = NetmapPort.open("netmap:" + ADDRESS + flags);
        ports.add(m);
        return m;
    }

    /** Frames the monitor holds now, as "T seq" (sent) or "R seq" (received); releases them. */
    static List<String> drain(NetmapPort mon) {
        List<String> seen = new ArrayList<>();
        mon.rxsync();
        NetmapRing rx = mon.rxRing(0);
        byte[] f;
        while (rx.head() != rx.tail()) {
            boolean sent = (rx.slotFlags(rx.head()) & NS_TXMON) != 0;
            f = take(rx);
            seen.add((sent ? "T " : "R ") + seq(f) + " " + f.length);
        }
        mon.rxsync();
        return seen;
    }

    @Test
    void theMonitorSeesWhatTheDriverSendsAndReceivesOnceInOrderWithTheDirection() {
        open();
        NetmapPort mon = monitor("/rt");
        NetmapRing tx = port.txRing(0), rx = port.rxRing(0);
        List<String> expected = new ArrayList<>(), seen = new ArrayList<>();
        int seq = 0;
        for (int round = 0; round < 30; round++) {
            int n = 1 + round % 20;
            for (int k = 0; k < n; k++, seq++) {
                put(tx, numbered(seq, 60 + seq % 1400));
                expected.add("T " + seq + " " + (60 + seq % 1400));
            }
            port.txsync();
            model.processTx(0);
            for (int k = 0; k < n / 2 + 1; k++, seq++) {
                assertTrue(model.receive(0, toUs(seq, 64 + seq % 1400)));
                expected.add("R " + seq + " " + (64 + seq % 1400));
            }
            port.rxsync();
            while (take(rx) != null) { } // the application consumes what it received
            port.rxsync();
            seen.addAll(drain(mon));
        }
        assertEquals(expected, seen);
        assertEquals(0, ((MonitorAdapter) mon.adapter()).drops());
    }

    @Test
    void aMonitorThatDoesNotReadNeverHoldsTheDriverBack() {
        open();
        NetmapPort mon = monitor("/t");
        NetmapRing tx = port.txRing(0);
        int sent = 0;
        for (int round = 0; round < 10; round++) {
            port.txsync();
            while (tx.space() > 0) put(tx, numbered(sent++, 60));
            port.txsync();
            model.processTx(0);
        }
        port.txsync();
        assertEquals(sent, model.wire.size(), "every frame reached the wire");
        List<String> seen = drain(mon);
        int ring = mon.rxRing(0).numSlots();
        assertEquals(ring - 1, seen.size(), "the monitor kept what fitted its ring");
        assertEquals(sent - (ring - 1), ((MonitorAdapter) mon.adapter()).drops(), "and counted the rest as dropped");
    }
}
