package io.jnetmap.rings;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.jnetmap.rings.ValeFrames.*;
import static org.junit.jupiter.api.Assertions.*;

/** Issue #15: VALE ports, the learning bridge, drops, fragments, lookups and the port life cycle. */
class ValeSwitchTest {
    private final String sw = uniqueSwitch("t");

    private NetmapPort open(String port) { return NetmapPort.open("netmap:" + sw + ":" + port); }

    @Test
    void unknownDestinationsFloodAndLearnedOnesGoToTheirPortOnly() {
        try (NetmapPort a = open("a"); NetmapPort b = open("b"); NetmapPort c = open("c")) {
            send(a, mac(2), mac(1), 1, 0); // mac(2) unknown yet: flooded to b and c, not back to a
            assertEquals(1, drain(b).size());
            assertEquals(1, drain(c).size());
            assertTrue(drain(a).isEmpty(), "a frame came back to its sender");
            send(b, mac(1), mac(2), 2, 0); // mac(1) was learned on a
            List<Rx> atA = drain(a);
            assertEquals(1, atA.size());
            assertEquals(mac(2), atA.get(0).src());
            assertTrue(drain(c).isEmpty(), "a frame for a learned address was flooded");
            send(a, mac(2), mac(1), 1, 1); // now mac(2) is known on b
            assertEquals(List.of(new Rx(mac(2), mac(1), 1, 1, 60, 1 << 8)), drain(b));
            assertTrue(drain(c).isEmpty());
        }
    }

    @Test
    void broadcastAndMulticastReachEveryOtherPort() {
        try (NetmapPort a = open("a"); NetmapPort b = open("b"); NetmapPort c = open("c")) {
            send(b, mac(1), mac(1), 9, 0); // learn mac(1) on b, then send from a to mac(1): a frame addressed to its own port's MAC is dropped
            drain(a); drain(c);
            send(a, BROADCAST, mac(5), 1, 0);
            send(a, 0x0000005e0001L | 1L, mac(5), 1, 1); // group bit set: multicast
            assertEquals(2, drain(b).size());
            assertEquals(2, drain(c).size());
            assertTrue(drain(a).isEmpty());
        }
    }

    @Test
    void aFrameWhoseDestinationIsItsSourcePortIsDropped() {
        try (NetmapPort a = open("a"); NetmapPort b = open("b")) {
            send(a, BROADCAST, mac(1), 1, 0); // mac(1) on a
            drain(b);
            send(a, mac(1), mac(3), 1, 1); // to mac(1), which is behind a itself
            assertTrue(drain(b).isEmpty());
            assertTrue(drain(a).isEmpty());
        }
    }

    @Test
    void aMacThatMovesIsFollowed() {
        try (NetmapPort a = open("a"); NetmapPort b = open("b"); NetmapPort c = open("c")) {
            send(a, BROADCAST, mac(7), 1, 0);
            drain(b); drain(c);
            send(b, mac(7), mac(2), 2, 0);
            assertEquals(1, drain(a).size());
            send(c, BROADCAST, mac(7), 3, 0); // mac(7) is now behind c
            drain(a); drain(b);
            send(b, mac(7), mac(2), 2, 1);
            assertEquals(1, drain(c).size());
            assertTrue(drain(a).isEmpty());
        }
    }

    @Test
    void aFullDestinationDropsAndCountsWithoutBlockingTheSender() {
        try (NetmapPort a = NetmapPort.open("netmap:" + sw + ":a@conf:slots=64");
             NetmapPort b = NetmapPort.open("netmap:" + sw + ":b@conf:slots=64")) {
            NetmapRing tx = a.txRing(0);
            int sent = 0;
            for (int round = 0; round < 5; round++) {
                int i = tx.head();
                for (int k = 0; k < 40; k++) { write(tx, i, mac(2), mac(1), 1, sent++, 60); i = tx.next(i); }
                tx.advance(i);
                a.txsync();
                assertEquals(63, tx.space(), "the sender's slots all came back");
            }
            List<Rx> got = drain(b);
            assertEquals(63, got.size(), "a 64-slot ring holds 63 frames");
            for (int k = 0; k < got.size(); k++) assertEquals(k, got.get(k).seq());
            ValeSwitch.PortInfo bi = ValeSwitch.list().stream().filter(p -> p.fullName().equals(sw + ":b")).findFirst().orElseThrow();
            assertEquals(sent - 63, bi.dropped());
            assertEquals(63, bi.forwarded());
            send(a, mac(2), mac(1), 1, sent); // room again after the receiver released its slots
            assertEquals(sent, drain(b).get(0).seq());
        }
    }

    @Test
    void fragmentChainsArriveWholeWithTheirLengths() {
        try (NetmapPort a = open("a"); NetmapPort b = open("b")) {
            NetmapRing tx = a.txRing(0);
            int i = tx.head();
            write(tx, i, BROADCAST, mac(1), 1, 0, 100);
            tx.slotFlags(i, NetmapLayout.NS_MOREFRAG);
            int j = tx.next(i);
            tx.buffers().fill(tx.slotBufOffset(j), 700, (byte) 0x5a);
            tx.len(j, 700);
            tx.slotFlags(j, NetmapLayout.NS_MOREFRAG);
            int k = tx.next(j);
            tx.len(k, 33);
            tx.slotFlags(k, 0);
            tx.advance(tx.next(j)); // the chain is not finished: nothing goes yet
            a.txsync();
            assertTrue(drain(b).isEmpty());
            tx.advance(tx.next(k));
            a.txsync();
            b.rxsync();
            NetmapRing rx = b.rxRing(0);
            int h = rx.head();
            assertEquals(3, rx.space());
            assertEquals(100, rx.len(h));
            assertEquals(700, rx.len(rx.next(h)));
            assertEquals(33, rx.len(rx.next(rx.next(h))));
            assertEquals(NetmapLayout.NS_MOREFRAG, rx.slotFlags(h) & NetmapLayout.NS_MOREFRAG);
            assertEquals(NetmapLayout.NS_MOREFRAG, rx.slotFlags(rx.next(h)) & NetmapLayout.NS_MOREFRAG);
            assertEquals(0, rx.slotFlags(rx.next(rx.next(h))) & NetmapLayout.NS_MOREFRAG);
            assertEquals((byte) 0x5a, rx.buffers().getByte(rx.slotBufOffset(rx.next(h)) + 699));
        }
    }

    @Test
    void portsComeAndGoAndTheSwitchWithThem() {
        Path file = Path.of("/dev/shm/jnetmap." + sw);
        try (NetmapPort a = open("a")) {
            assertTrue(Files.exists(file));
            try (NetmapPort b = open("b")) {
                assertEquals(List.of("a", "b"), ValeSwitch.list().stream().filter(p -> p.switchName().equals(sw)).map(ValeSwitch.PortInfo::port).toList());
            }
            assertEquals(List.of("a"), ValeSwitch.list().stream().filter(p -> p.switchName().equals(sw)).map(ValeSwitch.PortInfo::port).toList());
            try (NetmapPort again = open("a")) { // a second binding in the same process shares the port, as a second fd in netmap
                send(again, BROADCAST, mac(1), 1, 0);
                assertEquals(0, drain(a).size());
            }
        }
        assertFalse(Files.exists(file), "the switch outlived its last port");
    }

    @Test
    void aPersistentPortKeepsTheSwitchUntilRemoved() {
        Path file = Path.of("/dev/shm/jnetmap." + sw);
        ValeSwitch.createPersistentPort(sw + ":p", 256);
        try {
            assertTrue(Files.exists(file));
            try (NetmapPort p = open("p"); NetmapPort q = open("q")) {
                send(q, BROADCAST, mac(1), 1, 0);
                assertEquals(1, drain(p).size());
                assertThrows(IllegalStateException.class, () -> ValeSwitch.deletePersistentPort(sw + ":p"));
            }
            assertTrue(Files.exists(file), "closing the last open port removed a switch that has a persistent port");
            assertEquals(List.of("p"), ValeSwitch.list().stream().filter(x -> x.switchName().equals(sw)).map(ValeSwitch.PortInfo::port).toList());
            IllegalStateException dup = assertThrows(IllegalStateException.class, () -> ValeSwitch.createPersistentPort(sw + ":p", 256));
            assertTrue(dup.getMessage().contains("already exists"));
        } finally {
            ValeSwitch.deletePersistentPort(sw + ":p");
        }
        assertFalse(Files.exists(file));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> ValeSwitch.deletePersistentPort(sw + ":p"));
        assertTrue(none.getMessage().contains("no switch"), none.getMessage());
    }

    @Test
    void theUdpPortLookupSteersByDestinationPort() {
        try (NetmapPort a = open("a"); NetmapPort b = open("b"); NetmapPort c = open("c")) {
            ValeSwitch.setLookup(sw, UdpPortLookup.class.getName() + ":5001=c");
            NetmapRing tx = a.txRing(0);
            int i = tx.head();
            writeUdp(tx, i, 5001);
            int j = tx.next(i);
            writeUdp(tx, j, 5002);
            tx.advance(tx.next(j));
            a.txsync();
            assertEquals(1, drain(b).size(), "UDP 5002 has no rule: learning bridge, flooded");
            assertEquals(2, drain(c).size(), "UDP 5001 goes to c, and 5002 is flooded there too");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ValeSwitch.setLookup(sw, "no.such.Lookup"));
        assertTrue(e.getMessage().contains("class path"), e.getMessage());
    }

    private static void writeUdp(NetmapRing tx, int i, int dport) {
        write(tx, i, BROADCAST, mac(1), 1, dport, 60);
        int off = tx.slotBufOffset(i);
        tx.buffers().putByte(off + 14, (byte) 0x45);
        tx.buffers().putByte(off + 14 + 9, (byte) 17);
        tx.buffers().putShort(off + 34 + 2, Short.reverseBytes((short) dport));
    }

    @Test
    void anAttachedPortIsListedAsSuchAndRefusedToOthers() {
        try (NetmapPort nic = ValeSwitch.openAttachedPort(sw, "eth9", 64); NetmapPort a = open("a")) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> open("eth9"));
            assertTrue(e.getMessage().contains("attached") && e.getMessage().contains("vale-ctl -d"), e.getMessage());
            ValeSwitch.PortInfo p = ValeSwitch.list().stream().filter(x -> x.fullName().equals(sw + ":eth9")).findFirst().orElseThrow();
            assertTrue(p.attached());
            assertThrows(IllegalArgumentException.class, () -> ValeSwitch.deletePersistentPort(sw + ":eth9"));
            send(a, BROADCAST, mac(1), 1, 0);
            assertEquals(1, drain(nic).size());
        }
    }

    @Test
    void badNamesSayWhatAValePortNameIs() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetmapPort.open("vale0"));
        assertTrue(e.getMessage().contains("valeX:PORT"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NetmapPort.open("netmap:vale0:a^"));
        assertTrue(e.getMessage().contains("no host rings"), e.getMessage());
    }
}
