package io.jnetmap.hwtests.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jnetmap.hwtests.Lab;
import io.jnetmap.hwtests.Shell;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The lab's 82599 model (jnetmap-82599) earns trust the way a chip would: Linux's own ixgbe
 * driver and DPDK's ixgbe PMD, which run on real 82599s, must bring it up and carry traffic on it
 * before jnetmap's Java ixgbe driver is tested against it. The checks live in
 * {@code hwtests/lab/check-82599} (one PASS/FAIL line each: probe, link at 10 Gb/s, 200,000
 * frames each way byte-exact against QEMU's pcap, ethtool -S counters, RSS against a Toeplitz
 * prediction, MSI-X per queue, down/up, cable pull, routed traffic to the e1000e, and testpmd's
 * txonly/rxonly/io against a kernel peer); this test runs them in the lab and fails on any FAIL.
 */
@Tag("hardware")
class Ixgbe82599ModelLabTest {

    @Test
    void linuxIxgbeAndDpdkDriveTheModel() {
        Lab.require();
        assumeTrue(Lab.nics("ixgbe").size() >= 2, "the lab has no two 82599 ports (JNETMAP_LAB_NICS)");
        Shell.Result r = Shell.run(1500, Lab.repo().resolve("hwtests/lab/check-82599").toString(), "--dpdk");
        System.out.println(r.out());
        System.out.println(r.err());
        assertEquals(0, r.exit(), "hwtests/lab/check-82599 reported failures:\n"
                + r.out().lines().filter(l -> l.startsWith("FAIL")).reduce("", (a, b) -> a + b + "\n"));
    }
}
