package io.jnetmap.tools.nmbind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NmBindStatusTest {

    @TempDir
    Path tmp;

    FakeSystem fake;

    @BeforeEach
    void machine() {
        fake = new FakeSystem(tmp).iommu();
        fake.device("0000:00:00.0").cls("0x060000").id("8086", "29c0");
        fake.nic("0000:03:00.0", "8086", "10d3", "e1000e", "enp3s0", "02:00:00:00:00:01").group(12);
        fake.nic("0000:04:00.0", "8086", "10c9", "igb", "enp4s0", "02:00:00:00:00:02").group(13);
        fake.nic("0000:05:00.0", "8086", "1521", "igb", "enp5s0f0", "02:00:00:00:00:03").group(14);
        fake.nic("0000:06:00.0", "8086", "10fb", "ixgbe", "enp6s0f0", "02:00:00:00:00:04").group(15);
        fake.nic("0000:07:00.0", "10ec", "8168", "r8169", "enp7s0", "02:00:00:00:00:05").group(16);
        // A virtio NIC keeps its interface below a virtio child, and has no IOMMU group.
        FakeSystem.Device virtio = fake.device("0000:00:03.0").id("1af4", "1041").driver("virtio-pci");
        FakeSystem.write(virtio.dir.resolve("virtio0/net/eth0/address"), "52:54:00:12:34:56\n");
    }

    /** The status row of one device, split on runs of blanks. */
    private static List<String> row(String out, String bdf) {
        return out.lines()
                .filter(l -> l.startsWith(bdf + " "))
                .findFirst()
                .map(l -> List.of(l.trim().split(" {2,}")))
                .orElseThrow(() -> new AssertionError("no row for " + bdf + " in:\n" + out));
    }

    @Test
    void listsEveryNetworkDeviceWithChipDriverInterfaceAndGroup() {
        FakeSystem.Result r = fake.run("status");

        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.err(), r::toString);
        assertEquals(List.of("0000:03:00.0", "8086:10d3", "82574L (e1000e)", "e1000e", "enp3s0", "12"),
                row(r.out(), "0000:03:00.0"));
        assertEquals(List.of("0000:04:00.0", "8086:10c9", "82576 (igb)", "igb", "enp4s0", "13"),
                row(r.out(), "0000:04:00.0"));
        assertEquals(List.of("0000:05:00.0", "8086:1521", "I350 (igb)", "igb", "enp5s0f0", "14"),
                row(r.out(), "0000:05:00.0"));
        assertEquals(List.of("0000:06:00.0", "8086:10fb", "82599 (ixgbe)", "ixgbe", "enp6s0f0", "15"),
                row(r.out(), "0000:06:00.0"));
        assertEquals(List.of("0000:07:00.0", "10ec:8168", "RTL8168 (r8169)", "r8169", "enp7s0", "16"),
                row(r.out(), "0000:07:00.0"));
        assertEquals(List.of("0000:00:03.0", "1af4:1041", "-", "virtio-pci", "eth0", "none"),
                row(r.out(), "0000:00:03.0"));
        assertTrue(r.out().lines().noneMatch(l -> l.startsWith("0000:00:00.0")),
                "the host bridge is not a network device:\n" + r.out());
        assertTrue(r.out().contains("IOMMU: active"), r.out());
    }

    @Test
    void marksInterfacesThatCarryRoutesActiveButNotLinkLocalOnes() {
        fake.routes("default via 198.18.0.254 dev enp3s0 proto static",
                "198.18.0.0/24 dev enp3s0 proto kernel scope link src 198.18.0.1",
                "169.254.0.0/16 dev enp4s0 scope link metric 1000");

        FakeSystem.Result r = fake.run("status");

        assertEquals(0, r.exit(), r::toString);
        assertEquals("*Active*", row(r.out(), "0000:03:00.0").get(6));
        assertEquals(6, row(r.out(), "0000:04:00.0").size(), "no note for enp4s0:\n" + r.out());
    }

    @Test
    void showsTheRememberedInterfaceOfADeviceBoundByNmBind() {
        FakeSystem.Result bind = fake.run("bind", "enp3s0");
        assertEquals(0, bind.exit(), bind::toString);

        FakeSystem.Result r = fake.run("status");

        assertEquals(0, r.exit(), r::toString);
        List<String> row = row(r.out(), "0000:03:00.0");
        assertEquals(List.of("0000:03:00.0", "8086:10d3", "82574L (e1000e)", "vfio-pci", "(enp3s0)", "12"),
                row.subList(0, 6));
        assertEquals("nm-bind: was enp3s0 on e1000e", row.get(6));
    }

    @Test
    void saysWhenThereIsNoIommu() {
        FakeSystem f = new FakeSystem(tmp.resolve("noiommu"));
        f.nic("0000:03:00.0", "8086", "10d3", "e1000e", "eth0", "02:00:00:00:00:01");

        FakeSystem.Result r = f.run("status");

        assertEquals(0, r.exit(), r::toString);
        assertEquals("none", row(r.out(), "0000:03:00.0").get(5));
        assertTrue(r.out().contains("IOMMU: none"), r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "status --help", "bind --help", "bind -h", "unbind --help",
            "restore -h", "hugepages --help"})
    void everyCommandHasHelp(String args) {
        FakeSystem.Result r = fake.run(args.split(" "));

        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("Usage: nm-bind"), r.out());
        assertEquals("", r.err());
        assertEquals(List.of(), fake.writes(), "help changes nothing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"frobnicate", "", "status extra", "bind", "bind --driver igb_uio enp3s0",
            "bind --bogus enp3s0", "unbind", "hugepages --count x", "hugepages --size 2M"})
    void usageErrorsAreOneLineAndExitTwo(String args) {
        FakeSystem.Result r = args.isEmpty() ? fake.run() : fake.run(args.split(" "));

        assertEquals(2, r.exit(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(Pattern.compile("^nm-bind: .*--help\\)$").matcher(r.err().strip()).matches(), r.err());
        assertEquals(List.of(), fake.writes());
    }
}
