package io.jnetmap.pci;

import io.jnetmap.sys.Errno;
import io.jnetmap.sys.Libc;
import io.jnetmap.sys.NativeException;
import io.jnetmap.sys.OffHeapBuffer;

import java.nio.file.Path;

/**
 * Virtual-to-physical translation through {@code /proc/self/pagemap}: one little-endian u64 per
 * 4 KiB virtual page, bits 0-54 the page frame number, bit 63 "present" (kernel
 * Documentation/admin-guide/mm/pagemap.rst). The kernel reports frame number 0 to processes
 * without CAP_SYS_ADMIN, which this class refuses rather than handing a device address 0.
 */
final class Pagemap implements AutoCloseable {
    static final long PFN_MASK = (1L << 55) - 1, SWAPPED = 1L << 62, PRESENT = 1L << 63;
    private static final int BATCH = 512; // entries per pread: 4 KiB

    private final Path path;
    private final int fd;
    private final OffHeapBuffer scratch = OffHeapBuffer.allocate(BATCH * 8);

    Pagemap(Path path) {
        this.path = path;
        int f;
        try {
            f = Libc.open(path.toString(), Libc.O_RDONLY, 0, null);
        } catch (NativeException e) {
            scratch.close();
            throw new PciException(e.errno() == Errno.EACCES || e.errno() == Errno.EPERM
                    ? PciException.Reason.PERMISSION_DENIED : PciException.Reason.NO_PHYSICAL_ADDRESSES,
                    "cannot open " + path + " to find physical addresses for UIO DMA: " + e.getMessage(), e);
        }
        this.fd = f;
    }

    /**
     * The physical address of each 4 KiB page of {@code [vaddr, vaddr+length)} (page-aligned, already
     * populated and locked by the caller).
     */
    synchronized long[] physicalPages(long vaddr, long length) {
        int n = (int) (length >>> DmaRegion.PAGE_SHIFT);
        long[] out = new long[n];
        for (int done = 0; done < n; ) {
            int batch = Math.min(BATCH, n - done);
            long va = vaddr + ((long) done << DmaRegion.PAGE_SHIFT);
            long offset = (va >>> DmaRegion.PAGE_SHIFT) * 8;
            long got = Libc.pread(fd, scratch.address(), batch * 8L, offset, path.toString());
            if (got != batch * 8L) {
                throw new PciException(PciException.Reason.NO_PHYSICAL_ADDRESSES, path + " returned " + got + " bytes for "
                        + batch + " pages at 0x" + Long.toHexString(va) + " (expected " + batch * 8 + ")");
            }
            for (int i = 0; i < batch; i++) {
                long e = scratch.getLong(i * 8);
                out[done + i] = physical(e, va + ((long) i << DmaRegion.PAGE_SHIFT));
            }
            done += batch;
        }
        return out;
    }

    /** The physical address of the page at {@code va} from its pagemap entry {@code e}, or an explanation. */
    long physical(long e, long va) {
        long pfn = e & PFN_MASK;
        if (pfn == 0) {
            throw new PciException(PciException.Reason.NO_PHYSICAL_ADDRESSES, path + " reports page frame number 0 for 0x"
                    + Long.toHexString(va) + " (entry 0x" + Long.toHexString(e) + (e == 0 ? ", page not present" : "")
                    + "): the kernel hides physical addresses from processes without CAP_SYS_ADMIN, and UIO DMA needs them."
                    + " Run as root, or bind the NIC to vfio-pci and use VFIO, which needs no physical addresses");
        }
        if ((e & SWAPPED) != 0 || (e & PRESENT) == 0) {
            throw new PciException(PciException.Reason.NO_PHYSICAL_ADDRESSES, "page at 0x" + Long.toHexString(va)
                    + " is not resident (pagemap entry 0x" + Long.toHexString(e) + "); DMA memory must be locked in memory");
        }
        return pfn << DmaRegion.PAGE_SHIFT;
    }

    @Override
    public void close() {
        Libc.closeQuietly(fd);
        scratch.close();
    }
}
