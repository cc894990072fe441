package io.jnetmap.pci;

import io.jnetmap.sys.OffHeapBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Byte layouts of every VFIO ioctl argument, against docs/java-native-facts.md §3 (gcc-printed offsets). */
class VfioStructsTest {
    private OffHeapBuffer b;

    @BeforeEach
    void poison() {
        b = OffHeapBuffer.allocate(256);
        b.fill(0, 256, (byte) 0xA5); // encoders must set every byte the kernel reads
    }

    @AfterEach
    void free() { b.close(); }

    @Test
    void ioctlNumbersAreSemicolonBase100() {
        assertEquals(0x3B64, Vfio.GET_API_VERSION);
        assertEquals(0x3B65, Vfio.CHECK_EXTENSION);
        assertEquals(0x3B66, Vfio.SET_IOMMU);
        assertEquals(0x3B67, Vfio.GROUP_GET_STATUS);
        assertEquals(0x3B68, Vfio.GROUP_SET_CONTAINER);
        assertEquals(0x3B69, Vfio.GROUP_UNSET_CONTAINER);
        assertEquals(0x3B6A, Vfio.GROUP_GET_DEVICE_FD);
        assertEquals(0x3B6B, Vfio.DEVICE_GET_INFO);
        assertEquals(0x3B6C, Vfio.DEVICE_GET_REGION_INFO);
        assertEquals(0x3B6D, Vfio.DEVICE_GET_IRQ_INFO);
        assertEquals(0x3B6E, Vfio.DEVICE_SET_IRQS);
        assertEquals(0x3B6F, Vfio.DEVICE_RESET);
        assertEquals(0x3B70, Vfio.IOMMU_GET_INFO);
        assertEquals(0x3B71, Vfio.IOMMU_MAP_DMA);
        assertEquals(0x3B72, Vfio.IOMMU_UNMAP_DMA);
        assertEquals(1, Vfio.TYPE1_IOMMU);
        assertEquals(3, Vfio.TYPE1v2_IOMMU);
        assertEquals(7, Vfio.PCI_CONFIG_REGION_INDEX);
    }

    @Test
    void groupStatus() {
        Vfio.encodeGroupStatus(b);
        assertEquals(8, b.getInt(0), "argsz");
        assertEquals(0, b.getInt(4), "flags");
        b.putInt(4, Vfio.GROUP_FLAGS_VIABLE | Vfio.GROUP_FLAGS_CONTAINER_SET);
        assertEquals(3, Vfio.groupStatusFlags(b));
    }

    @Test
    void deviceInfo() {
        Vfio.encodeDeviceInfo(b);
        assertEquals(24, b.getInt(0), "argsz: 6.12 layout with pad");
        for (int off = 4; off < 24; off += 4) assertEquals(0, b.getInt(off), "zeroed at " + off);
        // What the lab's e1000e model returned: RESET|PCI, 9 regions, 5 irq types.
        b.putInt(4, 3);
        b.putInt(8, 9);
        b.putInt(12, 5);
        b.putInt(16, 0);
        Vfio.DeviceInfo i = Vfio.decodeDeviceInfo(b);
        assertEquals(new Vfio.DeviceInfo(3, 9, 5), i);
        assertTrue(i.canReset());
    }

    @Test
    void regionInfo() {
        Vfio.encodeRegionInfo(b, Vfio.PCI_CONFIG_REGION_INDEX);
        assertEquals(32, b.getInt(0), "argsz");
        assertEquals(0, b.getInt(4), "flags");
        assertEquals(7, b.getInt(8), "index");
        assertEquals(0, b.getInt(12), "cap_offset");
        assertEquals(0, b.getLong(16), "size");
        assertEquals(0, b.getLong(24), "offset");
        b.putInt(4, Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE | Vfio.REGION_INFO_FLAG_MMAP);
        b.putLong(16, 128 * 1024);
        b.putLong(24, 7L << 40);
        Vfio.RegionInfo r = Vfio.decodeRegionInfo(b);
        assertEquals(new Vfio.RegionInfo(7, 7, 128 * 1024, 7L << 40), r);
        assertTrue(r.mappable());
    }

    @Test
    void irqInfo() {
        Vfio.encodeIrqInfo(b, Vfio.PCI_MSIX_IRQ_INDEX);
        assertEquals(16, b.getInt(0), "argsz");
        assertEquals(0, b.getInt(4));
        assertEquals(2, b.getInt(8), "index");
        assertEquals(0, b.getInt(12));
        b.putInt(4, Vfio.IRQ_INFO_EVENTFD | Vfio.IRQ_INFO_NORESIZE);
        b.putInt(12, 5);
        assertEquals(new Vfio.IrqInfo(2, 9, 5), Vfio.decodeIrqInfo(b));
        b.putInt(4, Vfio.IRQ_INFO_EVENTFD | Vfio.IRQ_INFO_MASKABLE | Vfio.IRQ_INFO_AUTOMASKED);
        assertTrue(Vfio.decodeIrqInfo(b).automasked());
    }

    @Test
    void irqSetOneEventfd() {
        int size = Vfio.encodeIrqSetEventfds(b, Vfio.PCI_MSIX_IRQ_INDEX, 0, new int[] {42});
        assertEquals(24, size);
        assertEquals(24, b.getInt(0), "argsz = 20 + 4");
        assertEquals(0x24, b.getInt(4), "DATA_EVENTFD(4) | ACTION_TRIGGER(0x20)");
        assertEquals(2, b.getInt(8), "index");
        assertEquals(0, b.getInt(12), "start");
        assertEquals(1, b.getInt(16), "count");
        assertEquals(42, b.getInt(20), "eventfd");
    }

    @Test
    void irqSetManyEventfds() {
        int size = Vfio.encodeIrqSetEventfds(b, Vfio.PCI_MSI_IRQ_INDEX, 1, new int[] {10, 11, 12});
        assertEquals(32, size);
        assertEquals(32, b.getInt(0));
        assertEquals(1, b.getInt(8));
        assertEquals(1, b.getInt(12));
        assertEquals(3, b.getInt(16));
        assertEquals(10, b.getInt(20));
        assertEquals(11, b.getInt(24));
        assertEquals(12, b.getInt(28));
    }

    @Test
    void irqSetDisableAndUnmask() {
        assertEquals(20, Vfio.encodeIrqSetNone(b, Vfio.PCI_MSIX_IRQ_INDEX, Vfio.IRQ_SET_ACTION_TRIGGER, 0, 0));
        assertEquals(20, b.getInt(0));
        assertEquals(0x21, b.getInt(4), "DATA_NONE | ACTION_TRIGGER");
        assertEquals(2, b.getInt(8));
        assertEquals(0, b.getInt(12));
        assertEquals(0, b.getInt(16), "count 0 disables");

        Vfio.encodeIrqSetNone(b, Vfio.PCI_INTX_IRQ_INDEX, Vfio.IRQ_SET_ACTION_UNMASK, 0, 1);
        assertEquals(0x11, b.getInt(4), "DATA_NONE | ACTION_UNMASK");
        assertEquals(0, b.getInt(8));
        assertEquals(1, b.getInt(16));
    }

    @Test
    void dmaMap() {
        Vfio.encodeDmaMap(b, 0x7f0000200000L, 0x7f0000200000L, 2L << 20);
        assertEquals(32, b.getInt(0), "argsz");
        assertEquals(3, b.getInt(4), "READ | WRITE");
        assertEquals(0x7f0000200000L, b.getLong(8), "vaddr");
        assertEquals(0x7f0000200000L, b.getLong(16), "iova");
        assertEquals(2L << 20, b.getLong(24), "size");
    }

    @Test
    void dmaUnmapHasNoReadWriteFlags() {
        Vfio.encodeDmaUnmap(b, 0x1000000L, 0x200000L);
        assertEquals(24, b.getInt(0), "argsz");
        assertEquals(0, b.getInt(4), "flags: 1 would mean GET_DIRTY_BITMAP");
        assertEquals(0x1000000L, b.getLong(8), "iova");
        assertEquals(0x200000L, b.getLong(16), "size");
        assertEquals(0x200000L, Vfio.dmaUnmapSize(b));
    }

    @Test
    void iommuInfoAndIovaRangeCapability() {
        Vfio.encodeIommuInfo(b, 256);
        assertEquals(256, b.getInt(0), "argsz");
        for (int off = 4; off < 24; off += 4) assertEquals(0, b.getInt(off));
        // What a kernel writes: flags PGSIZES|CAPS, page sizes, cap_offset 24 -> IOVA_RANGE cap with two ranges.
        b.putInt(4, Vfio.IOMMU_INFO_PGSIZES | Vfio.IOMMU_INFO_CAPS);
        b.putLong(8, 0x40201000L);
        b.putInt(16, 24);
        b.putShort(24, (short) Vfio.IOMMU_TYPE1_INFO_CAP_IOVA_RANGE); // id
        b.putShort(26, (short) 1);                                     // version
        b.putInt(28, 0);                                               // next: none
        b.putInt(32, 2);                                               // nr_iovas
        b.putInt(36, 0);                                               // reserved
        b.putLong(40, 0);
        b.putLong(48, 0xfedfffffL);
        b.putLong(56, 0xfef00000L);
        b.putLong(64, (1L << 48) - 1);
        assertEquals(0x40201000L, Vfio.iommuInfoPageSizes(b));
        List<Vfio.IovaRange> r = Vfio.decodeIovaRanges(b, 256);
        assertEquals(List.of(new Vfio.IovaRange(0, 0xfedfffffL), new Vfio.IovaRange(0xfef00000L, (1L << 48) - 1)), r);
        assertTrue(r.get(1).contains(0x7f0000000000L, 2L << 20));
        assertFalse(r.get(0).contains(0xfed00000L, 2L << 20), "crosses the MSI window");
        assertFalse(new Vfio.IovaRange(0, (1L << 39) - 1).contains(0x7f0000000000L, 4096), "39-bit IOMMU");
    }

    @Test
    void iovaRangesEmptyWithoutCaps() {
        Vfio.encodeIommuInfo(b, 64);
        b.putInt(4, Vfio.IOMMU_INFO_PGSIZES);
        assertTrue(Vfio.decodeIovaRanges(b, 64).isEmpty());
    }

    @Test
    void deviceNameIsNulTerminated() {
        try (OffHeapBuffer s = Vfio.cString("0000:03:00.0")) {
            assertEquals(13, s.capacity());
            byte[] got = new byte[12];
            s.getBytes(0, got, 0, 12);
            assertEquals("0000:03:00.0", new String(got, java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(0, s.getByte(12));
        }
    }
}
