package io.jnetmap.intel;

import io.jnetmap.nic.Registers;

import java.util.concurrent.locks.LockSupport;

/**
 * Intel's software/firmware semaphore over one shared resource (a port's PHY on the 82576/I350,
 * the SFP+ module's I2C bus on the 82599): firmware on a LOM or a management controller uses the
 * resource too, so every access holds it, as Intel's code does (igb_acquire_swfw_sync_82575
 * around each PHY access, ixgbe_acquire_swfw_sync around each I2C byte). The flow is the
 * datasheets' "acquiring ownership over a shared resource" (82576 §4.7; the 82599's shared
 * resources flow with SWSM and SW_FW_SYNC, there also called GSSR):
 * <ol>
 * <li>SWSM.SMBI: read SWSM until it reads 0 (the read sets it: the semaphore among drivers is ours);</li>
 * <li>SWSM.SWESMBI: set it, read it back set (firmware did not hold it: the semaphore between
 *     software and firmware is ours);</li>
 * <li>SW_FW_SYNC: neither our bit nor firmware's ({@link Layout#firmwareShift} above) set: set ours;
 *     else give SWSM back and try again 5 ms later, for up to 1 s (Intel's 200 tries);</li>
 * <li>SWSM released (SMBI and SWESMBI cleared); the resource stays ours until {@link #release}
 *     clears our bit (under SWSM again).</li>
 * </ol>
 * Control path only; one acquisition at a time per adapter (the adapter's control paths hold it briefly).
 */
public final class SwFwSemaphore {
    /**
     * Where a chip keeps the semaphore: the SWSM register and its SMBI/SWESMBI bits, the SW_FW_SYNC
     * register, and how far above software's bit for a resource firmware's bit sits (16 on the
     * 82576/I350, 5 on the 82599).
     */
    public record Layout(int swsm, int smbi, int swesmbi, int swFwSync, int firmwareShift) { }

    /** SWSM polls, 50 us apart (Intel: the NVM's size in words + 1 tries; 50 ms is plenty without firmware). */
    static final int SWSM_POLLS = 1000;
    /** SW_FW_SYNC tries, 5 ms apart: 1 s, as Intel's 200 tries. */
    static final int SYNC_TRIES = 200;

    private final Registers regs;
    private final Layout layout;
    private final int mask;
    private final String who, resource;

    /**
     * @param mask software's SW_FW_SYNC bit for the resource (firmware's is {@code mask << firmwareShift})
     * @param who the port, for messages
     * @param resource what the bit guards, for messages ("the PHY", "the SFP+ module's I2C bus")
     */
    public SwFwSemaphore(Registers regs, Layout layout, int mask, String who, String resource) {
        this.regs = regs;
        this.layout = layout;
        this.mask = mask;
        this.who = who;
        this.resource = resource;
    }

    /** Takes the resource: waits up to 1 s while firmware (or software) holds it, then throws saying what to do. */
    public synchronized void acquire() {
        int sync = 0;
        for (int i = 0; i < SYNC_TRIES; i++) {
            takeHardwareSemaphore();
            sync = regs.read32(layout.swFwSync());
            if ((sync & (mask | firmwareBit())) == 0) {
                regs.write32(layout.swFwSync(), sync | mask);
                releaseHardwareSemaphore();
                return;
            }
            releaseHardwareSemaphore();
            LockSupport.parkNanos(5_000_000);
        }
        boolean firmware = (sync & firmwareBit()) != 0;
        throw new IntelException(who + ": the semaphore of " + resource + " (SW_FW_SYNC 0x"
                + Integer.toHexString(layout.swFwSync()) + ") stayed held by "
                + (firmware ? "firmware (bit 0x" + Integer.toHexString(firmwareBit()) + ") for 1 s: a management"
                        + " controller or the NIC's firmware is using " + resource + " and did not give it back"
                        : "software (bit 0x" + Integer.toHexString(mask) + ") for 1 s: a previous owner of this port"
                        + " died holding it")
                + "; retry, and if it persists power-cycle the host (SW_FW_SYNC survives the driver's resets)");
    }

    /** Gives the resource back. */
    public synchronized void release() {
        takeHardwareSemaphore();
        regs.write32(layout.swFwSync(), regs.read32(layout.swFwSync()) & ~mask);
        releaseHardwareSemaphore();
    }

    /**
     * At open, before this port's first acquisition: software's bit already set can only be a
     * previous owner's that died holding it (the port is this process's alone, and SW_FW_SYNC
     * survives the driver's resets: the 82598/82599 datasheets clear it only at power-on), so it
     * is cleared. Returns whether it was set.
     */
    public synchronized boolean reclaimFromDeadOwner() {
        takeHardwareSemaphore();
        int sync = regs.read32(layout.swFwSync());
        if ((sync & mask) != 0) regs.write32(layout.swFwSync(), sync & ~mask);
        releaseHardwareSemaphore();
        return (sync & mask) != 0;
    }

    private int firmwareBit() { return mask << layout.firmwareShift(); }

    /**
     * SMBI then SWESMBI (Intel's get_hw_semaphore / get_eeprom_semaphore). Drivers hold SMBI for a
     * few register accesses, so one still set after 50 ms was left by a driver that died holding it
     * (SWSM survives the driver's resets): it is cleared and taken once more, as Linux's ixgbe does.
     */
    private void takeHardwareSemaphore() {
        int swsm = layout.swsm();
        boolean smbi = false;
        for (int i = 0; i < SWSM_POLLS && !smbi; i++) {
            smbi = (regs.read32(swsm) & layout.smbi()) == 0; // the read that sees it clear has set it
            if (!smbi) LockSupport.parkNanos(50_000);
        }
        if (!smbi) {
            releaseHardwareSemaphore();
            smbi = (regs.read32(swsm) & layout.smbi()) == 0;
        }
        if (!smbi) throw new IntelException(who + ": SWSM.SMBI stayed set for 50 ms and again after it was cleared:"
                + " another driver keeps taking the chip's hardware semaphore; stop it, or power-cycle the host");
        for (int i = 0; i < SWSM_POLLS; i++) {
            regs.write32(swsm, regs.read32(swsm) | layout.swesmbi());
            if ((regs.read32(swsm) & layout.swesmbi()) != 0) return;
            LockSupport.parkNanos(50_000);
        }
        releaseHardwareSemaphore();
        throw new IntelException(who + ": SWSM.SWESMBI could not be taken in 50 ms: firmware holds the software"
                + "/firmware semaphore; retry, or power-cycle the card");
    }

    /** Intel's put_hw_semaphore / release_eeprom_semaphore. */
    private void releaseHardwareSemaphore() {
        regs.write32(layout.swsm(), regs.read32(layout.swsm()) & ~(layout.smbi() | layout.swesmbi()));
    }
}
