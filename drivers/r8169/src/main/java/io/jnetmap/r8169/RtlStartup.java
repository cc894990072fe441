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

    private static int[] concat(int[] a, int[] b) {
        int[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    // ==================================================================== sequences

    /** Before the soft reset. */
    static void beforeReset(RtlVersion v, Registers regs, RtlAccess acc, String name) {
        if (v.start() != RtlVersion.Startup.RTL8168H) return;
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
            case RTL8168H -> {
                // rtl_hw_start_8168: MaxTxPacketSize in 128-byte units: EarlySize (0x27) on the
                // 8168evl and later, the jumbo size when jumbo frames are on (TxPacketMax 8064 >> 7)
                regs.write8(MAX_TX_PACKET_SIZE, jumbo ? 8064 >> 7 : 0x27);
                // rtl_hw_start_8168h_1: ASPM and clock request off before the EPHY is touched
                // (and left off: user-space drivers do not manage ASPM)
                regs.write8(CONFIG2, regs.read8(CONFIG2) & ~0x80);
                regs.write8(CONFIG5, regs.read8(CONFIG5) & ~0x01);
                for (int i = 0; i < EPHY_8168H.length; i += 3) {
                    int r = EPHY_8168H[i];
                    acc.ephyWrite(r, (acc.ephyRead(r) & ~EPHY_8168H[i + 1]) | EPHY_8168H[i + 2]);
                }
                // rtl_set_fifo_size(0x08, 0x10, 0x02, 0x06), pause thresholds (0x38, 0x48)
                acc.eriWrite(0xc8, ERIAR_MASK_1111, (0x08 << 16) | 0x02);
                acc.eriWrite(0xe8, ERIAR_MASK_1111, (0x10 << 16) | 0x06);
                acc.eriWrite(0xcc, 0x1 << 12, 0x38);
                acc.eriWrite(0xd0, 0x1 << 12, 0x48);
                // rtl_reset_packet_filter: ERI 0xdc bit 0 cleared then set
                acc.eriModify(0xdc, 0x1 << 12, 1, 0);
                acc.eriModify(0xdc, 0x1 << 12, 0, 1);
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

    /** PLL power-up and the version's PHY patch (rtl_pll_power_up, r8169_hw_phy_config). */
    static void phyConfig(RtlVersion v, Registers regs, RtlAccess acc) {
        switch (v.start()) {
            case RTL8169 -> writeTable(acc, switch (v.linuxVersion()) {
                case 2, 3 -> PHY_8169S;
                case 4 -> PHY_8169SB;
                case 5 -> PHY_8169SCD;
                default -> PHY_8169SCE;
            });
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
