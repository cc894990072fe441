package io.jnetmap.pci;

/** A vendor:device ID pair, printed as lspci does ({@code 8086:10d3}). */
public record PciId(int vendor, int device) {
    public PciId {
        if ((vendor & ~0xffff) != 0 || (device & ~0xffff) != 0)
            throw new IllegalArgumentException("PCI IDs are 16 bits: " + vendor + ":" + device);
    }

    @Override
    public String toString() { return String.format("%04x:%04x", vendor, device); }
}
