package io.jnetmap.pci;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A driver's table of the vendor/device IDs it knows, with model names. A driver checks the device
 * it was handed before touching a register:
 * <pre>{@code
 * static final SupportedDevices IDS = new SupportedDevices("e1000e").add(0x8086, 0x10d3, "82574L");
 * String model = IDS.require(device);   // throws UNSUPPORTED_DEVICE naming what it is and what is supported
 * }</pre>
 */
public final class SupportedDevices {
    private final String driver;
    private final Map<PciId, String> models = new LinkedHashMap<>();

    public SupportedDevices(String driver) {
        this.driver = driver;
    }

    public SupportedDevices add(int vendor, int device, String model) {
        models.put(new PciId(vendor, device), model);
        return this;
    }

    public String driver() { return driver; }
    public Map<PciId, String> models() { return Map.copyOf(models); }

    public Optional<String> model(PciId id) { return Optional.ofNullable(models.get(id)); }

    /** The model name of {@code device}, or UNSUPPORTED_DEVICE. */
    public String require(PciDevice device) { return require(device.sysfs()); }

    /** The model name of the function sysfs describes, or UNSUPPORTED_DEVICE. */
    public String require(SysfsPciFunction function) {
        PciId id = function.id();
        String m = models.get(id);
        if (m != null) return m;
        String list = models.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                .collect(Collectors.joining(", "));
        throw new PciException(PciException.Reason.UNSUPPORTED_DEVICE, function.address() + " is " + id
                + String.format(" (class %06x)", function.classCode()) + ", which the " + driver
                + " driver does not support; it supports " + list + ". Pick the driver for this chip, or a different device.");
    }
}
