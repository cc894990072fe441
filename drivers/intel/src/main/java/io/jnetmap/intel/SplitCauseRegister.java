package io.jnetmap.intel;

import io.jnetmap.nic.Registers;

/**
 * A 64-bit interrupt cause mask held by two 32-bit registers: causes 0-31 in {@code low}, 32-63 in
 * {@code high}. The 82599 routes up to 64 queue causes this way (EICS_EX(0..1), EIMS_EX(0..1),
 * EIMC_EX(0..1), EIAM_EX(0..1); 82599 datasheet §8.2.3.5), one bit per MSI-X vector, which is what
 * {@link io.jnetmap.nic.NicAdapter}'s 64-bit wake-up causes map onto.
 */
public record SplitCauseRegister(int low, int high) {

    /**
     * Writes the halves of {@code causes} that have a bit set, for a set or clear register (EIMS,
     * EIMC, EICS: writing 0 there changes nothing, so a half without bits costs no MMIO write).
     */
    public void writeBits(Registers regs, long causes) {
        int lo = (int) causes, hi = (int) (causes >>> 32);
        if (lo != 0) regs.write32(low, lo);
        if (hi != 0) regs.write32(high, hi);
    }

    /** Writes both halves, for a plain register where 0 bits mean something (EIAM_EX). */
    public void write(Registers regs, long value) {
        regs.write32(low, (int) value);
        regs.write32(high, (int) (value >>> 32));
    }

    /** Both halves as one mask (low first). */
    public long read(Registers regs) {
        return (regs.read32(low) & 0xffff_ffffL) | ((long) regs.read32(high) << 32);
    }
}
