package io.jnetmap.pci;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Why a device could not be opened or used, in one message that names the device and says what to
 * do about it. {@link #reason()} lets callers (tools, tests) tell the cases apart without parsing text.
 */
public class PciException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The tool that binds devices and reserves hugepages; messages quote its commands. */
    static final String NM_BIND = "tools/nm-bind";

    public enum Reason {
        /** No such PCI function in sysfs, or a malformed address or interface name. */
        NO_SUCH_DEVICE,
        /** Bound to a kernel driver (or none) instead of vfio-pci / uio_pci_generic. */
        NOT_BOUND,
        /** Another device in the IOMMU group is bound to a kernel driver. */
        GROUP_NOT_VIABLE,
        /** VFIO was asked for but the device has no IOMMU group, or VFIO is not loaded. */
        NO_IOMMU,
        /** UIO was asked for but the IOMMU would translate the device's DMA. */
        IOMMU_TRANSLATES,
        /** The kernel refused access: not root, device node permissions, locked-memory limit. */
        PERMISSION_DENIED,
        /** The device is held by another process or container. */
        BUSY,
        /** No free hugepages for DMA memory under UIO. */
        NO_HUGEPAGES,
        /** /proc/self/pagemap hides physical addresses (not root). */
        NO_PHYSICAL_ADDRESSES,
        /** A DMA range is not physically contiguous where it must be, or lies outside a mapping. */
        NOT_CONTIGUOUS,
        /** A BAR is missing, not memory-mappable, or smaller than the driver needs. */
        BAR,
        /** The vendor/device ID is not in the driver's table. */
        UNSUPPORTED_DEVICE,
        /** Interrupts could not be set up. */
        INTERRUPTS,
        /** Anything else the kernel said no to. */
        FAILED
    }

    private final Reason reason;

    public PciException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public PciException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() { return reason; }

    static String bindCommand(PciAddress a, String driver) {
        return NM_BIND + " bind " + a + " --driver " + driver;
    }

    static PciException notBound(PciAddress a, String currentDriver, String wanted, String why) {
        String now = currentDriver == null ? "not bound to any driver" : "bound to " + currentDriver;
        return new PciException(Reason.NOT_BOUND, a + " is " + now + ", but " + why + " it must be bound to "
                + wanted + ": run `" + bindCommand(a, wanted) + "`");
    }

    /** A member of an IOMMU group with its driver (null: none). */
    record GroupMember(PciAddress address, String driver) {
        @Override
        public String toString() { return address + " (" + (driver == null ? "no driver" : driver) + ")"; }
    }

    static PciException groupNotViable(PciAddress a, int group, List<GroupMember> blocking, List<GroupMember> all) {
        String others = all.stream().filter(m -> !m.address().equals(a)).map(GroupMember::toString)
                .collect(Collectors.joining(", "));
        String fix = blocking.stream().map(m -> "`" + bindCommand(m.address(), "vfio-pci") + "`")
                .collect(Collectors.joining(" and "));
        return new PciException(Reason.GROUP_NOT_VIABLE, "IOMMU group " + group + " of " + a
                + " is not viable: every device in a group must be bound to vfio-pci or to no driver. "
                + "Other devices in the group: " + (others.isEmpty() ? "none" : others)
                + (fix.isEmpty() ? "" : ". Bind them too: " + fix + " (or move the NIC to a slot with its own group)"));
    }

    static PciException noHugepages(String what, long bytes, Throwable cause) {
        long pages = Math.max(1, (bytes + (2L << 20) - 1) / (2L << 20));
        return new PciException(Reason.NO_HUGEPAGES, "no free 2 MiB hugepages for " + what + " (" + bytes
                + " bytes): under UIO, DMA memory must be physically contiguous, which only hugepages give. Reserve some: `"
                + NM_BIND + " hugepages --size 2M --count " + Math.max(pages, 64) + "`", cause);
    }
}
