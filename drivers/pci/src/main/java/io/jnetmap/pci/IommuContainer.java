package io.jnetmap.pci;

import io.jnetmap.sys.Errno;
import io.jnetmap.sys.Libc;
import io.jnetmap.sys.Mapping;
import io.jnetmap.sys.NativeException;
import io.jnetmap.sys.OffHeapBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The process's one VFIO container ({@code /dev/vfio/vfio}): every IOMMU group this process opens
 * is attached to it, so they share one I/O address space and a memory region mapped once (the
 * netmap region) is reachable by every port. IOVAs equal virtual addresses, unless the IOMMU
 * cannot address them (narrow address width): then such a range gets IOVAs from the usable window
 * and {@link DmaRegion} adds the offset.
 *
 * <p>Created with the first VFIO device, closed with the last: every mapping goes with it.
 */
public final class IommuContainer extends DmaSpace {
    private static final Logger LOG = LoggerFactory.getLogger(IommuContainer.class);
    private static IommuContainer shared;

    /** An IOMMU group attached to the container, shared by the functions of the group that are open. */
    static final class Group {
        final IommuContainer container;
        final int number;
        final int fd;
        int users;

        Group(IommuContainer container, int number, int fd) {
            this.container = container;
            this.number = number;
            this.fd = fd;
        }
    }

    private final HostPaths paths;
    private final int fd;
    private final int iommuType;
    private final Map<Integer, Group> groups = new HashMap<>();
    private final OffHeapBuffer scratch = OffHeapBuffer.allocate(64);
    private boolean iommuSet;
    private List<Vfio.IovaRange> iovaRanges = List.of();
    private long nextFallbackIova = -1;

    private IommuContainer(HostPaths paths) {
        this.paths = paths;
        String node = paths.dev("vfio/vfio").toString();
        int f;
        try {
            f = Libc.open(node, Libc.O_RDWR, 0, null);
        } catch (NativeException e) {
            scratch.close();
            if (e.errno() == Errno.ENOENT) {
                throw new PciException(PciException.Reason.NO_IOMMU, node + " does not exist: VFIO is not loaded (modprobe vfio-pci)", e);
            }
            throw denied(e, node, "open the VFIO container");
        }
        this.fd = f;
        try {
            int version = Libc.ioctl(fd, Vfio.GET_API_VERSION, 0, "VFIO_GET_API_VERSION");
            if (version != Vfio.API_VERSION) {
                throw new PciException(PciException.Reason.FAILED, "VFIO API version " + version + " (expected " + Vfio.API_VERSION + ")");
            }
            if (Libc.ioctlOrErrno(fd, Vfio.CHECK_EXTENSION, Vfio.TYPE1v2_IOMMU) > 0) iommuType = Vfio.TYPE1v2_IOMMU;
            else if (Libc.ioctlOrErrno(fd, Vfio.CHECK_EXTENSION, Vfio.TYPE1_IOMMU) > 0) iommuType = Vfio.TYPE1_IOMMU;
            else throw new PciException(PciException.Reason.NO_IOMMU, "the VFIO container supports no type1 IOMMU"
                    + " (modprobe vfio_iommu_type1; a VFIO no-IOMMU kernel cannot map DMA: use UIO)");
        } catch (RuntimeException e) {
            Libc.closeQuietly(fd);
            scratch.close();
            throw e;
        }
    }

    // Locking: attaching and detaching groups hold the class lock and then the container's; DMA
    // mapping holds only the container's. Nothing takes the class lock while holding a container's.

    /**
     * Attaches the IOMMU group {@code number} of {@code fn} to the process's container (opening the
     * container first if none is open), or shares it if another function of the group is open.
     */
    static synchronized Group attach(HostPaths paths, int number, SysfsPciFunction fn) {
        if (shared == null || shared.isClosed()) shared = new IommuContainer(paths);
        return shared.attachGroup(number, fn);
    }

    /** Gives back a group; the last group out closes the container and drops every mapping. */
    static synchronized void detach(Group g) {
        g.container.detachGroup(g);
    }

    /** The container if one is open (a device was opened through VFIO), for sharing DMA mappings. */
    public static synchronized IommuContainer current() {
        return shared == null || shared.isClosed() ? null : shared;
    }

    static PciException denied(NativeException e, String node, String doing) {
        if (e.errno() == Errno.EACCES || e.errno() == Errno.EPERM) {
            return new PciException(PciException.Reason.PERMISSION_DENIED, "permission denied to " + doing + " (" + node
                    + "): run as root, or give your user the device node (chown $USER " + node
                    + ") and a locked-memory limit for DMA (ulimit -l)", e);
        }
        return new PciException(PciException.Reason.FAILED, "cannot " + doing + ": " + e.getMessage(), e);
    }

    /** Attaches (or shares) the group of {@code fn}; throws with advice on the usual failures. Class lock held. */
    private Group attachGroup(int number, SysfsPciFunction fn) {
        Group g = groups.get(number);
        if (g != null) {
            g.users++;
            return g;
        }
        PciAddress a = fn.address();
        String node = paths.dev("vfio/" + number).toString();
        int gfd;
        try {
            gfd = Libc.open(node, Libc.O_RDWR, 0, null);
        } catch (NativeException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new PciException(PciException.Reason.NOT_BOUND, node + " does not exist for " + a + " (IOMMU group "
                        + number + "): bind it to vfio-pci: `" + PciException.bindCommand(a, "vfio-pci") + "`", e);
            }
            if (e.errno() == Errno.EBUSY) {
                throw new PciException(PciException.Reason.BUSY, "IOMMU group " + number + " of " + a
                        + " is already open in another process (or another VFIO container): only one process can own it (`fuser " + node + "`)", e);
            }
            throw denied(e, node, "open IOMMU group " + number + " of " + a);
        }
        try (OffHeapBuffer arg = OffHeapBuffer.allocate(16)) {
            Vfio.encodeGroupStatus(arg);
            Libc.ioctl(gfd, Vfio.GROUP_GET_STATUS, arg.address(), "VFIO_GROUP_GET_STATUS " + node);
            if ((Vfio.groupStatusFlags(arg) & Vfio.GROUP_FLAGS_VIABLE) == 0) {
                List<PciException.GroupMember> all = fn.iommuGroupMembers();
                List<PciException.GroupMember> blocking = all.stream().filter(m -> !SysfsPciFunction.allowsVfio(m.driver())).toList();
                throw PciException.groupNotViable(a, number, blocking, all);
            }
            arg.putInt(0, fd);
            int rc = Libc.ioctlOrErrno(gfd, Vfio.GROUP_SET_CONTAINER, arg.address());
            if (rc < 0) {
                throw new PciException(PciException.Reason.FAILED, "VFIO_GROUP_SET_CONTAINER for group " + number + " of " + a
                        + " failed: " + Errno.name(-rc) + (groups.isEmpty() ? "" : " (the group may be incompatible with the groups already in this process's container)"));
            }
            synchronized (this) {
                if (!iommuSet) {
                    Libc.ioctl(fd, Vfio.SET_IOMMU, iommuType, "VFIO_SET_IOMMU type " + iommuType);
                    iommuSet = true;
                    readIovaRanges();
                }
            }
        } catch (RuntimeException e) {
            Libc.closeQuietly(gfd);
            if (groups.isEmpty()) close();
            throw e;
        }
        g = new Group(this, number, gfd);
        g.users = 1;
        groups.put(number, g);
        LOG.debug("VFIO group {} attached ({} in container)", number, groups.size());
        return g;
    }

    /** Class lock held; not this container's lock, which closeAll must not be called under (allocator -> space order). */
    private void detachGroup(Group g) {
        if (--g.users > 0) return;
        boolean last = groups.size() == 1 && groups.get(g.number) == g;
        if (last) closeAll(); // unmap while the IOMMU is still set
        groups.remove(g.number);
        Libc.ioctlOrErrno(g.fd, Vfio.GROUP_UNSET_CONTAINER, 0);
        Libc.closeQuietly(g.fd);
        if (last) close();
    }

    /** Called with the class lock held (attach/detach). */
    private void close() {
        closeAll();
        synchronized (this) {
            Libc.closeQuietly(fd);
            scratch.close();
        }
        if (shared == this) shared = null;
        LOG.debug("VFIO container closed");
    }

    /** A device fd from {@code g} for {@code a}. */
    synchronized int deviceFd(Group g, PciAddress a) {
        try (OffHeapBuffer name = Vfio.cString(a.toString())) {
            int rc = Libc.ioctlOrErrno(g.fd, Vfio.GROUP_GET_DEVICE_FD, name.address());
            if (rc < 0) {
                throw new PciException(-rc == Errno.EBUSY ? PciException.Reason.BUSY : PciException.Reason.FAILED,
                        "VFIO_GROUP_GET_DEVICE_FD for " + a + " failed: " + Errno.name(-rc)
                                + (-rc == Errno.EBUSY ? " (the device is already open in this or another process)" : ""));
            }
            return rc;
        }
    }

    private void readIovaRanges() {
        int size = 4096;
        try (OffHeapBuffer info = OffHeapBuffer.allocate(size)) {
            Vfio.encodeIommuInfo(info, size);
            int rc = Libc.ioctlOrErrno(fd, Vfio.IOMMU_GET_INFO, info.address());
            if (rc < 0) {
                LOG.debug("VFIO_IOMMU_GET_INFO: {}; assuming identity IOVAs are usable", Errno.name(-rc));
                return;
            }
            iovaRanges = Vfio.decodeIovaRanges(info, Math.min(size, Vfio.iommuInfoArgsz(info)));
            LOG.debug("IOMMU page sizes 0x{}, IOVA ranges {}", Long.toHexString(Vfio.iommuInfoPageSizes(info)), iovaRanges);
        }
    }

    /** The IOVA windows the IOMMU accepts (empty: the kernel did not say). */
    synchronized List<Vfio.IovaRange> iovaRanges() { return new ArrayList<>(iovaRanges); }

    @Override
    public String description() { return "VFIO container"; }

    @Override
    Translation doMap(long vaddr, long length) {
        if (!iommuSet) throw new IllegalStateException("no device is open in the VFIO container: open one before mapping DMA");
        long iova = vaddr;
        if (!iovaRanges.isEmpty() && iovaRanges.stream().noneMatch(r -> r.contains(vaddr, length))) {
            iova = fallbackIova(length);
            LOG.info("IOMMU cannot address {} as IOVA (usable: {}); mapping it at IOVA 0x{}",
                    DmaRegion.range(vaddr, length), iovaRanges, Long.toHexString(iova));
        }
        Vfio.encodeDmaMap(scratch, vaddr, iova, length);
        int rc = Libc.ioctlOrErrno(fd, Vfio.IOMMU_MAP_DMA, scratch.address());
        if (rc < 0) {
            int e = -rc;
            String why = switch (e) {
                case Errno.ENOMEM -> ": the pages could not be pinned; raise the locked-memory limit (ulimit -l, LimitMEMLOCK=)"
                        + " or run as root";
                case Errno.EEXIST -> ": the IOVA range is already mapped";
                case Errno.EFAULT -> ": the memory is not mapped in this process";
                case Errno.EINVAL -> ": the range is not aligned to the IOMMU page size or outside the IOVA window";
                case Errno.ENOSPC -> ": too many DMA mappings (vfio_iommu_type1 dma_entry_limit)";
                default -> "";
            };
            throw new PciException(e == Errno.ENOMEM ? PciException.Reason.PERMISSION_DENIED : PciException.Reason.FAILED,
                    "VFIO_IOMMU_MAP_DMA " + DmaRegion.range(vaddr, length) + " at IOVA 0x" + Long.toHexString(iova)
                            + " failed: " + Errno.name(e) + why);
        }
        return Translation.linear(iova - vaddr);
    }

    /** IOVAs for a range the identity mapping cannot use: bump-allocated in the lowest usable window, 2 MiB-aligned. */
    private long fallbackIova(long length) {
        long align = HugePages.SIZE;
        for (Vfio.IovaRange r : iovaRanges) {
            long start = Math.max(r.start(), Math.max(nextFallbackIova, 1L << 20)); // keep IOVA 0 unused: looks like NULL
            start = (start + align - 1) & -align;
            if (r.contains(start, length)) {
                nextFallbackIova = start + length;
                return start;
            }
        }
        throw new PciException(PciException.Reason.FAILED, "no room for " + length + " bytes in the IOMMU's IOVA windows " + iovaRanges);
    }

    @Override
    void doUnmap(long vaddr, long length, long delta) {
        Vfio.encodeDmaUnmap(scratch, vaddr + delta, length);
        int rc = Libc.ioctlOrErrno(fd, Vfio.IOMMU_UNMAP_DMA, scratch.address());
        if (rc < 0) throw new PciException(PciException.Reason.FAILED, "VFIO_IOMMU_UNMAP_DMA " + DmaRegion.range(vaddr + delta, length)
                + " failed: " + Errno.name(-rc));
    }

    @Override
    Mapping newChunk(long size) {
        // Hugepages if there are any (fewer IOMMU page-table entries); the IOMMU makes plain pages contiguous too.
        Mapping m = HugePages.tryMap(size, "VFIO DMA chunk", null);
        if (m != null) return m;
        return Mapping.anonymous(size, "VFIO DMA chunk");
    }

    @Override
    long contiguityLimit() { return Long.MAX_VALUE; }

    static synchronized int groupCount() { return shared == null ? 0 : shared.groups.size(); }
}
