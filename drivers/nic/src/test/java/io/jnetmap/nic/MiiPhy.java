package io.jnetmap.nic;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * A copper PHY's IEEE 802.3 clause 22 registers for the chip models, reached through the chip's
 * MDIO access register ({@link #access}, its field layout given as data by {@link Mdic}).
 * Writing BMCR with the autonegotiation restart bit calls the chip model back: the link comes up
 * as that model says. As on the silicon, the PHY is a device of its own: a MAC reset or a PCI
 * function reset leaves it as it is (its state is set at power-on, {@link #reset}, and by its own
 * BMCR reset); with BMCR.PDOWN set (Linux leaves it so when it releases a port) it has no link and
 * ignores autonegotiation restarts. A BMCR reset keeps PDOWN as written with it (stricter than some
 * PHYs: a driver must clear it itself, as Linux's e1000_power_up_phy_copper does).
 * Autonegotiation fills ANLPAR with {@link #partnerAbility}.
 */
public final class MiiPhy {
    public static final int BMCR = 0, BMSR = 1, ID1 = 2, ID2 = 3, ANAR = 4, ANLPAR = 5, CTRL1000 = 9;
    public static final int BMCR_RESET = 0x8000, BMCR_PDOWN = 0x0800, BMCR_ANRESTART = 0x0200;
    public static final int PAUSE = 0x0400, ASM_DIR = 0x0800;

    /** What the link partner advertises (ANLPAR after autonegotiation): all 10/100 modes, symmetric and asymmetric pause. */
    public volatile int partnerAbility = 0x01E1 | PAUSE | ASM_DIR;

    /**
     * Where an MDIO access register (Intel's MDIC) keeps its fields.
     *
     * @param regShift PHY register number (5 bits)
     * @param phyShift PHY address (5 bits)
     * @param opRead read operation bit
     * @param opWrite write operation bit
     * @param ready set when the access completed
     * @param error set when no PHY answered
     */
    public record Mdic(int regShift, int phyShift, int opRead, int opWrite, int ready, int error) { }

    private final int[] regs = new int[32];
    private final int address;
    private final Mdic mdic;
    private final IntConsumer autonegRestarted;

    /**
     * @param address the PHY's MDIO address (others do not answer)
     * @param autonegRestarted called with the BMCR value written when it restarts autonegotiation
     */
    public MiiPhy(int address, Mdic mdic, IntConsumer autonegRestarted) {
        this.address = address;
        this.mdic = mdic;
        this.autonegRestarted = autonegRestarted;
    }

    /** Power-on state: 1000 Mb/s full duplex with autonegotiation enabled, advertising all speeds; the PHY's status and ID. */
    public void reset(int bmsr, int id1, int id2) {
        Arrays.fill(regs, 0);
        regs[BMCR] = 0x1140; // 1000 Mb/s, full duplex, autonegotiation enabled
        regs[BMSR] = bmsr;
        regs[ID1] = id1;
        regs[ID2] = id2;
        regs[ANAR] = 0x0de1;
        regs[CTRL1000] = 0x0e00;
    }

    public int read(int reg) { return regs[reg]; }

    /** Sets bits in a register without a write's side effects (the PHY's own status changes). */
    public void set(int reg, int bits) { regs[reg] |= bits; }

    /** BMCR.PDOWN set: no link, autonegotiation restarts ignored. */
    public boolean poweredDown() { return (regs[BMCR] & BMCR_PDOWN) != 0; }

    public void write(int reg, int data) {
        if (reg == BMCR) {
            if ((data & BMCR_RESET) != 0) {
                regs[BMCR] = 0x1140 | (data & BMCR_PDOWN); // defaults, PDOWN as written
                return;
            }
            regs[BMCR] = data & ~BMCR_ANRESTART;
            if ((data & BMCR_ANRESTART) != 0 && !poweredDown()) {
                regs[ANLPAR] = partnerAbility;
                autonegRestarted.accept(data);
            }
        } else {
            regs[reg] = data;
        }
    }

    /** A write of {@code v} to the MDIO access register: the value the register then holds (the data read, READY, ERROR). */
    public int access(int v) {
        int reg = (v >>> mdic.regShift()) & 0x1f, addr = (v >>> mdic.phyShift()) & 0x1f;
        int result = v;
        if (addr != address) {
            result |= mdic.error();
        } else if ((v & mdic.opRead()) != 0) {
            result = (v & ~0xffff) | regs[reg];
        } else if ((v & mdic.opWrite()) != 0) {
            write(reg, v & 0xffff);
        }
        return result | mdic.ready();
    }
}
