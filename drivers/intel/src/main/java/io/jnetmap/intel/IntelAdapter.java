package io.jnetmap.intel;

import io.jnetmap.nic.Counters;
import io.jnetmap.nic.DmaMemory;
import io.jnetmap.nic.NicAdapter;
import io.jnetmap.nic.NicDevice;
import io.jnetmap.nic.NicRegion;
import io.jnetmap.nic.Registers;
import io.jnetmap.pci.DmaAllocator;
import io.jnetmap.rings.Kring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

import static io.jnetmap.intel.IntelRegs.*;

/**
 * What the Intel gigabit drivers (e1000e, igb) share above the chip-independent {@link NicAdapter}:
 * the rings ({@link IntelTxRing}/{@link IntelRxRing}) and their syncs, ring programming through a
 * {@link QueueRegisters} map, the MAC address (RAL/RAH or the NVM through EERD), the multicast and
 * VLAN tables, the receive filter bits of RCTL, link state and speed from STATUS, the statistics
 * block ({@link IntelStats}), and a polling helper with a deadline; the steps every Intel init
 * and teardown takes alike: the wait for link after autonegotiation, descriptor memory and rings
 * ({@link #createRings}), stopping RX and TX ({@link #stopReceiveAndTransmit}), the shutdown before
 * the memory goes ({@link #shutdownHardware}) and freeing the descriptor memory. A chip subclass
 * supplies its init sequence and global reset, its interrupt routing and masks, its queue register
 * map and its descriptor formats.
 */
public abstract class IntelAdapter extends NicAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(IntelAdapter.class);

    protected IntelTxRing[] txRings = new IntelTxRing[0];
    protected IntelRxRing[] rxRings = new IntelRxRing[0];
    /** Descriptor memory of each queue's TX and RX ring ({@link #createRings}; null entries not allocated or freed). */
    private DmaMemory[] txMemory = new DmaMemory[0], rxMemory = new DmaMemory[0];
    private QueueRegisters[] queueRegs = new QueueRegisters[0];
    protected byte[] mac;
    private boolean promiscuous, allMulticast, broadcast = true;
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

    public IntelTxRing txRing(int i) { return txRings[i]; }
    public IntelRxRing rxRing(int i) { return rxRings[i]; }

    // ------------------------------------------------------------------ the port's view of the device

    /**
     * With TCTL.PSP (set by every Intel init here) the 1G chips pad a short frame to 64 bytes, but
     * only from 17 bytes up: Linux's e1000e and igb pad shorter skbs to 17 before they post them.
     * We do not copy to pad: the ring rules refuse a shorter packet, and an empty fragment, as a
     * bad slot.
     */
    public static final int MIN_TX_FRAME = 17;

    @Override
    public int minTxFrame() { return MIN_TX_FRAME; }

    @Override
    public boolean linkUp() {
        synchronized (linkLock()) {
            int s = regs.read32(STATUS);
            boolean up = (s & STATUS_LU) != 0;
            noteLink(up, speedMbps(s));
            return up;
        }
    }

    @Override
    public long linkSpeedMbps() {
        int s = regs.read32(STATUS);
        return (s & STATUS_LU) != 0 ? speedMbps(s) : 0;
    }

    @Override
    public byte[] macAddress() { return mac == null ? null : mac.clone(); }

    /** Promiscuous (RCTL.UPE), all-multicast (RCTL.MPE), broadcast accept (RCTL.BAM); applied at once if running. */
    @Override
    public synchronized void setReceiveFilter(boolean promiscuous, boolean allMulticast, boolean broadcast) {
        this.promiscuous = promiscuous;
        this.allMulticast = allMulticast;
        this.broadcast = broadcast;
        if (!isDestroyed()) {
            int rctl = regs.read32(RCTL) & ~(RCTL_UPE | RCTL_MPE | RCTL_BAM);
            regs.write32(RCTL, rctl | filterBits());
        }
        LOG.debug("{}: receive filter promiscuous={} all-multicast={} broadcast={}", name(), promiscuous, allMulticast, broadcast);
    }

    /** The RCTL bits of the current receive filter. */
    protected final synchronized int filterBits() {
        return (promiscuous ? RCTL_UPE : 0) | (allMulticast ? RCTL_MPE : 0) | (broadcast ? RCTL_BAM : 0);
    }

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
            if (flowControlOn()) resolveFlowControl();
            return;
        }
        if (txRunning) {
            for (int q = 0; q < txRings.length; q++) restartTxQueue(q, regs.read32(queueRegisters(q).tdt()));
        }
        linkLosses++;
        driverLog().info("{}: link lost; TX queues taken back from the chip, pending frames dropped at the next sync", name());
    }

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

    // ------------------------------------------------------------------ flow control

    /** The chip's PHY (MDIC under the chip's PHY ownership protocol). */
    protected abstract CopperPhy copperPhy();

    /** Whether the configuration turned 802.3x flow control on (default off, as netmap's pkt-gen asks). */
    protected abstract boolean flowControlOn();

    /** Bytes of the chip's receive packet buffer (PBA/RXPBS), which the flow control thresholds divide. */
    protected abstract int rxPacketBufferBytes();

    /** The largest frame the port takes, for the flow control high-water mark. */
    protected abstract int maxFrameBytes();

    private volatile FlowControl flowControl = FlowControl.NONE;

    /** Flow control as last resolved after link-up (NONE with the option off). */
    public FlowControl flowControl() { return flowControl; }

    /**
     * The MAC side of flow control, before the link comes up (e1000e_setup_link, e1000_setup_link_82575):
     * PAUSE address and type (FCAL/FCAH/FCT) always; with the option on, the pause time (FCTTV)
     * and the receive thresholds: high = the smaller of 90 % of the receive buffer and the buffer
     * less one largest frame, low 8 bytes under it, XON on (e1000e_reset's watermarks); off: no
     * thresholds, CTRL.RFCE/TFCE cleared. Resolution waits for link-up ({@link #resolveFlowControl}).
     */
    protected final void setupFlowControl() {
        regs.write32(FCAL, FCAL_PAUSE);
        regs.write32(FCAH, FCAH_PAUSE);
        regs.write32(FCT, FCT_PAUSE);
        regs.clear32(CTRL, CTRL_RFCE | CTRL_TFCE);
        flowControl = FlowControl.NONE;
        if (flowControlOn()) {
            int buffer = rxPacketBufferBytes();
            int high = Math.min(buffer * 9 / 10, buffer - maxFrameBytes()) & FC_THRESHOLD_MASK;
            regs.write32(FCTTV, 0xFFFF);
            regs.write32(FCRTL, (high - 8) | FCRTL_XONE);
            regs.write32(FCRTH, high);
        } else {
            regs.write32(FCTTV, 0);
            regs.write32(FCRTL, 0);
            regs.write32(FCRTH, 0);
        }
    }

    /** After link-up with flow control on: our and the partner's pause abilities resolved into CTRL.RFCE/TFCE. */
    private synchronized void resolveFlowControl() {
        if (isDestroyed()) return;
        FlowControl fc = copperPhy().resolveFlowControl((regs.read32(STATUS) & STATUS_FD) != 0);
        regs.write32(CTRL, (regs.read32(CTRL) & ~(CTRL_RFCE | CTRL_TFCE)) | fc.ctrlBits);
        flowControl = fc;
        driverLog().info("{}: flow control {}", name(), fc.name().toLowerCase(java.util.Locale.ROOT));
    }

    // ------------------------------------------------------------------ steps every Intel chip takes alike

    /**
     * After autonegotiation was (re)started: waits up to {@code waitMillis} (0: not at all) for
     * STATUS.LU, warns if the link stays down (the port opens anyway), then records and logs the state.
     */
    protected final void awaitLink(long waitMillis) {
        if (waitMillis > 0) {
            boolean up = waitFor(STATUS, STATUS_LU, STATUS_LU, waitMillis * 1000, 10_000);
            if (!up) driverLog().warn("{}: no link {} ms after autonegotiation started (cable? peer?); the port opens anyway",
                    name(), waitMillis);
        }
        linkUp(); // records and logs the state
    }

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

    /** Masks every interrupt cause (IMC; a chip with more cause registers masks those too). */
    protected void maskInterrupts() {
        regs.write32(IMC, 0xffff_ffff);
    }

    /** The chip's global reset (CTRL.RST and what its datasheet asks around it): nothing of the current owner survives it. */
    protected abstract void globalReset();

    /**
     * Stops RX and TX, the chip's receive and transmit initialization in reverse: interrupts
     * masked, RCTL off, the queues' own enables off ({@link #disableQueues}), TCTL.EN off, then
     * 10 ms for in-flight DMA to drain.
     */
    protected final void stopReceiveAndTransmit() {
        markTxRunning(false);
        maskInterrupts();
        regs.write32(RCTL, 0);
        disableQueues();
        regs.clear32(TCTL, TCTL_EN);
        flush();
        sleepMillis(10); // in-flight DMA drains
    }

    /** Clears each queue's own enable bit (RXDCTL/TXDCTL) where the chip has one; nothing by default. */
    protected void disableQueues() {}

    /** Stop the chip for good before its memory goes away: RX/TX off, interrupts masked, driver unloaded (CTRL_EXT.DRV_LOAD), global reset. */
    @Override
    protected final void shutdownHardware() {
        markTxRunning(false);
        maskInterrupts();
        regs.write32(RCTL, 0);
        regs.write32(TCTL, 0);
        flush();
        regs.clear32(CTRL_EXT, CTRL_EXT_DRV_LOAD);
        globalReset(); // the chip forgets the ring addresses before the rings are freed
    }

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

    /** A read that forces earlier posted writes out to the device (Intel's E1000_WRITE_FLUSH). */
    protected final void flush() {
        regs.read32(STATUS);
    }

    /**
     * The MAC address: RAL0/RAH0, which the chip loads from the NVM at reset; if the entry is not
     * valid, NVM words 0-2 through EERD. Null if neither answers.
     */
    protected final byte[] readMacAddress() {
        int ral = regs.read32(RAL0), rah = regs.read32(RAH0);
        if ((rah & RAH_AV) != 0 && (ral != 0 || (rah & 0xffff) != 0)) {
            return new byte[] {(byte) ral, (byte) (ral >>> 8), (byte) (ral >>> 16), (byte) (ral >>> 24),
                    (byte) rah, (byte) (rah >>> 8)};
        }
        byte[] m = new byte[6];
        for (int w = 0; w < 3; w++) {
            int v = readNvmWord(w);
            if (v < 0) return null;
            m[2 * w] = (byte) v;
            m[2 * w + 1] = (byte) (v >>> 8);
        }
        return m;
    }

    /** NVM word {@code addr} through EERD (START, poll DONE), or -1 on timeout. */
    protected final int readNvmWord(int addr) {
        regs.write32(EERD, (addr << EERD_ADDR_SHIFT) | EERD_START);
        for (int i = 0; i < 1000; i++) {
            int v = regs.read32(EERD);
            if ((v & EERD_DONE) != 0) return v >>> EERD_DATA_SHIFT;
            LockSupport.parkNanos(5_000);
        }
        LOG.warn("{}: EERD read of NVM word {} timed out", name(), addr);
        return -1;
    }

    /**
     * Invalidates receive address registers 1..{@code count - 1} (RAH.AV cleared first, then the
     * address): RAR0 keeps the port's own MAC. A software reset does not clear them, so a previous
     * owner's entries would still accept its unicast addresses (e1000_init_rx_addrs clears them all).
     */
    protected final void clearOtherReceiveAddresses(int count) {
        for (int i = 1; i < count; i++) {
            int ral = receiveAddressLow(i);
            regs.write32(ral + 4, 0);
            regs.write32(ral, 0);
        }
    }

    /** RAL(i): entries 0-15 at 0x5400 + 8 i, 16 and up at 0x54E0 + 8 (i - 16) (E1000_RAL in e1000_regs.h). */
    public static int receiveAddressLow(int i) {
        return i < 16 ? RAL0 + 8 * i : RA2 + 8 * (i - 16);
    }

    /** Zeroes the 128-entry multicast hash table (no multicast group joined). */
    protected final void clearMulticastTable() {
        for (int i = 0; i < MTA_ENTRIES; i++) regs.write32(MTA + 4 * i, 0);
    }

    /** Zeroes the VLAN filter table (VLAN filtering stays off: RCTL.VFE = 0). */
    protected final void clearVlanFilter() {
        for (int i = 0; i < VFTA_ENTRIES; i++) regs.write32(VFTA + 4 * i, 0);
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
