package io.jnetmap.pci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PCI function's address, {@code domain:bus:device.function}, printed the way sysfs names it
 * ({@code 0000:03:00.0}). Parsing also accepts the short lspci form {@code 03:00.0} (domain 0).
 */
public final class PciAddress implements Comparable<PciAddress> {
    private static final Pattern FORM =
            Pattern.compile("(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-7])");
    // Interface names: at most 15 bytes (IFNAMSIZ-1), no '/', no whitespace, not "." or "..".
    private static final Pattern IFNAME = Pattern.compile("[^/\\s]{1,15}");

    private final int domain, bus, device, function;
    private final String text;

    private PciAddress(int domain, int bus, int device, int function) {
        if (device > 0x1f) throw new IllegalArgumentException("PCI device number 0x" + Integer.toHexString(device) + " > 0x1f");
        this.domain = domain;
        this.bus = bus;
        this.device = device;
        this.function = function;
        this.text = String.format("%04x:%02x:%02x.%d", domain, bus, device, function);
    }

    public static PciAddress of(int domain, int bus, int device, int function) {
        return new PciAddress(domain, bus & 0xff, device, function & 7);
    }

    /** Parses {@code 0000:03:00.0} or {@code 03:00.0}; throws {@link PciException} (NO_SUCH_DEVICE) otherwise. */
    public static PciAddress parse(String s) {
        return tryParse(s).orElseThrow(() -> new PciException(PciException.Reason.NO_SUCH_DEVICE,
                "'" + s + "' is not a PCI address (expected 0000:03:00.0 or 03:00.0)"));
    }

    public static Optional<PciAddress> tryParse(String s) {
        if (s == null) return Optional.empty();
        Matcher m = FORM.matcher(s.trim());
        if (!m.matches()) return Optional.empty();
        int dev = Integer.parseInt(m.group(3), 16);
        if (dev > 0x1f) return Optional.empty();
        int dom = m.group(1) == null ? 0 : (int) Long.parseLong(m.group(1), 16);
        return Optional.of(new PciAddress(dom, Integer.parseInt(m.group(2), 16), dev, Integer.parseInt(m.group(4))));
    }

    /** {@link #resolve(String, HostPaths)} with this machine's paths. */
    public static PciAddress resolve(String nameOrAddress) {
        return resolve(nameOrAddress, HostPaths.system());
    }

    /**
     * A PCI address, or a network interface name turned into its device's address: while a kernel
     * driver owns the NIC, {@code /sys/class/net/<if>/device} says; once nm-bind has handed it to
     * vfio-pci or uio_pci_generic the interface is gone, and nm-bind's record (which remembered the
     * name) says.
     */
    public static PciAddress resolve(String nameOrAddress, HostPaths paths) {
        Optional<PciAddress> a = tryParse(nameOrAddress);
        if (a.isPresent()) return a.get();
        String name = nameOrAddress == null ? "" : nameOrAddress.trim();
        if (!IFNAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new PciException(PciException.Reason.NO_SUCH_DEVICE,
                    "'" + nameOrAddress + "' is neither a PCI address (0000:03:00.0) nor a network interface name");
        }
        Path dev = paths.netInterface(name).resolve("device");
        if (Files.exists(dev)) {
            try {
                Optional<PciAddress> viaSysfs = tryParse(Files.readSymbolicLink(dev).getFileName().toString());
                if (viaSysfs.isPresent()) return viaSysfs.get();
            } catch (IOException | UnsupportedOperationException e) {
                // fall through to the state directory
            }
            // An interface whose device is not PCI (virtual, USB): say so rather than guessing.
            Optional<PciAddress> bound = BindRecord.findByInterface(paths, name);
            if (bound.isPresent()) return bound.get();
            throw new PciException(PciException.Reason.NO_SUCH_DEVICE,
                    "interface " + name + " is not a PCI device (" + dev + " does not name a PCI address)");
        }
        return BindRecord.findByInterface(paths, name).orElseThrow(() -> new PciException(
                PciException.Reason.NO_SUCH_DEVICE, "no network interface or PCI device named '" + name
                + "': it is not in " + paths.netInterface(name).getParent() + " and no device bound by nm-bind remembers it in "
                + paths.stateDir().resolve("bound") + " (`" + PciException.NM_BIND + " status` lists bound devices)"));
    }

    public int domain() { return domain; }
    public int bus() { return bus; }
    public int device() { return device; }
    public int function() { return function; }

    @Override
    public boolean equals(Object o) {
        return o instanceof PciAddress p && p.domain == domain && p.bus == bus && p.device == device && p.function == function;
    }

    @Override
    public int hashCode() { return ((domain * 256 + bus) * 32 + device) * 8 + function; }

    @Override
    public int compareTo(PciAddress o) { return text.compareTo(o.text); }

    /** {@code 0000:03:00.0} */
    @Override
    public String toString() { return text; }
}
