package io.jnetmap.pci;

import java.util.Locale;
import java.util.OptionalInt;
import java.util.Set;

/**
 * How a device's registers, DMA and interrupts are reached from user space.
 * {@link #AUTO} picks {@link #VFIO} for a device behind an IOMMU and {@link #UIO} otherwise;
 * the other two force a choice (and fail, saying how to fix it, if the device is not set up for it).
 */
public enum AccessMethod {
    AUTO, VFIO, UIO;

    /** System property / environment variable that overrides the default {@code auto}. */
    public static final String PROPERTY = "jnetmap.pci.access", ENV = "JNETMAP_PCI_ACCESS";

    static final String VFIO_DRIVER = "vfio-pci", UIO_DRIVER = "uio_pci_generic";
    /** Kernel drivers that expose a PCI function through /dev/uioN. */
    static final Set<String> UIO_DRIVERS = Set.of("uio_pci_generic", "igb_uio");

    static boolean isUio(String driver) { return driver != null && UIO_DRIVERS.contains(driver); }

    /** The method from {@value #PROPERTY} / {@value #ENV} ({@code auto}, {@code vfio}, {@code uio}), default AUTO. */
    public static AccessMethod fromSettings() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) v = System.getenv(ENV);
        if (v == null || v.isBlank()) return AUTO;
        try {
            return valueOf(v.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PROPERTY + "=" + v + ": expected auto, vfio or uio");
        }
    }

    /**
     * The method to open {@code fn} with, given what was asked for: VFIO or UIO, never AUTO.
     * Throws a {@link PciException} naming the device and the fix when the device is not usable that way.
     */
    public static AccessMethod choose(SysfsPciFunction fn, AccessMethod requested) {
        fn.requireExists();
        PciAddress a = fn.address();
        String driver = fn.driver();
        OptionalInt group = fn.iommuGroup();
        switch (requested) {
            case VFIO:
                return requireVfio(fn, driver, group);
            case UIO:
                if (!isUio(driver)) throw PciException.notBound(a, driver, UIO_DRIVER, "to use UIO");
                return UIO;
            default:
                if (VFIO_DRIVER.equals(driver)) return requireVfio(fn, driver, group);
                if (group.isEmpty()) {
                    if (isUio(driver)) return UIO;
                    throw PciException.notBound(a, driver, UIO_DRIVER, "it has no IOMMU (so VFIO cannot isolate it) and");
                }
                // Behind an IOMMU that passes DMA through untranslated, UIO's physical addresses still work.
                if (isUio(driver) && "identity".equals(fn.iommuGroupType())) return UIO;
                throw PciException.notBound(a, driver, VFIO_DRIVER, "it sits in IOMMU group " + group.getAsInt() + ", so");
        }
    }

    private static AccessMethod requireVfio(SysfsPciFunction fn, String driver, OptionalInt group) {
        PciAddress a = fn.address();
        if (group.isEmpty()) {
            throw new PciException(PciException.Reason.NO_IOMMU, a + " has no IOMMU group: this kernel runs without an IOMMU"
                    + " (enable VT-d/AMD-Vi in the firmware and boot with intel_iommu=on or amd_iommu=on), so VFIO cannot be used."
                    + " Use UIO instead: `" + PciException.bindCommand(a, UIO_DRIVER) + "`");
        }
        if (!VFIO_DRIVER.equals(driver)) throw PciException.notBound(a, driver, VFIO_DRIVER, "to use VFIO");
        if (java.nio.file.Files.exists(fn.paths().dev("vfio/noiommu-" + group.getAsInt()))) {
            throw new PciException(PciException.Reason.NO_IOMMU, a + " is in a VFIO no-IOMMU group (/dev/vfio/noiommu-"
                    + group.getAsInt() + "), which cannot map DMA; use UIO instead: `" + PciException.bindCommand(a, UIO_DRIVER) + "`");
        }
        fn.requireGroupViable();
        return VFIO;
    }
}
