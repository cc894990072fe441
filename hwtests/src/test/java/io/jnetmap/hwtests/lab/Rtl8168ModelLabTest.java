package io.jnetmap.hwtests.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jnetmap.hwtests.Lab;
import io.jnetmap.hwtests.LabChecklist;
import io.jnetmap.hwtests.Shell;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The lab's RTL8168h model (jnetmap-rtl8168, wire D) earns trust from the driver that runs on real
 * RTL8168s every day: Linux's r8169 must bind it, name the chip version, bring the link up at
 * 1 Gb/s and carry traffic on it before jnetmap's Java r8169 driver is tested against it. The checks
 * live in {@code hwtests/lab/check-rtl8168} (one PASS/FAIL line each: probe and version, PHY driver,
 * link, ping, frames each way at full speed (pktgen, no delay) byte-exact and in order against
 * QEMU's pcap with matching tally counters, down/up, cable pull, routed TCP to the e1000e); this
 * test runs them and fails on any FAIL. Frames each way: {@code JNETMAP_RTL8168_CHECK_FRAMES}
 * (default 50,000, for the suite's time; the script's own default is 200,000).
 */
@Tag("hardware")
class Rtl8168ModelLabTest {

    @Test
    void linuxR8169DrivesTheModel() {
        Lab.require();
        assumeTrue(Lab.nics("r8169").size() >= 2, "the lab has no two RTL8168 ports (JNETMAP_LAB_NICS; LAB_OWN_QEMU=1)");
        String frames = LabChecklist.envOr("JNETMAP_RTL8168_CHECK_FRAMES", "50000");
        Shell.Result r = Shell.run(900, "env", "CHECK_FRAMES=" + frames, Lab.repo().resolve("hwtests/lab/check-rtl8168").toString());
        System.out.println(r.out());
        System.out.println(r.err());
        assertEquals(0, r.exit(), "hwtests/lab/check-rtl8168 reported failures:\n"
                + r.out().lines().filter(l -> l.startsWith("FAIL")).reduce("", (a, b) -> a + b + "\n"));
    }
}
