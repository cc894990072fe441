package io.jnetmap.r8169;

import io.jnetmap.nic.NicChip;
import io.jnetmap.pci.PciId;
import io.jnetmap.pci.SupportedDevices;

/**
 * A Realtek chip found behind a PCI function: its PCI ID (which says PCI or PCIe family, hence
 * the register BAR) and its version (which the XID in TxConfig says). One queue pair: the chips
 * have one RX ring and one normal-priority TX ring (nic-facts.md §4).
 */
public record R8169Chip(PciId id, RtlVersion version) implements NicChip {
    /** The PCI IDs this driver opens; the version is then told by the XID. */
    public static final SupportedDevices SUPPORTED = new SupportedDevices("r8169")
            .add(0x10ec, 0x8169, "RTL8169/8110 (PCI)")
            .add(0x10ec, 0x8167, "RTL8169SC/8110SC (PCI)")
            .add(0x10ec, 0x8168, "RTL8168/8111 (PCIe)")
            .add(0x10ec, 0x8161, "RTL8168/8111 (PCIe)");

    /** The family the PCI ID announces: 0x8169/0x8167 are the PCI parts, 0x8168/0x8161 the PCIe ones. */
    public static RtlVersion.Family familyOf(PciId id, String device) {
        if (SUPPORTED.model(id).isEmpty())
            throw new RtlException(device + " is " + id + ", which the r8169 driver does not support; it supports "
                    + SUPPORTED.models().keySet() + ". Pick the driver for this chip, or a different device.");
        return id.device() == 0x8169 || id.device() == 0x8167 ? RtlVersion.Family.PCI : RtlVersion.Family.PCIE;
    }

    @Override public String model() { return version.name(); }
    @Override public int queues() { return 1; }
}
