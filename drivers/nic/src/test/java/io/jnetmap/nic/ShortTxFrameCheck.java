package io.jnetmap.nic;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.RingStateException;

import java.util.Arrays;
import java.util.function.IntSupplier;

import static io.jnetmap.nic.TestFrames.TOO_SHORT;
import static io.jnetmap.nic.TestFrames.putFragments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A packet shorter than the chip takes ({@link NicAdapter#minTxFrame}), or with an empty fragment,
 * is refused by txsync as a bad slot: no doorbell, the ring reset to the port's state, nothing on
 * the wire, no buffer lost; a packet of exactly the minimum, alone or in fragments, goes out. The
 * same check for every driver whose chip model counts its doorbells ({@code doorbells}) and the
 * frames it sent ({@code wireFrames}).
 */
public final class ShortTxFrameCheck {
    private ShortTxFrameCheck() { }

    public static void run(NicAdapter adapter, NetmapPort port, IntSupplier doorbells, IntSupplier wireFrames) {
        int min = adapter.minTxFrame();
        NetmapRing tx = port.txRing(0);
        int free = adapter.region().freeBuffers();
        for (int[] lens : TOO_SHORT) {
            int h = tx.head(), writes = doorbells.getAsInt();
            putFragments(tx, lens);
            RingStateException e = assertThrows(RingStateException.class, () -> port.txsync(), Arrays.toString(lens));
            assertTrue(e.getMessage().contains("length 0") || e.getMessage().contains("shorter than the " + min + " bytes"), e.getMessage());
            assertEquals(writes, doorbells.getAsInt(), "no doorbell for " + Arrays.toString(lens));
            assertEquals(h, tx.head(), "ring reset to the port's state");
        }
        assertEquals(0, wireFrames.getAsInt(), "nothing short went out");
        assertEquals(free, adapter.region().freeBuffers(), "no buffer lost");
        putFragments(tx, min);
        putFragments(tx, 10, min - 10);
        port.txsync();
        assertEquals(2, wireFrames.getAsInt(), min + " bytes, alone or in fragments, is what the chip takes");
    }
}
