package io.jnetmap.nic;

/**
 * A NIC's register window (a memory BAR). Reads are acquire loads and writes release stores:
 * a tail-doorbell write is ordered after the plain descriptor stores before it, and a status
 * read is never hoisted out of a polling loop (java-native-facts.md §2). Offsets are byte
 * offsets of naturally aligned registers, little-endian: 32-bit everywhere, 8- and 16-bit where
 * the chip has them (Realtek).
 *
 * <p>The real implementation wraps a mapped {@link io.jnetmap.pci.Bar}; tests give a device model
 * that reacts to writes (a tail doorbell starts transmission) and reads (clear-on-read counters).
 */
public interface Registers {
    int read32(int offset);

    void write32(int offset, int value);

    /**
     * A naturally aligned 8-bit register (Realtek's ChipCmd, TxPoll, Cfg9346...). Registers
     * without narrow accesses (the Intel chips: 32-bit only) refuse it: a wider access would touch
     * the neighbouring registers' side effects.
     */
    default int read8(int offset) {
        throw new UnsupportedOperationException(this + " has no 8-bit register access (offset 0x" + Integer.toHexString(offset) + ")");
    }

    default void write8(int offset, int value) {
        throw new UnsupportedOperationException(this + " has no 8-bit register access (offset 0x" + Integer.toHexString(offset) + ")");
    }

    /** A naturally aligned 16-bit register (Realtek's IntrMask, IntrStatus, CPlusCmd...); as {@link #read8}. */
    default int read16(int offset) {
        throw new UnsupportedOperationException(this + " has no 16-bit register access (offset 0x" + Integer.toHexString(offset) + ")");
    }

    default void write16(int offset, int value) {
        throw new UnsupportedOperationException(this + " has no 16-bit register access (offset 0x" + Integer.toHexString(offset) + ")");
    }

    /** Read-modify-write: sets {@code bits}. Control path only. */
    default void set32(int offset, int bits) { write32(offset, read32(offset) | bits); }

    /** Read-modify-write: clears {@code bits}. Control path only. */
    default void clear32(int offset, int bits) { write32(offset, read32(offset) & ~bits); }
}
