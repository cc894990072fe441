package io.jnetmap.hwtests.tools;

import io.jnetmap.hwtests.Binding;
import io.jnetmap.hwtests.Frames;
import io.jnetmap.hwtests.Shell;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.jnetmap.hwtests.tools.TestpmdFloodLabTest.require;
import static org.junit.jupiter.api.Assertions.*;

/**
 * pkt-gen on our ixgbe (the lab's first 82599 port, p4) against Linux's ixgbe on p5
 * ({@link PktGenPeerLabTest}: counters {@code rx_pkts_nic}/{@code rx_missed_errors}/{@code tx_pkts_nic},
 * the 82599's GPRC/MPC/GPTC), then against DPDK's ixgbe PMD on p5 (Debian's dpdk-testpmd over
 * vfio-pci, as {@link TestpmdFloodLabTest} runs it): testpmd txonly floods pkt-gen -f rx (what pkt-gen
 * received plus what our NIC dropped and counted is what testpmd sent, and RX never stops while it
 * sends), and pkt-gen -f tx into testpmd rxonly (testpmd's RX-packets plus RX-dropped, the PMD's
 * missed count, is what pkt-gen sent). Our port runs as a user opens it, flow control off (our
 * driver's default, and DPDK's): a slower receiver misses frames and counts them. Only in a lab with
 * the 82599 pair ({@code LAB_OWN_QEMU=1}); the testpmd cases are skipped without dpdk-testpmd
 * (lab run 20261206-133016-4645 passed both, with testpmd under stdbuf). Settings: JNETMAP_TESTPMD_SECONDS
 * (testpmd's flood, default 3 s here).
 */
class PktGenIxgbeLabTest extends PktGenPeerLabTest {
    static final int TESTPMD_SECONDS = Integer.parseInt(PktGenLabTest.envOr("JNETMAP_TESTPMD_SECONDS", "3"));
    static final Pattern RX_DROPPED = Pattern.compile("RX-dropped:\\s*(\\d+)");
    static final Pattern RX_PACKETS = Pattern.compile("RX-packets:\\s*(\\d+)");

    PktGenIxgbeLabTest() {
        super("ixgbe", new PeerCounters("rx_pkts_nic", "rx_missed_errors", "tx_pkts_nic"));
    }

    /** The peer's port handed from Linux's ixgbe to vfio-pci for testpmd (its namespace closed first). */
    String testpmdOnPeer() {
        String testpmd = TestpmdFloodLabTest.onPath("dpdk-testpmd");
        Assumptions.assumeTrue(testpmd != null, "dpdk-testpmd is not installed: apt-get install dpdk");
        if (peer != null) {
            peer.close();
            peer = null;
            peerBinding = Binding.bind(peerNic, Binding.Kind.VFIO);
        }
        return testpmd;
    }

    Binding peerBinding;

    @Override
    @org.junit.jupiter.api.AfterAll
    void tearDown() {
        super.tearDown();
        if (peerBinding != null) peerBinding.close();
    }

    /** testpmd on the peer's port in {@code mode}, started and forwarding (stop it with an empty line). */
    Shell.Background startTestpmd(String testpmd, String mode) {
        // stdbuf: testpmd's stdout into a pipe is block-buffered, "Press enter to exit" may wait there (check-82599-dpdk does the same)
        Shell.Background pmd = Shell.startWithInput("stdbuf", "-oL", "-eL", testpmd, "-l", "0-1", "-n", "1", "--in-memory", "-a", peerNic.bdf(), "--",
                "--forward-mode=" + mode, "--txpkts=60", "--eth-peer=0," + Frames.macString(nic.mac()),
                "--total-num-mbufs=8192", "--nb-cores=1", "--rxq=1", "--txq=1");
        running.add(pmd);
        require(pmd.awaitOutput("Press enter to exit", 180_000), () -> "testpmd " + mode + " did not start: " + pmd.out() + pmd.err());
        return pmd;
    }

    String stopTestpmd(Shell.Background pmd) {
        pmd.writeLine("");
        require(pmd.awaitExit(60), () -> "testpmd did not stop");
        running.remove(pmd);
        return pmd.out();
    }

    @Test
    @Order(3)
    void rxFromTestpmdsFloodCountsEveryFrameAndNeverStops() {
        String testpmd = testpmdOnPeer();
        Shell.Background rx = startReceiver();
        Shell.Background pmd = startTestpmd(testpmd, "txonly");
        int start = counts(rx).size();
        Shell.sleep(TESTPMD_SECONDS * 1000L);
        int sending = counts(rx).size() - start;
        String out = stopTestpmd(pmd);
        long sent = TestpmdFloodLabTest.first(TestpmdFloodLabTest.TX_PACKETS, out);
        awaitQuiet(rx);
        PktGenOutput got = stopReceiver(rx);
        Matcher m = NIC_DROPS.matcher(rx.out());
        List<Long> perSecond = counts(rx);
        List<Long> during = perSecond.subList(Math.min(start, perSecond.size()), perSecond.size());
        int silence = TestpmdFloodLabTest.longestSilence(during, sending);
        long drops = m.find() ? Long.parseLong(m.group(1)) : -1;
        String figures = String.format("testpmd txonly (DPDK ixgbe PMD, %s) -> pkt-gen -f rx %s, %d s: testpmd sent %,d; pkt-gen received %,d (%s),"
                        + " the NIC dropped and counted %,d; frames each second %s, longest silence while sending %d s", peerNic.port(), nic,
                TESTPMD_SECONDS, sent, got.packets(), got.speed(), drops, during, silence);
        report("%s", figures);
        TestpmdFloodLabTest.requireGuestTimers(() -> figures);
        assertTrue(drops >= 0, "pkt-gen's summary says what the NIC dropped: " + rx.out());
        assertTrue(sent > 0 && got.packets() > 0, figures);
        assertTrue(silence < TestpmdFloodLabTest.LONGEST_SILENCE_SECONDS, "RX stopped while testpmd was sending: " + figures);
        assertEquals(sent, got.packets() + drops, "every frame testpmd sent was received or dropped and counted by our NIC: " + figures);
    }

    @Test
    @Order(4)
    void txIntoTestpmdEveryFrameCountedByThePmd() {
        String testpmd = testpmdOnPeer();
        Shell.Background pmd = startTestpmd(testpmd, "rxonly");
        Shell.Result tx = Tool.PKT_GEN.run(3 * START_SECONDS + 120, "-f", "tx", "-i", port(), "-n", Long.toString(FRAMES),
                "-D", peerNic.macString(), "-w", "60");
        Shell.sleep(1000);
        String out = stopTestpmd(pmd);
        assertEquals(0, tx.exit(), "pkt-gen -f tx: " + tx.err() + tx.out());
        PktGenOutput sent = new PktGenOutput(tx.out());
        long received = TestpmdFloodLabTest.first(RX_PACKETS, out), missed = TestpmdFloodLabTest.first(RX_DROPPED, out);
        String figures = String.format("pkt-gen -f tx %s -> testpmd rxonly (DPDK ixgbe PMD, %s), unpaced: sent %,d (%s); testpmd RX-packets %,d,"
                + " RX-dropped (missed) %,d", nic, peerNic.port(), sent.packets(), sent.speed(), received, missed);
        report("%s", figures);
        assertEquals(FRAMES, sent.packets(), tx.out());
        assertTrue(received > 0, figures);
        assertEquals(FRAMES, received + missed, "frames testpmd's port received or missed, of those pkt-gen sent: " + figures);
    }
}
