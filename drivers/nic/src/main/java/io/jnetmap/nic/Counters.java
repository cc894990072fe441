package io.jnetmap.nic;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A NIC's statistics counters, which the chip clears when they are read, accumulated here to 64
 * bits. The register map is data ({@link Counter}): 32-bit counters, and 64-bit counters split in
 * a low and a high register (read low first; reading the high half clears the pair on Intel
 * chips). Reads happen on the control path only: when {@link NicAdapter#statistics()} is called
 * and from a slow periodic refresh that keeps 32-bit counters from wrapping.
 */
public final class Counters {
    /**
     * One counter: its name in {@link NicAdapter#statistics()} and its register(s).
     *
     * @param high offset of the high half of a 64-bit counter, or -1 for a 32-bit counter
     */
    public record Counter(String name, int low, int high) {
        public static Counter of32(String name, int offset) { return new Counter(name, offset, -1); }
        public static Counter of64(String name, int low, int high) { return new Counter(name, low, high); }
    }

    private final Counter[] table;
    private final long[] totals;

    public Counters(List<Counter> table) {
        this.table = table.toArray(new Counter[0]);
        this.totals = new long[this.table.length];
    }

    public List<Counter> table() { return List.of(table); }

    /** Reads every counter once (clearing it in the chip) and adds it to the totals. */
    public synchronized void accumulate(Registers regs) {
        for (int i = 0; i < table.length; i++) totals[i] += read(regs, table[i]);
    }

    /** Reads and discards every counter: the chip starts from zero (after reset, once the link is set up). */
    public synchronized void clearHardware(Registers regs) {
        for (Counter c : table) read(regs, c);
    }

    /** Zeroes the totals (a new port's view). */
    public synchronized void reset() {
        java.util.Arrays.fill(totals, 0);
    }

    private static long read(Registers regs, Counter c) {
        long lo = regs.read32(c.low()) & 0xffff_ffffL;
        if (c.high() < 0) return lo;
        long hi = regs.read32(c.high()) & 0xffff_ffffL;
        return (hi << 32) | lo;
    }

    /** The totals by name, in table order. */
    public synchronized Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < table.length; i++) m.put(table[i].name(), totals[i]);
        return Collections.unmodifiableMap(m);
    }

    /** One total by name, or -1 if there is no such counter. */
    public synchronized long get(String name) {
        for (int i = 0; i < table.length; i++) if (table[i].name().equals(name)) return totals[i];
        return -1;
    }
}
