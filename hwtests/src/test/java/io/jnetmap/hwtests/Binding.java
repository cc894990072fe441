package io.jnetmap.hwtests;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A lab NIC handed to a user-space driver with tools/nm-bind, and given back on {@link #close}
 * (nm-bind restore: the kernel driver, the interface name, the MAC). For UIO in a machine with an
 * IOMMU (the emulated lab), the NIC's IOMMU group is switched to passthrough ("identity") while it
 * has no driver, so physical addresses reach memory, and switched back afterwards.
 */
public final class Binding implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Binding.class);

    public enum Kind {
        VFIO("vfio-pci"), UIO("uio_pci_generic");

        public final String driver;

        Kind(String driver) { this.driver = driver; }
    }

    private final Lab.Nic nic;
    private final Kind kind;
    private final Path device;
    private Path groupType;
    private String oldGroupType;
    private boolean closed;

    private Binding(Lab.Nic nic, Kind kind) {
        this.nic = nic;
        this.kind = kind;
        this.device = Path.of("/sys/bus/pci/devices").resolve(nic.bdf());
    }

    public Lab.Nic nic() { return nic; }
    public Kind kind() { return kind; }

    /** Binds {@code nic} to vfio-pci or uio_pci_generic. */
    public static Binding bind(Lab.Nic nic, Kind kind) {
        Binding b = new Binding(nic, kind);
        String nmBind = Lab.repo().resolve("tools/nm-bind").toString();
        // nm-bind remembers the kernel driver, interface name and MAC for the restore
        Shell.check(180, nmBind, "bind", nic.bdf(), "--driver", "vfio-pci");
        if (kind == Kind.UIO) {
            try {
                b.switchToUio();
            } catch (RuntimeException e) {
                b.close();
                throw e;
            }
        }
        LOG.info("{} bound to {}", nic, b.currentDriver());
        return b;
    }

    private void switchToUio() {
        write(device.resolve("driver/unbind"), nic.bdf());
        Path group = device.resolve("iommu_group");
        if (Files.exists(group)) {
            groupType = resolve(group).resolve("type");
            oldGroupType = read(groupType);
            if (!oldGroupType.equals("identity")) {
                write(groupType, "identity");
                LOG.info("{}: IOMMU group {} type {} -> {}", nic, resolve(group).getFileName(), oldGroupType, read(groupType));
            }
        }
        Shell.check(60, "modprobe", "uio_pci_generic");
        write(device.resolve("driver_override"), "uio_pci_generic");
        write(Path.of("/sys/bus/pci/drivers_probe"), nic.bdf());
        write(device.resolve("driver_override"), "\n");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"uio_pci_generic".equals(currentDriver())) {
            if (System.nanoTime() > deadline) throw new IllegalStateException(nic + " did not bind to uio_pci_generic (driver: " + currentDriver() + ")");
            Shell.sleep(50);
        }
    }

    public String currentDriver() {
        Path d = device.resolve("driver");
        return Files.exists(d) ? resolve(d).getFileName().toString() : "";
    }

    /** Gives the NIC back to its kernel driver (and its name and MAC); the IOMMU group type is restored first. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (groupType != null && !oldGroupType.equals("identity")) {
            if (!currentDriver().isEmpty()) write(device.resolve("driver/unbind"), nic.bdf());
            write(groupType, oldGroupType);
        }
        Shell.check(180, Lab.repo().resolve("tools/nm-bind").toString(), "restore", nic.bdf());
        LOG.info("{} back on {}", nic, currentDriver());
    }

    private static Path resolve(Path link) {
        try {
            return link.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path p, String v) {
        try {
            Files.writeString(p, v);
        } catch (IOException e) {
            throw new UncheckedIOException("writing '" + v.strip() + "' to " + p, e);
        }
    }
}
