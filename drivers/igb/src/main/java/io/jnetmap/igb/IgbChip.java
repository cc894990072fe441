package io.jnetmap.igb;

import io.jnetmap.nic.NicChip;
import io.jnetmap.pci.PciException;
import io.jnetmap.pci.PciId;
import io.jnetmap.pci.SupportedDevices;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The chips this driver supports and how they differ, as data (Snabb's intel_mp keeps register
 * maps as tables the same way). Two families share the igb programming model: the 82576 and the
 * 82580-derived I350. IDs are Intel's ({@code e1000_hw.h}); the differences come from Intel's
 * shared code ({@code e1000_82575.c}: {@code e1000_reset_hw_82575} for the 82576,
 * {@code e1000_reset_hw_82580} for the I350) and the two datasheets.
 *
 * @param family which programming model's variant (queue counts, IVAR layout, reset quirks)
 * @param model a name for messages, e.g. "82576 copper"
 */
public record IgbChip(PciId id, Family family, String model) implements NicChip {
    public static final int INTEL = 0x8086;

    /**
     * What tells the two families apart.
     *
     * @param queues RX and TX queues (82576: 16 each; I350: 8; DPDK's eth_igb_infos_get agrees)
     * @param msixVectors MSI-X table entries of the physical function (82576: 25; I350: 10)
     * @param ivar how queue causes map onto IVAR entries
     * @param devRstSet STATUS.DEV_RST_SET (bit 20) must be written to clear it after reset (I350)
     * @param perQueueCrcStrip DVMOLR(n).STRCRC must agree with RCTL.SECRC (I350 strips the CRC per queue)
     * @param phyPowerManagement PHPM's "go link disconnect" bit must be cleared for link (82580 and later)
     * @param receiveAddresses receive address registers RAR 0..n-1 (82576: 24, I350: 32; e1000_82575.c
     *        E1000_RAR_ENTRIES_82576 / _I350)
     * @param ivarRegisters IVAR registers the queue causes use (82576: 8 for 16 queues; I350: 4 for 8)
     * @param completionTimeout the PCIe completion timeout must be set by the driver (82576:
     *        e1000_set_pcie_completion_timeout from e1000_reset_hw_82575; the I350 path does not)
     */
    public enum Family {
        I82576(16, 25, IvarLayout.I82576, false, false, false, 24, 8, true),
        I350(8, 10, IvarLayout.I82580, true, true, true, 32, 4, false);

        public final int queues;
        public final int msixVectors;
        public final IvarLayout ivar;
        public final boolean devRstSet;
        public final boolean perQueueCrcStrip;
        public final boolean phyPowerManagement;
        public final int receiveAddresses;
        public final int ivarRegisters;
        public final boolean completionTimeout;

        Family(int queues, int msixVectors, IvarLayout ivar, boolean devRstSet, boolean perQueueCrcStrip,
               boolean phyPowerManagement, int receiveAddresses, int ivarRegisters, boolean completionTimeout) {
            this.queues = queues;
            this.msixVectors = msixVectors;
            this.ivar = ivar;
            this.devRstSet = devRstSet;
            this.perQueueCrcStrip = perQueueCrcStrip;
            this.phyPowerManagement = phyPowerManagement;
            this.receiveAddresses = receiveAddresses;
            this.ivarRegisters = ivarRegisters;
            this.completionTimeout = completionTimeout;
        }

        /**
         * The receive packet buffer in KB from RXPBS: the 82576 gives KB in bits 6:0; the 82580/I350
         * an index into a size table (e1000_rxpbs_adjust_82580). 0 (an emulator) reads as the
         * datasheet's default, 64 KB (82576) or 36 KB (I350).
         */
        public int rxBufferKb(int rxpbs) {
            if (this == I82576) {
                int kb = rxpbs & 0x7F;
                return kb == 0 ? 64 : kb;
            }
            int[] table = {36, 72, 144, 1, 2, 4, 8, 16, 35, 70, 140};
            int i = rxpbs & 0xF;
            return i < table.length ? table[i] : 36;
        }
    }

    /**
     * Where a queue's interrupt cause is routed: one byte (vector | VALID) in an IVAR register.
     * 82576 (datasheet, IVAR register): queue q's RX entry is byte 0 (q < 8) or 2 (q ≥ 8) of IVAR(q mod 8),
     * TX the byte after it. 82580/I350: queue q's RX entry is byte 0 (q even) or 2 (q odd) of IVAR(q / 2).
     */
    public enum IvarLayout {
        I82576 {
            @Override public int register(int q) { return q & 7; }
            @Override public int shift(int q, boolean tx) { return ((q & 8) << 1) + (tx ? 8 : 0); }
        },
        I82580 {
            @Override public int register(int q) { return q >> 1; }
            @Override public int shift(int q, boolean tx) { return ((q & 1) << 4) + (tx ? 8 : 0); }
        };

        /** Index of the IVAR register holding queue {@code q}'s entries. */
        public abstract int register(int q);

        /** Bit position of queue {@code q}'s RX ({@code tx} false) or TX entry in that register. */
        public abstract int shift(int q, boolean tx);
    }

    /**
     * Every supported chip: the copper parts, whose link is the internal PHY behind MDIC, the only
     * link path this driver has. The QEMU model is an 82576 copper part (8086:10c9).
     */
    public static final List<IgbChip> ALL = List.of(
            new IgbChip(new PciId(INTEL, 0x10C9), Family.I82576, "82576 copper"),
            new IgbChip(new PciId(INTEL, 0x10E8), Family.I82576, "82576 quad copper"),
            new IgbChip(new PciId(INTEL, 0x1526), Family.I82576, "82576 quad copper ET2"),
            new IgbChip(new PciId(INTEL, 0x150A), Family.I82576, "82576NS copper"),
            new IgbChip(new PciId(INTEL, 0x1521), Family.I350, "I350 copper"));

    /**
     * Parts of the two families whose link is not the internal copper PHY: SerDes/fiber (the PCS),
     * SGMII (an external PHY over I2C), backplane. Their link setup is not implemented, so they are
     * refused by name rather than opened to a link that never comes up.
     */
    static final Map<Integer, String> OTHER_MEDIA = Map.of(
            0x10E6, "82576 fiber", 0x10E7, "82576 SerDes", 0x150D, "82576 SerDes quad", 0x1518, "82576NS SerDes",
            0x1522, "I350 fiber", 0x1523, "I350 SerDes", 0x1524, "I350 SGMII", 0x1546, "I350 DA4 (backplane/SerDes)");

    /** The ID table: what the driver accepts, and what its refusal lists. */
    public static final SupportedDevices SUPPORTED = NicChip.table("igb", ALL);

    /**
     * The chip with ID {@code id}, or an UNSUPPORTED_DEVICE error that names the device, says what
     * it is and lists what the driver supports. Virtual functions (8086:10ca, 8086:1520) are
     * refused: they have no PHY, no global registers, and need the PF's mailbox.
     */
    public static IgbChip of(PciId id, String where) {
        for (IgbChip c : ALL) if (c.id.equals(id)) return c;
        List<String> list = new ArrayList<>();
        for (IgbChip c : ALL) list.add(c.id + " (" + c.model + ")");
        String media = id.vendor() == INTEL ? OTHER_MEDIA.get(id.device()) : null;
        if (media != null)
            throw new PciException(PciException.Reason.UNSUPPORTED_DEVICE, where + " is " + id + " (" + media
                    + "): the igb driver brings up copper links only (the internal PHY), not SerDes, fiber or SGMII;"
                    + " it supports the copper parts " + String.join(", ", list) + ". Use the kernel's igb for this port.");
        String hint = id.vendor() == INTEL && (id.device() == 0x10CA || id.device() == 0x1520)
                ? " It is an igb virtual function, which this driver does not drive: open the physical function."
                : " Pick the driver for this chip, or a different device.";
        throw new PciException(PciException.Reason.UNSUPPORTED_DEVICE, where + " is " + id
                + ", which the igb driver does not support; it supports " + String.join(", ", list) + "." + hint);
    }

    /** RX/TX queues of this chip. */
    public int queues() { return family.queues; }

    /** Whether this is an 82580-derived part (I350). */
    public boolean isI350() { return family == Family.I350; }
}
