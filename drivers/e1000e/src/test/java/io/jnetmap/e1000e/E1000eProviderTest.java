package io.jnetmap.e1000e;

import io.jnetmap.nic.NicAdapter;
import io.jnetmap.nic.NicProvider;
import io.jnetmap.nic.ModelAdapterHarness;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.nic.NicRegion;
import io.jnetmap.pci.HostPaths;
import io.jnetmap.pci.PciAddress;
import io.jnetmap.pci.PciId;
import io.jnetmap.pci.SupportedDevices;
import io.jnetmap.rings.AdapterProvider;
import io.jnetmap.rings.NetmapAdapter;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.PortName;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

/** Port names to adapters: the ServiceLoader registration, ID checks against sysfs, one adapter per NIC. */
class E1000eProviderTest {
    @TempDir
    Path root;

    @BeforeAll
    static void smallRegion() {
        ModelAdapterHarness.smallRegion();
    }

    /** The real provider's logic over a fake sysfs tree, opening model devices instead of PCI functions. */
    final class ModelProvider extends NicProvider {
        final List<E1000eModel> models = new ArrayList<>();

        @Override protected SupportedDevices supported() { return E1000eChip.SUPPORTED; }
        @Override protected HostPaths paths() { return HostPaths.rootedAt(root).withStateDir(root.resolve("run")); }

        @Override
        protected NicAdapter create(PciAddress address, PortName name) {
            E1000eModel m = new E1000eModel(Frames.MAC);
            models.add(m);
            return E1000eAdapter.open(new ModelDevice(m, new PciId(0x8086, 0x10d3), address.toString(), "MSIX"),
                    E1000eConfig.from(name).withLinkWait(50));
        }
    }

    void pciDevice(String address, int device, String ifname) throws Exception {
        Path d = root.resolve("sys/bus/pci/devices").resolve(address);
        Files.createDirectories(d);
        Files.writeString(d.resolve("vendor"), "0x8086\n");
        Files.writeString(d.resolve("device"), String.format("0x%04x\n", device));
        Files.writeString(d.resolve("class"), "0x020000\n");
        if (ifname != null) {
            Path net = root.resolve("sys/class/net").resolve(ifname);
            Files.createDirectories(net);
            Files.createSymbolicLink(net.resolve("device"), d); // sysfs: a link to the PCI device
        }
    }

    @Test
    void registeredAsAServiceLoaderProvider() {
        boolean found = false;
        for (AdapterProvider p : ServiceLoader.load(AdapterProvider.class)) found |= p instanceof E1000eProvider;
        assertTrue(found, "META-INF/services/io.jnetmap.rings.AdapterProvider names E1000eProvider");
        String d = new E1000eProvider().describe();
        assertTrue(d.startsWith("e1000e") && d.contains("8086:10d3 82574L"), d);
    }

    @Test
    void unknownNamesListWhatTheDriverTakes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetmapPort.open("netmap:0000:7f:1f.7"));
        assertTrue(e.getMessage().contains("e1000e (8086:10d3 82574L"), e.getMessage());
    }

    @Test
    void handlesSupportedNicsByAddressOrInterfaceName() throws Exception {
        pciDevice("0000:00:04.0", 0x10d3, "enp0s4");
        pciDevice("0000:00:05.0", 0x10c9, "enp0s5");
        ModelProvider p = new ModelProvider();
        assertTrue(p.handles(PortName.parse("netmap:0000:00:04.0")));
        assertTrue(p.handles(PortName.parse("netmap:00:04.0-0")), "short address, one ring");
        assertTrue(p.handles(PortName.parse("netmap:enp0s4")), "interface name through sysfs");
        assertFalse(p.handles(PortName.parse("netmap:0000:00:05.0")), "an 82576 is igb's");
        assertFalse(p.handles(PortName.parse("netmap:enp0s5")));
        assertFalse(p.handles(PortName.parse("netmap:0000:00:09.0")), "no such device");
        assertFalse(p.handles(PortName.parse("netmap:nosuchif")));
        assertFalse(p.handles(PortName.parse("netmap:0000:00:04.0{1")), "pipes are not NICs");
    }

    @Test
    void oneAdapterPerNicUntilItsLastPortCloses() throws Exception {
        pciDevice("0000:00:04.0", 0x10d3, "enp0s4");
        ModelProvider p = new ModelProvider();
        PortName all = PortName.parse("netmap:0000:00:04.0@conf:slots=128"), one = PortName.parse("netmap:enp0s4-0");
        NetmapAdapter a = p.adapter(all);
        NetmapPort p1 = NetmapPort.bind(all, a);
        try {
        assertEquals(128, a.txKring(0).numSlots(), "@conf:slots sizes the rings");
        NetmapAdapter b = new ModelProvider().adapter(one); // a new provider object, as ServiceLoader makes
        assertSame(a, b, "the interface name reaches the same NIC and the same adapter");
        NetmapPort p2 = NetmapPort.bind(one, b);
        assertTrue(NicProvider.openAdapter(PciAddress.parse("0000:00:04.0")).isPresent());
        p1.close();
        p2.close();
        assertTrue(NicProvider.openAdapter(PciAddress.parse("0000:00:04.0")).isEmpty(), "forgotten after the last close");
        NetmapAdapter c = p.adapter(all);
        assertNotSame(a, c, "the next open makes a fresh adapter");
        NetmapPort.bind(all, c).close();
        } finally {
            p1.close();
            for (E1000eModel m : p.models) m.close();
        }
        assertFalse(NicRegion.isOpen());
    }
}
