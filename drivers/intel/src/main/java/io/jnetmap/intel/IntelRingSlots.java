package io.jnetmap.intel;

/**
 * Ring sizes every Intel part here takes: RDLEN/TDLEN count 128-byte units, 8 descriptors of 16
 * bytes, so a ring is a multiple of 8 descriptors (slots); 64 to 4096 here.
 */
public final class IntelRingSlots {
    private IntelRingSlots() { }

    public static final int DEFAULT = 1024, MIN = 64, MAX = 4096;

    /** Refuses a {@code direction} ("TX", "RX") ring of {@code n} slots the chip cannot take, saying what it can. */
    public static void check(String direction, int n) {
        if (n < MIN || n > MAX || n % 8 != 0)
            throw new IllegalArgumentException(direction + " ring size " + n + " must be a multiple of 8 from " + MIN
                    + " to " + MAX + " (RDLEN/TDLEN count 128-byte units)");
    }
}
