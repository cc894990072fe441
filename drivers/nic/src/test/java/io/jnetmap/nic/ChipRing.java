package io.jnetmap.nic;

import io.jnetmap.sys.OffHeapBuffer;

import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;

/**
 * One descriptor ring as the chip sees it, read from a chip model without side effects, in the
 * driver's slot numbering: 16-byte descriptors whose bytes 8-15 hold the buffer address (the read
 * format of every Intel gigabit queue, and Realtek's descriptors). The chip owns descriptors
 * [head, tail), circularly: TX ones it has still to send, RX ones it may still fill. Two kinds:
 * <ul>
 * <li>{@link #registers}: head and tail registers (Intel): the chip owns [head, tail);</li>
 * <li>{@link #ownBits}: no tail register (Realtek): the chip walks from where it stands while
 *     descriptors have their OWN bit, wrapping after the one marked EOR; head is where it stands,
 *     tail where the run of OWN descriptors ends, and a descriptor with OWN outside that run, or a
 *     misplaced EOR, is a {@link #layoutError}.</li>
 * </ul>
 */
public abstract class ChipRing {
    public static final int DESCRIPTOR_SIZE = 16;

    private ChipRing() { }

    /** Descriptors (= slots) in the ring. */
    public abstract int size();
    /** The slot the chip works on next. */
    public abstract int head();
    /** The slot after the last one the chip owns (= head when it owns none). */
    public abstract int tail();
    /** The buffer address in the descriptor of slot {@code i} (its read format). */
    public abstract long address(int i);

    /** Descriptors the chip owns: (tail - head) mod size. */
    public int owned() {
        int n = size();
        return n == 0 ? 0 : Math.floorMod(tail() - head(), n);
    }

    /** Whether the chip owns slot {@code i}'s descriptor. */
    public boolean owns(int i) {
        int n = size(), h = head();
        return n != 0 && Math.floorMod(i - h, n) < owned();
    }

    /** What in the descriptors contradicts the ring's layout (null: nothing). */
    public String layoutError() { return null; }

    @Override
    public String toString() {
        return "chip ring [head " + head() + ", tail " + tail() + " of " + size() + "]";
    }

    /**
     * A ring with head and tail registers: base address at {@code bal} (high half at bal + 4),
     * length in bytes at {@code len}, slot = descriptor.
     */
    static ChipRing registers(RegisterModel model, int bal, int len, int head, int tail) {
        return new ChipRing() {
            long base() { return (model.get(bal) & 0xffffffffL) | ((long) model.get(bal + 4) << 32); }
            @Override public int size() { return model.get(len) / DESCRIPTOR_SIZE; }
            @Override public int head() { return model.get(head); }
            @Override public int tail() { return model.get(tail); }
            @Override public long address(int i) {
                return OffHeapBuffer.wrap(base() + (long) DESCRIPTOR_SIZE * i, DESCRIPTOR_SIZE).getLong(0);
            }
        };
    }

    /**
     * A ring owned descriptor by descriptor (Realtek): its base's device address, its size in
     * descriptors, the descriptor the chip stands at, the slot descriptor 0 belongs to (where the
     * driver started the chip), the OWN and EOR bits of the 32-bit word at offset 0, and the
     * translation of device addresses to this process's addresses.
     */
    public static ChipRing ownBits(LongSupplier base, int size, IntSupplier chipIndex, IntSupplier slotOfDescriptor0,
                                   int own, int eor, LongUnaryOperator toVa) {
        return new ChipRing() {
            OffHeapBuffer desc(int d) { return OffHeapBuffer.wrap(toVa.applyAsLong(base.getAsLong() + (long) DESCRIPTOR_SIZE * d), DESCRIPTOR_SIZE); }
            int opts(int d) { return desc(d).getIntAcquire(0); }
            int slot(int d) { return Math.floorMod(slotOfDescriptor0.getAsInt() + d, size); }
            int descriptor(int slot) { return Math.floorMod(slot - slotOfDescriptor0.getAsInt(), size); }
            /** Descriptors in the chip's run: from where it stands while OWN, following EOR as the chip does. */
            int run() {
                int d = chipIndex.getAsInt(), k = 0;
                while (k < size && d < size && (opts(d) & own) != 0) {
                    k++;
                    d = (opts(d) & eor) != 0 ? 0 : d + 1;
                }
                return k;
            }
            @Override public int size() { return size; }
            @Override public int head() { return slot(chipIndex.getAsInt()); }
            @Override public int tail() { return Math.floorMod(head() + run(), size); }
            @Override public int owned() { return run(); }
            @Override public boolean owns(int i) { return (opts(descriptor(i)) & own) != 0; }
            @Override public long address(int i) { return desc(descriptor(i)).getLong(8); }
            @Override public String layoutError() {
                for (int d = 0; d < size; d++) {
                    int o = opts(d);
                    if ((o & own) == 0) continue;
                    if (((o & eor) != 0) != (d == size - 1))
                        return "descriptor " + d + " of " + size + " owned with EOR " + ((o & eor) != 0 ? "set" : "clear");
                }
                int k = run(), h = chipIndex.getAsInt();
                for (int d = 0; d < size; d++) {
                    boolean inRun = Math.floorMod(d - h, size) < k;
                    if (!inRun && (opts(d) & own) != 0)
                        return "descriptor " + d + " (slot " + slot(d) + ") is owned but outside the chip's run [" + h + ", +" + k + ")";
                }
                return null;
            }
        };
    }
}
