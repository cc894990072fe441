package io.jnetmap.ixgbe;

import io.jnetmap.intel.SwFwSemaphore;
import io.jnetmap.nic.Registers;

import static io.jnetmap.ixgbe.IxgbeRegs.*;

/**
 * The two-wire bus between the 82599 and its SFP+ module, bit-banged through I2CCTL (82599
 * datasheet §8.2.3.1; the bus is the module's SFF-8431 management interface, its memory map
 * SFF-8472's). Open-drain: writing 1 to CLK_OUT/DATA_OUT releases a line (the board pulls it
 * high), 0 pulls it low; CLK_IN/DATA_IN read the lines as they are, so a module that answers pulls
 * DATA low where the master released it.
 *
 * <p>One byte per transaction, as Linux's ixgbe reads module bytes: START, the device address
 * with the write bit, the byte offset, repeated START, the address with the read bit, eight bits
 * in, NACK, STOP. Every register write is followed by a read and then the delay (the 82599
 * specification update's rule for bit-banging: "write, read, software delay, write", so posted
 * writes do not shorten the delay), and the delays are standard-mode I2C's (100 kHz: 4.7 µs low,
 * 4 µs high, 4 µs START/STOP hold and setup, 4.7 µs bus free).
 *
 * <p>Firmware (manageability on a LOM or a management controller) shares the bus, so each byte is
 * read holding the port's PHY resource of the software/firmware semaphore ({@link SwFwSemaphore}),
 * as Linux's ixgbe reads one.
 */
final class SfpI2c {
    /** SFF-8472: the module's serial ID (A0h) and diagnostics (A2h) device addresses. */
    static final int SERIAL_ID = 0xA0;

    /** Standard-mode timing, in ns (I2C specification, table 10). */
    private static final long T_LOW = 4_700, T_HIGH = 4_000, T_HD_STA = 4_000, T_SU_STA = 4_700, T_SU_STO = 4_000,
            T_BUF = 4_700, T_SU_DAT = 250;
    /** Attempts at a byte whose address was acknowledged but whose transaction then failed. */
    private static final int ATTEMPTS = 3;

    /** Nobody acknowledged the device address: no module in the cage. */
    static final class NoAnswer extends RuntimeException {
        NoAnswer(String message) { super(message, null, false, false); }
    }

    private final Registers regs;
    private final SwFwSemaphore owner;

    /** @param owner the port's PHY resource in SW_FW_SYNC, held around each byte */
    SfpI2c(Registers regs, SwFwSemaphore owner) {
        this.regs = regs;
        this.owner = owner;
    }

    /**
     * The byte at {@code offset} of device {@code device} (an 8-bit address, write bit clear).
     *
     * @throws NoAnswer when the device address is never acknowledged
     * @throws io.jnetmap.intel.IntelException when firmware keeps the bus for a second ({@link SwFwSemaphore#acquire})
     */
    int read(int device, int offset) {
        owner.acquire();
        try {
            NoAnswer last = null;
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                try {
                    return readOnce(device, offset);
                } catch (NoAnswer e) {
                    last = e;
                    clearBus();
                }
            }
            throw last;
        } finally {
            owner.release();
        }
    }

    private int readOnce(int device, int offset) {
        start();
        if (!writeByte(device)) { stop(); throw new NoAnswer("address 0x" + Integer.toHexString(device) + " not acknowledged"); }
        if (!writeByte(offset)) { stop(); throw new NoAnswer("offset " + offset + " not acknowledged"); }
        start(); // repeated START: the direction changes to read
        if (!writeByte(device | 1)) { stop(); throw new NoAnswer("read address 0x" + Integer.toHexString(device | 1) + " not acknowledged"); }
        int b = 0;
        for (int i = 0; i < 8; i++) b = b << 1 | readBit();
        writeBit(1); // NACK: the one byte wanted
        stop();
        return b;
    }

    /**
     * A module left mid-byte (a reset during a transfer) may hold DATA low: nine clocks with DATA
     * released let it finish its byte, then a STOP returns the bus to idle (the I2C
     * specification's bus clear).
     */
    void clearBus() {
        set(true, true, T_BUF);
        for (int i = 0; i < 9; i++) {
            set(false, true, T_LOW);
            set(true, true, T_HIGH);
        }
        stop();
    }

    /** START: DATA falls while CLOCK is high; then CLOCK low for the first bit. From idle or after an acknowledge (clock low). */
    private void start() {
        set(false, true, T_SU_DAT);      // clock low: DATA may change
        set(true, true, T_SU_STA);       // clock high, DATA released
        set(true, false, T_HD_STA);      // DATA falls: START
        set(false, false, T_LOW);
    }

    /** STOP: DATA rises while CLOCK is high. */
    private void stop() {
        set(false, false, T_SU_DAT);
        set(true, false, T_SU_STO);
        set(true, true, T_BUF);
    }

    /** Eight bits, most significant first; true when the device acknowledged (pulled DATA low on the ninth clock). */
    private boolean writeByte(int b) {
        for (int i = 7; i >= 0; i--) writeBit(b >>> i & 1);
        return readBit() == 0;
    }

    /** A bit out: DATA set while CLOCK is low, held while it is high. */
    private void writeBit(int bit) {
        boolean d = bit != 0;
        set(false, d, T_SU_DAT);
        set(true, d, T_HIGH);
        set(false, d, T_LOW);
    }

    /** A bit in: DATA released, sampled while CLOCK is high. */
    private int readBit() {
        set(false, true, T_SU_DAT);
        set(true, true, T_HIGH);
        int bit = (regs.read32(I2CCTL) & I2C_DATA_IN) != 0 ? 1 : 0;
        set(false, true, T_LOW);
        return bit;
    }

    /**
     * Drives CLOCK and DATA (true = released), changing at most one of them per write so no
     * device sees a DATA change at a clock edge; reads the register back (flush) and waits.
     */
    private void set(boolean clock, boolean data, long nanos) {
        int now = regs.read32(I2CCTL);
        boolean clockNow = (now & I2C_CLK_OUT) != 0, dataNow = (now & I2C_DATA_OUT) != 0;
        if (clockNow != clock && dataNow != data) {
            // DATA may change only while CLOCK is low: lower CLOCK first, or change DATA before raising it
            if (clockNow) write(false, dataNow, nanos);
            else write(false, data, nanos);
        }
        write(clock, data, nanos);
    }

    private void write(boolean clock, boolean data, long nanos) {
        int v = regs.read32(I2CCTL) & ~(I2C_CLK_OUT | I2C_DATA_OUT);
        regs.write32(I2CCTL, v | (clock ? I2C_CLK_OUT : 0) | (data ? I2C_DATA_OUT : 0));
        regs.read32(I2CCTL);
        delay(nanos);
    }

    /** Busy-waits: the delays are microseconds, below what a sleep can keep to. */
    private static void delay(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) Thread.onSpinWait();
    }
}
