package io.jnetmap.tools.pktgen;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** NIC behaviour without a NIC: link waits, one thread per ring, the card's MAC as source. */
class FakeNicTest {
    private static final byte[] MAC = {2, 0x11, 0x22, 0x33, 0x44, 0x55};

    @Test
    void noLinkWithinTheWaitIsOneErrorLineAndThePortIsClosed() {
        FakeNic nic = new FakeNic("fakenic" + ProcessHandle.current().pid() + "a", 1, false, MAC);
        Cli.Result r = Cli.run(nic.opener(), "-f", "tx", "-i", "fake0", "-w", "0.3", "-n", "10");
        assertEquals(1, r.rc(), r.toString());
        String[] lines = r.errLines();
        assertEquals(1, lines.length, r.toString());
        assertTrue(lines[0].startsWith("pkt-gen: no link on netmap:fake0 after 0.3 s"), lines[0]);
        assertTrue(lines[0].contains("-w SECONDS"), lines[0]);
        assertTrue(r.out().contains("Waiting up to 0.3 s for the link on netmap:fake0"), r.out());
        assertTrue(nic.destroyed, "port closed");
    }

    @Test
    void aLinkThatComesUpWhileWaitingLetsTheRunGoOn() throws Exception {
        FakeNic nic = new FakeNic("fakenic" + ProcessHandle.current().pid() + "b", 1, false, MAC);
        Thread t = new Thread(() -> {
            try { Thread.sleep(300); } catch (InterruptedException e) { return; }
            nic.link = true;
        });
        t.start();
        Cli.Result r = Cli.run(nic.opener(), "-f", "tx", "-i", "fake0", "-w", "10", "-n", "1000");
        t.join();
        assertEquals(0, r.rc(), r.toString());
        assertTrue(r.out().contains("Sent 1000 packets"), r.out());
        assertTrue(nic.destroyed);
    }

    @Test
    void eachThreadSendsOnItsOwnRingWithTheCardsMac() {
        FakeNic nic = new FakeNic("fakenic" + ProcessHandle.current().pid() + "c", 4, true, MAC);
        Cli.Result r = Cli.run(nic.opener(), "-f", "tx", "-i", "fake0", "-p", "4", "-n", "40000", "-l", "128");
        assertEquals(0, r.rc(), r.toString());
        assertTrue(r.out().contains("Sending on netmap:fake0: 4 queues, 4 threads and"), r.out());
        assertTrue(r.out().contains("198.18.0.1 -> 198.19.0.1 (02:11:22:33:44:55 -> ff:ff:ff:ff:ff:ff)"), r.out());
        assertTrue(r.out().contains("Sent 40000 packets 5120000 bytes"), r.out());
        for (int i = 0; i < 4; i++) assertEquals(10000, nic.sentPerRing.get(i), "ring " + i);
        assertEquals(128, nic.lastLength);
        byte[] src = java.util.Arrays.copyOfRange(nic.lastFrame, 6, 12);
        assertArrayEquals(MAC, src, "source MAC of the frames");
        Frames.assertValid(java.util.Arrays.copyOf(nic.lastFrame, 128), 128, "frame on the wire");
        assertTrue(nic.destroyed);
    }

    @Test
    void moreThreadsThanRingsIsRefused() {
        FakeNic nic = new FakeNic("fakenic" + ProcessHandle.current().pid() + "d", 2, true, MAC);
        Cli.Result r = Cli.run(nic.opener(), "-f", "tx", "-i", "fake0", "-p", "3");
        assertEquals(2, r.rc(), r.toString());
        assertTrue(r.err().contains("has 2 TX rings; -p 3"), r.err());
        assertTrue(nic.destroyed);
    }

    @Test
    void threadPortNames() {
        var n = io.jnetmap.rings.PortName.parse("netmap:eth0/x");
        assertEquals("netmap:eth0-2/x", ThreadPorts.forThread(n, 2, 4));
        var h = io.jnetmap.rings.PortName.parse("eth0^");
        assertEquals("netmap:eth0^1", ThreadPorts.forThread(h, 1, 4));
        var b = io.jnetmap.rings.PortName.parse("0000:03:00.0*");
        assertEquals("netmap:0000:03:00.0-3", ThreadPorts.forThread(b, 3, 4));
        assertEquals("netmap:0000:03:00.0^0", ThreadPorts.forThread(b, 4, 4));
        assertNotNull(ThreadPorts.refusal(io.jnetmap.rings.PortName.parse("x{1"), 2));
        assertNotNull(ThreadPorts.refusal(io.jnetmap.rings.PortName.parse("eth0-1"), 2));
    }
    @Test
    void aReceiverSaysHowManyFramesTheNicDroppedAndCounted() {
        java.util.concurrent.atomic.AtomicLong missed = new java.util.concurrent.atomic.AtomicLong(100);
        FakeNic nic = new FakeNic("fakenic" + ProcessHandle.current().pid() + "e", 2, true, MAC) {
            // each read finds 7 more frames missed; queue 1 dropped 3 before the run, none during it
            @Override public java.util.Map<String, Long> statistics() {
                return java.util.Map.of("rx_missed", missed.addAndGet(7), "rx_queue_0_drops", 0L, "rx_queue_1_drops", 3L, "rx_packets", 5L);
            }
        };
        Cli.Result r = Cli.run(nic.opener(), "-f", "rx", "-i", "fake0", "--duration", "0.2");
        assertEquals(0, r.rc(), r.toString());
        assertTrue(r.out().contains("The NIC dropped and counted 7 frames (rx_missed 7)."), r.out());

        FakeNic quiet = new FakeNic("fakenic" + ProcessHandle.current().pid() + "f", 1, true, MAC) {
            @Override public java.util.Map<String, Long> statistics() { return java.util.Map.of("rx_missed", 4L, "rx_queue_0_drops", 9L); }
        };
        r = Cli.run(quiet.opener(), "-f", "rx", "-i", "fake0", "--duration", "0.2", "--json");
        assertEquals(0, r.rc(), r.toString());
        assertTrue(r.out().contains("\"nic_drops\":0"), r.out());

        FakeNic none = new FakeNic("fakenic" + ProcessHandle.current().pid() + "g", 1, true, MAC);
        r = Cli.run(none.opener(), "-f", "rx", "-i", "fake0", "--duration", "0.2");
        assertFalse(r.out().contains("The NIC dropped"), "a port without drop counters says nothing: " + r.out());
    }
}
