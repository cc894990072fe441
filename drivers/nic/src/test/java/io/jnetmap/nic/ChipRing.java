package io.jnetmap.nic;

import io.jnetmap.sys.OffHeapBuffer;

/**
 * One descriptor ring as the chip sees it, read from a {@link RegisterModel}'s registers without
 * side effects: base address (BAL, BAH = BAL + 4), length in bytes, head and tail, 16-byte
 * descriptors whose first 8 bytes are the buffer address in the read format (every Intel gigabit
 * queue, TX and RX). The chip owns descriptors [head, tail), circularly: TX ones it has still to
 * send, RX ones it may still fill.
 */
public final class ChipRing {
    public static final int DESCRIPTOR_SIZE = 16;

    private final RegisterModel model;
    private final int bal, len, head, tail;

    ChipRing(RegisterModel model, int bal, int len, int head, int tail) {
        this.model = model;
        this.bal = bal;
        this.len = len;
        this.head = head;
        this.tail = tail;
    }

    public long base() { return (model.get(bal) & 0xffffffffL) | ((long) model.get(bal + 4) << 32); }
    public int size() { return model.get(len) / DESCRIPTOR_SIZE; }
    public int head() { return model.get(head); }
    public int tail() { return model.get(tail); }

    /** Descriptors the chip owns: (tail - head) mod size. */
    public int owned() {
        int n = size();
        return n == 0 ? 0 : Math.floorMod(tail() - head(), n);
    }

    /** The buffer address in descriptor {@code i} (its read format). */
    public long address(int i) {
        return OffHeapBuffer.wrap(base() + (long) DESCRIPTOR_SIZE * i, DESCRIPTOR_SIZE).getLong(0);
    }

    @Override
    public String toString() {
        return "chip ring [head " + head() + ", tail " + tail() + " of " + size() + "]";
    }
}
