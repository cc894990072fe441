package io.jnetmap.intel.gigabit;

import io.jnetmap.intel.IntelException;

import java.util.concurrent.locks.LockSupport;

import static io.jnetmap.intel.gigabit.GigabitRegs.*;

/**
 * The internal copper PHY of Intel's gigabit MACs, through MDIC, as Linux's e1000e and igb bring
 * it up before autonegotiation ({@code e1000_power_up_phy_copper}, then the PHY reset that commits
 * the settings): the power-down bit cleared (Linux sets it when it releases a port, and neither a
 * MAC reset nor a PCI function reset clears it), a soft reset, the advertisement (10/100 half and
 * full, 1000 full; the pause bits only with flow control on), autonegotiation restarted. Each step
 * holds the MAC's PHY ownership ({@link Ownership}: the 82574's MDIO bit, the 82576/I350's SW/FW
 * semaphore), taken as briefly as Intel's code takes it. Control path only.
 */
public final class CopperPhy {
    /** How the MAC arbitrates the PHY between software and firmware; {@link #acquire} throws if it cannot. */
    public interface Ownership {
        void acquire();
        void release();
    }

    /** BMCR.RESET clears itself when the reset is done; polled 1 ms apart up to this many times. */
    static final int RESET_POLLS = 100;

    private final Mdic mdic;
    private final Ownership owner;

    public CopperPhy(Mdic mdic, Ownership owner) {
        this.mdic = mdic;
        this.owner = owner;
    }

    /** PHY register {@code reg}, read under the ownership. */
    public int read(int reg) {
        owner.acquire();
        try {
            return mdic.read(reg);
        } finally {
            owner.release();
        }
    }

    /** Writes PHY register {@code reg} under the ownership. */
    public void write(int reg, int value) {
        owner.acquire();
        try {
            mdic.write(reg, value);
        } finally {
            owner.release();
        }
    }

    /**
     * Powers the PHY up (BMCR.PDOWN cleared, 1 ms to settle, as e1000_power_up_phy_copper waits),
     * then resets it (BMCR.RESET, polled until it clears itself). Returns whether it was powered down.
     */
    public boolean powerUpAndReset(String who) {
        int bmcr = read(PHY_BMCR);
        boolean wasDown = (bmcr & BMCR_PDOWN) != 0;
        if (wasDown) {
            write(PHY_BMCR, bmcr & ~BMCR_PDOWN);
            LockSupport.parkNanos(1_000_000);
        }
        write(PHY_BMCR, (bmcr & ~BMCR_PDOWN) | BMCR_RESET);
        for (int i = 0; i < RESET_POLLS; i++) {
            if ((read(PHY_BMCR) & BMCR_RESET) == 0) return wasDown;
            LockSupport.parkNanos(1_000_000);
        }
        throw new IntelException(who + ": the PHY did not finish its reset within " + RESET_POLLS
                + " ms (BMCR.RESET stays set): power-cycle the card or check its firmware");
    }

    /**
     * Advertises 10/100 half and full and 1000 full, the pause abilities only with
     * {@code pause} (PAUSE and ASM_DIR: symmetric and asymmetric, Linux's "full" flow control),
     * then enables and restarts autonegotiation.
     */
    public void startAutonegotiation(boolean pause) {
        int anar = read(PHY_ANAR) & ~(0x01E0 | ANAR_PAUSE | ANAR_ASM_DIR);
        write(PHY_ANAR, anar | ANAR_ALL_10_100 | (pause ? ANAR_PAUSE | ANAR_ASM_DIR : 0));
        write(PHY_CTRL1000, read(PHY_CTRL1000) | CTRL1000_FULL);
        write(PHY_BMCR, (read(PHY_BMCR) & ~BMCR_PDOWN) | BMCR_ANENABLE | BMCR_ANRESTART);
    }

    /** After link-up: flow control as our advertisement and the partner's resolve it ({@link FlowControl#resolve}). */
    public FlowControl resolveFlowControl(boolean fullDuplex) {
        return FlowControl.resolve(read(PHY_ANAR), read(PHY_ANLPAR), fullDuplex);
    }
}
