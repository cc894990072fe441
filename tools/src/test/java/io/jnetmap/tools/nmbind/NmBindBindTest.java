package io.jnetmap.tools.nmbind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NmBindBindTest {

    static final String E1000E = "0000:03:00.0";
    static final String IGB = "0000:04:00.0";

    @TempDir
    Path tmp;

    FakeSystem fake;

    @BeforeEach
    void machine() {
        fake = new FakeSystem(tmp).iommu();
        fake.nic(E1000E, "8086", "10d3", "e1000e", "enp3s0", "02:00:00:00:00:01").group(12);
        fake.nic(IGB, "8086", "10c9", "igb", "enp4s0", "02:00:00:00:00:02").group(13);
    }

    /** A refusal: one line on stderr naming the problem, a non-zero exit, nothing touched. */
    private void assertRefusedUntouched(FakeSystem.Result r, String... mustMention) {
        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().startsWith("nm-bind: error: "), r.err());
        for (String s : mustMention) {
            assertTrue(r.err().contains(s), "'" + s + "' missing from: " + r.err());
        }
        assertEquals(List.of(), fake.writes(), "no sysfs write may happen");
        assertEquals("e1000e", fake.driverOf(E1000E));
        assertTrue(fake.hasInterface(E1000E, "enp3s0"));
        assertFalse(Files.exists(fake.stateFile(E1000E)), "no state may be left");
    }

    @Test
    void bindsAnInterfaceToVfioAndRecordsTheDocumentedState() {
        FakeSystem.Result r = fake.run("bind", "enp3s0");

        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.err());
        assertEquals("vfio-pci", fake.driverOf(E1000E));
        assertFalse(fake.hasInterface(E1000E, "enp3s0"));
        assertEquals(Map.of("ifname", "enp3s0", "mac", "02:00:00:00:00:01", "driver", "e1000e",
                "bound", "vfio-pci", "vendor", "8086", "device", "10d3"), fake.state(E1000E));
        assertEquals(List.of("ifname", "mac", "driver", "bound", "vendor", "device"),
                List.copyOf(fake.state(E1000E).keySet()), "the keys, in the documented order");
        assertEquals(List.of(E1000E), List.of(fake.state.resolve("bound").toFile().list()),
                "one file per device, no leftovers");
        // vfio-pci was not loaded: nm-bind loads it.
        assertEquals(List.of("vfio-pci"), fake.logLines("modprobe.log"));
        // devbind's sequence: unbind, driver_override, probe, driver_override cleared.
        assertEquals(List.of(
                "bus/pci/drivers/e1000e/unbind=" + E1000E,
                "bus/pci/devices/" + E1000E + "/driver_override=vfio-pci",
                "bus/pci/drivers_probe=" + E1000E,
                "bus/pci/devices/" + E1000E + "/driver_override="), fake.writes());
        assertEquals("", fake.driverOverride(E1000E));
        assertTrue(r.out().contains("e1000e -> vfio-pci"), r.out());
        assertTrue(r.out().contains(fake.dev.resolve("vfio/12").toString()), r.out());
    }

    @Test
    void acceptsShortAddressesAndDefaultsToUioWithoutAnIommuGroup() {
        FakeSystem f = new FakeSystem(tmp.resolve("noiommu"));
        f.nic(E1000E, "8086", "10d3", "e1000e", "eth0", "02:00:00:00:00:01");

        FakeSystem.Result r = f.run("bind", "03:00.0");

        assertEquals(0, r.exit(), r::toString);
        assertEquals("uio_pci_generic", f.driverOf(E1000E));
        assertEquals("uio_pci_generic", f.state(E1000E).get("bound"));
        assertEquals("eth0", f.state(E1000E).get("ifname"));
        assertEquals(List.of("uio_pci_generic"), f.logLines("modprobe.log"));
        assertTrue(r.out().contains("uio0"), r.out());
    }

    @Test
    void refusesAnInterfaceThatCarriesRoutes() {
        fake.routes("default via 198.18.0.254 dev enp3s0", "198.18.0.0/24 dev enp3s0 proto kernel scope link");

        assertRefusedUntouched(fake.run("bind", E1000E), "enp3s0", "routes", "--force");
        assertEquals(List.of(), fake.logLines("modprobe.log"), "refused before loading anything");
    }

    @Test
    void refusesAnInterfaceWithAnAddressButNotOneWithOnlyALinkLocalOne() {
        fake.addrs("2: enp3s0    inet 198.18.0.1/24 brd 198.18.0.255 scope global enp3s0\\       valid_lft forever",
                "3: enp4s0    inet6 fe80::ff:fe00:2/64 scope link \\       valid_lft forever preferred_lft forever");

        assertRefusedUntouched(fake.run("bind", "enp3s0"), "198.18.0.1/24", "--force");

        FakeSystem.Result r = fake.run("bind", "enp4s0");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("vfio-pci", fake.driverOf(IGB));
    }

    @Test
    void forceBindsAnActiveInterface() {
        fake.routes("default via 198.18.0.254 dev enp3s0");

        FakeSystem.Result r = fake.run("bind", "--force", "enp3s0");

        assertEquals(0, r.exit(), r::toString);
        assertEquals("vfio-pci", fake.driverOf(E1000E));
        assertEquals("enp3s0", fake.state(E1000E).get("ifname"));
    }

    @Test
    void anUnknownAddressOrInterfaceIsAClearError() {
        assertRefusedUntouched(fake.run("bind", "0000:09:00.0"), "no PCI device 0000:09:00.0");
        assertRefusedUntouched(fake.run("bind", "09:00.0"), "no PCI device 0000:09:00.0");
        assertRefusedUntouched(fake.run("bind", "wlan7"), "'wlan7'", "nm-bind status");
        // All or nothing: a bad second argument stops the good first one too.
        assertRefusedUntouched(fake.run("bind", "enp3s0", "wlan7"), "'wlan7'");
    }

    @Test
    void aGroupWithAnotherBoundDeviceIsNotViableAndTheOffendersAreListed() {
        fake.device("0000:00:1f.3").cls("0x040300").id("8086", "293e").driver("snd_hda_intel").group(12);
        fake.device("0000:00:1c.0").cls("0x060400").id("8086", "2940").driver("pcieport").group(12);
        fake.device("0000:00:1f.4").cls("0x0c0500").id("8086", "2930").group(12);

        FakeSystem.Result r = fake.run("bind", "enp3s0");

        assertRefusedUntouched(r, "IOMMU group 12", "not viable", "0000:00:1f.3 (snd_hda_intel)", "uio_pci_generic");
        assertFalse(r.err().contains("0000:00:1c.0"), "pcieport is fine: " + r.err());
        assertFalse(r.err().contains("0000:00:1f.4"), "no driver is fine: " + r.err());
    }

    @Test
    void twoFunctionsOfOneGroupCanBeBoundTogether() {
        FakeSystem.Device second = fake.device("0000:03:00.1").id("8086", "10d3").driver("e1000e")
                .iface("enp3s0f1", "02:00:00:00:00:09");
        second.group(12);

        FakeSystem.Result alone = fake.run("bind", "enp3s0");
        assertEquals(1, alone.exit(), alone::toString);
        assertTrue(alone.err().contains("0000:03:00.1 (e1000e)"), alone.err());

        FakeSystem.Result r = fake.run("bind", "enp3s0", "enp3s0f1");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("vfio-pci", fake.driverOf(E1000E));
        assertEquals("vfio-pci", fake.driverOf("0000:03:00.1"));
    }

    @Test
    void vfioWithoutAnIommuSaysWhatToDo() {
        FakeSystem f = new FakeSystem(tmp.resolve("noiommu"));
        f.nic(E1000E, "8086", "10d3", "e1000e", "eth0", "02:00:00:00:00:01");

        FakeSystem.Result r = f.run("bind", "eth0", "--driver", "vfio-pci");

        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("intel_iommu=on"), r.err());
        assertTrue(r.err().contains("--driver uio_pci_generic"), r.err());
        assertEquals(List.of(), f.writes());
    }

    @Test
    void aFailedProbeRollsBackToTheOriginalDriverAndForgetsTheDevice() {
        fake.device(E1000E).refuses("vfio-pci");

        FakeSystem.Result r = fake.run("bind", "enp3s0");

        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("vfio-pci did not take " + E1000E), r.err());
        assertTrue(r.err().contains("rolled back"), r.err());
        assertEquals("e1000e", fake.driverOf(E1000E));
        assertTrue(fake.hasInterface(E1000E, "enp3s0"));
        assertFalse(Files.exists(fake.stateFile(E1000E)));
        assertEquals("", fake.driverOverride(E1000E));
    }

    @Test
    void aFailureUndoesTheDevicesAlreadyBoundByTheSameCommand() {
        fake.device(IGB).refuses("vfio-pci");

        FakeSystem.Result r = fake.run("bind", "enp3s0", "enp4s0");

        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertEquals("e1000e", fake.driverOf(E1000E));
        assertEquals("igb", fake.driverOf(IGB));
        assertTrue(fake.hasInterface(E1000E, "enp3s0"));
        assertTrue(fake.hasInterface(IGB, "enp4s0"));
        assertEquals(0, fake.state.resolve("bound").toFile().list().length);
    }

    @Test
    void aMissingModuleIsAClearError() {
        fake.moduleMissing("vfio-pci");

        assertRefusedUntouched(fake.run("bind", "enp3s0"), "vfio-pci", "Module vfio-pci not found");
    }

    @Test
    void bindingAgainIsHarmless() {
        assertEquals(0, fake.run("bind", "enp3s0").exit());

        FakeSystem.Result again = fake.run("bind", E1000E, "--driver=vfio-pci");

        assertEquals(0, again.exit(), again::toString);
        assertTrue(again.err().contains("already bound to vfio-pci"), again.err());
        assertEquals("enp3s0", fake.state(E1000E).get("ifname"), "the first record is kept");
    }

    @Test
    void movingBetweenUserSpaceDriversKeepsTheOriginalKernelDriver() {
        assertEquals(0, fake.run("bind", "enp3s0").exit());

        FakeSystem.Result r = fake.run("bind", "enp3s0", "--driver", "uio_pci_generic");

        assertEquals(0, r.exit(), r::toString);
        assertEquals("uio_pci_generic", fake.driverOf(E1000E));
        assertEquals(Map.of("ifname", "enp3s0", "mac", "02:00:00:00:00:01", "driver", "e1000e",
                "bound", "uio_pci_generic", "vendor", "8086", "device", "10d3"), fake.state(E1000E));
    }

    @Test
    void withoutAKernelTheWritesLandInTheFilesAndNothingIsLeftHalfBound() {
        // No kernel emulation: nm-bind's own writes go to plain files, so nothing binds.
        // A driverless device: the override is written, the probe requested, the override
        // cleared with a NUL byte as dpdk-devbind does, and the failed check rolls back.
        fake.device("0000:09:00.0").id("8086", "10d3").group(30);
        fake.driver("uio_pci_generic");

        FakeSystem.Result r = fake.run(Map.of("NM_BIND_WRITE", ""), "bind", "09:00.0", "--driver", "uio_pci_generic");

        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("uio_pci_generic did not take 0000:09:00.0"), r.err());
        assertEquals("0000:09:00.0", FakeSystem.read(fake.sys.resolve("bus/pci/drivers_probe")));
        assertEquals("\0", fake.driverOverride("0000:09:00.0"));
        assertFalse(Files.exists(fake.stateFile("0000:09:00.0")));
        assertEquals(List.of(), fake.writes(), "the fake kernel was not used");
    }

    @Test
    void aFailedMoveBetweenUserSpaceDriversGoesBackToTheFirstOneAndKeepsTheRecord() {
        assertEquals(0, fake.run("bind", "enp3s0").exit());
        String record = FakeSystem.read(fake.stateFile(E1000E));
        fake.device(E1000E).refuses("uio_pci_generic");

        FakeSystem.Result r = fake.run("bind", "enp3s0", "--driver", "uio_pci_generic");

        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("rolled back"), r.err());
        assertEquals("vfio-pci", fake.driverOf(E1000E));
        assertEquals(record, FakeSystem.read(fake.stateFile(E1000E)), "the record of the first bind stays");

        FakeSystem.Result restore = fake.run("restore", "enp3s0");
        assertEquals(0, restore.exit(), restore::toString);
        assertEquals("e1000e", fake.driverOf(E1000E));
    }

    @Test
    void refusesADeviceThatIsNotANetworkDeviceUnlessForced() {
        fake.device("0000:00:1f.2").cls("0x010601").id("8086", "2922").driver("ahci").group(20);

        FakeSystem.Result r = fake.run("bind", "00:1f.2");
        assertRefusedUntouched(r, "not a network device", "--force");

        FakeSystem.Result forced = fake.run("bind", "00:1f.2", "--force");
        assertEquals(0, forced.exit(), forced::toString);
        assertEquals("vfio-pci", fake.driverOf("0000:00:1f.2"));
        assertEquals("ahci", fake.state("0000:00:1f.2").get("driver"));
        assertEquals("", fake.state("0000:00:1f.2").get("ifname"));
        assertTrue(fake.run("status").out().contains("0000:00:1f.2"), "status lists what nm-bind bound");
    }
}
