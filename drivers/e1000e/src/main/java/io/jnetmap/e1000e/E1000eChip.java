package io.jnetmap.e1000e;

import io.jnetmap.nic.NicChip;
import io.jnetmap.pci.PciException;
import io.jnetmap.pci.PciId;
import io.jnetmap.pci.SupportedDevices;

/**
 * The chips this driver supports, and how they differ, as data. They share the 82574's
 * programming model (Intel's shared code drives them with one set of functions:
 * {@code e1000_82571.c}); Linux's {@code e1000_82574_info}/{@code e1000_82583_info} give the
 * differences: the 82583V has no MSI-X, one queue pair.
 *
 * @param msix MSI-X with per-queue vectors (5 vectors on the 82574)
 * @param queues queue pairs
 * @param maxFrame largest frame including CRC the chip takes with RCTL.LPE (9 KB jumbo)
 * @param receiveAddresses receive address registers RAR 0..n-1 (16 on both: E1000_RAR_ENTRIES + RAR0)
 * @param aspmOff PCIe link states Linux disables for the chip (PCI Link Control bits: 1 = L0s, 2 = L1);
 *        e1000e's 82574/82583 info: FLAG2_DISABLE_ASPM_L0S | FLAG2_DISABLE_ASPM_L1 (errata)
 */
public record E1000eChip(PciId id, String model, boolean msix, int queues, int maxFrame, int receiveAddresses, int aspmOff)
        implements NicChip {
    /** Link Control ASPM control bits: L0s entry, L1 entry. */
    public static final int ASPM_L0S = 1, ASPM_L1 = 2;
    public static final int INTEL = 0x8086;
    public static final E1000eChip I82574L = new E1000eChip(new PciId(INTEL, 0x10D3), "82574L", true, 2, 9018, 16, ASPM_L0S | ASPM_L1);
    public static final E1000eChip I82574LA = new E1000eChip(new PciId(INTEL, 0x10F6), "82574LA", true, 2, 9018, 16, ASPM_L0S | ASPM_L1);
    public static final E1000eChip I82583V = new E1000eChip(new PciId(INTEL, 0x150C), "82583V", false, 1, 9018, 16, ASPM_L0S | ASPM_L1);

    public static final java.util.List<E1000eChip> ALL = java.util.List.of(I82574L, I82574LA, I82583V);

    /** The ID table: what the driver accepts, and what its refusal lists. */
    public static final SupportedDevices SUPPORTED = NicChip.table("e1000e", ALL);

    /** The chip with ID {@code id}, or an UNSUPPORTED_DEVICE error naming what is supported. */
    public static E1000eChip of(PciId id, String where) {
        for (E1000eChip c : ALL) if (c.id.equals(id)) return c;
        StringBuilder list = new StringBuilder();
        for (E1000eChip c : ALL) list.append(list.length() == 0 ? "" : ", ").append(c.id).append(" (").append(c.model).append(")");
        throw new PciException(PciException.Reason.UNSUPPORTED_DEVICE, where + " is " + id
                + ", which the e1000e driver does not support; it supports " + list
                + ". Pick the driver for this chip, or a different device.");
    }
}
