package io.jnetmap.intel;

import io.jnetmap.nic.Counters;
import io.jnetmap.nic.DmaMemory;
import io.jnetmap.nic.NicAdapter;
import io.jnetmap.nic.NicDevice;
import io.jnetmap.nic.NicRegion;
import io.jnetmap.nic.Registers;
import io.jnetmap.pci.DmaAllocator;
import io.jnetmap.rings.Kring;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * What every Intel driver (e1000e, igb, ixgbe) shares above the chip-independent {@link NicAdapter}:
 * the rings ({@link IntelTxRing}/{@link IntelRxRing}) and their syncs, descriptor memory and ring
 * programming through a {@link QueueRegisters} map ({@link #createRings}, {@link #programRingBase}),
 * the TX queues taken back from the chip on a link loss ({@link TxLink}), the receive filter
 * state, ring statistics, freeing the descriptor memory, and polling helpers. Nothing here
 * touches a MAC register whose offset differs between the gigabit parts and the 82599: link
 * state, receive filtering, interrupt masks, the global reset and the shutdown before the memory
 * goes are the subclass's ({@link io.jnetmap.intel.gigabit.GigabitAdapter} for e1000e and igb).
 */
public abstract class IntelAdapter extends NicAdapter {

    protected IntelTxRing[] txRings = new IntelTxRing[0];
    protected IntelRxRing[] rxRings = new IntelRxRing[0];
    /** Descriptor memory of each queue's TX and RX ring ({@link #createRings}; null entries not allocated or freed). */
    private DmaMemory[] txMemory = new DmaMemory[0], rxMemory = new DmaMemory[0];
    private QueueRegisters[] queueRegs = new QueueRegisters[0];
    private volatile boolean rxEnabled;
    /** Link losses seen (the TX rings compare it with the count they last saw: {@link TxLink}). */
    private volatile int linkLosses;
    /** TX queues programmed and enabled (between startRings and stopRings): only then are they taken back on a link loss. */
    private volatile boolean txRunning;
    private final TxLink txLink = new TxLink() {
        @Override public boolean carrier() { return linkRecordedUp(); }
        @Override public int losses() { return linkLosses; }
        @Override public void restartQueue(int q, int start) { restartTxQueue(q, start); }
    };

    protected IntelAdapter(String name, NicDevice device, NicRegion.Lease lease, Registers regs, Counters counters) {
        super(name, device, lease, regs, counters);
    }

    // ------------------------------------------------------------------ data path

    @Override
    public int txsync(Kring kring, int flags) {
        return txRings[kring.ringId()].txsync(flags);
    }

    @Override
    public int rxsync(Kring kring, int flags) {
        return rxRings[kring.ringId()].rxsync(flags);
    }

    /** {@link IntelTxRing#txsync} checks each slot as it writes its descriptor (netmap's one pass). */
    @Override
    protected boolean checksTxSlotsInSync() { return true; }

    /** {@link IntelRxRing#rxsync} checks each released slot as it re-arms its descriptor (netmap's one pass). */
    @Override
    protected boolean checksRxSlotsInSync() { return true; }

    public IntelTxRing txRing(int i) { return txRings[i]; }
    public IntelRxRing rxRing(int i) { return rxRings[i]; }

    // ------------------------------------------------------------------ the port's view of the device

    /**
     * With TCTL.PSP (set by every gigabit init here) the 1G chips pad a short frame to 64 bytes, but
     * only from 17 bytes up: Linux's e1000e and igb pad shorter skbs to 17 before they post them,
     * and so does ixgbe (the 82599's smallest PAYLEN is 17). We do not copy to pad: the ring rules
     * refuse a shorter packet, and an empty fragment, as a bad slot.
     */
    public static final int MIN_TX_FRAME = 17;

    @Override
    public int minTxFrame() { return MIN_TX_FRAME; }

    /** Writes the recorded receive filter into the chip (the gigabit parts' RCTL, the 82599's FCTRL). */
    @Override
    protected abstract void applyReceiveFilter();

    @Override
    public Map<String, Long> statistics() {
        Map<String, Long> m = new LinkedHashMap<>(super.statistics());
        long txPackets = 0, txDropped = 0, rxPackets = 0, rxErrors = 0, txDoorbells = 0, rxDoorbells = 0;
        for (IntelTxRing r : txRings) { txPackets += r.packets(); txDropped += r.dropped(); txDoorbells += r.doorbells(); }
        for (IntelRxRing r : rxRings) { rxPackets += r.packets(); rxErrors += r.errorPackets(); rxDoorbells += r.doorbells(); }
        m.put("driver_tx_packets", txPackets);
        m.put("tx_dropped", txDropped); // pending at a link loss, or handed over while the link was down
        m.put("driver_rx_packets", rxPackets);
        m.put("driver_rx_error_packets", rxErrors);
        m.put("driver_tx_doorbells", txDoorbells);
        m.put("driver_rx_doorbells", rxDoorbells);
        m.put("driver_link_changes", linkChanges());
        return m;
    }

    // ------------------------------------------------------------------ link loss

    /**
     * The link dropped: a real chip's transmit DMA stops, and what it holds would leave stale after
     * the re-plug (Linux's e1000e/igb watchdog resets the controller when the link drops with TX
     * work pending). Each TX queue is taken back from the chip at once (head = tail, so the chip
     * owns no descriptor), then the loss is counted: each ring, at its next sync, returns its
     * pending slots to the application as dropped ({@link IntelTxRing}).
     */
    @Override
    protected void linkChanged(boolean up) {
        if (up) {
            linkRestored();
            return;
        }
        if (txRunning) {
            for (int q = 0; q < txRings.length; q++) restartTxQueue(q, regs.read32(queueRegisters(q).tdt()));
        }
        linkLosses++;
        driverLog().info("{}: link lost; TX queues taken back from the chip, pending frames dropped at the next sync", name());
    }

    /** The link came up (under the link lock, as {@link #linkChanged}): nothing by default; the gigabit parts resolve flow control. */
    protected void linkRestored() { }

    /**
     * Queue {@code q}'s head and tail to {@code start} with the queue stopped (its own enable,
     * or the transmitter's where the chip has none), then restarted. Serialized: the link-change
     * handler and a ring's own recovery may both ask.
     */
    protected final synchronized void restartTxQueue(int q, int start) {
        if (!txRunning || isDestroyed()) return;
        QueueRegisters r = queueRegisters(q);
        stopTxQueue(q);
        regs.write32(r.tdh(), start);
        regs.write32(r.tdt(), start);
        startTxQueue(q);
    }

    /** Queue {@code q}'s registers (as {@link #createRings} was given them). */
    protected final QueueRegisters queueRegisters(int q) { return queueRegs[q]; }

    /** Stops queue {@code q}'s transmit DMA so its head may be written (the chip's queue enable, or TCTL.EN). */
    protected abstract void stopTxQueue(int q);

    /** Undoes {@link #stopTxQueue}. */
    protected abstract void startTxQueue(int q);

    /** Marks the TX queues programmed and enabled (startRings) or stopped (stopRings). */
    protected final synchronized void markTxRunning(boolean on) { txRunning = on; }

    // ------------------------------------------------------------------ steps every Intel chip takes alike

    /**
     * Descriptor memory and netmap rings, one 16-byte descriptor per slot: each queue's TX and RX
     * descriptor memory from the device's DMA allocator (length rounded up to 128 bytes), the netmap
     * rings with one host ring pair (netmap:NIC^ and NIC*) and buffers from the NIC region, then
     * the rings over them: queue q's tail registers from {@code queueRegs}, TX descriptors in
     * {@code txFormat}, RX frames counted as errors by {@code rxErrorMask}. Programmed into the
     * chip later, when the first port binds (startRings).
     */
    protected final void createRings(int queues, int txSlots, int rxSlots, IntFunction<QueueRegisters> queueRegs,
                                     TxDescriptorFormat txFormat, int rxErrorMask) {
        txMemory = new DmaMemory[queues];
        rxMemory = new DmaMemory[queues];
        int txBytes = align128(txSlots * 16), rxBytes = align128(rxSlots * 16);
        for (int q = 0; q < queues; q++) {
            txMemory[q] = device.allocateDma(txBytes, DmaAllocator.INTEL_RING_ALIGNMENT, name() + " TX ring " + q);
            rxMemory[q] = device.allocateDma(rxBytes, DmaAllocator.INTEL_RING_ALIGNMENT, name() + " RX ring " + q);
        }
        createKrings(queues, queues, 1, 1, txSlots, rxSlots); // one host ring pair: netmap:NIC^ and NIC*
        IntelTxRing[] tx = new IntelTxRing[queues];
        IntelRxRing[] rx = new IntelRxRing[queues];
        QueueRegisters[] qr = new QueueRegisters[queues];
        for (int q = 0; q < queues; q++) {
            QueueRegisters r = qr[q] = queueRegs.apply(q);
            tx[q] = new IntelTxRing(txKring(q), txMemory[q], regs, r.tdt(), txFormat, bufferIova, txLink, q);
            rx[q] = new IntelRxRing(rxKring(q), rxMemory[q], regs, r.rdt(), bufferIova, rxErrorMask);
        }
        this.queueRegs = qr;
        txRings = tx;
        rxRings = rx;
    }

    private static int align128(int n) { return (n + 127) & ~127; }

    /** Queue {@code q}'s TX descriptor memory (for TDBAL/TDBAH/TDLEN). */
    protected final DmaMemory txMemory(int q) { return txMemory[q]; }

    /** Queue {@code q}'s RX descriptor memory (for RDBAL/RDBAH/RDLEN). */
    protected final DmaMemory rxMemory(int q) { return rxMemory[q]; }

    /** Masks every interrupt cause the chip has (IMC on the gigabit parts; EIMC on igb and the 82599 too). */
    protected abstract void maskInterrupts();

    /** The chip's global reset (CTRL.RST and what its datasheet asks around it): nothing of the current owner survives it. */
    protected abstract void globalReset();

    @Override
    protected final void freeRings() {
        for (int q = 0; q < txMemory.length; q++) {
            if (txMemory[q] != null) txMemory[q].close();
            if (rxMemory[q] != null) rxMemory[q].close();
            txMemory[q] = null;
            rxMemory[q] = null;
        }
    }

    // ------------------------------------------------------------------ helpers for init sequences

    /** Polls {@code reg} until {@code (value & mask) == want}, sleeping {@code stepMicros} between reads; false on timeout. */
    protected final boolean waitFor(int reg, int mask, int want, long timeoutMicros, long stepMicros) {
        long deadline = System.nanoTime() + timeoutMicros * 1000;
        while (true) {
            if ((regs.read32(reg) & mask) == want) return true;
            if (System.nanoTime() - deadline > 0) return false;
            LockSupport.parkNanos(stepMicros * 1000);
        }
    }

    /** Sleeps {@code millis} (datasheet delays; interrupt-free, control path). */
    protected static void sleepMillis(long millis) {
        LockSupport.parkNanos(millis * 1_000_000L);
    }

    /** STATUS: at 0x0008 on every Intel NIC (e1000_regs.h E1000_STATUS, ixgbe_type.h IXGBE_STATUS), side-effect free to read. */
    public static final int STATUS = 0x0008;

    /** A read that forces earlier posted writes out to the device (Intel's E1000_WRITE_FLUSH, IXGBE_WRITE_FLUSH: a STATUS read). */
    protected final void flush() {
        regs.read32(STATUS);
    }

    /** RXDCTL/TXDCTL.ENABLE (bit 25): a queue's own enable on igb and ixgbe (82576 §8.10/8.12, 82599 §8.2.3.8/8.2.3.9). */
    protected static final int QUEUE_ENABLE = 1 << 25;

    /** Clears a queue's RXDCTL/TXDCTL (enable off) and waits until the chip reports it stopped (10 ms). */
    protected final void disableQueue(int dctl, String dir, int q) {
        regs.write32(dctl, 0);
        if (!waitFor(dctl, QUEUE_ENABLE, 0, 10_000, 100))
            driverLog().warn("{}: {} queue {} still enabled 10 ms after it was disabled", name(), dir, q);
    }

    /**
     * Sets a queue's thresholds and enable bit, then polls until the enable bit reads back set (10
     * ms): the enable handshake both igb and the 82599 ask for before the tail is written.
     */
    protected final void enableQueue(int dctl, int thresholds, String dir, int q) {
        regs.write32(dctl, thresholds | QUEUE_ENABLE);
        if (!waitFor(dctl, QUEUE_ENABLE, QUEUE_ENABLE, 10_000, 100))
            throw new IntelException(name() + ": " + dir + " queue " + q + " did not enable within 10 ms (RXDCTL/TXDCTL"
                    + " bit 25 stays clear): the chip is not answering; reset or rebind it");
    }

    /** {@link #statistics()} plus each ring's packet count as the driver saw it (the multi-queue drivers' view). */
    protected final Map<String, Long> withRingPackets(Map<String, Long> base) {
        Map<String, Long> m = new LinkedHashMap<>(base);
        for (int q = 0; q < rxRings.length; q++) m.put("driver_rx_ring_" + q + "_packets", rxRings[q].packets());
        for (int q = 0; q < txRings.length; q++) m.put("driver_tx_ring_" + q + "_packets", txRings[q].packets());
        return m;
    }

    /**
     * A receive buffer size the advanced descriptor queues take (SRRCTL.BSIZEPACKET, whole KiB,
     * 1..127, on igb and ixgbe alike): the region's buffer size rounded down.
     */
    protected static int wholeKibBuffer(int bufSize, String driver) {
        int kb = Math.min(bufSize / 1024, 0x7F);
        if (kb < 1) throw new IllegalArgumentException("netmap buffers of " + bufSize + " bytes are too small for " + driver
                + " (receive buffers are whole KiB); set jnetmap.nic.region.bufsize to 2048 or more");
        return kb * 1024;
    }

    /** The RSS redirection table's registers (128 one-byte entries) and the key's (40 bytes), on igb and the 82599 alike. */
    protected static final int RETA_REGISTERS = 32, RSSRK_REGISTERS = 10;

    /**
     * Writes an RSS key and 128-entry redirection table into the chip's RSSRK and RETA registers
     * (at {@code rssrk} and {@code reta}: the same layout on igb and the 82599, byte i of each
     * little-endian); the chip's MRQC turns RSS on.
     */
    protected final void writeRssTables(int reta, int rssrk, RssConfig r) {
        for (int i = 0; i < RSSRK_REGISTERS; i++) regs.write32(rssrk + 4 * i, r.keyRegister(i));
        for (int i = 0; i < RETA_REGISTERS; i++) regs.write32(reta + 4 * i, r.retaRegister(i));
    }

    /** Base address and length of a descriptor ring, as every Intel queue takes them. */
    protected final void programRingBase(int bal, int bah, int len, DmaMemory mem, int slots) {
        regs.write32(bal, (int) mem.iova());
        regs.write32(bah, (int) (mem.iova() >>> 32));
        regs.write32(len, slots * 16);
    }

    /** Whether RX was enabled by {@link #markRxEnabled} (filter changes then go straight to RCTL). */
    protected final boolean rxEnabled() { return rxEnabled; }

    protected final void markRxEnabled(boolean on) { rxEnabled = on; }

}
