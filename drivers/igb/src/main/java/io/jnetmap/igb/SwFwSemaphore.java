package io.jnetmap.igb;

import io.jnetmap.intel.gigabit.CopperPhy;
import io.jnetmap.intel.IntelException;
import io.jnetmap.nic.Registers;

import java.util.concurrent.locks.LockSupport;

import static io.jnetmap.igb.IgbRegs.*;

/**
 * The 82576/I350's software/firmware semaphore over one resource (this port's PHY): firmware on a
 * LOM or a management controller uses the PHY too, so every PHY access holds it, as Intel's code
 * does (igb_acquire_swfw_sync_82575 around each PHY access):
 * <ol>
 * <li>SWSM.SMBI: read SWSM until it reads 0 (the read sets it: the hardware semaphore is ours);</li>
 * <li>SWSM.SWESMBI: set it, read it back set (firmware did not take it meanwhile);</li>
 * <li>SW_FW_SYNC: neither our bit nor firmware's (16 above) set: set ours; else give SWSM back and
 *     try again 5 ms later, for up to 1 s;</li>
 * <li>SWSM released (SMBI and SWESMBI cleared); the resource stays ours until {@link #release}
 *     clears our bit (under SWSM again).</li>
 * </ol>
 * Control path only; one acquisition at a time per adapter (the adapter's control paths hold it briefly).
 */
final class SwFwSemaphore implements CopperPhy.Ownership {
    /** SWSM polls, 50 us apart (Intel: the NVM's size in words + 1 tries; 50 ms is plenty without firmware). */
    static final int SWSM_POLLS = 1000;
    /** SW_FW_SYNC tries, 5 ms apart: 1 s, as Intel's 200 tries. */
    static final int SYNC_TRIES = 200;

    private final Registers regs;
    private final int mask;
    private final String who;

    /** @param lanId this port's LAN ID (STATUS.LAN_ID), which picks its PHY's bit */
    SwFwSemaphore(Registers regs, int lanId, String who) {
        this.regs = regs;
        this.mask = SW_FW_PHY[lanId];
        this.who = who;
    }

    @Override
    public synchronized void acquire() {
        for (int i = 0; i < SYNC_TRIES; i++) {
            takeHardwareSemaphore();
            int sync = regs.read32(SW_FW_SYNC);
            if ((sync & (mask | mask << SW_FW_FW_SHIFT)) == 0) {
                regs.write32(SW_FW_SYNC, sync | mask);
                releaseHardwareSemaphore();
                return;
            }
            releaseHardwareSemaphore();
            LockSupport.parkNanos(5_000_000);
        }
        throw new IntelException(who + ": the PHY semaphore (SW_FW_SYNC 0x" + Integer.toHexString(mask)
                + ") stayed taken for 1 s (firmware or a management controller is using the PHY, or a previous owner"
                + " died holding it): retry, or power-cycle the card");
    }

    @Override
    public synchronized void release() {
        takeHardwareSemaphore();
        regs.write32(SW_FW_SYNC, regs.read32(SW_FW_SYNC) & ~mask);
        releaseHardwareSemaphore();
    }

    /** SMBI then SWESMBI (e1000_get_hw_semaphore). */
    private void takeHardwareSemaphore() {
        boolean smbi = false;
        for (int i = 0; i < SWSM_POLLS && !smbi; i++) {
            smbi = (regs.read32(SWSM) & SWSM_SMBI) == 0; // the read that sees it clear has set it
            if (!smbi) LockSupport.parkNanos(50_000);
        }
        if (!smbi) throw new IntelException(who + ": SWSM.SMBI stayed set for 50 ms: another driver holds the"
                + " chip's hardware semaphore; retry, or reset the card");
        for (int i = 0; i < SWSM_POLLS; i++) {
            regs.write32(SWSM, regs.read32(SWSM) | SWSM_SWESMBI);
            if ((regs.read32(SWSM) & SWSM_SWESMBI) != 0) return;
            LockSupport.parkNanos(50_000);
        }
        releaseHardwareSemaphore();
        throw new IntelException(who + ": SWSM.SWESMBI could not be taken in 50 ms: firmware holds the software"
                + "/firmware semaphore; retry, or power-cycle the card");
    }

    /** e1000_put_hw_semaphore. */
    private void releaseHardwareSemaphore() {
        regs.write32(SWSM, regs.read32(SWSM) & ~(SWSM_SMBI | SWSM_SWESMBI));
    }
}
