package io.jnetmap.r8169;

import io.jnetmap.nic.DmaMemory;
import io.jnetmap.nic.Registers;
import io.jnetmap.sys.OffHeapBuffer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import static io.jnetmap.r8169.RtlRegs.*;

/**
 * The chip's tally counters: a 64-byte block the chip writes by DMA when CounterAddrLow is written
 * with CounterDump (bit 3), clearing the bit when done (Linux's {@code rtl8169_do_counters};
 * layout {@code struct rtl8169_counters}). The counters run from power-on (CounterReset exists
 * only from the 8168c), some only 16 or 32 bits wide: each dump adds the difference from the last
 * one modulo the field's width, so the totals are 64-bit and start at zero when the driver opens.
 * Control path only (statistics and the periodic refresh).
 */
final class RtlTally {
    /** A field of the block: name, byte offset, width in bits. */
    record Field(String name, int offset, int bits) { }

    static final Field[] FIELDS = {
            new Field("tx_packets", 0, 64), new Field("rx_packets", 8, 64), new Field("tx_errors", 16, 64),
            new Field("rx_errors", 24, 32), new Field("rx_missed", 28, 16), new Field("rx_align_errors", 30, 16),
            new Field("tx_single_collisions", 32, 32), new Field("tx_multi_collisions", 36, 32),
            new Field("rx_unicast", 40, 64), new Field("rx_broadcast", 48, 64), new Field("rx_multicast", 56, 32),
            new Field("tx_aborted", 60, 16), new Field("tx_underrun", 62, 16)};
    static final int SIZE = 64;

    private final Registers regs;
    private final DmaMemory block;
    private final long[] last = new long[FIELDS.length], totals = new long[FIELDS.length];
    private long dumps, failedDumps;

    RtlTally(Registers regs, DmaMemory block) {
        this.regs = regs;
        this.block = block;
    }

    /** Takes the counters' current values as the zero point (at open). */
    synchronized void baseline() {
        if (dump()) for (int i = 0; i < FIELDS.length; i++) last[i] = read(FIELDS[i]);
    }

    /** Dumps and adds the differences to the totals; false if the chip did not finish the dump. */
    synchronized boolean accumulate() {
        if (!dump()) return false;
        for (int i = 0; i < FIELDS.length; i++) {
            long v = read(FIELDS[i]);
            long mask = FIELDS[i].bits == 64 ? -1L : (1L << FIELDS[i].bits) - 1;
            totals[i] += (v - last[i]) & mask;
            last[i] = v;
        }
        return true;
    }

    synchronized Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < FIELDS.length; i++) m.put(FIELDS[i].name, totals[i]);
        m.put("driver_tally_dumps", dumps);
        m.put("driver_tally_dump_timeouts", failedDumps);
        return m;
    }

    private long read(Field f) {
        OffHeapBuffer b = block.buffer();
        return switch (f.bits) {
            case 64 -> b.getLong(f.offset);
            case 32 -> b.getInt(f.offset) & 0xffff_ffffL;
            default -> b.getUnsignedShort(f.offset);
        };
    }

    /** CounterAddrHigh, then CounterAddrLow with CounterDump; waits up to 10 ms for the bit to clear. */
    private boolean dump() {
        long a = block.iova();
        regs.write32(COUNTER_ADDR_HIGH, (int) (a >>> 32));
        regs.write32(COUNTER_ADDR_LOW, (int) a | COUNTER_DUMP);
        for (int i = 0; i < 1000; i++) {
            if ((regs.read32(COUNTER_ADDR_LOW) & COUNTER_DUMP) == 0) {
                dumps++;
                return true;
            }
            LockSupport.parkNanos(10_000);
        }
        failedDumps++;
        return false;
    }
}
