package io.jnetmap.tools.pktgen;

import io.jnetmap.rings.ValeSwitch;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * pkt-gen on VALE ports (issue #15): txseq at full speed into a switch, rxseq on another port. A
 * VALE switch drops what the receiver cannot take rather than slowing the sender, so the check is
 * netmap's: frames arrive in order, and every frame sent either arrived or is counted as dropped
 * on the receiving port (a persistent port, so its counters outlive the run).
 */
class ValeRunTest {
    @Test
    void txseqThroughAValeSwitchArrivesInOrderOrIsCountedAsDropped() throws Exception {
        String sw = "valepg" + ProcessHandle.current().pid() + "x" + Long.toHexString(System.nanoTime() & 0xfffff);
        ValeSwitch.createPersistentPort(sw + ":b", 1024);
        try {
            Cli.Running rx = Cli.start("-f", "rxseq", "-i", sw + ":b", "--duration", "4");
            Thread.sleep(300);
            Cli.Result tx = Cli.run("-f", "txseq", "-i", "netmap:" + sw + ":a", "-n", "1000000");
            Cli.Result r = rx.await();
            assertEquals(0, tx.rc(), tx.toString());
            assertEquals(0, r.rc(), r.toString());
            assertTrue(tx.out().contains("Sending on netmap:" + sw + ":a: 1 queues, 1 threads"), tx.out());
            assertTrue(tx.out().contains("Sent 1000000 packets"), tx.out());
            Matcher m = Pattern.compile("Received (\\d+) packets").matcher(r.out());
            assertTrue(m.find(), r.out());
            long received = Long.parseLong(m.group(1));
            assertTrue(r.out().contains(" 0 out of order."), r.out());
            ValeSwitch.PortInfo b = ValeSwitch.list().stream().filter(p -> p.fullName().equals(sw + ":b")).findFirst().orElseThrow();
            assertEquals(received, b.forwarded(), "frames the switch published vs what pkt-gen counted");
            assertEquals(1_000_000, b.forwarded() + b.dropped(), "every frame arrived or was counted as dropped");
            assertEquals(2, Cli.run("-f", "tx", "-i", sw + ":a", "-p", "2").rc(), "-p 2 on a one-ring VALE port is a usage error");
        } finally {
            ValeSwitch.deletePersistentPort(sw + ":b");
        }
    }
}
