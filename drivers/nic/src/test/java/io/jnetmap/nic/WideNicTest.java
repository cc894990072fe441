package io.jnetmap.nic;

import io.jnetmap.pci.PciException;
import io.jnetmap.pci.PciId;
import io.jnetmap.rings.Kring;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.EventFd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What {@link NicAdapter} gives a chip with the 82599's shape: 64 MSI-X vectors and 64 wake-up
 * causes (here 32 queue pairs, TX queue q on vector and cause q, RX queue q on vector and cause
 * 32 + q: causes 32..63 in a second 32-bit register, as the 82599's EIMS_EX(1)), a region with
 * more than 64 rings, and registers in a BAR other than 0. A thread polling RX of ring pair 31
 * sleeps on vector 63, arms cause 63 only, and is woken by that vector alone.
 */
class WideNicTest extends ModelAdapterHarness<WideNicTest.WideModel, WideNicTest.WideAdapter> {
    static final int PAIRS = 32, VECTORS = 64, SLOTS = 8;
    /** The model's mask registers: causes 0..31 and 32..63 (set / clear), as EIMS_EX(0..1), EIMC_EX(0..1). */
    static final int MASK_SET_LO = 0x0AA0, MASK_SET_HI = 0x0AA4, MASK_CLEAR_LO = 0x0AB0, MASK_CLEAR_HI = 0x0AB4;

    record WideChip(PciId id, String model, int queues, int registerBar) implements NicChip { }

    /** Registers in BAR {@code bar}; 64 MSI-X vectors; a frame "arrives" on ring pair q when a test says so. */
    static final class WideModel extends RegisterModel {
        final int bar;
        volatile EventFd[] vectors;
        final AtomicIntegerArray arrived = new AtomicIntegerArray(PAIRS);

        WideModel(int bar) {
            super(0x1000, new byte[] {2, 0, 0, 0, 0, 0x40});
            this.bar = bar;
        }

        @Override public int registerBar() { return bar; }
        @Override public void reset() { clearRegisters(); }
        @Override public int msixVectors() { return VECTORS; }
        @Override public void attachVectors(EventFd[] v, String mode) { vectors = v; }
        @Override public int read32(int off) { return get(off); }

        @Override
        public void write32(int off, int v) {
            logWrite(off, v);
            put(off, v);
        }

        /** A frame for RX queue {@code q}, then the chip's message on its vector, 32 + q. */
        void deliver(int q) {
            arrived.incrementAndGet(q);
            vectors[PAIRS + q].signal();
        }
    }

    /** The least a chip driver writes: rings that import what the model delivered, causes and vectors one per pair. */
    static final class WideAdapter extends NicAdapter {
        final List<Integer> serviced = new CopyOnWriteArrayList<>();
        private final WideModel model;

        private WideAdapter(NicRegion.Lease lease, Registers regs, WideChip chip, int queues, NicDevice device, WideModel model) {
            super("wide0", device, lease, regs, new Counters(List.of()));
            this.model = model;
        }

        static WideAdapter open(ModelDevice dev, WideModel model, WideChip chip) {
            return openDevice(dev, (id, address) -> chip, model.barSize(), PAIRS, 2 * SLOTS,
                    (lease, regs, c, queues) -> new WideAdapter(lease, regs, c, queues, dev, model),
                    a -> {
                        a.createKrings(PAIRS, PAIRS, 0, 0, SLOTS, SLOTS);
                        a.useInterrupts(a.enableInterrupts(true, VECTORS));
                    });
        }

        @Override public int txsync(Kring k, int flags) { return 0; }

        @Override
        public int rxsync(Kring k, int flags) {
            if (model.arrived.getAndSet(k.ringId(), 0) > 0) {
                int i = k.hwtail();
                k.ring().len(i, 60);
                k.hwtail(k.next(i));
            }
            return 0;
        }

        @Override protected void startRings() { }
        @Override protected void stopRings() { }
        @Override protected void shutdownHardware() { }
        @Override protected void freeRings() { }
        @Override protected long wakeCauses(Kring k) { return 1L << wakeVector(k); }
        @Override protected int wakeVector(Kring k) { return k.isTx() ? k.ringId() : PAIRS + k.ringId(); }

        @Override
        protected void armWakeCauses(long causes) {
            if ((int) causes != 0) regs.write32(MASK_SET_LO, (int) causes);
            if ((int) (causes >>> 32) != 0) regs.write32(MASK_SET_HI, (int) (causes >>> 32));
        }

        @Override
        protected void disarmWakeCauses(long causes) {
            if ((int) causes != 0) regs.write32(MASK_CLEAR_LO, (int) causes);
            if ((int) (causes >>> 32) != 0) regs.write32(MASK_CLEAR_HI, (int) (causes >>> 32));
        }

        @Override protected void serviceVector(int vector) { serviced.add(vector); }
    }

    private void openWide(int modelBar, int chipBar) {
        model = new WideModel(modelBar);
        dev = new ModelDevice(model, new PciId(0x8086, 0x10fb), "0000:00:09.0", "MSIX");
        adapter = WideAdapter.open(dev, model, new WideChip(dev.id(), "wide test chip", PAIRS, chipBar));
    }

    @Test
    @Timeout(20)
    void aThreadPollingRxOfRingPair31SleepsOnVector63AndWakesOnIt() throws Exception {
        openWide(0, 0);
        assertEquals(VECTORS, adapter.interrupts().count(), "64 MSI-X vectors");
        port = bind("netmap:wide0-31");
        CompletableFuture<Integer> polled = CompletableFuture.supplyAsync(() -> port.poll(NetmapPort.POLLIN, 10_000));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (model.get(MASK_SET_HI) == 0) {
                assertTrue(System.nanoTime() < deadline, "the poller never unmasked cause 63");
                Thread.sleep(1);
            }
            assertEquals(1 << 31, model.get(MASK_SET_HI), "cause 63 unmasked: bit 31 of the high mask register");
            assertEquals(0, model.get(MASK_SET_LO), "no cause 0..31 (the TX queues) unmasked");
            assertEquals(1, adapter.waitersOn(63));
            for (int b = 0; b < 63; b++) assertEquals(0, adapter.waitersOn(b), "cause " + b);
            model.vectors[31].signal(); // the vector an int mask would have polled (1 << 63 == 1 << 31): must not wake it
            Thread.sleep(50);
            assertFalse(polled.isDone(), "vector 31 does not wake the poller of RX ring 31, whose vector is 63");
            model.deliver(31);
            assertEquals(NetmapPort.POLLIN, polled.get(5, TimeUnit.SECONDS));
            assertTrue(adapter.serviced.contains(63), "vector 63 serviced: " + adapter.serviced);
            assertFalse(adapter.serviced.contains(31), "vector 31 was never polled");
            assertEquals(0, adapter.waitersOn(63));
            assertEquals(1 << 31, model.get(MASK_CLEAR_HI), "cause 63 masked again when nobody waits");
        } finally {
            // the poller must be out of poll() before the port and the region close under it (it would touch unmapped rings)
            if (!polled.isDone()) model.deliver(31);
            try {
                polled.get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the assertion that failed above is the one to report
            }
        }
        NetmapRing rx = port.rxRing(31);
        assertEquals(60, rx.len(rx.head()));
    }

    @Test
    void aChipsRegisterBarIsTheOneMapped() {
        openWide(2, 2);
        assertSame(model, adapter.registers(), "the chip's BAR 2 holds its registers");
        port = bind("netmap:wide0-0");
        assertNotNull(port);
    }

    @Test
    void aChipWhoseRegistersAreNotInBar0IsNotOpenedThroughBar0() {
        model = new WideModel(2);
        dev = new ModelDevice(model, new PciId(0x8086, 0x10fb), "0000:00:09.0", "MSIX");
        PciException e = assertThrows(PciException.class,
                () -> WideAdapter.open(dev, model, new WideChip(dev.id(), "wide test chip", PAIRS, 0)));
        assertTrue(e.getMessage().contains("asked for BAR0"), e.getMessage());
        assertTrue(dev.isClosed(), "the device is closed when opening fails");
        model.close();
        model = null;
    }
}
