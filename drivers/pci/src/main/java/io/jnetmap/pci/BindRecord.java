package io.jnetmap.pci;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What nm-bind remembered when it took a NIC from its kernel driver: a file
 * {@code ${JNETMAP_STATE_DIR:-/run/jnetmap}/bound/<address>} of {@code key=value} lines
 * ({@code ifname}, {@code mac}, {@code driver} (the original one), {@code bound}, {@code vendor},
 * {@code device}). Unknown keys are kept; missing ones read as empty.
 */
public final class BindRecord {
    private final PciAddress address;
    private final Map<String, String> values;

    BindRecord(PciAddress address, Map<String, String> values) {
        this.address = address;
        this.values = Map.copyOf(values);
    }

    /** The record for {@code address}, if nm-bind left one. */
    public static Optional<BindRecord> read(PciAddress address, HostPaths paths) {
        Path file = paths.bindRecord(address);
        try {
            return Optional.of(new BindRecord(address, parse(Files.readString(file, StandardCharsets.UTF_8))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("reading nm-bind's record " + file, e);
        }
    }

    public static Optional<BindRecord> read(PciAddress address) { return read(address, HostPaths.system()); }

    /** The address of the device whose record remembers interface {@code ifname}. */
    static Optional<PciAddress> findByInterface(HostPaths paths, String ifname) {
        Path dir = paths.stateDir().resolve("bound");
        if (!Files.isDirectory(dir)) return Optional.empty();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : ds) {
                Optional<PciAddress> a = PciAddress.tryParse(f.getFileName().toString());
                if (a.isEmpty()) continue;
                Optional<BindRecord> r = read(a.get(), paths);
                if (r.isPresent() && ifname.equals(r.get().interfaceName())) return a;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("listing nm-bind's records in " + dir, e);
        }
        return Optional.empty();
    }

    static Map<String, String> parse(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            int eq = l.indexOf('=');
            if (l.isEmpty() || l.startsWith("#") || eq <= 0) continue;
            m.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
        }
        return m;
    }

    public PciAddress address() { return address; }
    /** The interface name the kernel driver had, e.g. {@code enp3s0}. */
    public String interfaceName() { return get("ifname"); }
    public String mac() { return get("mac"); }
    /** The kernel driver nm-bind unbound (to rebind on release). */
    public String originalDriver() { return get("driver"); }
    /** The driver nm-bind bound: vfio-pci or uio_pci_generic. */
    public String boundDriver() { return get("bound"); }
    public String vendor() { return get("vendor"); }
    public String deviceId() { return get("device"); }
    public String get(String key) { return values.getOrDefault(key, ""); }
    public Map<String, String> values() { return values; }

    @Override
    public String toString() { return "BindRecord[" + address + " " + values + "]"; }
}
