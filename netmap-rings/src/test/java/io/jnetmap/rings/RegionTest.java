package io.jnetmap.rings;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jnetmap.rings.RingOps.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The memory region as a file: its first page says what it is, a stranger's file is refused and
 * left alone, a file left by a crashed process is taken over, and closing the last port returns
 * every buffer, ring and netmap_if and removes the file.
 */
class RegionTest {
    private static int seq;
    private final String name = "regiontest" + ProcessHandle.current().pid() + "_" + next();
    private final Path file = MemoryRegion.fileFor(name, RegionConfig.fromSystemProperties());

    private static synchronized int next() { return seq++; }

    @AfterEach
    void cleanUp() throws Exception {
        boolean left = Files.exists(file);
        Files.deleteIfExists(file);
        assertFalse(left, "region file left behind: " + file);
    }

    private NetmapPort open(String end) {
        return NetmapPort.open("netmap:" + name + end + "@conf:slots=8");
    }

    @Test
    void theFirstPageSaysThisIsAJnetmapRegionOfThisLayout() throws Exception {
        try (NetmapPort m = open("{1")) {
            assertEquals(file, m.region().file());
            byte[] head = Arrays.copyOf(Files.readAllBytes(file), 8);
            assertEquals("JNMR", new String(head, 0, 4, StandardCharsets.US_ASCII), "magic at offset 0");
            assertEquals(MemoryRegion.VERSION, ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(4), "layout version at 4");
            assertEquals(m.region().length(), Files.size(file));
        }
    }

    @Test
    void aStrangersFileIsRefusedWithAClearErrorAndLeftAlone() throws Exception {
        byte[] content = new byte[8192];
        Arrays.fill(content, (byte) 'z');
        Files.write(file, content);
        for (int attempt = 0; attempt < 2; attempt++) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> open("{1"));
            assertEquals(file + " is not a jnetmap memory region (magic 0x7a7a7a7a); delete it or choose another port name",
                    e.getMessage());
        }
        assertArrayEquals(content, Files.readAllBytes(file), "the file was not touched");
        Files.delete(file);
        try (NetmapPort m = open("{1")) { // once it is gone the name is usable
            assertNotNull(m.txRing(0));
        }
    }

    @Test
    void aRegionOfAnotherLayoutVersionIsRefused() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x524D4E4A).putInt(4, 99).putLong(8, 8192);
        Files.write(file, b.array());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> open("}1"));
        assertTrue(e.getMessage().contains("is a jnetmap region of layout version 99, this jnetmap uses version " + MemoryRegion.VERSION), e.getMessage());
        assertTrue(Files.exists(file));
        Files.delete(file);
    }

    @Test
    void closingTheLastPortReturnsEveryBufferAndRemovesTheFile() {
        int pool;
        try (MemoryRegion held = MemoryRegion.attach(name, RegionConfig.fromSystemProperties())) {
            pool = held.freeBuffers();
            for (int round = 0; round < 3; round++) { // the pipe table entry and rings are reusable
                try (NetmapPort m = open("{1"); NetmapPort s = open("}1")) {
                    assertSame(held, m.region(), "one mapping per process");
                    assertEquals(pool - 2 * 8, held.freeBuffers(), "each pipe TX ring brings 8 buffers; RX rings borrow them");
                    NetmapRing tx = m.txRing(0), rx = s.rxRing(0), stx = s.txRing(0);
                    send(tx, 5, 0, 60);
                    m.txsync();
                    s.rxsync();
                    rx.swapBuffers(rx.head(), stx, stx.head());
                    rx.advance(rx.next(rx.head()));
                    stx.advance(stx.next(stx.head()));
                    s.rxsync();
                    s.txsync();
                    assertEquals(pool - 2 * 8, held.freeBuffers());
                }
                assertEquals(pool, held.freeBuffers(), "round " + round + ": every buffer went back");
                assertTrue(Files.exists(file), "still attached here");
            }
        }
        assertFalse(Files.exists(file), "the last user left");
    }

    @Test
    void closingAPipeWhileTheReceiverHoldsSwappedInBuffersReturnsEveryBufferOnce() {
        try (MemoryRegion held = MemoryRegion.attach(name, RegionConfig.fromSystemProperties())) {
            int pool = held.freeBuffers();
            try (NetmapPort m = open("{1"); NetmapPort s = open("}1")) {
                NetmapRing tx = m.txRing(0), rx = s.rxRing(0), stx = s.txRing(0);
                send(tx, 3, 0, 60);
                m.txsync();
                s.rxsync();
                // zero-copy forward of two received packets; the receiver exits before releasing them
                rx.swapBuffers(0, stx, 0);
                rx.swapBuffers(1, stx, 1);
                stx.advance(2);
                s.txsync();
            }
            assertEquals(pool, held.freeBuffers(), "every buffer went back, the swapped-in ones too");
            // and none is handed out twice: a new pipe gets 16 distinct buffers
            try (NetmapPort m = open("{1"); NetmapPort s = open("}1")) {
                java.util.Set<Integer> seen = new java.util.HashSet<>();
                for (NetmapRing r : new NetmapRing[] {m.txRing(0), s.txRing(0)})
                    for (int i = 0; i < 8; i++) assertTrue(seen.add(r.bufIdx(i)), "buffer " + r.bufIdx(i) + " twice");
                assertEquals(pool - 16, held.freeBuffers());
            }
        }
    }

    @Test
    void aRegionStaysWhileAnyUserRemains() {
        MemoryRegion a = MemoryRegion.attach(name, RegionConfig.fromSystemProperties());
        MemoryRegion b = MemoryRegion.attach(name, RegionConfig.fromSystemProperties());
        assertSame(a, b);
        a.close();
        assertTrue(Files.exists(file));
        b.close();
        assertFalse(Files.exists(file));
        b.close(); // closing more often than attaching is harmless
    }

    @Test
    void nicRingsAndNetmapIfsGoBackToTheRegion() {
        RegionConfig c = RegionConfig.defaults().withBuffers(2 + 4 * 8).withMaxSlots(8).withRings(4).withIfs(1);
        try (MemoryRegion region = MemoryRegion.createPrivate(name, c)) {
            for (int round = 0; round < 3; round++) { // exactly enough rings, buffers and netmap_ifs each time
                LoopbackNic nic = new LoopbackNic("test0", region, 2, 2, 0, 0, 8);
                assertEquals(0, region.freeBuffers());
                try (NetmapPort p = NetmapPort.bind(PortName.parse("netmap:test0"), nic)) {
                    IllegalStateException e = assertThrows(IllegalStateException.class,
                            () -> NetmapPort.bind(PortName.parse("netmap:test0"), nic));
                    assertTrue(e.getMessage().contains("no free netmap_if objects left (1 in all)"), e.getMessage());
                    assertTrue(nic.registered, "the failed bind left the first one alone");
                    assertFalse(nic.destroyed);
                    send(p.txRing(1), 3, 0, 60);
                    p.txsync();
                }
                assertTrue(nic.destroyed);
                assertEquals(2 + 4 * 8 - 2, region.freeBuffers());
            }
        }
    }

    @Test
    void aPortWithTooManyRingsForANetmapIfIsRefusedWithoutLeakingTheNetmapIf() {
        // 60 + 60 NIC rings and the two fake host rings need 122 ring_ofs entries: 56 + 8 * 122 > 1024 bytes
        RegionConfig c = RegionConfig.defaults().withBuffers(2 + 120 * 2 + 8).withMaxSlots(2).withRings(124).withIfs(1);
        try (MemoryRegion region = MemoryRegion.createPrivate(name, c)) {
            LoopbackNic big = new LoopbackNic("big0", region, 60, 60, 0, 0, 2);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> NetmapPort.bind(PortName.parse("netmap:big0"), big));
            assertTrue(e.getMessage().contains("too many rings for a netmap_if"), e.getMessage());
            assertTrue(big.destroyed);
            LoopbackNic small = new LoopbackNic("small0", region, 1, 1, 0, 0, 2);
            try (NetmapPort p = NetmapPort.bind(PortName.parse("netmap:small0"), small)) {
                assertNotNull(p.txRing(0), "the region's only netmap_if is free again");
            }
        }
    }

    @Test
    void aPipeEndIsOpenInOneProcessAtATimeAndACrashedProcessIsTakenOver() throws Exception {
        List<String> cmd = ChildJvm.command(RegionHolderMain.class, name);
        Path log = Files.createTempFile("region-holder", ".log");
        Process child = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("OPEN", out.readLine(), () -> "child: " + readQuietly(log));

            // while the other process lives, its end is its own
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> open("{1"));
            assertTrue(e.getMessage().contains("is already open in process " + child.pid()), e.getMessage());
            assertTrue(e.getMessage().contains("one process at a time"), e.getMessage());
            assertTrue(Files.exists(file), "a refused open does not remove the other process's region");

            // it takes the region lock and dies holding it, its end still open
            OutputStream in = child.getOutputStream();
            in.write("lock\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            assertEquals("LOCKED", out.readLine(), () -> "child: " + readQuietly(log));
            child.destroyForcibly();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));

            try (NetmapPort s = open("}1"); NetmapPort m = open("{1")) {
                NetmapRing rx = s.rxRing(0), tx = m.txRing(0);
                s.rxsync();
                assertEquals(List.of(4242), consumeAll(rx), "the dead process's frame is still in the region");
                s.rxsync();
                m.txsync();
                assertEquals(7, tx.space(), "the taken-over end carries on from the dead one's state");
                send(tx, 2, 1, 60);
                m.txsync();
                s.rxsync();
                assertEquals(List.of(1, 2), consumeAll(rx));
            }
            assertFalse(Files.exists(file), "the last live user removed the file the dead one left");
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(log);
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return e.toString();
        }
    }
}
