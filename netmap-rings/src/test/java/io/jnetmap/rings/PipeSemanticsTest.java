package io.jnetmap.rings;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.jnetmap.rings.NetmapLayout.*;
import static io.jnetmap.rings.RingOps.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * netmap-semantics.md §4.1 and §2.9 on pipes: slots change hands by position with their buffers
 * (zero copy), NS_BUF_CHANGED gives the sender the buffer the receiver swapped in, only whole
 * NS_MOREFRAG chains are published, slots are copied whole (netmap's {@code *rs = *ts}: the
 * receiver sees NS_BUF_CHANGED and the other flags, the sender sees NS_BUF_CHANGED on a slot given
 * back with another buffer), and the ring rules apply to pipe rings as to any.
 */
class PipeSemanticsTest {
    private static int seq;
    private final String name = "pipesem" + ProcessHandle.current().pid() + "_" + next();
    private Path regionFile;

    private static synchronized int next() { return seq++; }

    private NetmapPort open(String end) {
        NetmapPort p = NetmapPort.open("netmap:" + name + end + "@conf:slots=8");
        regionFile = p.region().file();
        return p;
    }

    @AfterEach
    void regionFileIsGone() {
        if (regionFile != null) assertFalse(Files.exists(regionFile), "region file left behind: " + regionFile);
    }

    @Test
    void aSwappedInBufferGoesBackToTheSenderAndTheReceivedOneTravelsOnWithoutACopy() {
        try (NetmapPort m = open("{1"); NetmapPort s = open("}1")) {
            MemoryRegion region = m.region();
            int free = region.freeBuffers();
            NetmapRing mtx = m.txRing(0), srx = s.rxRing(0), stx = s.txRing(0), mrx = m.rxRing(0);
            int x = mtx.bufIdx(0), y = stx.bufIdx(0);
            send(mtx, 1, 0xCAFE, 100);
            m.txsync();
            s.rxsync();
            assertEquals(x, srx.bufIdx(0), "the receiver holds the sender's buffer: no copy");
            // the slave forwards the packet back out of its own TX ring, zero copy
            srx.swapBuffers(0, stx, 0);
            assertEquals(y, srx.bufIdx(0));
            assertEquals(x, stx.bufIdx(0));
            assertEquals(100, stx.len(0));
            srx.advance(1);
            stx.advance(1);
            s.rxsync(); // release with NS_BUF_CHANGED: the master's TX slot now owns y
            s.txsync();
            m.txsync();
            assertEquals(y, mtx.bufIdx(0), "the sender got the swapped-in buffer back in that slot");
            assertEquals(NS_BUF_CHANGED, mtx.slotFlags(0) & NS_BUF_CHANGED,
                    "the sender is told its slot holds another buffer (netmap copies the released slot whole)");
            assertEquals(7, mtx.space());
            m.rxsync();
            assertEquals(List.of(0xCAFE), visible(mrx));
            assertEquals(x, mrx.bufIdx(0), "buffer x came back to the master, untouched");
            assertEquals(100, mrx.len(0));
            assertEquals(NS_BUF_CHANGED, mrx.slotFlags(0) & NS_BUF_CHANGED,
                    "the receiver's copy carries NS_BUF_CHANGED: x is not the buffer it last saw in that slot");
            assertEquals(free, region.freeBuffers());
        }
    }

    @Test
    void eachEndsNetmapIfIsNamedAsNetmapNamesPipeEnds() {
        String shortName = "pn" + ProcessHandle.current().pid() % 100000; // ni_name holds 15 characters
        try (NetmapPort m = NetmapPort.open("netmap:" + shortName + "{7"); NetmapPort s = NetmapPort.open("netmap:" + shortName + "}7")) {
            regionFile = m.region().file();
            assertEquals(shortName + "{7", m.nif().name(), "the master end's ni_name");
            assertEquals(shortName + "}7", s.nif().name(), "the slave end's ni_name");
        }
    }

    @Test
    void theReceiverSeesNothingUntilTheLastFragmentIsSent() {
        try (NetmapPort m = open("{2"); NetmapPort s = open("}2")) {
            NetmapRing tx = m.txRing(0), rx = s.rxRing(0);
            for (int i = 0; i < 3; i++) {
                tx.buffers().putInt(tx.slotBufOffset(i), 10 + i);
                tx.len(i, 100 + i);
            }
            tx.slotFlags(0, NS_MOREFRAG);
            tx.slotFlags(1, NS_MOREFRAG);
            tx.slotFlags(2, 0);
            tx.advance(1);
            m.txsync();
            s.rxsync();
            assertTrue(rx.empty(), "one fragment of three");
            tx.advance(2);
            m.txsync();
            s.rxsync();
            assertTrue(rx.empty(), "two fragments of three");
            assertEquals(2, tx.head(), "the sender's ring moved on as usual");
            tx.advance(3);
            m.txsync();
            s.rxsync();
            assertEquals(List.of(10, 11, 12), visible(rx));
            assertEquals(NS_MOREFRAG, rx.slotFlags(0));
            assertEquals(NS_MOREFRAG, rx.slotFlags(1));
            assertEquals(0, rx.slotFlags(2));
            assertEquals(List.of(100, 101, 102), List.of(rx.len(0), rx.len(1), rx.len(2)));
        }
    }

    @Test
    void aResetTakesBackAnUnpublishedPartialPacket() {
        try (NetmapPort m = open("{3"); NetmapPort s = open("}3")) {
            NetmapRing tx = m.txRing(0), rx = s.rxRing(0);
            send(tx, 1, 1, 60);
            tx.slotFlags(1, NS_MOREFRAG);
            tx.len(1, 60);
            tx.advance(2); // a whole packet, then a first fragment
            m.txsync();
            s.rxsync();
            assertEquals(List.of(1), visible(rx));
            tx.head(3);
            tx.cur(2); // cur behind head: a violation
            RingStateException e = assertThrows(RingStateException.class, m::txsync);
            assertTrue(e.getMessage().endsWith("cur 2 is outside [head 3, 7]; the ring was reset to head = cur = 1, tail = 7"),
                    e.getMessage());
            assertEquals(1, tx.head(), "back to the start of the unpublished packet");
            tx.slotFlags(1, 0);
            tx.advance(2);
            m.txsync();
            s.rxsync();
            assertEquals(List.of(1, 60), List.of(visible(rx).get(0), rx.len(1)));
            assertEquals(2, visible(rx).size());
        }
    }

    @Test
    void theReceiverGetsTheSlotWholeAndOnlyTheSendersNsBufChangedIsCleared() {
        try (NetmapPort m = open("{4"); NetmapPort s = open("}4")) {
            NetmapRing tx = m.txRing(0), rx = s.rxRing(0);
            send(tx, 2, 0, 60);
            tx.slotFlags(0, NS_REPORT | NS_BUF_CHANGED | NS_FORWARD);
            tx.slotFlags(1, NS_REPORT);
            m.txsync();
            assertEquals(NS_REPORT | NS_FORWARD, tx.slotFlags(0), "NS_BUF_CHANGED cleared in the sender's slot, other flags kept");
            assertEquals(NS_REPORT, tx.slotFlags(1));
            s.rxsync();
            assertEquals(NS_REPORT | NS_BUF_CHANGED | NS_FORWARD, rx.slotFlags(0), "the receiver sees the slot whole (*rs = *ts)");
            assertEquals(NS_REPORT, rx.slotFlags(1));
        }
    }

    @Test
    void pointerAndSlotViolationsOnAPipePublishNothing() {
        try (NetmapPort m = open("{5"); NetmapPort s = open("}5")) {
            NetmapRing tx = m.txRing(0), rx = s.rxRing(0);
            int b1 = tx.bufIdx(1);
            send(tx, 3, 0, 60);
            tx.bufIdx(1, 1);
            assertThrows(RingStateException.class, m::txsync);
            assertEquals(b1, tx.bufIdx(1));
            s.rxsync();
            assertTrue(rx.empty());
            tx.advance(3);
            tx.cur(2);
            assertThrows(RingStateException.class, m::txsync);
            s.rxsync();
            assertTrue(rx.empty());
            tx.advance(3);
            m.txsync();
            s.rxsync();
            assertEquals(List.of(0, 1, 2), visible(rx));
            // the receiver releasing a bad buffer is refused too, and gets it back
            int r0 = rx.bufIdx(0);
            rx.bufIdx(0, s.region().numBuffers());
            rx.advance(1);
            RingStateException e = assertThrows(RingStateException.class, s::rxsync);
            assertTrue(e.getMessage().contains("RX ring 0: slot 0 has buffer index"), e.getMessage());
            assertEquals(r0, rx.bufIdx(0));
            m.txsync();
            assertEquals(4, tx.space(), "nothing came back to the sender");
        }
    }

    @Test
    void anExclusivePipeEndCannotBeOpenedTwice() {
        try (NetmapPort m = open("{6/x")) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> open("{6"));
            assertTrue(e.getMessage().contains("exclusively (/x)"), e.getMessage());
            try (NetmapPort s = open("}6")) { // the other end is another port
                assertNotNull(s.rxRing(0));
            }
        }
        try (NetmapPort a = open("{7"); NetmapPort b = open("{7")) { // without /x, an end may be bound twice
            assertEquals(a.nif().ringOfs(0) + a.nif().address(), b.nif().ringOfs(0) + b.nif().address(),
                    "both bind the same ring");
        }
    }
}
