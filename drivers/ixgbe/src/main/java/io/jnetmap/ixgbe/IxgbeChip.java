package io.jnetmap.ixgbe;

import io.jnetmap.nic.NicChip;
import io.jnetmap.pci.PciException;
import io.jnetmap.pci.PciId;
import io.jnetmap.pci.SupportedDevices;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The 82599 parts this driver brings up, as data. Their link comes up from AUTOC and LINKS alone
 * (backplane: KX4, KX, KR): the media is confirmed from the chip at open (AUTOC.LMS,
 * {@link IxgbeAdapter}). SFP+ parts (X520) need the module identified over I2C and the laser
 * enabled through the SDP pins before there is any link; that path is not implemented, so they are
 * refused by name, as are the X540/X550 families (other MACs and PHYs) and virtual functions.
 * IDs are Intel's ({@code ixgbe_type.h}; the lab's QEMU 82599 model is 8086:10F7).
 *
 * @param model a name for messages, e.g. "82599 KX4"
 */
public record IxgbeChip(PciId id, String model) implements NicChip {
    public static final int INTEL = 0x8086;
    /** RX/TX queue pairs this driver uses at most: RSS spreads over 16 queues (4-bit RETA entries); the chip has 128. */
    public static final int QUEUES = 16;
    /** MSI-X vectors of the 82599 (its MSI-X table in BAR4). */
    public static final int MSIX_VECTORS = 64;

    public static final List<IxgbeChip> ALL = List.of(
            new IxgbeChip(new PciId(INTEL, 0x10F7), "82599 KX4"),
            new IxgbeChip(new PciId(INTEL, 0x1514), "82599 KX4 mezzanine"),
            new IxgbeChip(new PciId(INTEL, 0x1517), "82599 KR"));

    /** Parts of the family, and neighbours, whose link path this driver does not have: refused by name. */
    static final Map<Integer, String> OTHERS = Map.ofEntries(
            Map.entry(0x10FB, "82599 SFP+ (X520)"), Map.entry(0x1507, "82599 SFP+ EM"), Map.entry(0x154D, "82599 SFP+ SF2"),
            Map.entry(0x1557, "82599EN SFP+"), Map.entry(0x154A, "82599 SFP+ SF QP"), Map.entry(0x1558, "82599 SFP+ SF QP"),
            Map.entry(0x10F8, "82599 combined backplane"), Map.entry(0x10F9, "82599 CX4"), Map.entry(0x10FC, "82599 XAUI LOM"),
            Map.entry(0x151C, "82599 10GBASE-T LOM"), Map.entry(0x1529, "82599 SFP+ FCoE"), Map.entry(0x152A, "82599 backplane FCoE"),
            Map.entry(0x10ED, "82599 virtual function"), Map.entry(0x1528, "X540-T2"), Map.entry(0x1560, "X540-T1"),
            Map.entry(0x1515, "X540 virtual function"), Map.entry(0x1563, "X550-T2"), Map.entry(0x15D1, "X550-T1"));

    public static final SupportedDevices SUPPORTED = NicChip.table("ixgbe", ALL);

    /**
     * The chip with ID {@code id}, or an UNSUPPORTED_DEVICE error in one line: what the device is
     * (when known) and which parts the driver supports.
     */
    public static IxgbeChip of(PciId id, String where) {
        for (IxgbeChip c : ALL) if (c.id.equals(id)) return c;
        String known = id.vendor() == INTEL ? OTHERS.get(id.device()) : null;
        throw new PciException(PciException.Reason.UNSUPPORTED_DEVICE, where + " is " + id
                + (known != null ? " (" + known + ")" : "") + ", which the ixgbe driver does not support: it supports "
                + supportedList() + " (82599 backplane parts, link from AUTOC/LINKS)."
                + (known != null ? " Use the kernel's ixgbe (or DPDK) for this port." : " Pick the driver for this chip."));
    }

    static String supportedList() {
        List<String> l = new ArrayList<>();
        for (IxgbeChip c : ALL) l.add(c.id + " " + c.model);
        return String.join(", ", l);
    }

    @Override public int queues() { return QUEUES; }
}
