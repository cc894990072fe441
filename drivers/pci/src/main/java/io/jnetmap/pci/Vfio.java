package io.jnetmap.pci;

import io.jnetmap.sys.OffHeapBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The VFIO ioctl numbers and argument structs (linux/vfio.h), encoded into and decoded from
 * off-heap buffers. Offsets are those of x86-64, as printed by gcc from the 6.1 and 6.12 headers
 * (docs/java-native-facts.md §3). Every struct starts with argsz: the kernel reads that many bytes.
 */
final class Vfio {
    private Vfio() { }

    // _IO(';', 100 + n): no size encoded, same value on every architecture.
    static final long GET_API_VERSION = 0x3B64, CHECK_EXTENSION = 0x3B65, SET_IOMMU = 0x3B66,
            GROUP_GET_STATUS = 0x3B67, GROUP_SET_CONTAINER = 0x3B68, GROUP_UNSET_CONTAINER = 0x3B69,
            GROUP_GET_DEVICE_FD = 0x3B6A, DEVICE_GET_INFO = 0x3B6B, DEVICE_GET_REGION_INFO = 0x3B6C,
            DEVICE_GET_IRQ_INFO = 0x3B6D, DEVICE_SET_IRQS = 0x3B6E, DEVICE_RESET = 0x3B6F,
            IOMMU_GET_INFO = 0x3B70, IOMMU_MAP_DMA = 0x3B71, IOMMU_UNMAP_DMA = 0x3B72;

    static final int API_VERSION = 0;
    static final int TYPE1_IOMMU = 1, TYPE1v2_IOMMU = 3;

    static final int GROUP_FLAGS_VIABLE = 1, GROUP_FLAGS_CONTAINER_SET = 2;
    static final int DEVICE_FLAGS_RESET = 1, DEVICE_FLAGS_PCI = 2;
    static final int REGION_INFO_FLAG_READ = 1, REGION_INFO_FLAG_WRITE = 2, REGION_INFO_FLAG_MMAP = 4, REGION_INFO_FLAG_CAPS = 8;
    /** PCI region indexes: BAR0..5 are 0..5. */
    static final int PCI_ROM_REGION_INDEX = 6, PCI_CONFIG_REGION_INDEX = 7;
    static final int IRQ_INFO_EVENTFD = 1, IRQ_INFO_MASKABLE = 2, IRQ_INFO_AUTOMASKED = 4, IRQ_INFO_NORESIZE = 8;
    static final int IRQ_SET_DATA_NONE = 1, IRQ_SET_DATA_BOOL = 2, IRQ_SET_DATA_EVENTFD = 4,
            IRQ_SET_ACTION_MASK = 8, IRQ_SET_ACTION_UNMASK = 0x10, IRQ_SET_ACTION_TRIGGER = 0x20;
    static final int PCI_INTX_IRQ_INDEX = 0, PCI_MSI_IRQ_INDEX = 1, PCI_MSIX_IRQ_INDEX = 2, PCI_ERR_IRQ_INDEX = 3, PCI_REQ_IRQ_INDEX = 4;
    static final int DMA_MAP_FLAG_READ = 1, DMA_MAP_FLAG_WRITE = 2;
    static final int IOMMU_INFO_PGSIZES = 1, IOMMU_INFO_CAPS = 2;
    static final int IOMMU_TYPE1_INFO_CAP_IOVA_RANGE = 1;

    // ---- struct vfio_group_status { u32 argsz, flags; }
    static final int GROUP_STATUS_SIZE = 8;

    static void encodeGroupStatus(OffHeapBuffer b) {
        b.putInt(0, GROUP_STATUS_SIZE);
        b.putInt(4, 0);
    }

    static int groupStatusFlags(OffHeapBuffer b) { return b.getInt(4); }

    // ---- struct vfio_device_info { u32 argsz, flags, num_regions, num_irqs, cap_offset, pad; }
    // 20 bytes in 6.1 headers, 24 with 6.12's pad; the kernel wants at least 16.
    static final int DEVICE_INFO_SIZE = 24;

    record DeviceInfo(int flags, int numRegions, int numIrqs) {
        boolean canReset() { return (flags & DEVICE_FLAGS_RESET) != 0; }
    }

    static void encodeDeviceInfo(OffHeapBuffer b) {
        b.fill(0, DEVICE_INFO_SIZE, (byte) 0);
        b.putInt(0, DEVICE_INFO_SIZE);
    }

    static DeviceInfo decodeDeviceInfo(OffHeapBuffer b) {
        return new DeviceInfo(b.getInt(4), b.getInt(8), b.getInt(12));
    }

    // ---- struct vfio_region_info { u32 argsz, flags, index, cap_offset; u64 size, offset; }
    static final int REGION_INFO_SIZE = 32;

    record RegionInfo(int index, int flags, long size, long offset) {
        boolean mappable() { return (flags & REGION_INFO_FLAG_MMAP) != 0; }
        boolean readable() { return (flags & REGION_INFO_FLAG_READ) != 0; }
    }

    static void encodeRegionInfo(OffHeapBuffer b, int index) {
        b.fill(0, REGION_INFO_SIZE, (byte) 0);
        b.putInt(0, REGION_INFO_SIZE);
        b.putInt(8, index);
    }

    static RegionInfo decodeRegionInfo(OffHeapBuffer b) {
        return new RegionInfo(b.getInt(8), b.getInt(4), b.getLong(16), b.getLong(24));
    }

    // ---- struct vfio_irq_info { u32 argsz, flags, index, count; }
    static final int IRQ_INFO_SIZE = 16;

    record IrqInfo(int index, int flags, int count) {
        boolean automasked() { return (flags & IRQ_INFO_AUTOMASKED) != 0; }
    }

    static void encodeIrqInfo(OffHeapBuffer b, int index) {
        b.fill(0, IRQ_INFO_SIZE, (byte) 0);
        b.putInt(0, IRQ_INFO_SIZE);
        b.putInt(8, index);
    }

    static IrqInfo decodeIrqInfo(OffHeapBuffer b) {
        return new IrqInfo(b.getInt(8), b.getInt(4), b.getInt(12));
    }

    // ---- struct vfio_irq_set { u32 argsz, flags, index, start, count; u8 data[]; }
    static final int IRQ_SET_HEADER = 20;

    static int irqSetSize(int eventfds) { return IRQ_SET_HEADER + 4 * eventfds; }

    /** Attaches eventfds {@code fds} to vectors start.. of irq {@code index}; returns argsz. */
    static int encodeIrqSetEventfds(OffHeapBuffer b, int index, int start, int[] fds) {
        int size = irqSetSize(fds.length);
        b.putInt(0, size);
        b.putInt(4, IRQ_SET_DATA_EVENTFD | IRQ_SET_ACTION_TRIGGER);
        b.putInt(8, index);
        b.putInt(12, start);
        b.putInt(16, fds.length);
        for (int i = 0; i < fds.length; i++) b.putInt(IRQ_SET_HEADER + 4 * i, fds[i]);
        return size;
    }

    /**
     * An irq_set with no data: {@code action} TRIGGER with count 0 disables the index;
     * UNMASK with count 1 re-arms an automasked INTx.
     */
    static int encodeIrqSetNone(OffHeapBuffer b, int index, int action, int start, int count) {
        b.putInt(0, IRQ_SET_HEADER);
        b.putInt(4, IRQ_SET_DATA_NONE | action);
        b.putInt(8, index);
        b.putInt(12, start);
        b.putInt(16, count);
        return IRQ_SET_HEADER;
    }

    // ---- struct vfio_iommu_type1_dma_map { u32 argsz, flags; u64 vaddr, iova, size; }
    static final int DMA_MAP_SIZE = 32;

    static void encodeDmaMap(OffHeapBuffer b, long vaddr, long iova, long size) {
        b.putInt(0, DMA_MAP_SIZE);
        b.putInt(4, DMA_MAP_FLAG_READ | DMA_MAP_FLAG_WRITE);
        b.putLong(8, vaddr);
        b.putLong(16, iova);
        b.putLong(24, size);
    }

    // ---- struct vfio_iommu_type1_dma_unmap { u32 argsz, flags; u64 iova, size; }
    // Unmap flags are not READ/WRITE (1 is GET_DIRTY_BITMAP): always 0 here.
    static final int DMA_UNMAP_SIZE = 24;

    static void encodeDmaUnmap(OffHeapBuffer b, long iova, long size) {
        b.putInt(0, DMA_UNMAP_SIZE);
        b.putInt(4, 0);
        b.putLong(8, iova);
        b.putLong(16, size);
    }

    /** The size the kernel says the unmap covered (it writes size back). */
    static long dmaUnmapSize(OffHeapBuffer b) { return b.getLong(16); }

    // ---- struct vfio_iommu_type1_info { u32 argsz, flags; u64 iova_pgsizes; u32 cap_offset, pad; } + capability chain
    static final int IOMMU_INFO_SIZE = 24;

    static void encodeIommuInfo(OffHeapBuffer b, int argsz) {
        b.fill(0, argsz, (byte) 0);
        b.putInt(0, argsz);
    }

    /** The argsz the kernel asked for (larger than ours when capabilities did not fit). */
    static int iommuInfoArgsz(OffHeapBuffer b) { return b.getInt(0); }
    static int iommuInfoFlags(OffHeapBuffer b) { return b.getInt(4); }
    static long iommuInfoPageSizes(OffHeapBuffer b) { return b.getLong(8); }

    /** A usable IOVA interval, inclusive of {@code last}. */
    record IovaRange(long start, long last) {
        boolean contains(long iova, long size) {
            return Long.compareUnsigned(iova, start) >= 0 && size > 0
                    && Long.compareUnsigned(iova + size - 1, last) <= 0 && Long.compareUnsigned(iova + size - 1, iova) >= 0;
        }
    }

    /**
     * The IOVA ranges from the IOVA_RANGE capability (header {u16 id, u16 version, u32 next};
     * then u32 nr_iovas, u32 reserved, {u64 start, u64 end}[] at 16), or empty if the kernel gave none.
     */
    static List<IovaRange> decodeIovaRanges(OffHeapBuffer b, int length) {
        List<IovaRange> out = new ArrayList<>();
        if ((iommuInfoFlags(b) & IOMMU_INFO_CAPS) == 0) return out;
        int off = b.getInt(16);
        int guard = 0;
        while (off != 0 && off + 8 <= length && guard++ < 64) {
            int id = b.getUnsignedShort(off);
            if (id == IOMMU_TYPE1_INFO_CAP_IOVA_RANGE && off + 16 <= length) {
                int n = b.getInt(off + 8);
                for (int i = 0; i < n && off + 16 + 16 * (i + 1) <= length; i++) {
                    out.add(new IovaRange(b.getLong(off + 16 + 16 * i), b.getLong(off + 24 + 16 * i)));
                }
            }
            off = b.getInt(off + 4);
        }
        return out;
    }

    /** A NUL-terminated device name for GROUP_GET_DEVICE_FD. */
    static OffHeapBuffer cString(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        OffHeapBuffer b = OffHeapBuffer.allocate(bytes.length + 1);
        b.putBytes(0, bytes, 0, bytes.length);
        b.putByte(bytes.length, (byte) 0);
        return b;
    }
}
