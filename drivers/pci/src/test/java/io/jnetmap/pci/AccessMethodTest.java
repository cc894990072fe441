package io.jnetmap.pci;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** VFIO vs UIO vs error, decided from a fake sysfs tree; and the messages that say how to fix it. */
class AccessMethodTest {
    static final String NIC = "0000:03:00.0";
    @TempDir
    Path tmp;
    FakeSysfs fs;

    @BeforeEach
    void tree() {
        fs = new FakeSysfs(tmp);
        fs.device(NIC, 0x8086, 0x10d3);
    }

    private AccessMethod choose(AccessMethod requested) {
        return AccessMethod.choose(fs.function(NIC), requested);
    }

    private PciException refused(AccessMethod requested) {
        return assertThrows(PciException.class, () -> choose(requested));
    }

    @Test
    void vfioBoundWithGroupIsVfio() {
        fs.driver(NIC, "vfio-pci").group(NIC, 7, "DMA-FQ");
        assertEquals(AccessMethod.VFIO, choose(AccessMethod.AUTO));
        assertEquals(AccessMethod.VFIO, choose(AccessMethod.VFIO));
    }

    @Test
    void uioBoundWithoutIommuIsUio() {
        fs.driver(NIC, "uio_pci_generic");
        assertEquals(AccessMethod.UIO, choose(AccessMethod.AUTO));
        assertEquals(AccessMethod.UIO, choose(AccessMethod.UIO));
    }

    @Test
    void uioBoundBehindPassthroughIommuIsUio() {
        fs.driver(NIC, "uio_pci_generic").group(NIC, 3, "identity");
        assertEquals(AccessMethod.UIO, choose(AccessMethod.AUTO));
    }

    @Test
    void kernelDriverWithGroupAsksForVfioBind() {
        fs.driver(NIC, "e1000e").group(NIC, 7, "DMA");
        PciException e = refused(AccessMethod.AUTO);
        assertEquals(PciException.Reason.NOT_BOUND, e.reason());
        assertTrue(e.getMessage().contains("bound to e1000e"), e.getMessage());
        assertTrue(e.getMessage().contains("`tools/nm-bind bind 0000:03:00.0 --driver vfio-pci`"), e.getMessage());
    }

    @Test
    void uioBoundBehindTranslatingIommuAsksForVfio() {
        fs.driver(NIC, "uio_pci_generic").group(NIC, 7, "DMA");
        PciException e = refused(AccessMethod.AUTO);
        assertEquals(PciException.Reason.NOT_BOUND, e.reason());
        assertTrue(e.getMessage().contains("--driver vfio-pci"), e.getMessage());
        // ...but forcing UIO is the user's call (DMA is then refused by the device's dma()).
        assertEquals(AccessMethod.UIO, choose(AccessMethod.UIO));
    }

    @Test
    void unboundWithoutIommuAsksForUioBind() {
        PciException e = refused(AccessMethod.AUTO);
        assertEquals(PciException.Reason.NOT_BOUND, e.reason());
        assertTrue(e.getMessage().contains("not bound to any driver"), e.getMessage());
        assertTrue(e.getMessage().contains("`tools/nm-bind bind 0000:03:00.0 --driver uio_pci_generic`"), e.getMessage());
    }

    @Test
    void forcedVfioWithoutIommuSaysNoIommu() {
        fs.driver(NIC, "vfio-pci");
        PciException e = refused(AccessMethod.VFIO);
        assertEquals(PciException.Reason.NO_IOMMU, e.reason());
        assertTrue(e.getMessage().contains("no IOMMU group") && e.getMessage().contains("intel_iommu=on")
                && e.getMessage().contains("--driver uio_pci_generic"), e.getMessage());
    }

    @Test
    void forcedVfioOnKernelDriverShowsBindCommand() {
        fs.driver(NIC, "igb").group(NIC, 9, "DMA");
        PciException e = refused(AccessMethod.VFIO);
        assertEquals(PciException.Reason.NOT_BOUND, e.reason());
        assertTrue(e.getMessage().contains("bound to igb") && e.getMessage().contains("--driver vfio-pci"), e.getMessage());
    }

    @Test
    void forcedUioOnVfioDeviceShowsUioBindCommand() {
        fs.driver(NIC, "vfio-pci").group(NIC, 9, "DMA");
        PciException e = refused(AccessMethod.UIO);
        assertEquals(PciException.Reason.NOT_BOUND, e.reason());
        assertTrue(e.getMessage().contains("bound to vfio-pci") && e.getMessage().contains("--driver uio_pci_generic"), e.getMessage());
    }

    @Test
    void groupNotViableListsTheOthersAndTheirDrivers() {
        String sibling = "0000:03:00.1", bridge = "0000:00:1c.0", idle = "0000:03:00.2";
        fs.device(sibling, 0x8086, 0x10d3);
        fs.device(bridge, 0x8086, 0x1234);
        fs.device(idle, 0x8086, 0x10d3);
        fs.driver(NIC, "vfio-pci").group(NIC, 12, "DMA");
        fs.driver(sibling, "e1000e").group(sibling, 12, "DMA");
        fs.driver(bridge, "pcieport").group(bridge, 12, "DMA");
        fs.group(idle, 12, "DMA");
        PciException e = refused(AccessMethod.AUTO);
        assertEquals(PciException.Reason.GROUP_NOT_VIABLE, e.reason());
        String m = e.getMessage();
        assertTrue(m.contains("IOMMU group 12 of 0000:03:00.0 is not viable"), m);
        assertTrue(m.contains("0000:03:00.1 (e1000e)") && m.contains("0000:00:1c.0 (pcieport)")
                && m.contains("0000:03:00.2 (no driver)"), m);
        assertTrue(m.contains("`tools/nm-bind bind 0000:03:00.1 --driver vfio-pci`"), m);
        assertTrue(!m.contains("bind 0000:00:1c.0"), "PCIe ports do not block a group: " + m);
    }

    @Test
    void groupWithOnlyVfioAndIdleMembersIsViable() {
        String sibling = "0000:03:00.1";
        fs.device(sibling, 0x8086, 0x10d3);
        fs.driver(NIC, "vfio-pci").group(NIC, 12, null);
        fs.group(sibling, 12, null);
        assertEquals(AccessMethod.VFIO, choose(AccessMethod.AUTO));
    }

    @Test
    void noiommuGroupIsRefused() {
        fs.driver(NIC, "vfio-pci").group(NIC, 0, null);
        FakeSysfs.write(tmp.resolve("dev/vfio/noiommu-0"), "");
        PciException e = refused(AccessMethod.AUTO);
        assertEquals(PciException.Reason.NO_IOMMU, e.reason());
        assertTrue(e.getMessage().contains("no-IOMMU"), e.getMessage());
    }

    @Test
    void missingDeviceSaysSo() {
        PciException e = assertThrows(PciException.class,
                () -> AccessMethod.choose(fs.function("0000:09:00.0"), AccessMethod.AUTO));
        assertEquals(PciException.Reason.NO_SUCH_DEVICE, e.reason());
        assertTrue(e.getMessage().contains("no PCI device 0000:09:00.0") && e.getMessage().contains("lspci -D"), e.getMessage());
    }

    @Test
    void openingThroughVfioWithoutTheContainerNodeSaysVfioIsNotLoaded() {
        fs.driver(NIC, "vfio-pci").group(NIC, 7, "DMA");
        PciException e = assertThrows(PciException.class,
                () -> PciDevice.open(NIC, OpenOptions.defaults().paths(fs.paths).access(AccessMethod.AUTO)));
        assertEquals(PciException.Reason.NO_IOMMU, e.reason());
        assertTrue(e.getMessage().contains("modprobe vfio-pci"), e.getMessage());
    }

    @Test
    void sysfsFacts() {
        fs.driver(NIC, "vfio-pci").group(NIC, 7, "DMA-FQ");
        SysfsPciFunction f = fs.function(NIC);
        assertEquals(new PciId(0x8086, 0x10d3), f.id());
        assertEquals(0x020000, f.classCode());
        assertEquals("vfio-pci", f.driver());
        assertEquals(7, f.iommuGroup().getAsInt());
        assertEquals("DMA-FQ", f.iommuGroupType());
        assertEquals(128 * 1024, f.resources().get(0).size());
        assertTrue(f.resources().get(0).isMemory());
        assertTrue(f.resources().get(2).isIo());
        assertEquals(0, f.resources().get(1).size());
        assertEquals("0000:03:00.0 [8086:10d3] (driver vfio-pci)", f.describe());
    }

    @Test
    void unsupportedDeviceNamesWhatItIsAndWhatIsSupported() {
        SupportedDevices igb = new SupportedDevices("igb").add(0x8086, 0x10c9, "82576").add(0x8086, 0x1521, "I350");
        PciException e = assertThrows(PciException.class, () -> igb.require(fs.function(NIC)));
        assertEquals(PciException.Reason.UNSUPPORTED_DEVICE, e.reason());
        String m = e.getMessage();
        assertTrue(m.contains("0000:03:00.0 is 8086:10d3") && m.contains("igb driver does not support")
                && m.contains("8086:10c9 (82576), 8086:1521 (I350)"), m);
        assertEquals("82574L", new SupportedDevices("e1000e").add(0x8086, 0x10d3, "82574L").require(fs.function(NIC)));
    }
}
