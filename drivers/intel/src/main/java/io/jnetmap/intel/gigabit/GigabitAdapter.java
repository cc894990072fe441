package io.jnetmap.intel.gigabit;

import io.jnetmap.intel.IntelAdapter;
import io.jnetmap.nic.Counters;
import io.jnetmap.nic.NicDevice;
import io.jnetmap.nic.NicRegion;
import io.jnetmap.nic.Registers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.locks.LockSupport;

import static io.jnetmap.intel.gigabit.GigabitRegs.*;

/**
 * What the Intel gigabit MACs (e1000e: 82574L family; igb: 82576/I350) share above the ring
 * plumbing of {@link IntelAdapter}: link state and speed from STATUS, the receive filter bits of
 * RCTL, 802.3x flow control through the copper PHY ({@link CopperPhy}, {@link FlowControl}), the
 * MAC address (RAL/RAH or the NVM through EERD), the receive address, multicast and VLAN tables,
 * the wait for link after autonegotiation, stopping RX and TX through RCTL/TCTL
 * ({@link #stopReceiveAndTransmit}) and the shutdown before the memory goes
 * ({@link #shutdownHardware}). The 82599 has none of these registers at these offsets, so ixgbe
 * extends {@link IntelAdapter} directly.
 */
public abstract class GigabitAdapter extends IntelAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(GigabitAdapter.class);

    protected GigabitAdapter(String name, NicDevice device, NicRegion.Lease lease, Registers regs, Counters counters) {
        super(name, device, lease, regs, counters);
    }

    // ------------------------------------------------------------------ link and receive filter

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

    /** Promiscuous (RCTL.UPE), all-multicast (RCTL.MPE), broadcast accept (RCTL.BAM). */
    @Override
    protected void applyReceiveFilter() {
        int rctl = regs.read32(RCTL) & ~(RCTL_UPE | RCTL_MPE | RCTL_BAM);
        regs.write32(RCTL, rctl | filterBits());
    }

    /** The RCTL bits of the current receive filter. */
    protected final synchronized int filterBits() {
        return (promiscuous() ? RCTL_UPE : 0) | (allMulticast() ? RCTL_MPE : 0) | (broadcast() ? RCTL_BAM : 0);
    }

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
    @Override
    protected void linkRestored() {
        if (flowControlOn()) resolveFlowControl();
    }

    private synchronized void resolveFlowControl() {
        if (isDestroyed()) return;
        FlowControl fc = copperPhy().resolveFlowControl((regs.read32(STATUS) & STATUS_FD) != 0);
        regs.write32(CTRL, (regs.read32(CTRL) & ~(CTRL_RFCE | CTRL_TFCE)) | fc.ctrlBits);
        flowControl = fc;
        driverLog().info("{}: flow control {}", name(), fc.name().toLowerCase(java.util.Locale.ROOT));
    }

    // ------------------------------------------------------------------ steps every gigabit chip takes alike

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

    /** Masks every interrupt cause (IMC; a chip with more cause registers masks those too). */
    @Override
    protected void maskInterrupts() {
        regs.write32(IMC, 0xffff_ffff);
    }

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
}
