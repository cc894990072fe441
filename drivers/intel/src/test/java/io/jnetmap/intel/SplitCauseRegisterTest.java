package io.jnetmap.intel;

import io.jnetmap.nic.Registers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** 64 causes over two 32-bit registers, as the 82599's EIMS_EX(0)/EIMS_EX(1) (0x0AA0/0x0AA4). */
class SplitCauseRegisterTest {
    static final SplitCauseRegister EIMS_EX = new SplitCauseRegister(0x0AA0, 0x0AA4);

    /** Registers as a map, with the writes in order. */
    static final class Recorded implements Registers {
        final Map<Integer, Integer> values = new HashMap<>();
        final List<int[]> writes = new ArrayList<>();
        @Override public int read32(int off) { return values.getOrDefault(off, 0); }
        @Override public void write32(int off, int v) { values.put(off, v); writes.add(new int[] {off, v}); }
    }

    @Test
    void cause63IsBit31OfTheHighRegisterAndTheLowOneIsNotWritten() {
        Recorded r = new Recorded();
        EIMS_EX.writeBits(r, 1L << 63);
        assertEquals(1, r.writes.size(), "one MMIO write");
        assertArrayEquals(new int[] {0x0AA4, 1 << 31}, r.writes.get(0));
    }

    @Test
    void causesInBothHalvesWriteBothLowFirst() {
        Recorded r = new Recorded();
        EIMS_EX.writeBits(r, (1L << 0) | (1L << 31) | (1L << 32) | (1L << 40));
        assertEquals(2, r.writes.size());
        assertArrayEquals(new int[] {0x0AA0, 0x8000_0001}, r.writes.get(0));
        assertArrayEquals(new int[] {0x0AA4, 0x0000_0101}, r.writes.get(1));
        assertEquals((1L << 0) | (1L << 31) | (1L << 32) | (1L << 40), EIMS_EX.read(r));
    }

    @Test
    void noCauseNoWrite() {
        Recorded r = new Recorded();
        EIMS_EX.writeBits(r, 0);
        assertTrue(r.writes.isEmpty());
    }

    @Test
    void aPlainWriteWritesZeroHalvesToo() {
        Recorded r = new Recorded();
        r.values.put(0x0AA0, -1);
        EIMS_EX.write(r, 1L << 33);
        assertEquals(2L << 32, EIMS_EX.read(r), "the low register cleared, bit 1 of the high one set");
    }
}
