package io.jnetmap.ixgbe;

import io.jnetmap.nic.NicChip;
import io.jnetmap.pci.PciException;
import io.jnetmap.pci.PciId;
import io.jnetmap.pci.SupportedDevices;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The 82599 parts this driver brings up, as data, with the link path each needs ({@link Media}, by
 * device ID as Linux's {@code ixgbe_get_media_type_82599} tells them apart): the backplane parts
 * (KX4, KX, KR), whose link comes up from AUTOC and LINKS alone, and the SFP+ parts (X520), whose
 * module is identified over I2C and whose laser is switched on through SDP3 first
 * ({@link SfpModule}, {@link IxgbeAdapter}). The chip confirms the media at open (AUTOC.LMS on the
 * backplane, the module in the cage on SFP+). Quad-port SFP+ boards, CX4/XAUI/10GBASE-T, the X540
 * and X550 families (other MACs and PHYs) and virtual functions are refused by name. IDs are
 * Intel's ({@code ixgbe_type.h}; the lab's QEMU 82599 model is 8086:10F7).
 *
 * @param model a name for messages, e.g. "82599 KX4"
 * @param media the link path: what {@link IxgbeAdapter} does before it waits for LINKS.UP
 */
public record IxgbeChip(PciId id, String model, Media media) implements NicChip {
    /** How the link of a part comes up (82599 datasheet §3.7.4 link modes, §4.6.4 link setup). */
    public enum Media {
        /** KX4/KX/KR backplane: the NVM's AUTOC.LMS (001 or 100), autonegotiation restarted, LINKS polled. */
        BACKPLANE("backplane"),
        /**
         * An SFP+ cage: the module read over I2C (I2CCTL), its laser on (ESDP.SDP3 low: the module's
         * TX_DISABLE), AUTOC.LMS 011 with AUTOC2 10G serial PMA/PMD SFI, autonegotiation restarted,
         * LINKS polled; the laser off again at close.
         */
        SFP("SFP+");

        private final String label;

        Media(String label) { this.label = label; }

        @Override public String toString() { return label; }
    }

    public static final int INTEL = 0x8086;
    /** RX/TX queue pairs this driver uses at most: RSS spreads over 16 queues (4-bit RETA entries); the chip has 128. */
    public static final int QUEUES = 16;
    /** MSI-X vectors of the 82599 (its MSI-X table in BAR4). */
    public static final int MSIX_VECTORS = 64;

    public static final List<IxgbeChip> ALL = List.of(
            new IxgbeChip(new PciId(INTEL, 0x10F7), "82599 KX4", Media.BACKPLANE),
            new IxgbeChip(new PciId(INTEL, 0x1514), "82599 KX4 mezzanine", Media.BACKPLANE),
            new IxgbeChip(new PciId(INTEL, 0x1517), "82599 KR", Media.BACKPLANE),
            new IxgbeChip(new PciId(INTEL, 0x10FB), "82599ES SFP+ (X520)", Media.SFP),
            new IxgbeChip(new PciId(INTEL, 0x1507), "82599 SFP+ EM", Media.SFP),
            new IxgbeChip(new PciId(INTEL, 0x154D), "82599 SFP+ SF2", Media.SFP),
            new IxgbeChip(new PciId(INTEL, 0x1557), "82599EN SFP+", Media.SFP));

    /** Parts of the family, and neighbours, whose link path this driver does not have: refused by name. */
    static final Map<Integer, String> OTHERS = Map.ofEntries(
            Map.entry(0x154A, "82599 SFP+ SF QP, quad port"), Map.entry(0x1558, "82599 QSFP+ SF QP"),
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
                + supportedList() + " (82599 backplane parts, link from AUTOC/LINKS; SFP+ parts, module over I2C, laser through SDP3)."
                + (known != null ? " Use the kernel's ixgbe (or DPDK) for this port." : " Pick the driver for this chip."));
    }

    static String supportedList() {
        List<String> l = new ArrayList<>();
        for (IxgbeChip c : ALL) l.add(c.id + " " + c.model);
        return String.join(", ", l);
    }

    @Override public int queues() { return QUEUES; }
}
