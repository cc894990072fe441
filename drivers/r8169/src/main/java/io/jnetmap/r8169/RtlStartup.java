package io.jnetmap.r8169;

import io.jnetmap.nic.Registers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.locks.LockSupport;

import static io.jnetmap.r8169.RtlRegs.*;

/**
 * The per-version start-up quirks, as Linux's {@code r8169_main.c} and {@code r8169_phy_config.c}
 * document them (function names cited at each step), the magic values kept as data tables:
 * <ul>
 * <li>{@link #beforeReset}: what a version needs before its soft reset (8168g and later:
 *     {@code rtl_hw_init_8168g});</li>
 * <li>{@link #hwStart}: the version's part of {@code rtl_hw_start} (config registers unlocked by
 *     the caller);</li>
 * <li>{@link #phyConfig}: the PHY patch ({@code r8169_hw_phy_config}'s per-version function),
 *     without the optional firmware files.</li>
 * </ul>
 */
final class RtlStartup {
    private static final Logger LOG = LoggerFactory.getLogger(RtlStartup.class);

    private RtlStartup() { }

    // ==================================================================== PHY tables (reg, value) pairs

    /** rtl8169s_hw_phy_config (RTL_GIGA_MAC_VER_02, _03). */
    static final int[] PHY_8169S = {
            0x1f, 0x0001, 0x06, 0x006e, 0x08, 0x0708, 0x15, 0x4000, 0x18, 0x65c7,
            0x1f, 0x0001, 0x03, 0x00a1, 0x02, 0x0008, 0x01, 0x0120, 0x00, 0x1000, 0x04, 0x0800, 0x04, 0x0000,
            0x03, 0xff41, 0x02, 0xdf60, 0x01, 0x0140, 0x00, 0x0077, 0x04, 0x7800, 0x04, 0x7000,
            0x03, 0x802f, 0x02, 0x4f02, 0x01, 0x0409, 0x00, 0xf0f9, 0x04, 0x9800, 0x04, 0x9000,
            0x03, 0xdf01, 0x02, 0xdf20, 0x01, 0xff95, 0x00, 0xba00, 0x04, 0xa800, 0x04, 0xa000,
            0x03, 0xff41, 0x02, 0xdf20, 0x01, 0x0140, 0x00, 0x00bb, 0x04, 0xb800, 0x04, 0xb000,
            0x03, 0xdf41, 0x02, 0xdc60, 0x01, 0x6340, 0x00, 0x007d, 0x04, 0xd800, 0x04, 0xd000,
            0x03, 0xdf01, 0x02, 0xdf20, 0x01, 0x100a, 0x00, 0xa0ff, 0x04, 0xf800, 0x04, 0xf000,
            0x1f, 0x0000, 0x0b, 0x0000, 0x00, 0x9200};

    /** rtl8169sb_hw_phy_config (RTL_GIGA_MAC_VER_04): page 2, register 1. */
    static final int[] PHY_8169SB = {0x1f, 0x0002, 0x01, 0x90d0, 0x1f, 0x0000};

    /** The part rtl8169scd_hw_phy_config and rtl8169sce_hw_phy_config share (VER_05, VER_06). */
    private static final int[] PHY_8169SC_COMMON = {
            0x1f, 0x0001, 0x04, 0x0000, 0x03, 0x00a1, 0x02, 0x0008, 0x01, 0x0120, 0x00, 0x1000, 0x04, 0x0800,
            0x04, 0x9000, 0x03, 0x802f, 0x02, 0x4f02, 0x01, 0x0409, 0x00, 0xf099, 0x04, 0x9800, 0x04, 0xa000,
            0x03, 0xdf01, 0x02, 0xdf20, 0x01, 0xff95, 0x00, 0xba00, 0x04, 0xa800, 0x04, 0xf000,
            0x03, 0xdf01, 0x02, 0xdf20, 0x01, 0x101a, 0x00, 0xa0ff, 0x04, 0xf800, 0x04, 0x0000, 0x1f, 0x0000};

    /** rtl8169scd_hw_phy_config (RTL_GIGA_MAC_VER_05). */
    static final int[] PHY_8169SCD = concat(PHY_8169SC_COMMON, new int[] {
            0x1f, 0x0001, 0x10, 0xf41b, 0x14, 0xfb54, 0x18, 0xf5c7, 0x1f, 0x0000,
            0x1f, 0x0001, 0x17, 0x0cc0, 0x1f, 0x0000});

    /** rtl8169sce_hw_phy_config (RTL_GIGA_MAC_VER_06). */
    static final int[] PHY_8169SCE = concat(PHY_8169SC_COMMON, new int[] {
            0x1f, 0x0001, 0x0b, 0x8480, 0x1f, 0x0000,
            0x1f, 0x0001, 0x18, 0x67c7, 0x04, 0x2000, 0x03, 0x002f, 0x02, 0x4360, 0x01, 0x0109, 0x00, 0x3022,
            0x04, 0x2800, 0x1f, 0x0000,
            0x1f, 0x0001, 0x17, 0x0cc0, 0x1f, 0x0000});

    /** rtl_hw_start_8168h_1's EPHY table: (register, bits cleared, bits set). */
    static final int[] EPHY_8168H = {
            0x1e, 0x0800, 0x0001, 0x1d, 0x0000, 0x0800, 0x05, 0xffff, 0x2089,
            0x06, 0xffff, 0x5881, 0x04, 0xffff, 0x854a, 0x01, 0xffff, 0x068b};

    /** rtl_hw_start_8168g_1's EPHY table (RTL_GIGA_MAC_VER_40). */
    static final int[] EPHY_8168G_1 = {
            0x00, 0x0008, 0x0000, 0x0c, 0x3ff0, 0x0820, 0x1e, 0x0000, 0x0001, 0x19, 0x8000, 0x0000};

    /** rtl_hw_start_8168g_2's EPHY table (RTL_GIGA_MAC_VER_42). */
    static final int[] EPHY_8168G_2 = {
            0x00, 0x0008, 0x0000, 0x0c, 0x3ff0, 0x0820, 0x19, 0xffff, 0x7c00, 0x1e, 0xffff, 0x20eb,
            0x0d, 0xffff, 0x1666, 0x00, 0xffff, 0x10a3, 0x06, 0xffff, 0xf050, 0x04, 0x0000, 0x0010,
            0x1d, 0x4000, 0x0000};

    /**
     * rtl8168g_1_hw_phy_config's "Improve SWR Efficiency": raw (register, value) writes, 0x1f
     * selecting the page (0x0bcd, 0x0bc8, back to 0).
     */
    static final int[] PHY_8168G_1_SWR = {
            0x1f, 0x0bcd, 0x14, 0x5065, 0x14, 0xd065, 0x1f, 0x0bc8, 0x11, 0x5655,
            0x1f, 0x0bcd, 0x14, 0x1065, 0x14, 0x9065, 0x14, 0x1065, 0x1f, 0x0000};

    /** rtl_hw_start_8168ep_3's EPHY table (RTL_GIGA_MAC_VER_51). */
    static final int[] EPHY_8168EP_3 = {
            0x00, 0x0000, 0x0080, 0x0d, 0x0100, 0x0200, 0x19, 0x8021, 0x0000, 0x1e, 0x0000, 0x2000};

    /** rtl8168ep_2_hw_phy_config's channel estimation parameters: (parameter, bits cleared, bits set) for r8168g_phy_param. */
    static final int[] PHY_8168EP_2_CHANNEL = {
            0x80f3, 0xff00, 0x8b00, 0x80f0, 0xff00, 0x3a00, 0x80ef, 0xff00, 0x0500, 0x80f6, 0xff00, 0x6e00,
            0x80ec, 0xff00, 0x6800, 0x80ed, 0xff00, 0x7c00, 0x80f2, 0xff00, 0xf400, 0x80f4, 0xff00, 0x8500,
            0x8110, 0xff00, 0xa800, 0x810f, 0xff00, 0x1d00, 0x8111, 0xff00, 0xf500, 0x8113, 0xff00, 0x6100,
            0x8115, 0xff00, 0x9200, 0x810e, 0xff00, 0x0400, 0x810c, 0xff00, 0x7c00, 0x810b, 0xff00, 0x5a00,
            0x80d1, 0xff00, 0xff00, 0x80cd, 0xff00, 0x9e00, 0x80d3, 0xff00, 0x0e00, 0x80d5, 0xff00, 0xca00,
            0x80d7, 0xff00, 0x8400};

    /** rtl8168ep_2_hw_phy_config's "Force PWM-mode": raw (register, value) writes, 0x1f selecting the page. */
    static final int[] PHY_8168EP_2_PWM = {
            0x1f, 0x0bcd, 0x14, 0x5065, 0x14, 0xd065, 0x1f, 0x0bc8, 0x12, 0x00ed,
            0x1f, 0x0bcd, 0x14, 0x1065, 0x14, 0x9065, 0x14, 0x1065, 0x1f, 0x0000};

    /** OOB commands of the 8168ep's management controller (Linux's OOB_CMD_DRIVER_START/STOP). */
    static final int OOB_CMD_DRIVER_START = 0x05, OOB_CMD_DRIVER_STOP = 0x06;

    private static int[] concat(int[] a, int[] b) {
        int[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    // ==================================================================== sequences

    /** Before the soft reset. */
    static void beforeReset(RtlVersion v, Registers regs, RtlAccess acc, String name) {
        if (!v.start().g8168Up()) return;
        if (v.dashEp()) stopCmac(regs, name); // rtl_hw_initialize: the 8168ep's management controller first
        // rtl_hw_init_8168g: gate RX while the MAC's MCU drains, leave out-of-band mode, and let
        // the MCU rebuild its link list with MAC OCP 0xe8de bit 14 cleared, then bit 15 set
        regs.write32(MISC, regs.read32(MISC) | MISC_RXDV_GATED_EN);
        if (!poll(() -> (regs.read32(TX_CONFIG) & TXCFG_EMPTY) != 0, 42 * 42))
            LOG.warn("{}: TX FIFO not empty before reset (TXCFG_EMPTY); continuing as Linux does", name);
        if (!poll(() -> (regs.read8(MCU) & (MCU_RX_EMPTY | MCU_TX_EMPTY)) == (MCU_RX_EMPTY | MCU_TX_EMPTY), 42 * 42))
            LOG.warn("{}: MCU FIFOs not empty before reset; continuing as Linux does", name);
        regs.write8(CHIP_CMD, regs.read8(CHIP_CMD) & ~(CMD_TX_ENB | CMD_RX_ENB));
        sleep(1);
        regs.write8(MCU, regs.read8(MCU) & ~MCU_NOW_IS_OOB);
        acc.macOcpModify(0xe8de, 1 << 14, 0);
        if (!poll(() -> (regs.read8(MCU) & MCU_LINK_LIST_RDY) != 0, 42))
            LOG.warn("{}: MCU link list not ready (first wait)", name);
        acc.macOcpModify(0xe8de, 0, 1 << 15);
        if (!poll(() -> (regs.read8(MCU) & MCU_LINK_LIST_RDY) != 0, 42))
            LOG.warn("{}: MCU link list not ready (second wait)", name);
    }

    /** The version's part of rtl_hw_start, Cfg9346 unlocked; returns the CPlusCmd value to program. */
    static int hwStart(RtlVersion v, Registers regs, RtlAccess acc, boolean jumbo) {
        switch (v.start()) {
            case RTL8169 -> {
                // rtl_hw_start_8169: no early transmit (a frame starts on the wire only when it is
                // whole in the FIFO), PCI multiple read/write; the magic register 0x7c on the
                // 8169sc (rtl8169_set_magic_reg: 66 MHz bus adds 0xff); RxMissed cleared
                regs.write8(MAX_TX_PACKET_SIZE, 0x3f);
                int cp = CPCMD_PCI_MUL_RW;
                if (v.linuxVersion() == 2 || v.linuxVersion() == 3) cp |= 1 << 15; // EnableBist
                int magic = v.linuxVersion() == 5 ? 0x000fff00 : v.linuxVersion() == 6 ? 0x00ffff00 : -1;
                if (magic != -1) regs.write32(0x7c, magic | ((regs.read8(CONFIG2) & 1) != 0 ? 0xff : 0));
                regs.write32(RX_MISSED, 0);
                // rtl8169_init_phy: undocumented C+CR offset 0x82 = 1 on the PCI family
                regs.write8(0x82, 0x01);
                return cp;
            }
            case RTL8168G_1, RTL8168G_2 -> {
                maxTxPacketSize(regs, jumbo);
                // rtl_hw_start_8168g
                fifoAndPauseThresholds(acc, 0x38, 0x48);
                resetPacketFilter(acc);
                acc.eriWrite(0x2f8, ERIAR_MASK_0011, 0x1d8f);
                regs.write32(MISC, regs.read32(MISC) & ~MISC_RXDV_GATED_EN); // rtl_disable_rxdvgate
                acc.eriWrite(0xc0, ERIAR_MASK_0011, 0);
                acc.eriWrite(0xb8, ERIAR_MASK_0011, 0);
                eeeMac(regs, acc);
                acc.eriModify(0x2fc, ERIAR_MASK_1111, 0x06, 0x01);       // rtl_w0w1_eri(0x2fc, 0x01, 0x06)
                acc.eriModify(0x1b0, ERIAR_MASK_1111, 1 << 12, 0);
                regs.write8(CONFIG3, regs.read8(CONFIG3) & ~0x02);       // rtl_pcie_state_l2l3_disable
                // rtl_hw_start_8168g_1 / _2: ASPM and clock request off before the EPHY table (left off)
                aspmClkreqOff(regs);
                ephyTable(acc, v.start() == RtlVersion.Startup.RTL8168G_1 ? EPHY_8168G_1 : EPHY_8168G_2);
                return 0;
            }
            case RTL8168EP_3 -> {
                maxTxPacketSize(regs, jumbo);
                // rtl_hw_start_8168ep_3: ASPM and clock request off (left off), its EPHY table, then rtl_hw_start_8168ep
                aspmClkreqOff(regs);
                ephyTable(acc, EPHY_8168EP_3);
                stopCmac(regs, "8168ep");
                fifoAndPauseThresholds(acc, 0x2f, 0x5f);
                resetPacketFilter(acc);
                acc.eriWrite(0x5f0, ERIAR_MASK_0011, 0x4f87);
                regs.write32(MISC, regs.read32(MISC) & ~MISC_RXDV_GATED_EN);
                acc.eriWrite(0xc0, ERIAR_MASK_0011, 0);
                acc.eriWrite(0xb8, ERIAR_MASK_0011, 0);
                eeeMac(regs, acc);
                acc.eriModify(0x2fc, ERIAR_MASK_1111, 0x06, 0x01);
                regs.write8(DLLPR, regs.read8(DLLPR) & ~DLLPR_TX_10M_PS_EN);
                regs.write8(CONFIG3, regs.read8(CONFIG3) & ~0x02);       // rtl_pcie_state_l2l3_disable
                // back in rtl_hw_start_8168ep_3: power-saving modes off, MAC OCP tuning
                regs.write8(DLLPR, regs.read8(DLLPR) & ~DLLPR_PFM_EN);
                regs.write8(MISC_1, regs.read8(MISC_1) & ~MISC_1_PFM_D3COLD_EN);
                acc.macOcpModify(0xd3e2, 0x0fff, 0x0271);
                acc.macOcpModify(0xd3e4, 0x00ff, 0x0000);
                acc.macOcpModify(0xe860, 0x0000, 0x0080);
                return 0;
            }
            case RTL8168H -> {
                maxTxPacketSize(regs, jumbo);
                // rtl_hw_start_8168h_1: ASPM and clock request off before the EPHY is touched
                // (and left off: user-space drivers do not manage ASPM)
                aspmClkreqOff(regs);
                ephyTable(acc, EPHY_8168H);
                fifoAndPauseThresholds(acc, 0x38, 0x48);
                resetPacketFilter(acc);
                acc.eriModify(0xdc, ERIAR_MASK_1111, 0, 1 << 4);
                acc.eriModify(0xd4, ERIAR_MASK_1111, 0, 0x1f00);
                acc.eriWrite(0x5f0, ERIAR_MASK_0011, 0x4f87);
                regs.write32(MISC, regs.read32(MISC) & ~MISC_RXDV_GATED_EN);
                acc.eriWrite(0xc0, ERIAR_MASK_0011, 0);
                acc.eriWrite(0xb8, ERIAR_MASK_0011, 0);
                regs.write8(DLLPR, regs.read8(DLLPR) & ~(DLLPR_PFM_EN | DLLPR_TX_10M_PS_EN));
                acc.eriModify(0x1b0, ERIAR_MASK_0011, 1 << 12, 0);
                // rtl_pcie_state_l2l3_disable: Config3 Rdy_to_L23 off
                regs.write8(CONFIG3, regs.read8(CONFIG3) & ~0x02);
                // the 1 ms software counter from the PHY's saw counter (page 0x0c42 register 0x13)
                int saw = acc.phyReadPaged(0x0c42, 0x13) & 0x3fff;
                if (saw > 0) acc.macOcpModify(0xd412, 0x0fff, (16_000_000 / saw) & 0x0fff);
                // EEE speed-down ratio 0 (Linux since 2025: "improve compatibility"), then MAC OCP tuning
                acc.macOcpModify(0xe056, 0x00f0, 0x0000);
                acc.macOcpModify(0xe052, 0x6000, 0x8008);
                acc.macOcpModify(0xe0d6, 0x01ff, 0x017f);
                acc.macOcpModify(0xd420, 0x0fff, 0x047f);
                acc.macOcpWrite(0xe63e, 0x0001);
                acc.macOcpWrite(0xe63e, 0x0000);
                acc.macOcpWrite(0xc094, 0x0000);
                acc.macOcpWrite(0xc09e, 0x0000);
                return 0;
            }
        }
        throw new IllegalStateException(v.toString());
    }

    /** rtl_hw_start_8168: MaxTxPacketSize in 128-byte units: EarlySize (0x27) on the 8168evl and later, the jumbo size when jumbo frames are on (TxPacketMax 8064 &gt;&gt; 7). */
    private static void maxTxPacketSize(Registers regs, boolean jumbo) {
        regs.write8(MAX_TX_PACKET_SIZE, jumbo ? 8064 >> 7 : 0x27);
    }

    /** rtl_set_fifo_size(0x08, 0x10, 0x02, 0x06) and rtl8168g_set_pause_thresholds(low, high) (the RX FIFO levels for PAUSE). */
    private static void fifoAndPauseThresholds(RtlAccess acc, int low, int high) {
        acc.eriWrite(0xc8, ERIAR_MASK_1111, (0x08 << 16) | 0x02);
        acc.eriWrite(0xe8, ERIAR_MASK_1111, (0x10 << 16) | 0x06);
        acc.eriWrite(0xcc, ERIAR_MASK_0001, low);
        acc.eriWrite(0xd0, ERIAR_MASK_0001, high);
    }

    /**
     * rtl8168ep_stop_cmac: the management controller's in-band channel off (IBCR2 bit 0), its pending OCP
     * transfer awaited (IBISR0 bit 5; Linux waits up to 2000 x 50 ms), acknowledged, IBCR0 bit 0 off.
     */
    static void stopCmac(Registers regs, String name) {
        regs.write8(IBCR2, regs.read8(IBCR2) & ~0x01);
        if (!poll(() -> (regs.read8(IBISR0) & 0x20) != 0, 2000 * 500))
            LOG.warn("{}: the 8168ep's management controller did not finish its OCP transfer (IBISR0 bit 5); continuing as Linux does", name);
        regs.write8(IBISR0, regs.read8(IBISR0) | 0x20);
        regs.write8(IBCR0, regs.read8(IBCR0) & ~0x01);
    }

    /**
     * Whether the 8168ep's DASH remote management is on (OOB 0x128 bit 0, Linux's r8168ep_check_dash). Its
     * firmware then shares the MAC with the host driver through a handshake Linux waits on; this driver refuses it.
     */
    static boolean dashEnabled(RtlVersion v, RtlAccess acc) {
        return v.dashEp() && (acc.oobRead(0x128) & 1) != 0;
    }

    /**
     * rtl8168ep_driver_start / _stop with DASH off: the command to the management controller (OOB 0x180) and its
     * doorbell (OOB 0x30 bit 0); Linux waits for an answer only when DASH is on. Stop also stops the CMAC first.
     */
    static void dashDriverStartStop(RtlVersion v, Registers regs, RtlAccess acc, boolean start, String name) {
        if (!v.dashEp()) return;
        if (!start) stopCmac(regs, name);
        acc.oobWrite(0x180, ERIAR_MASK_0001, start ? OOB_CMD_DRIVER_START : OOB_CMD_DRIVER_STOP);
        acc.oobWrite(0x30, ERIAR_MASK_0001, acc.oobRead(0x30) | 0x01);
    }

    /** rtl_reset_packet_filter: ERI 0xdc bit 0 cleared then set. */
    private static void resetPacketFilter(RtlAccess acc) {
        acc.eriModify(0xdc, 0x1 << 12, 1, 0);
        acc.eriModify(0xdc, 0x1 << 12, 0, 1);
    }

    /** rtl8168_config_eee_mac: the EEE LED frequency (EEE_LED 0x1b bits 2:0 cleared) and ERI 0x1b0 bits 1:0 set. */
    private static void eeeMac(Registers regs, RtlAccess acc) {
        regs.write8(EEE_LED, regs.read8(EEE_LED) & ~0x07);
        acc.eriModify(0x1b0, ERIAR_MASK_1111, 0, 0x0003);
    }

    /** rtl_hw_aspm_clkreq_enable(false): Config2 ClkReqEn and Config5 ASPM_en cleared. */
    private static void aspmClkreqOff(Registers regs) {
        regs.write8(CONFIG2, regs.read8(CONFIG2) & ~0x80);
        regs.write8(CONFIG5, regs.read8(CONFIG5) & ~0x01);
    }

    /** rtl_ephy_init: each (register, bits cleared, bits set) of {@code table}. */
    private static void ephyTable(RtlAccess acc, int[] table) {
        for (int i = 0; i < table.length; i += 3) {
            int r = table[i];
            acc.ephyWrite(r, (acc.ephyRead(r) & ~table[i + 1]) | table[i + 2]);
        }
    }

    /** PLL power-up and the version's PHY patch (rtl_pll_power_up, r8169_hw_phy_config). */
    static void phyConfig(RtlVersion v, Registers regs, RtlAccess acc) {
        switch (v.start()) {
            case RTL8169 -> writeTable(acc, switch (v.linuxVersion()) {
                case 2, 3 -> PHY_8169S;
                case 4 -> PHY_8169SB;
                case 5 -> PHY_8169SCD;
                default -> PHY_8169SCE;
            });
            case RTL8168G_1 -> {
                // rtl_pll_power_up (VER_40): PLL on; ERI 0x1a8 follows the BMCR writes (RtlAccess)
                regs.write8(PMCH, regs.read8(PMCH) | 0xc0);
                // rtl8168g_1_hw_phy_config, without the firmware file
                int r = acc.phyReadPaged(0x0a46, 0x10);
                acc.phyModifyPaged(0x0bcc, 0x12, (r & 1 << 8) != 0 ? 1 << 15 : 0, (r & 1 << 8) != 0 ? 0 : 1 << 15);
                r = acc.phyReadPaged(0x0a46, 0x13);
                acc.phyModifyPaged(0x0c41, 0x15, (r & 1 << 8) != 0 ? 0 : 1 << 1, (r & 1 << 8) != 0 ? 1 << 1 : 0);
                acc.phyModifyPaged(0x0a44, 0x11, 0, 1 << 3 | 1 << 2);   // PHY auto speed down
                adjust10mAldps(acc);
                acc.phyModifyPaged(0x0a4b, 0x11, 0, 1 << 2);            // EEE auto-fallback
                acc.phyParam8168g(0x8012, 0x0000, 0x8000);              // UC LPF tune
                acc.phyModifyPaged(0x0c42, 0x11, 1 << 13, 1 << 14);
                writeTable(acc, PHY_8168G_1_SWR);                        // improve SWR efficiency
                acc.phyModifyPaged(0x0a43, 0x10, 1 << 2, 0);            // rtl8168g_disable_aldps
                acc.phyModifyPaged(0x0a43, 0x11, 0, 1 << 4);            // rtl8168g_config_eee_phy
            }
            // rtl_pll_power_up has no PMCH write for VER_42; rtl8168g_2_hw_phy_config is the
            // firmware file (optional) and rtl8168g_config_eee_phy
            case RTL8168G_2 -> acc.phyModifyPaged(0x0a43, 0x11, 0, 1 << 4);
            case RTL8168EP_3 -> {
                regs.write8(PMCH, regs.read8(PMCH) | 0xc0); // rtl_pll_power_up
                // rtl8168ep_2_hw_phy_config
                adjust10mAldps(acc);
                acc.phyParam8168g(0x8012, 0x0000, 0x8000);              // UC LPF tune
                acc.phyModifyPaged(0x0c42, 0x11, 1 << 13, 1 << 14);     // rg_sel_sdm_rate
                for (int i = 0; i < PHY_8168EP_2_CHANNEL.length; i += 3)
                    acc.phyParam8168g(PHY_8168EP_2_CHANNEL[i], PHY_8168EP_2_CHANNEL[i + 1], PHY_8168EP_2_CHANNEL[i + 2]);
                writeTable(acc, PHY_8168EP_2_PWM);                       // force PWM mode
                acc.phyModifyPaged(0x0a43, 0x10, 1 << 2, 0);            // rtl8168g_disable_aldps
                acc.phyModifyPaged(0x0a43, 0x11, 0, 1 << 4);            // rtl8168g_config_eee_phy
            }
            case RTL8168H -> {
                regs.write8(PMCH, regs.read8(PMCH) | 0xc0); // rtl_pll_power_up
                // rtl8168h_2_hw_phy_config, without the firmware file and the ADC bias from the efuse
                acc.phyParam8168g(0x808a, 0x003f, 0x000a);          // CHIN EST parameter
                acc.phyParam8168g(0x0811, 0x0000, 0x0800);          // R-tune and PGA-retune
                acc.phyModifyPaged(0x0a42, 0x16, 0x0000, 0x0002);
                acc.phyModifyPaged(0x0a44, 0x11, 0, 1 << 11);       // rtl8168g_enable_gphy_10m
                int rlen = acc.phyReadPaged(0x0bcd, 0x16) & 0x000f; // TX LPF corner frequency level
                rlen = rlen > 3 ? rlen - 3 : 0;
                acc.phyWritePaged(0x0bcd, 0x17, rlen | rlen << 4 | rlen << 8 | rlen << 12);
                acc.phyModifyPaged(0x0a44, 0x11, 1 << 7, 0);        // PHY PFM mode off
                acc.phyModifyPaged(0x0a43, 0x10, 1 << 0, 0);        // 10M PLL off disabled
                acc.phyModifyPaged(0x0a43, 0x10, 1 << 2, 0);        // rtl8168g_disable_aldps
                acc.phyModifyPaged(0x0a43, 0x11, 0, 1 << 4);        // rtl8168g_config_eee_phy
            }
        }
    }

    /** rtl8168g_phy_adjust_10m_aldps. */
    private static void adjust10mAldps(RtlAccess acc) {
        acc.phyModifyPaged(0x0bcc, 0x14, 1 << 8, 0);
        acc.phyModifyPaged(0x0a44, 0x11, 0, 1 << 7 | 1 << 6);
        acc.phyParam8168g(0x8084, 0x6000, 0x0000);
        acc.phyModifyPaged(0x0a43, 0x10, 0x0000, 0x1003);
    }

    private static void writeTable(RtlAccess acc, int[] table) {
        for (int i = 0; i < table.length; i += 2) acc.phyWrite(table[i], table[i + 1]);
    }

    static boolean poll(java.util.function.BooleanSupplier done, int tries) {
        for (int i = 0; i < tries; i++) {
            if (done.getAsBoolean()) return true;
            LockSupport.parkNanos(100_000);
        }
        return done.getAsBoolean();
    }

    static void sleep(long ms) { LockSupport.parkNanos(ms * 1_000_000L); }
}
