package io.jnetmap.nic;

/**
 * A NIC's register window (a memory BAR). Reads are acquire loads and writes release stores:
 * a tail-doorbell write is ordered after the plain descriptor stores before it, and a status
 * read is never hoisted out of a polling loop (java-native-facts.md §2). Offsets are byte
 * offsets of naturally aligned 32-bit registers, little-endian.
 *
 * <p>The real implementation wraps a mapped {@link io.jnetmap.pci.Bar}; tests give a device model
 * that reacts to writes (a tail doorbell starts transmission) and reads (clear-on-read counters).
 */
public interface Registers {
    int read32(int offset);

    void write32(int offset, int value);

    /** Read-modify-write: sets {@code bits}. Control path only. */
    default void set32(int offset, int bits) { write32(offset, read32(offset) | bits); }

    /** Read-modify-write: clears {@code bits}. Control path only. */
    default void clear32(int offset, int bits) { write32(offset, read32(offset) & ~bits); }
}
