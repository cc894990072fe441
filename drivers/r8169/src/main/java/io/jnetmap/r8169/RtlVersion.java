package io.jnetmap.r8169;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The chip versions this driver drives, as data: how Linux's {@code rtl8169_get_mac_version}
 * tells them apart by the XID (TxConfig bits 31:20, masked), and what differs between them. A
 * version absent from {@link #TABLE} is refused at open ({@link #identify}), never half-driven.
 *
 * @param linuxVersion Linux's {@code RTL_GIGA_MAC_VER_nn}, so a user can compare with {@code dmesg}
 * @param name the marketing names, as Linux's {@code rtl_chip_infos} gives them
 * @param xidMask bits of the XID that identify the version
 * @param xidValue their value
 * @param family PCI (RTL8169 family, registers in BAR1) or PCIe (RTL8168/8111, BAR2)
 * @param maxFrame the longest frame the version sends and receives (Linux's {@code rtl_jumbo_max}
 *        MTU + 14 header + 4 FCS): 7 KiB jumbo on the 8169, 9 KiB on the 8168g and 8168h
 * @param dma64 whether descriptors and buffers may lie above 4 GiB (Linux sets a 64-bit DMA mask
 *        from RTL_GIGA_MAC_VER_18 on only)
 * @param phy how the PHY is reached: PHYAR (MDIO through a MAC register) or GPHY_OCP (8168g and later)
 * @param start the version's start-up quirks ({@link Startup})
 * @param rxConfig the RxConfig bits besides the accept bits (Linux's {@code rtl_init_rxcfg})
 * @param txConfig the TxConfig bits (Linux's {@code rtl_set_tx_config_registers}: unlimited DMA
 *        burst, standard IFG, and the automatic TX FIFO from the 8168evl on)
 */
public record RtlVersion(int linuxVersion, String name, int xidMask, int xidValue, Family family, int maxFrame,
                         boolean dma64, PhyAccess phy, Startup start, int rxConfig, int txConfig) {

    public enum Family {
        /** RTL8169/8110 on PCI: registers in memory BAR1 (BAR0 is I/O). */
        PCI(1),
        /** RTL8168/8111 on PCIe: registers in memory BAR2 (BAR0 is I/O, BAR4 the MSI-X table). */
        PCIE(2);

        private final int bar;

        Family(int bar) { this.bar = bar; }

        /** The memory BAR holding the registers. */
        public int bar() { return bar; }
    }

    public enum PhyAccess { PHYAR, GPHY_OCP }

    /**
     * Which start-up sequence of {@link RtlStartup} a version takes, named after Linux's
     * {@code rtl_hw_start_*} function: the 8169's, or one of the 8168g-and-later ones, which share
     * {@code rtl_hw_init_8168g} before the reset, the PHY behind GPHY_OCP and the MAC address in ERI.
     */
    public enum Startup {
        RTL8169, RTL8168G_1, RTL8168G_2, RTL8168H, RTL8168EP_3;

        /** The 8168g and later (Linux's RTL_GIGA_MAC_VER_40 and up). */
        public boolean g8168Up() { return this != RTL8169; }
    }

    /** 7 KiB jumbo MTU (Linux JUMBO_7K = 7 KiB - 14 - 2) + header + FCS. */
    static final int FRAME_7K = 7 * 1024 - 2 + 4;
    /** 9 KiB jumbo MTU (Linux JUMBO_9K) + header + FCS. */
    static final int FRAME_9K = 9 * 1024 - 2 + 4;

    private static final int RX_8169 = RtlRegs.RX_FIFO_THRESH | RtlRegs.RX_DMA_BURST;
    private static final int RX_8168G_UP = RtlRegs.RX128_INT_EN | RtlRegs.RX_MULTI_EN | RtlRegs.RX_DMA_BURST
            | RtlRegs.RX_EARLY_OFF;
    private static final int TX_BASE = RtlRegs.TXCFG_DMA_BURST_UNLIMITED | RtlRegs.TXCFG_IFG_STANDARD;

    /**
     * The supported versions. XIDs from Linux's {@code rtl8169_get_mac_version} (mask 0xfc8 for
     * the PCI family, 0x7cf for the 8168g and 8168h), names from {@code rtl_chip_infos}.
     */
    public static final List<RtlVersion> TABLE = List.of(
            // 8110 family (PCI)
            new RtlVersion(6, "RTL8169sc/8110sc", 0xfc8, 0x980, Family.PCI, FRAME_7K, false, PhyAccess.PHYAR,
                    Startup.RTL8169, RX_8169, TX_BASE),
            new RtlVersion(5, "RTL8169sc/8110sc", 0xfc8, 0x180, Family.PCI, FRAME_7K, false, PhyAccess.PHYAR,
                    Startup.RTL8169, RX_8169, TX_BASE),
            new RtlVersion(4, "RTL8169sb/8110sb", 0xfc8, 0x100, Family.PCI, FRAME_7K, false, PhyAccess.PHYAR,
                    Startup.RTL8169, RX_8169, TX_BASE),
            new RtlVersion(3, "RTL8110s", 0xfc8, 0x040, Family.PCI, FRAME_7K, false, PhyAccess.PHYAR,
                    Startup.RTL8169, RX_8169, TX_BASE),
            new RtlVersion(2, "RTL8169s", 0xfc8, 0x008, Family.PCI, FRAME_7K, false, PhyAccess.PHYAR,
                    Startup.RTL8169, RX_8169, TX_BASE),
            // 8168EP family (PCIe). Only XID 0x502 (VER_51): Linux disabled 0x500 and 0x501 (VER_49, _50)
            new RtlVersion(51, "RTL8168ep/8111ep", 0x7cf, 0x502, Family.PCIE, FRAME_9K, true, PhyAccess.GPHY_OCP,
                    Startup.RTL8168EP_3, RX_8168G_UP, TX_BASE | RtlRegs.TXCFG_AUTO_FIFO),
            // 8168H family (PCIe). Only XID 0x541 (VER_46): Linux disabled the detection of 0x540
            // (VER_45, "never made it to the wild") and removed its PHY patch
            // (rtl8168h_1_hw_phy_config) in 6.1; without that sequence it is not listed here
            new RtlVersion(46, "RTL8168h/8111h", 0x7cf, 0x541, Family.PCIE, FRAME_9K, true, PhyAccess.GPHY_OCP,
                    Startup.RTL8168H, RX_8168G_UP, TX_BASE | RtlRegs.TXCFG_AUTO_FIFO),
            // 8168G family (PCIe). XID 0x509 is the 8168gu (VER_42; on a Fast Ethernet function Linux calls
            // it the 8106eus, VER_43, which this driver does not open); 0x4c0 the 8168g (VER_40). XID 0x4c1
            // (VER_41) is not listed: Linux disabled its detection as for VER_45
            new RtlVersion(42, "RTL8168gu/8111gu", 0x7cf, 0x509, Family.PCIE, FRAME_9K, true, PhyAccess.GPHY_OCP,
                    Startup.RTL8168G_2, RX_8168G_UP, TX_BASE | RtlRegs.TXCFG_AUTO_FIFO),
            new RtlVersion(40, "RTL8168g/8111g", 0x7cf, 0x4c0, Family.PCIE, FRAME_9K, true, PhyAccess.GPHY_OCP,
                    Startup.RTL8168G_1, RX_8168G_UP, TX_BASE | RtlRegs.TXCFG_AUTO_FIFO));

    /** The XID: TxConfig bits 31:20, as Linux reads it. */
    public static int xid(int txConfig) { return (txConfig >>> 20) & 0xfff; }

    /** The table entry matching {@code xid} (first match, the table's order as Linux's). */
    public static Optional<RtlVersion> lookup(int xid) {
        for (RtlVersion v : TABLE) if ((xid & v.xidMask) == v.xidValue) return Optional.of(v);
        return Optional.empty();
    }

    /** The XIDs of the RTL8125/8126 (2.5G/5G, another register set): named when refused. */
    static boolean isRtl8125Or8126(int xid) {
        int x = xid & 0x7cf;
        return x == 0x608 || x == 0x609 || x == 0x641 || x == 0x649 || x == 0x64a;
    }

    /**
     * The version of a chip whose TxConfig reads {@code txConfig}, or an {@link RtlException} in
     * one line naming the XID and what is supported.
     */
    public static RtlVersion identify(String device, int txConfig) {
        int xid = xid(txConfig);
        Optional<RtlVersion> v = lookup(xid);
        if (v.isPresent()) return v.get();
        String what = txConfig == -1 ? "reads all ones (device gone, or its registers not mapped)"
                : isRtl8125Or8126(xid) ? String.format("is an RTL8125/8126 (XID 0x%03x), which this driver does not drive", xid)
                : String.format("has XID 0x%03x, a Realtek version this driver does not drive", xid);
        throw new RtlException(device + " " + what + "; supported: " + supported() + ". Use the kernel's r8169 for it.");
    }

    /** "RTL8169s (XID 0x008), ..." */
    public static String supported() {
        return TABLE.stream().map(v -> String.format("%s (XID 0x%03x)", v.name, v.xidValue)).distinct()
                .collect(Collectors.joining(", "));
    }

    /**
     * Linux's {@code rtl8168g_phy_suspend_quirk} (RTL_GIGA_MAC_VER_40 only): every write of the PHY's
     * BMCR also sets ERI 0x1a8 bits 31:26 when the PHY is reset or powered up, clears them when it is
     * powered down ("disables PHY MCU interrupts before PHY power-down").
     */
    public boolean phySuspendQuirk() { return linuxVersion == 40; }

    /**
     * Whether the chip has a management controller (CMAC, DASH) beside the MAC that the driver must stop
     * before its reset and tell when it starts and stops (Linux's RTL_DASH_EP: VER_51 to _53).
     */
    public boolean dashEp() { return start == Startup.RTL8168EP_3; }

    /** Whether the version sends and receives frames longer than a standard 1518-byte frame. */
    public boolean jumbo() { return maxFrame > 1518; }

    @Override
    public String toString() { return String.format("%s (RTL_GIGA_MAC_VER_%02d, XID 0x%03x)", name, linuxVersion, xidValue); }
}
