package io.jnetmap.r8169;

import io.jnetmap.nic.Registers;

import java.util.concurrent.locks.LockSupport;

import static io.jnetmap.r8169.RtlRegs.*;

/**
 * The indirect register windows of the RTL8168/8169, each a command register with a busy/done
 * flag in bit 31 (Linux's {@code r8169_main.c}: rtl_eri_*, rtl_ephy_*, r8168_mac_ocp_*,
 * r8168_phy_ocp_*, r8169_mdio_*):
 * <ul>
 * <li>ERI (ERIDR 0x70 / ERIAR 0x74): the MAC's extended registers, with a byte-enable mask;</li>
 * <li>EPHY (EPHYAR 0x80): the PCIe PHY;</li>
 * <li>MAC OCP (OCPDR 0xb0, 8168g and later): the MAC's OCP bus, address &lt;&lt; 15 | data;</li>
 * <li>the copper PHY, through PHYAR (0x60: write = flag | reg &lt;&lt; 16 | data, poll until the
 *     flag clears; read = reg &lt;&lt; 16, poll until it sets) on the 8169, or GPHY_OCP (0xb8) on
 *     the 8168g and later, where page p register r (r &ge; 0x10) is OCP address p &lt;&lt; 4 +
 *     (r - 0x10) * 2 and page 0 (the IEEE registers) starts at 0xa400.</li>
 * </ul>
 * A flag that never changes is a dead chip: an {@link RtlException} naming the window.
 */
public final class RtlAccess {
    private static final int OCP_STD_PHY_BASE = 0xa400;
    private final Registers regs;
    private final String name;
    private final RtlVersion.PhyAccess phyAccess;
    /** {@link RtlVersion#phySuspendQuirk}: BMCR writes also set or clear ERI 0x1a8 bits 31:26. */
    private final boolean phySuspendQuirk;
    /** PHYAR PHYs: the page register 0x1f is a PHY register; OCP PHYs: the current page's base. */
    private int ocpBase = OCP_STD_PHY_BASE;

    public RtlAccess(Registers regs, String name, RtlVersion.PhyAccess phyAccess, boolean phySuspendQuirk) {
        this.regs = regs;
        this.name = name;
        this.phyAccess = phyAccess;
        this.phySuspendQuirk = phySuspendQuirk;
    }

    // ------------------------------------------------------------------ ERI

    public void eriWrite(int addr, int mask, int value) { eriWrite(addr, mask, value, ERIAR_EXGMAC); }

    public int eriRead(int addr) { return eriRead(addr, ERIAR_EXGMAC); }

    /** The 8168ep's management (OOB) registers, through ERI of type OOB (Linux's r8168ep_ocp_read/write). */
    public void oobWrite(int addr, int mask, int value) { eriWrite(addr, mask, value, ERIAR_OOB); }

    public int oobRead(int addr) { return eriRead(addr, ERIAR_OOB); }

    private void eriWrite(int addr, int mask, int value, int type) {
        regs.write32(ERIDR, value);
        regs.write32(ERIAR, ACCESS_FLAG | type | mask | addr);
        await(ERIAR, false, 100, "ERI write 0x" + Integer.toHexString(addr));
    }

    private int eriRead(int addr, int type) {
        regs.write32(ERIAR, type | ERIAR_MASK_1111 | addr);
        await(ERIAR, true, 100, "ERI read 0x" + Integer.toHexString(addr));
        return regs.read32(ERIDR);
    }

    /** ERI read-modify-write: clears {@code clear}, sets {@code set}. */
    public void eriModify(int addr, int mask, int clear, int set) {
        eriWrite(addr, mask, (eriRead(addr) & ~clear) | set);
    }

    // ------------------------------------------------------------------ EPHY (PCIe PHY)

    public void ephyWrite(int reg, int value) {
        regs.write32(EPHYAR, ACCESS_FLAG | (reg & 0x1f) << 16 | (value & 0xffff));
        await(EPHYAR, false, 100, "EPHY write 0x" + Integer.toHexString(reg));
    }

    public int ephyRead(int reg) {
        regs.write32(EPHYAR, (reg & 0x1f) << 16);
        await(EPHYAR, true, 100, "EPHY read 0x" + Integer.toHexString(reg));
        return regs.read32(EPHYAR) & 0xffff;
    }

    // ------------------------------------------------------------------ MAC OCP

    public void macOcpWrite(int addr, int value) {
        regs.write32(OCPDR, ACCESS_FLAG | (addr << 15) | (value & 0xffff));
    }

    public int macOcpRead(int addr) {
        regs.write32(OCPDR, addr << 15);
        return regs.read32(OCPDR) & 0xffff;
    }

    public void macOcpModify(int addr, int clear, int set) {
        macOcpWrite(addr, (macOcpRead(addr) & ~clear) | set);
    }

    // ------------------------------------------------------------------ the copper PHY

    /** Writes PHY register {@code reg} of the current page (0x1f selects the page, as on the PHY itself). */
    public void phyWrite(int reg, int value) {
        if (phyAccess == RtlVersion.PhyAccess.PHYAR) {
            regs.write32(PHYAR, ACCESS_FLAG | (reg & 0x1f) << 16 | (value & 0xffff));
            await(PHYAR, false, 20, "PHY write " + reg);
            pause(20_000); // Linux waits 20 us after every PHYAR access
        } else if (reg == 0x1f) {
            ocpBase = value == 0 ? OCP_STD_PHY_BASE : value << 4;
        } else {
            if (phySuspendQuirk && ocpBase == OCP_STD_PHY_BASE && reg == 0) {
                // rtl8168g_phy_suspend_quirk: PHY MCU interrupts on unless the PHY goes into power-down
                boolean up = (value & 0x8000) != 0 || (value & 0x0800) == 0; // BMCR reset, or power-down off
                eriModify(0x1a8, ERIAR_MASK_1111, up ? 0 : 0xfc00_0000, up ? 0xfc00_0000 : 0);
            }
            int addr = ocpBase + (ocpBase != OCP_STD_PHY_BASE ? reg - 0x10 : reg) * 2;
            regs.write32(GPHY_OCP, ACCESS_FLAG | (addr << 15) | (value & 0xffff));
            await(GPHY_OCP, false, 10, "PHY OCP write 0x" + Integer.toHexString(addr));
        }
    }

    public int phyRead(int reg) {
        if (phyAccess == RtlVersion.PhyAccess.PHYAR) {
            regs.write32(PHYAR, (reg & 0x1f) << 16);
            await(PHYAR, true, 20, "PHY read " + reg);
            int v = regs.read32(PHYAR) & 0xffff;
            pause(20_000);
            return v;
        }
        if (reg == 0x1f) return ocpBase == OCP_STD_PHY_BASE ? 0 : ocpBase >>> 4;
        int addr = ocpBase + (ocpBase != OCP_STD_PHY_BASE ? reg - 0x10 : reg) * 2;
        regs.write32(GPHY_OCP, addr << 15);
        await(GPHY_OCP, true, 10, "PHY OCP read 0x" + Integer.toHexString(addr));
        return regs.read32(GPHY_OCP) & 0xffff;
    }

    public void phyModify(int reg, int clear, int set) {
        phyWrite(reg, (phyRead(reg) & ~clear) | set);
    }

    /** A register of another PHY page, the page restored to 0 after (Linux's phy_write_paged). */
    public void phyWritePaged(int page, int reg, int value) {
        phyWrite(0x1f, page);
        phyWrite(reg, value);
        phyWrite(0x1f, 0);
    }

    public int phyReadPaged(int page, int reg) {
        phyWrite(0x1f, page);
        int v = phyRead(reg);
        phyWrite(0x1f, 0);
        return v;
    }

    public void phyModifyPaged(int page, int reg, int clear, int set) {
        phyWrite(0x1f, page);
        phyModify(reg, clear, set);
        phyWrite(0x1f, 0);
    }

    /** An 8168g-class PHY parameter: page 0x0a43, register 0x13 selects it, 0x14 holds it (r8168g_phy_param). */
    public void phyParam8168g(int param, int clear, int set) {
        phyWrite(0x1f, 0x0a43);
        phyWrite(0x13, param);
        phyModify(0x14, clear, set);
        phyWrite(0x1f, 0);
    }

    // ------------------------------------------------------------------ polling

    /** Polls bit 31 of {@code reg} until it is {@code set}, {@code tries} times 10 us apart (Linux: 100 us for ERI). */
    private void await(int reg, boolean set, int tries, String what) {
        for (int i = 0; i < tries * 10; i++) {
            if (((regs.read32(reg) & ACCESS_FLAG) != 0) == set) return;
            pause(10_000);
        }
        throw new RtlException(name + ": " + what + " did not complete (register 0x" + Integer.toHexString(reg)
                + " flag stuck): the chip does not answer; power-cycle it or check it is the chip nm-bind says");
    }

    private static void pause(long nanos) { LockSupport.parkNanos(nanos); }
}
