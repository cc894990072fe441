package io.jnetmap.r8169;

import io.jnetmap.nic.ModelAdapterHarness;
import io.jnetmap.nic.ModelDevice;
import io.jnetmap.nic.NicAdapter;
import io.jnetmap.nic.NicProvider;
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
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

/** Port names to r8169 adapters: the ServiceLoader registration, the PCI IDs, the binding modes. */
class R8169ProviderTest {
    @TempDir
    Path root;

    @BeforeAll
    static void smallRegion() { ModelAdapterHarness.smallRegion(); }

    /** The real provider's logic over a fake sysfs tree, opening an RTL8168h model. */
    final class ModelProvider extends NicProvider {
        R8169Model model;

        @Override protected SupportedDevices supported() { return R8169Chip.SUPPORTED; }
        @Override protected HostPaths paths() { return HostPaths.rootedAt(root).withStateDir(root.resolve("run")); }

        @Override
        protected NicAdapter create(PciAddress address, PortName name) {
            model = new R8169Model(RtlVersion.lookup(0x541).orElseThrow(), R8169AdapterTest.MAC);
            return R8169Adapter.open(new ModelDevice(model, new PciId(0x10ec, 0x8168), address.toString(), "MSI"),
                    R8169Config.from(name).withLinkWait(50));
        }
    }

    void pciDevice(String address, int device) throws Exception {
        Path d = root.resolve("sys/bus/pci/devices").resolve(address);
        Files.createDirectories(d);
        Files.writeString(d.resolve("vendor"), "0x10ec\n");
        Files.writeString(d.resolve("device"), String.format("0x%04x\n", device));
        Files.writeString(d.resolve("class"), "0x020000\n");
    }

    @Test
    void registeredAsAServiceLoaderProvider() {
        boolean found = false;
        for (AdapterProvider p : ServiceLoader.load(AdapterProvider.class)) found |= p instanceof R8169Provider;
        assertTrue(found, "META-INF/services/io.jnetmap.rings.AdapterProvider names R8169Provider");
        String d = new R8169Provider().describe();
        assertTrue(d.startsWith("r8169") && d.contains("10ec:8168") && d.contains("10ec:8169"), d);
    }

    @Test
    void handlesRealtekGigabitIdsOnly() throws Exception {
        pciDevice("0000:03:00.0", 0x8168);
        pciDevice("0000:04:00.0", 0x8125);
        pciDevice("0000:05:00.0", 0x8169);
        ModelProvider p = new ModelProvider();
        assertTrue(p.handles(PortName.parse("netmap:0000:03:00.0")));
        assertTrue(p.handles(PortName.parse("netmap:0000:05:00.0")));
        assertFalse(p.handles(PortName.parse("netmap:0000:04:00.0")), "the RTL8125 is not this driver's");
    }

    @Test
    void bindingModesAndOneRingPair() throws Exception {
        pciDevice("0000:03:00.0", 0x8168);
        ModelProvider p = new ModelProvider();
        PortName all = PortName.parse("netmap:0000:03:00.0@conf:slots=128");
        NetmapAdapter a = p.adapter(all);
        NetmapPort nic = NetmapPort.bind(all, a);
        try {
            assertEquals(128, a.txKring(0).numSlots());
            assertEquals(1, a.numTxRings());
            assertEquals(1, a.numHostTxRings(), "one host ring pair: X^ and X*");
            assertThrows(IllegalArgumentException.class, () -> R8169Config.from(PortName.parse("netmap:0000:03:00.0@conf:rings=2")));
            IllegalArgumentException fc = assertThrows(IllegalArgumentException.class,
                    () -> R8169Config.from(PortName.parse("netmap:0000:03:00.0@conf:flow-control=1")));
            assertTrue(fc.getMessage().contains("drop flow-control="), fc.getMessage());
        } finally {
            nic.close();
        }
        assertTrue(NicProvider.openAdapter(PciAddress.parse("0000:03:00.0")).isEmpty(), "forgotten after the last close");
        p.model.close();
    }
}
