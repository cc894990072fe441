package io.jnetmap.tools.nmbind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NmBindRestoreTest {

    static final String E1000E = "0000:03:00.0";
    static final String IGB = "0000:04:00.0";

    @TempDir
    Path tmp;

    FakeSystem fake;

    @BeforeEach
    void machineWithBothNicsBound() {
        fake = new FakeSystem(tmp).iommu();
        fake.nic(E1000E, "8086", "10d3", "e1000e", "enp3s0", "02:00:00:00:00:01").group(12);
        fake.nic(IGB, "8086", "10c9", "igb", "enp4s0", "02:00:00:00:00:02").group(13);
        FakeSystem.Result r = fake.run("bind", "enp3s0", "enp4s0");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("vfio-pci", fake.driverOf(E1000E));
        assertEquals("vfio-pci", fake.driverOf(IGB));
    }

    private void assertBack(String bdf, String driver, String ifname) {
        assertEquals(driver, fake.driverOf(bdf));
        assertTrue(fake.hasInterface(bdf, ifname), bdf + " has its interface " + ifname + " again");
        assertFalse(Files.exists(fake.stateFile(bdf)), "the record of " + bdf + " is gone");
        assertEquals("", fake.driverOverride(bdf), "driver_override is cleared");
    }

    @Test
    void restoreByTheRememberedInterfaceNameGivesTheDeviceBack() {
        FakeSystem.Result r = fake.run("restore", "enp3s0");

        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.err());
        assertBack(E1000E, "e1000e", "enp3s0");
        assertTrue(r.out().contains("back on e1000e as enp3s0"), r.out());
        assertEquals("vfio-pci", fake.driverOf(IGB), "the other device stays bound");
        assertTrue(Files.exists(fake.stateFile(IGB)));
    }

    @Test
    void unbindByAddressIsTheSame() {
        FakeSystem.Result r = fake.run("unbind", "04:00.0");

        assertEquals(0, r.exit(), r::toString);
        assertBack(IGB, "igb", "enp4s0");
    }

    @Test
    void restoreWithoutArgumentsRestoresEveryBoundDevice() {
        FakeSystem.Result r = fake.run("restore");

        assertEquals(0, r.exit(), r::toString);
        assertBack(E1000E, "e1000e", "enp3s0");
        assertBack(IGB, "igb", "enp4s0");
        assertEquals(0, fake.state.resolve("bound").toFile().list().length);

        FakeSystem.Result again = fake.run("restore");
        assertEquals(0, again.exit(), again::toString);
        assertTrue(again.out().startsWith("Nothing to restore"), again.out());
    }

    @Test
    void theInterfaceGetsItsNameBackWhenTheKernelNamesItDifferently() {
        // Without udev the kernel calls the re-probed interface eth7, not enp3s0.
        fake.device(E1000E).kernelNamesIt("eth7");

        FakeSystem.Result r = fake.run("restore", E1000E);

        assertEquals(0, r.exit(), r::toString);
        assertBack(E1000E, "e1000e", "enp3s0");
        assertTrue(fake.logLines("ip.log").contains("link set dev eth7 name enp3s0"), fake.logLines("ip.log")::toString);
    }

    @Test
    void theMacAddressComesBackWhenItHadBeenChanged() {
        // The interface ran with a locally set address; the driver would read the burnt-in one.
        FakeSystem.write(fake.stateFile(E1000E), FakeSystem.read(fake.stateFile(E1000E))
                .replace("mac=02:00:00:00:00:01", "mac=02:aa:bb:cc:dd:ee"));

        FakeSystem.Result r = fake.run("restore", "enp3s0");

        assertEquals(0, r.exit(), r::toString);
        assertEquals("02:aa:bb:cc:dd:ee",
                FakeSystem.read(fake.devDir(E1000E).resolve("net/enp3s0/address")).strip());
    }

    @Test
    void refusesADeviceThatAProcessHoldsOpen() {
        fake.processHolding(4242, "java", fake.dev.resolve("vfio/12"));

        FakeSystem.Result r = fake.run("restore");

        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains(E1000E + " is in use by pid 4242 (java)"), r.err());
        // Checked before anything changed: the free device was not restored either.
        assertEquals("vfio-pci", fake.driverOf(E1000E));
        assertEquals("vfio-pci", fake.driverOf(IGB));
        assertTrue(Files.exists(fake.stateFile(E1000E)));
        assertTrue(Files.exists(fake.stateFile(IGB)));
    }

    @Test
    void aDeviceBoundBySomethingElseGoesToWhicheverKernelDriverClaimsIt() {
        FakeSystem.Device other = fake.device("0000:05:00.0").id("8086", "10d3").driver("vfio-pci").group(14);
        FakeSystem.write(other.dir.resolve(".native"), "e1000e");
        FakeSystem.write(other.dir.resolve(".kernel-ifname"), "enp5s0");
        FakeSystem.write(other.dir.resolve(".perm-mac"), "02:00:00:00:00:05\n");

        FakeSystem.Result r = fake.run("unbind", "05:00.0");

        assertEquals(0, r.exit(), r::toString);
        assertEquals("e1000e", fake.driverOf("0000:05:00.0"));
        assertTrue(r.out().contains("back on e1000e as enp5s0"), r.out());
    }

    @Test
    void aDeviceThatNeverLeftItsKernelDriverIsLeftAlone() {
        fake.nic("0000:06:00.0", "8086", "10c9", "igb", "enp6s0", "02:00:00:00:00:06");

        FakeSystem.Result r = fake.run("unbind", "enp6s0");

        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("nothing to do"), r.out());
        assertEquals("igb", fake.driverOf("0000:06:00.0"));
    }

    @Test
    void whenTheDriverDoesNotComeBackTheRecordIsKeptForARetry() {
        fake.device(E1000E).refuses("e1000e");

        FakeSystem.Result r = fake.run("restore", E1000E);

        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("did not come back to e1000e"), r.err());
        assertTrue(Files.exists(fake.stateFile(E1000E)), "kept so that restore can be retried");

        fake.device(E1000E).accepts("e1000e");
        FakeSystem.Result retry = fake.run("restore");
        assertEquals(0, retry.exit(), retry::toString);
        assertBack(E1000E, "e1000e", "enp3s0");
    }

    @Test
    void theStateFileNamesTheDeviceForTheJavaSide() {
        // What the Java side does for netmap:enp3s0: find the record whose ifname matches.
        List<String> names = List.of(fake.state.resolve("bound").toFile().list());
        assertEquals(List.of(E1000E, IGB), names.stream().sorted().toList());
        assertEquals("enp3s0", fake.state(E1000E).get("ifname"));
        assertEquals("enp4s0", fake.state(IGB).get("ifname"));
    }
}
