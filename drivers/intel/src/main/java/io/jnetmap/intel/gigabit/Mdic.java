package io.jnetmap.intel.gigabit;

import io.jnetmap.intel.IntelException;
import io.jnetmap.nic.Registers;

import java.util.concurrent.locks.LockSupport;

import static io.jnetmap.intel.gigabit.GigabitRegs.*;

/**
 * PHY registers through the MAC's MDI control register (MDIC), as every Intel gigabit MAC offers
 * it: write the operation, then poll READY; ERROR means the PHY did not answer (82574L datasheet
 * §10.2.2.8 MDIC; igb: 82576 datasheet §8.2.4). Control path only: each access sleeps between polls.
 */
public final class Mdic {
    /** The internal PHY's MDIO address on 82574 and 82576/I350 (QEMU accepts only this one). */
    public static final int INTERNAL_PHY = 1;
    /** Polls of READY, 50 us apart: 32 ms, far more than a 64-bit MDIO frame needs. */
    static final int POLLS = 640;
    static final long POLL_NANOS = 50_000;

    private final Registers regs;
    private final int phy;
    private final String who;

    public Mdic(Registers regs, int phyAddress, String who) {
        this.regs = regs;
        this.phy = phyAddress;
        this.who = who;
    }

    public int read(int reg) {
        int v = transact(MDIC_OP_READ | (reg << MDIC_REG_SHIFT) | (phy << MDIC_PHY_SHIFT), "read", reg);
        return v & MDIC_DATA_MASK;
    }

    public void write(int reg, int value) {
        transact(MDIC_OP_WRITE | (reg << MDIC_REG_SHIFT) | (phy << MDIC_PHY_SHIFT) | (value & MDIC_DATA_MASK), "write", reg);
    }

    private int transact(int cmd, String op, int reg) {
        regs.write32(MDIC, cmd);
        for (int i = 0; i < POLLS; i++) {
            int v = regs.read32(MDIC);
            if ((v & MDIC_READY) != 0) {
                if ((v & MDIC_ERROR) != 0)
                    throw new IntelException(who + ": MDIC " + op + " of PHY " + phy + " register " + reg
                            + " failed (MDIC.ERROR): the PHY did not answer");
                return v;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        throw new IntelException(who + ": MDIC " + op + " of PHY " + phy + " register " + reg + " timed out ("
                + (POLLS * POLL_NANOS / 1_000_000) + " ms without MDIC.READY)");
    }
}
