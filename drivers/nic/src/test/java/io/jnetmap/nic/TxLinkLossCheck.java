package io.jnetmap.nic;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cable pull a real chip makes hard, run against a chip model that stops transmit DMA while the
 * link is down (as the silicon does, unlike QEMU): frames queued when the link dropped never
 * complete on the chip, so the driver must give their slots back (counted in {@code tx_dropped}),
 * drop what is handed over while the link is down, and after the re-plug send only what comes
 * next, nothing stale. The same check for every chip driver: the model is reached through
 * {@code cable} (plug/pull) and {@code wire} (the frames it sent, by sequence number).
 */
public final class TxLinkLossCheck {
    private TxLinkLossCheck() { }

    /**
     * @param frame builds numbered frame {@code seq}
     * @param cable pulls ({@code false}) or plugs the model's cable
     * @param wire the sequence numbers of the frames the model put on the wire so far
     */
    public static void run(NicAdapter adapter, NetmapPort port, java.util.function.IntFunction<byte[]> frame,
                           Consumer<Boolean> cable, Supplier<List<Integer>> wire) throws InterruptedException {
        NetmapRing tx = port.txRing(0);
        int free = tx.numSlots() - 1;
        long dropped0 = adapter.statistics().get("tx_dropped");
        cable.accept(false);
        // queued right after the pull, before the driver may have noticed: the chip holds them
        for (int i = 0; i < 10; i++) TestFrames.put(tx, frame.apply(i));
        port.txsync();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (tx.space() < free && System.nanoTime() < deadline) port.poll(NetmapPort.POLLOUT, 100);
        assertEquals(free, tx.space(), "the slots queued when the link dropped came back to the application");
        assertFalse(adapter.linkUp());
        assertEquals(10, adapter.statistics().get("tx_dropped") - dropped0, "the frames queued at the link loss count as dropped");
        // handed over while the link is down: given back at once, dropped
        for (int i = 10; i < 15; i++) TestFrames.put(tx, frame.apply(i));
        port.txsync();
        assertEquals(free, tx.space(), "slots handed over with the link down come back at the same sync");
        assertEquals(15, adapter.statistics().get("tx_dropped") - dropped0);
        assertEquals(List.of(), wire.get(), "nothing went out with the link down");

        cable.accept(true);
        deadline = System.nanoTime() + 5_000_000_000L;
        while (!adapter.linkUp() && System.nanoTime() < deadline) Thread.sleep(5);
        assertTrue(adapter.linkUp());
        Thread.sleep(50);
        assertEquals(List.of(), wire.get(), "nothing stale left after the re-plug");
        for (int i = 100; i < 103; i++) TestFrames.put(tx, frame.apply(i));
        port.txsync();
        deadline = System.nanoTime() + 5_000_000_000L;
        while (wire.get().size() < 3 && System.nanoTime() < deadline) port.poll(NetmapPort.POLLOUT, 50);
        assertEquals(List.of(100, 101, 102), wire.get(), "after the re-plug exactly the new frames went out");
        assertEquals(15, adapter.statistics().get("tx_dropped") - dropped0, "nothing else dropped");
    }
}
