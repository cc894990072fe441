package io.jnetmap.nic;

import io.jnetmap.pci.HostPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class HostIdentityTest {
    static final byte[] NIC_MAC = {0x02, 0, 0, 0, 0, 0x01};

    @TempDir
    Path root;

    HostPaths paths() { return HostPaths.rootedAt(root); }

    void record(String address, String text) throws Exception {
        Path dir = Files.createDirectories(root.resolve("run/jnetmap/bound"));
        Files.writeString(dir.resolve(address), text);
    }

    @Test
    void nmBindsRecordGivesTheNameAndMac() throws Exception {
        record("0000:03:00.0", "ifname=enp3s0\nmac=a0:36:9f:00:00:07\ndriver=igb\nbound=vfio-pci\n");
        HostIdentity id = HostIdentity.of("0000:03:00.0", NIC_MAC, paths());
        assertEquals("enp3s0", id.ifname());
        assertArrayEquals(new byte[] {(byte) 0xa0, 0x36, (byte) 0x9f, 0, 0, 7}, id.mac());
    }

    @Test
    void withoutARecordTheNameComesFromTheAddressAndTheMacFromTheNic() {
        HostIdentity id = HostIdentity.of("0000:00:04.0", NIC_MAC, paths());
        assertEquals("nm0000_00_04.0", id.ifname());
        assertArrayEquals(NIC_MAC, id.mac());
        assertTrue(HostIdentity.derivedName("ffff:ff:1f.7").length() <= 15);
    }

    @Test
    void aRecordWithoutInterfaceOrMacFallsBack() throws Exception {
        record("0000:00:05.0", "ifname=\nmac=\ndriver=\nbound=vfio-pci\n");
        HostIdentity id = HostIdentity.of("0000:00:05.0", NIC_MAC, paths());
        assertEquals("nm0000_00_05.0", id.ifname());
        assertArrayEquals(NIC_MAC, id.mac());
    }

    @Test
    void namesTheKernelWouldRefuseAreNotUsed() {
        assertFalse(HostIdentity.validName("a:b"));
        assertFalse(HostIdentity.validName("sixteen-chars-xx"));
        assertFalse(HostIdentity.validName(".."));
        assertTrue(HostIdentity.validName("enp0s31f6"));
        assertNull(HostIdentity.parseMac("02:00:00:00:00"));
        assertNull(HostIdentity.parseMac("zz:00:00:00:00:00"));
    }
}
