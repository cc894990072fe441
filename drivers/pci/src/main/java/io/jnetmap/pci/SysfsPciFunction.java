package io.jnetmap.pci;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What sysfs says about one PCI function ({@code /sys/bus/pci/devices/<address>}): IDs, class,
 * the driver bound now, the IOMMU group and its members, the UIO node, the BAR table. Reads
 * files on demand; nothing is cached, since binding changes them.
 */
public final class SysfsPciFunction {
    /** IORESOURCE_IO / IORESOURCE_MEM bits of a {@code resource} line's flags (include/linux/ioport.h). */
    static final long IORESOURCE_IO = 0x100, IORESOURCE_MEM = 0x200;

    private final PciAddress address;
    private final HostPaths paths;
    private final Path dir;

    public SysfsPciFunction(PciAddress address, HostPaths paths) {
        this.address = address;
        this.paths = paths;
        this.dir = paths.pciDevice(address);
    }

    public PciAddress address() { return address; }
    public HostPaths paths() { return paths; }
    public Path directory() { return dir; }

    public boolean exists() { return Files.isDirectory(dir); }

    /** Throws NO_SUCH_DEVICE unless sysfs has this function. */
    public SysfsPciFunction requireExists() {
        if (!exists()) {
            throw new PciException(PciException.Reason.NO_SUCH_DEVICE, "no PCI device " + address + " (" + dir
                    + " does not exist; `lspci -D` lists the machine's devices)");
        }
        return this;
    }

    public int vendorId() { return hex(read("vendor")); }
    public int deviceId() { return hex(read("device")); }
    public PciId id() { return new PciId(vendorId(), deviceId()); }
    /** 24-bit class code, e.g. 0x020000 for an Ethernet controller. */
    public int classCode() { return hex(read("class")); }
    public int subsystemVendorId() { return optionalHex("subsystem_vendor"); }
    public int subsystemDeviceId() { return optionalHex("subsystem_device"); }

    /** The driver bound now ({@code vfio-pci}, {@code e1000e}, ...), or null if none. */
    public String driver() { return linkName(dir.resolve("driver")); }

    /** The IOMMU group number, empty when the device is not behind an IOMMU. */
    public OptionalInt iommuGroup() {
        String n = linkName(dir.resolve("iommu_group"));
        if (n == null) return OptionalInt.empty();
        try {
            return OptionalInt.of(Integer.parseInt(n));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /**
     * The IOMMU domain type of the group: {@code identity} (passthrough: DMA addresses are
     * physical), {@code DMA} or {@code DMA-FQ} (translated), {@code blocked}; null if unknown.
     */
    public String iommuGroupType() {
        OptionalInt g = iommuGroup();
        if (g.isEmpty()) return null;
        Path t = paths.iommuGroup(g.getAsInt()).resolve("type");
        try {
            return Files.readString(t, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return null;
        }
    }

    /** Every function in this device's IOMMU group (including this one) with its driver. */
    public List<PciException.GroupMember> iommuGroupMembers() {
        OptionalInt g = iommuGroup();
        List<PciException.GroupMember> out = new ArrayList<>();
        if (g.isEmpty()) return out;
        Path devices = paths.iommuGroup(g.getAsInt()).resolve("devices");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(devices)) {
            for (Path p : ds) {
                Optional<PciAddress> a = PciAddress.tryParse(p.getFileName().toString());
                if (a.isEmpty()) continue;
                // Entries are links to the device directories; read the driver through sysfs proper.
                out.add(new PciException.GroupMember(a.get(), linkName(paths.pciDevice(a.get()).resolve("driver"))));
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + devices, e);
        }
        out.sort((x, y) -> x.address().compareTo(y.address()));
        return out;
    }

    /**
     * Drivers that leave a group usable for VFIO (the kernel's list in drivers/vfio/group.c:
     * vfio-pci and its variants, pci-stub, PCIe port drivers, or none).
     */
    static boolean allowsVfio(String driver) {
        return driver == null || driver.equals("vfio-pci") || driver.endsWith("-vfio-pci") || driver.endsWith("_vfio_pci")
                || driver.equals("pci-stub") || driver.equals("pcieport");
    }

    /** Throws GROUP_NOT_VIABLE (listing the offenders) if a group member is held by a kernel driver. */
    public void requireGroupViable() {
        List<PciException.GroupMember> all = iommuGroupMembers();
        List<PciException.GroupMember> blocking = all.stream().filter(m -> !allowsVfio(m.driver())).toList();
        if (!blocking.isEmpty()) throw PciException.groupNotViable(address, iommuGroup().orElse(-1), blocking, all);
    }

    /**
     * The kernel's reset methods for this function, in the order it tries them ({@code flr},
     * {@code pm}, {@code bus}, ...; sysfs {@code reset_method}, kernel 5.15+); empty if it has none or
     * the kernel does not say. Only flr and bus reliably reset a NIC's registers: after a pm-only
     * reset a driver must reset the chip itself (CTRL.RST).
     */
    public List<String> resetMethods() {
        Path f = dir.resolve("reset_method");
        try {
            String s = Files.readString(f, StandardCharsets.US_ASCII).strip();
            return s.isEmpty() ? List.of() : List.of(s.split("\\s+"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The UIO node this function got from uio_pci_generic ({@code uio0}), if any. */
    public Optional<String> uioName() {
        return firstEntry(dir.resolve("uio"));
    }

    /** Network interfaces a kernel driver created for this function. */
    public List<String> netInterfaces() {
        List<String> out = new ArrayList<>();
        Path net = dir.resolve("net");
        if (!Files.isDirectory(net)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(net)) {
            for (Path p : ds) out.add(p.getFileName().toString());
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + net, e);
        }
        out.sort(null);
        return out;
    }

    /** One line of the {@code resource} file: a BAR's physical range and flags. */
    public record Resource(int index, long start, long end, long flags) {
        public long size() { return start == 0 && end == 0 ? 0 : end - start + 1; }
        public boolean isMemory() { return (flags & IORESOURCE_MEM) != 0; }
        public boolean isIo() { return (flags & IORESOURCE_IO) != 0; }
    }

    /** The BARs (lines 0..5 of {@code resource}); a missing BAR has size 0. */
    public List<Resource> resources() {
        List<Resource> out = new ArrayList<>();
        String[] lines = read("resource").split("\n");
        for (int i = 0; i < lines.length && i < 6; i++) {
            String[] f = lines[i].trim().split("\\s+");
            if (f.length < 3) continue;
            out.add(new Resource(i, Long.parseUnsignedLong(strip0x(f[0]), 16), Long.parseUnsignedLong(strip0x(f[1]), 16),
                    Long.parseUnsignedLong(strip0x(f[2]), 16)));
        }
        return out;
    }

    /** Human-readable identity for messages: {@code 0000:03:00.0 [8086:10d3] (driver vfio-pci)}. */
    public String describe() {
        String ids;
        try {
            ids = " [" + id() + "]";
        } catch (RuntimeException e) {
            ids = "";
        }
        String d = driver();
        return address + ids + " (" + (d == null ? "no driver" : "driver " + d) + ")";
    }

    String read(String name) {
        Path f = dir.resolve(name);
        try {
            return Files.readString(f, StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            requireExists();
            throw new PciException(PciException.Reason.FAILED, "sysfs has no " + f + " for " + address);
        } catch (IOException e) {
            throw new PciException(PciException.Reason.FAILED, "cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    private int optionalHex(String name) {
        Path f = dir.resolve(name);
        if (!Files.exists(f)) return -1;
        return hex(read(name));
    }

    static int hex(String s) {
        return (int) Long.parseLong(strip0x(s.strip()), 16);
    }

    private static String strip0x(String s) {
        return s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
    }

    /** The last path element of where symlink {@code link} points, or null if there is no such link. */
    static String linkName(Path link) {
        try {
            return Files.readSymbolicLink(link).getFileName().toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static Optional<String> firstEntry(Path d) {
        if (!Files.isDirectory(d)) return Optional.empty();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
            List<String> names = new ArrayList<>();
            for (Path p : ds) names.add(p.getFileName().toString());
            names.sort(null);
            return names.stream().findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + d, e);
        }
    }

    @Override
    public String toString() { return "SysfsPciFunction[" + address + "]"; }
}
