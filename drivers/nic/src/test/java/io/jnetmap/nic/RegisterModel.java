package io.jnetmap.nic;

import io.jnetmap.sys.OffHeapBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * What the drivers' register-level chip models share: the registers in a fake BAR, a log of every
 * register write with the queries tests order init steps by, counters (32- and 64-bit, clear on
 * read), the MAC address as the chip's NVM and receive address registers hold it. A chip model
 * extends it with its register side effects ({@link #read32}/{@link #write32}), descriptors and
 * interrupts.
 */
public abstract class RegisterModel implements DeviceModel {
    private final int size;
    public final OffHeapBuffer bar;
    public final byte[] mac;
    /** Every register write, in order: {offset, value}. */
    public final List<int[]> writes = new ArrayList<>();
    public volatile boolean logWrites = true;

    protected RegisterModel(int size, byte[] mac) {
        this.size = size;
        this.bar = OffHeapBuffer.allocate(size);
        this.mac = mac.clone();
    }

    @Override public long barSize() { return size; }

    /** A register's value, without a read's side effects. */
    public int get(int off) { return bar.getInt(off); }

    /** Sets a register's value, without a write's side effects. */
    public void put(int off, int v) { bar.putInt(off, v); }

    /** Clears the BAR (the start of a reset). */
    protected final void clearRegisters() { bar.fill(0, size, (byte) 0); }

    /** Appends a write to {@link #writes} (unless {@link #logWrites} is off); call first in {@link #write32}. */
    protected final void logWrite(int off, int v) {
        if (logWrites) writes.add(new int[] {off, v});
    }

    /**
     * A descriptor ring as the chip sees it (tests' invariants): its base (low register
     * {@code bal}, high at {@code bal + 4}), length, head and tail registers.
     */
    public ChipRing descriptorRing(int bal, int len, int head, int tail) {
        return ChipRing.registers(this, bal, len, head, tail);
    }

    // ------------------------------------------------------------------ counters

    public synchronized void count(int off, int delta) { put(off, get(off) + delta); }

    /** Adds to a 64-bit counter kept as two registers, low half first. */
    public synchronized void count64(int lowOff, long delta) {
        long v = (get(lowOff) & 0xffffffffL) | ((long) get(lowOff + 4) << 32);
        v += delta;
        put(lowOff, (int) v);
        put(lowOff + 4, (int) (v >>> 32));
    }

    /**
     * A read of a clear-on-read statistics register: one of the 64-bit counters whose low halves
     * are {@code lows64} reads its low half without clearing and clears both halves when its high
     * half is read; any other register clears on read.
     */
    protected final int readStatistic(int off, int... lows64) {
        for (int low : lows64) {
            if (off == low) return get(off);
            if (off == low + 4) {
                int v = get(off);
                put(off, 0);
                put(low, 0);
                return v;
            }
        }
        int v = get(off);
        put(off, 0);
        return v;
    }

    // ------------------------------------------------------------------ the MAC address

    /** MAC bytes 0-3, little-endian: a receive address low register (Intel's RAL). */
    protected final int macLow() {
        return (mac[0] & 0xff) | (mac[1] & 0xff) << 8 | (mac[2] & 0xff) << 16 | (mac[3] & 0xff) << 24;
    }

    /** MAC bytes 4-5, little-endian: a receive address high register's address bits (Intel's RAH, without AV). */
    protected final int macHigh() {
        return (mac[4] & 0xff) | (mac[5] & 0xff) << 8;
    }

    /** NVM word {@code addr}: words 0-2 hold the MAC address (little-endian), the others read {@code blank}. */
    protected final int nvmWord(int addr, int blank) {
        return addr < 3 ? (mac[2 * addr] & 0xff) | (mac[2 * addr + 1] & 0xff) << 8 : blank;
    }

    // ------------------------------------------------------------------ the write log

    /** Index in {@link #writes} of the first write of {@code value & mask == want} to {@code off}, or -1. */
    public synchronized int firstWrite(int off, int mask, int want) {
        for (int i = 0; i < writes.size(); i++) {
            int[] w = writes.get(i);
            if (w[0] == off && (w[1] & mask) == want) return i;
        }
        return -1;
    }

    /** The first write to {@code off} whose value has {@code bits} set (all of them), as an index into {@link #writes}; -1 if none. */
    public int firstWrite(int off, int bits) { return firstWrite(off, bits, bits); }

    /** Index in {@link #writes} of the last write of {@code value & mask == want} to {@code off}, or -1. */
    public synchronized int lastWrite(int off, int mask, int want) {
        for (int i = writes.size() - 1; i >= 0; i--) {
            int[] w = writes.get(i);
            if (w[0] == off && (w[1] & mask) == want) return i;
        }
        return -1;
    }

    /** The last write to {@code off}, as an index into {@link #writes}; -1 if none. */
    public int lastWrite(int off) { return lastWrite(off, 0, 0); }

    /** How many writes went to {@code off}. */
    public synchronized int countWrites(int off) {
        int n = 0;
        for (int[] w : writes) if (w[0] == off) n++;
        return n;
    }

    public synchronized void close() { bar.close(); }
}
