package io.jnetmap.pci;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PciAddressTest {
    @TempDir
    Path tmp;

    @Test
    void parsesFullAndShortForms() {
        PciAddress a = PciAddress.parse("0000:03:00.0");
        assertEquals("0000:03:00.0", a.toString());
        assertEquals(PciAddress.parse("03:00.0"), a);
        assertEquals("0001:af:1f.7", PciAddress.parse("1:AF:1f.7").toString());
        assertEquals(3, a.bus());
        assertEquals(0, a.domain());
    }

    @Test
    void rejectsMalformed() {
        for (String s : new String[] {"", "03:00", "03:20.0", "0000:03:00.8", "xx:00.0", "eth0/../x", "0000:03:00.0 junk"}) {
            assertTrue(PciAddress.tryParse(s).isEmpty(), s);
        }
        PciException e = assertThrows(PciException.class, () -> PciAddress.parse("03:00"));
        assertEquals(PciException.Reason.NO_SUCH_DEVICE, e.reason());
    }

    @Test
    void resolvesAnInterfaceThroughSysfs() {
        FakeSysfs fs = new FakeSysfs(tmp);
        fs.device("0000:03:00.0", 0x8086, 0x10d3);
        fs.driver("0000:03:00.0", "e1000e").netdev("0000:03:00.0", "enp3s0");
        assertEquals(PciAddress.parse("0000:03:00.0"), PciAddress.resolve("enp3s0", fs.paths));
        assertEquals(PciAddress.parse("0000:05:00.0"), PciAddress.resolve("05:00.0", fs.paths));
    }

    @Test
    void resolvesABoundInterfaceThroughNmBindsRecord() {
        FakeSysfs fs = new FakeSysfs(tmp);
        fs.device("0000:03:00.0", 0x8086, 0x10d3);
        fs.driver("0000:03:00.0", "vfio-pci");
        fs.bindRecord("0000:03:00.0", "ifname=enp3s0\nmac=02:00:00:00:00:01\ndriver=e1000e\nbound=vfio-pci\nvendor=0x8086\ndevice=0x10d3\n");
        fs.bindRecord("0000:04:00.0", "ifname=enp4s0\ndriver=igb\n");
        assertEquals(PciAddress.parse("0000:03:00.0"), PciAddress.resolve("enp3s0", fs.paths));
        assertEquals(PciAddress.parse("0000:04:00.0"), PciAddress.resolve("enp4s0", fs.paths));

        BindRecord r = BindRecord.read(PciAddress.parse("0000:03:00.0"), fs.paths).orElseThrow();
        assertEquals("enp3s0", r.interfaceName());
        assertEquals("02:00:00:00:00:01", r.mac());
        assertEquals("e1000e", r.originalDriver());
        assertEquals("vfio-pci", r.boundDriver());
        assertEquals("0x8086", r.vendor());
        assertEquals("0x10d3", r.deviceId());
        assertTrue(BindRecord.read(PciAddress.parse("0000:09:00.0"), fs.paths).isEmpty());
    }

    @Test
    void stateDirectoryCanBeMovedLikeNmBindsVariable() {
        FakeSysfs fs = new FakeSysfs(tmp);
        Path state = tmp.resolve("elsewhere");
        FakeSysfs.write(state.resolve("bound/0000:07:00.0"), "ifname=lab0\n");
        assertEquals(PciAddress.parse("0000:07:00.0"), PciAddress.resolve("lab0", fs.paths.withStateDir(state)));
    }

    @Test
    void unknownNameSaysWhereItLooked() {
        FakeSysfs fs = new FakeSysfs(tmp);
        PciException e = assertThrows(PciException.class, () -> PciAddress.resolve("nosuch0", fs.paths));
        assertEquals(PciException.Reason.NO_SUCH_DEVICE, e.reason());
        assertTrue(e.getMessage().contains("nosuch0") && e.getMessage().contains("nm-bind status"), e.getMessage());
        assertThrows(PciException.class, () -> PciAddress.resolve("../../etc", fs.paths));
    }

    @Test
    void systemPathsFollowProperties() {
        String old = System.getProperty(HostPaths.ROOT_PROPERTY);
        try {
            System.setProperty(HostPaths.ROOT_PROPERTY, tmp.toString());
            System.setProperty(HostPaths.PAGEMAP_PROPERTY, tmp.resolve("pm").toString());
            HostPaths p = HostPaths.system();
            assertEquals(tmp.resolve("sys/bus/pci/devices/0000:03:00.0"), p.pciDevice(PciAddress.parse("03:00.0")));
            assertEquals(tmp.resolve("dev/vfio/vfio"), p.dev("vfio/vfio"));
            assertEquals(tmp.resolve("pm"), p.pagemap());
        } finally {
            if (old == null) System.clearProperty(HostPaths.ROOT_PROPERTY);
            else System.setProperty(HostPaths.ROOT_PROPERTY, old);
            System.clearProperty(HostPaths.PAGEMAP_PROPERTY);
        }
        assertEquals(Path.of("/proc/self/pagemap"), HostPaths.system().pagemap());
    }
}
