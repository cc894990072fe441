package io.jnetmap.tools.valectl;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.ValeSwitch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue #15: vale-ctl's verbs. The NIC of -a/-h is stood in for by one end of a netmap pipe (the
 * daemon opens {@code netmap:NAME{1} as it would open {@code netmap:eth0}); the test holds the
 * other end as the wire. The daemon is a real second process, started by vale-ctl.
 */
class ValeCtlTest {
    private final String tag = Long.toString(ProcessHandle.current().pid()) + Long.toHexString(System.nanoTime() & 0xfffff);
    private final String sw = "valec" + tag;
    private final Path sock = Path.of("/dev/shm/jnetmap-vale-ctl-test-" + tag + ".sock");

    record Result(int rc, String out, String err) { }

    private Result ctl(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        String before = System.getProperty("jnetmap.vale.ctl.socket");
        System.setProperty("jnetmap.vale.ctl.socket", sock.toString());
        try {
            int rc = ValeCtl.run(new PrintWriter(o, true), new PrintWriter(e, true), args);
            return new Result(rc, o.toString(), e.toString());
        } finally {
            if (before == null) System.clearProperty("jnetmap.vale.ctl.socket"); else System.setProperty("jnetmap.vale.ctl.socket", before);
        }
    }

    @AfterEach
    void stopDaemon() {
        ctl("--stop-daemon");
    }

    @Test
    void persistentPortsAreCreatedListedAndRemoved() {
        Result r = ctl("-n", sw + ":p1", "-C", "256");
        assertEquals(0, r.rc(), r.toString());
        r = ctl("-l");
        assertTrue(r.out().contains(sw + ":p1 bridge:") && r.out().contains("(persistent) 256 slots"), r.out());
        assertEquals(1, ctl("-n", sw + ":p1").rc(), "a second -n of the same port must fail");
        r = ctl("-r", sw + ":p1");
        assertEquals(0, r.rc(), r.toString());
        assertFalse(ctl("-l").out().contains(sw + ":"));
        r = ctl("-r", sw + ":p1");
        assertEquals(1, r.rc());
        assertTrue(r.err().contains("no switch " + sw), r.err());
        assertEquals(2, ctl("-n", "eth0").rc(), "a name without a switch is a usage error");
        assertEquals(2, ctl("-l", "-n", sw + ":x").rc(), "two verbs at once");
    }

    @Test
    void anAttachedNicJoinsTheSwitchAndDetachingGivesItBack() throws Exception {
        String wire = "wire" + tag;
        Result r = ctl("-a", sw + ":" + wire + "{1");
        assertEquals(0, r.rc(), r.toString());
        String list = ctl("-l", sw).out();
        assertTrue(list.contains(sw + ":" + wire + "{1 bridge:") && list.contains("(NIC, driven by process "), list);
        try (NetmapPort peer = NetmapPort.open("netmap:" + wire + "}1"); NetmapPort a = NetmapPort.open("netmap:" + sw + ":a")) {
            // from the VALE port out of the "NIC" to its link partner, and back
            sendBroadcast(a, (byte) 1);
            assertEquals(1, receive(peer, 1));
            sendBroadcast(peer, (byte) 2);
            assertEquals(2, receive(a, 2));
            r = ctl("-d", sw + ":" + wire + "{1");
            assertEquals(0, r.rc(), r.toString());
            assertFalse(ctl("-l", sw).out().contains(wire), "the NIC's port stayed on the switch");
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Files.exists(sock) && System.nanoTime() < deadline) Thread.sleep(50);
        assertFalse(Files.exists(sock), "the daemon did not exit after its last NIC was detached");
    }

    @Test
    void aFailedAttachLeavesNothingBehind() {
        Result r = ctl("-h", sw + ":nopipe" + tag + "{1"); // a pipe has no host rings
        assertEquals(1, r.rc(), r.toString());
        assertTrue(r.err().contains("has no host rings"), r.err());
        assertFalse(ctl("-l").out().contains(sw + ":"), "a half-made attachment is listed");
        r = ctl("-d", sw + ":nothing");
        assertEquals(1, r.rc());
        assertEquals(2, ctl("-a", "eth0").rc());
    }

    private static void sendBroadcast(NetmapPort p, byte mark) {
        NetmapRing tx = p.txRing(0);
        int i = tx.head();
        for (int k = 0; k < 6; k++) tx.buffers().putByte(tx.slotBufOffset(i) + k, (byte) 0xff);
        tx.buffers().putByte(tx.slotBufOffset(i) + 6, (byte) 0x02);
        tx.buffers().putByte(tx.slotBufOffset(i) + 20, mark);
        tx.len(i, 60);
        tx.slotFlags(i, 0);
        tx.advance(tx.next(i));
        p.txsync();
    }

    /** Waits for one frame; returns its mark byte. */
    private static int receive(NetmapPort p, int expectMark) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            p.poll(NetmapPort.POLLIN, 200);
            NetmapRing rx = p.rxRing(0);
            if (rx.head() != rx.tail()) {
                int i = rx.head();
                int mark = rx.buffers().getByte(rx.slotBufOffset(i) + 20);
                assertEquals(60, rx.len(i));
                rx.advance(rx.next(i));
                p.rxsync();
                return mark;
            }
        }
        return fail("no frame with mark " + expectMark + " arrived");
    }
}
