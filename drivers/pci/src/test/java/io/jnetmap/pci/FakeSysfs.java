package io.jnetmap.pci;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A fake root with just enough of sysfs, /dev and nm-bind's state directory for the code under
 * test: device directories with ID files, driver and iommu_group links laid out as the kernel does.
 */
final class FakeSysfs {
    final Path root;
    final HostPaths paths;

    FakeSysfs(Path root) {
        this.root = root;
        this.paths = HostPaths.rootedAt(root);
        mkdirs("sys/bus/pci/devices");
        mkdirs("sys/bus/pci/drivers");
        mkdirs("sys/kernel/iommu_groups");
        mkdirs("sys/class/net");
        mkdirs("dev/vfio");
    }

    /** A function with IDs and an Ethernet class; returns its sysfs directory. */
    Path device(String address, int vendor, int device) {
        Path d = dir(address);
        mkdirs(root.relativize(d).toString());
        write(d.resolve("vendor"), String.format("0x%04x\n", vendor));
        write(d.resolve("device"), String.format("0x%04x\n", device));
        write(d.resolve("class"), "0x020000\n");
        write(d.resolve("subsystem_vendor"), String.format("0x%04x\n", vendor));
        write(d.resolve("subsystem_device"), "0x0000\n");
        // BAR0 128 KiB memory, BAR2 32 B I/O; the rest empty.
        write(d.resolve("resource"), String.join("\n",
                "0x00000000febc0000 0x00000000febdffff 0x0000000000040200",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000",
                "0x000000000000c000 0x000000000000c01f 0x0000000000040101",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000") + "\n");
        return d;
    }

    Path dir(String address) { return root.resolve("sys/bus/pci/devices").resolve(address); }

    /** Links the device to driver {@code name} (null unbinds). */
    FakeSysfs driver(String address, String name) {
        Path link = dir(address).resolve("driver");
        try {
            Files.deleteIfExists(link);
            if (name != null) {
                mkdirs("sys/bus/pci/drivers/" + name);
                Files.createSymbolicLink(link, Path.of("../../drivers/" + name));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Puts the device into IOMMU group {@code n} of the given domain type (null: no type file). */
    FakeSysfs group(String address, int n, String type) {
        Path g = root.resolve("sys/kernel/iommu_groups/" + n);
        mkdirs("sys/kernel/iommu_groups/" + n + "/devices");
        if (type != null) write(g.resolve("type"), type + "\n");
        try {
            Files.createSymbolicLink(dir(address).resolve("iommu_group"), Path.of("../../../../kernel/iommu_groups/" + n));
            Files.createSymbolicLink(g.resolve("devices").resolve(address), Path.of("../../../../bus/pci/devices/" + address));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** A kernel netdev for the device: /sys/class/net/<if>/device -> the device directory. */
    FakeSysfs netdev(String address, String ifname) {
        mkdirs("sys/class/net/" + ifname);
        mkdirs(root.relativize(dir(address)).toString() + "/net/" + ifname);
        try {
            Files.createSymbolicLink(root.resolve("sys/class/net/" + ifname + "/device"),
                    Path.of("../../../bus/pci/devices/" + address));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** An nm-bind state record. */
    FakeSysfs bindRecord(String address, String content) {
        mkdirs("run/jnetmap/bound");
        write(root.resolve("run/jnetmap/bound/" + address), content);
        return this;
    }

    void mkdirs(String rel) {
        try {
            Files.createDirectories(root.resolve(rel));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path p, String s) {
        try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    SysfsPciFunction function(String address) {
        return new SysfsPciFunction(PciAddress.parse(address), paths);
    }
}
