package io.jnetmap.e1000e;

import io.jnetmap.intel.IntelStats;
import io.jnetmap.intel.gigabit.GigabitStats;
import io.jnetmap.nic.ChipRing;
import io.jnetmap.nic.MiiPhy;
import io.jnetmap.nic.QemuNetQueue;
import io.jnetmap.nic.RegisterModel;
import io.jnetmap.sys.EventFd;
import io.jnetmap.sys.OffHeapBuffer;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static io.jnetmap.e1000e.E1000eRegs.*;
import static io.jnetmap.intel.gigabit.GigabitRegs.*;

/**
 * A register-level model of the 82574L, enough to run the driver without hardware: registers in
 * a fake BAR ({@link RegisterModel}), DMA at identity addresses over real memory, a PHY behind
 * MDIC, an NVM behind EERD, transmit on a TDT write (legacy descriptors: frames gathered until
 * EOP, DD written back for RS descriptors), receive on demand into extended RX descriptors
 * (frames spread over as many descriptors as the buffer size needs), clear-on-read statistics,
 * ICR/IMS/IVAR/EIAC interrupt logic signalling eventfds. Follows the datasheet (and QEMU's model
 * where the datasheet leaves room).
 */
final class E1000eModel extends RegisterModel {
    static final int SIZE = 128 * 1024;
    static final int OTHER_CAUSES = ICR_LSC | ICR_RXO | ICR_MDAC | ICR_SRPD | ICR_ACK | ICR_MNG;

    static final MiiPhy.Mdic MDIC_FIELDS = new MiiPhy.Mdic(MDIC_REG_SHIFT, MDIC_PHY_SHIFT, MDIC_OP_READ, MDIC_OP_WRITE,
            MDIC_READY, MDIC_ERROR);

    final MiiPhy phy = new MiiPhy(1, MDIC_FIELDS, this::autonegRestarted);
    private final ByteArrayOutputStream[] txPartial = {new ByteArrayOutputStream(), new ByteArrayOutputStream()};

    /** Frames the model put on the wire, in order. */
    final List<byte[]> wire = new ArrayList<>();
    /** When set, a TDT write is stored but nothing is transmitted until {@link #processTx}. */
    boolean holdTx;
    boolean linkUp = true;
    int tdtWrites, rdtWrites;
    int rxOverruns;
    /**
     * Silicon instead of QEMU at a full ring: a frame without enough free descriptors is dropped
     * and counted (MPC: missed, RNBC: no buffers; ICR.RXO raised) and {@link #receive} returns
     * true; the next frame that finds descriptors is received. Off: QEMU's back-pressure, the
     * frame waits ({@link #receive} returns false).
     */
    volatile boolean dropWhenFull;
    /** Frames dropped at a full ring while {@link #dropWhenFull}. */
    long rxDropped;
    /** QEMU's net layer in front of the model, once a test asked for it ({@link #qemuNetLayer}). */
    private QemuNetQueue qemu;

    // interrupts
    int icr, ims;
    EventFd[] vectors;
    boolean msixMode;
    long interruptsSent;

    /** Receive address registers the chip has (RAR 0..15); 1..15 survive a reset (only RAR0 is reloaded from the NVM). */
    static final int RAR_ENTRIES = 16;
    /**
     * When set, queue causes (RXQ0/1, TXQ0/1) stay pending in ICR without their message going out,
     * as while an interrupt throttle interval runs or the vector is masked: the message goes when
     * {@link #releaseQueueMessages} is called, if the cause is still pending then.
     */
    boolean holdQueueMessages;

    E1000eModel(byte[] mac) {
        super(SIZE, mac);
        phy.reset(0x7949 | BMSR_LSTATUS | BMSR_ANEGCOMPLETE, 0x0141, 0x0cb0); // power-on: the PHY is not reset with the MAC
        reset();
    }

    @Override public int msixVectors() { return 5; }

    @Override
    public synchronized void attachVectors(EventFd[] v, String mode) {
        vectors = v;
        msixMode = "MSIX".equals(mode);
    }

    /** Power-on / CTRL.RST state (82574L datasheet §10.2 initial values; QEMU e1000e_mac_reg_init). */
    @Override
    public void reset() {
        int[] rars = new int[2 * RAR_ENTRIES];
        for (int i = 2; i < rars.length; i++) rars[i] = get(RAL0 + 4 * i);
        clearRegisters();
        for (int i = 2; i < rars.length; i++) put(RAL0 + 4 * i, rars[i]);
        icr = 0;
        ims = 0;
        put(CTRL, CTRL_FD | CTRL_SLU | (2 << 8));
        put(STATUS, (linkUp ? STATUS_LU : 0) | STATUS_FD | (2 << STATUS_SPEED_SHIFT));
        put(EECD, EECD_AUTO_RD | EECD_PRES);
        put(EERD, EERD_DONE);
        put(PBA, 0x00140014);
        put(TARC0, 3 | TARC_ENABLE);
        put(TARC1, 3 | TARC_ENABLE);
        put(RXDCTL, 1 << 16);
        put(TIPG, TIPG_COPPER);
        put(EXTCNF_CTRL, 1 << 3);
        put(RAL0, macLow());
        put(RAH0, macHigh() | RAH_AV);
        for (ByteArrayOutputStream b : txPartial) b.reset();
    }

    // ------------------------------------------------------------------ register access

    @Override
    public synchronized int read32(int off) {
        switch (off) {
            case ICR: {
                int v = icr;
                if (!msixMode || ims == 0) icr = 0; // clear on read (outside MSI-X mode)
                return v;
            }
            case ICS: return icr;
            case IMS: return ims;
            case STATUS: {
                int s = get(STATUS) & ~(STATUS_LU | STATUS_GIO_MASTER_ENABLE);
                if (linkUp() && (get(CTRL) & CTRL_SLU) != 0) s |= STATUS_LU;
                if ((get(CTRL) & CTRL_GIO_MASTER_DISABLE) == 0) s |= STATUS_GIO_MASTER_ENABLE;
                return s;
            }
            default:
                if (off >= 0x4000 && off < 0x4100) // statistics: clear on read (64-bit ones: the high half clears both)
                    return readStatistic(off, IntelStats.GORCL, IntelStats.GOTCL, IntelStats.TORL, GigabitStats.TOTL);
                return get(off);
        }
    }

    @Override
    public synchronized void write32(int off, int v) {
        logWrite(off, v);
        switch (off) {
            case CTRL:
                put(CTRL, v & ~CTRL_RST);
                if ((v & CTRL_RST) != 0) reset();
                return;
            case MDIC: put(MDIC, phy.access(v)); return;
            case EERD: {
                int addr = (v >>> EERD_ADDR_SHIFT) & 0x3fff;
                int data = nvmWord(addr, 0);
                put(EERD, EERD_DONE | (addr << EERD_ADDR_SHIFT) | (data << EERD_DATA_SHIFT));
                return;
            }
            case ICR: icr &= ~v; return;
            case ICS: raise(v); return;
            case IMS: {
                int old = icr & ims;
                ims |= v;
                notify(icr & ims & ~old);
                return;
            }
            case IMC: ims &= ~v; return;
            case EECD: put(EECD, (v & ~(EECD_AUTO_RD | EECD_PRES)) | EECD_AUTO_RD | EECD_PRES); return;
            case TCTL:
                put(TCTL, v);
                if ((v & TCTL_EN) != 0 && !holdTx) { processTx(0); processTx(1); }
                return;
            case RCTL:
                put(RCTL, v);
                if ((v & RCTL_EN) != 0) flushQemu(); // e1000e_set_rx_control
                return;
            default:
                break;
        }
        if (off == TDT || off == TDT + QUEUE_STRIDE) {
            put(off, v & 0xffff);
            tdtWrites++;
            if (!holdTx) processTx(off == TDT ? 0 : 1);
            return;
        }
        if (off == RDT || off == RDT + QUEUE_STRIDE) {
            put(off, v & 0xffff);
            rdtWrites++;
            flushQemu(); // e1000e_set_rdt: e1000e_start_recv, whatever the ring holds
            return;
        }
        if (off == TDLEN || off == RDLEN || off == TDLEN + QUEUE_STRIDE || off == RDLEN + QUEUE_STRIDE) {
            put(off, v & 0xfff80);
            return;
        }
        if (off == TDBAL || off == RDBAL || off == TDBAL + QUEUE_STRIDE || off == RDBAL + QUEUE_STRIDE) {
            put(off, v & ~0xf);
            return;
        }
        put(off, v);
    }

    /** Autonegotiation restarted through BMCR: done at once, a link change if the link is up. */
    private void autonegRestarted(int bmcr) {
        if (linkUp()) {
            raise(ICR_LSC);
            flushQemu(); // e1000e_autoneg_timer
        }
    }

    /** Cable in and the PHY powered up. */
    boolean linkUp() { return linkUp && !phy.poweredDown(); }

    // ------------------------------------------------------------------ QEMU's net layer

    /**
     * QEMU's net layer in front of the model (created at the first call): frames sent through it
     * are held while the model cannot receive and latch it when receive finds no room (QEMU's
     * e1000e returns 0 for a frame its queue has too few free descriptors for: e1000e_receive_internal),
     * until a flush at an RDT write, an RCTL write with EN, or autonegotiation done.
     */
    synchronized QemuNetQueue qemuNetLayer() {
        if (qemu == null) qemu = new QemuNetQueue(this, this::qemuCanReceive, this::qemuReceive);
        return qemu;
    }

    /** e1000e_receive_internal: -1 with RX off or no link (dropped), 0 without room on the queue (latched). */
    private int qemuReceive(byte[] frame) {
        if ((get(RCTL) & RCTL_EN) == 0 || !linkUp()) return -1;
        return receive(0, frame) ? 1 : 0;
    }

    /** e1000e_can_receive: link up, RX on, some queue with a ring and a free descriptor. */
    private boolean qemuCanReceive() {
        if ((get(RCTL) & RCTL_EN) == 0 || !linkUp()) return false;
        for (int q = 0; q < 2; q++) if (get(RDLEN + q * QUEUE_STRIDE) > 0 && rxFree(q) > 0) return true;
        return false;
    }

    private void flushQemu() {
        if (qemu != null) qemu.flush();
    }

    // ------------------------------------------------------------------ interrupts

    synchronized void raise(int causes) {
        int old = icr & ims;
        icr |= causes;
        if (msixMode && (icr & OTHER_CAUSES) != 0) icr |= ICR_OTHER;
        notify(icr & ims & ~old);
    }

    private void notify(int raised) {
        if (raised == 0 || vectors == null) return;
        if (!msixMode) {
            vectors[0].signal();
            interruptsSent++;
            return;
        }
        int ivar = get(IVAR);
        int[][] map = {{ICR_RXQ0, IVAR_RXQ0_SHIFT}, {ICR_RXQ1, IVAR_RXQ1_SHIFT}, {ICR_TXQ0, IVAR_TXQ0_SHIFT},
                {ICR_TXQ1, IVAR_TXQ1_SHIFT}, {ICR_OTHER, IVAR_OTHER_SHIFT}};
        for (int[] m : map) {
            if ((raised & m[0]) == 0) continue;
            if (holdQueueMessages && m[0] != ICR_OTHER) continue; // stays pending in ICR
            int nib = (ivar >>> m[1]) & 0xf;
            if ((nib & IVAR_VALID) != 0 && (nib & 7) < vectors.length) {
                vectors[nib & 7].signal();
                interruptsSent++;
            }
            icr &= ~(get(EIAC) & m[0]); // auto-clear
        }
    }

    /** The held queue messages go out for the causes still pending and unmasked. */
    synchronized void releaseQueueMessages() {
        holdQueueMessages = false;
        notify(icr & ims & (ICR_RXQ0 | ICR_RXQ1 | ICR_TXQ0 | ICR_TXQ1));
    }

    // ------------------------------------------------------------------ link

    /**
     * Plugs or pulls the cable. As on the silicon (not QEMU's model), transmit DMA stops while the
     * link is down: what TDT offers stays queued, and goes out when the link comes back.
     */
    synchronized void setLink(boolean up) {
        linkUp = up;
        raise(ICR_LSC);
        if (up && !holdTx) { processTx(0); processTx(1); }
    }

    // ------------------------------------------------------------------ transmit

    /** Processes queue {@code q}'s descriptors from TDH to TDT, as the chip does after a TDT write. */
    synchronized void processTx(int q) {
        int o = q * QUEUE_STRIDE;
        if ((get(TCTL) & TCTL_EN) == 0 || !linkUp()) return; // no link: the silicon's TX DMA stands still
        int n = get(TDLEN + o) / 16;
        if (n == 0) return;
        long base = (get(TDBAL + o) & 0xffffffffL) | ((long) get(TDBAH + o) << 32);
        OffHeapBuffer ring = OffHeapBuffer.wrap(base, n * 16L);
        int h = get(TDH + o), t = get(TDT + o);
        boolean report = false;
        while (h != t && t < n) {
            int d = h * 16;
            long addr = ring.getLong(d);
            int lower = ring.getInt(d + 8);
            int len = lower & 0xffff, cmd = lower >>> 24;
            byte[] data = new byte[len];
            if (len > 0) OffHeapBuffer.wrap(addr, len).getBytes(0, data, 0, len);
            txPartial[q].write(data, 0, len);
            if ((cmd & 0x01) != 0) { // EOP
                byte[] frame = txPartial[q].toByteArray();
                txPartial[q].reset();
                {
                    wire.add(frame);
                    count(IntelStats.GPTC, 1);
                    count(IntelStats.TPT, 1);
                    count64(IntelStats.GOTCL, frame.length + 4);
                    count64(GigabitStats.TOTL, frame.length + 4);
                    if (isBroadcast(frame)) count(IntelStats.BPTC, 1);
                    else if (frame.length > 0 && (frame[0] & 1) != 0) count(IntelStats.MPTC, 1); // a runt the driver let through: sent as is
                }
            }
            if ((cmd & 0x08) != 0) { // RS: write back DD
                ring.putInt(d + 12, ring.getInt(d + 12) | 1);
                report = true;
            }
            h = h + 1 == n ? 0 : h + 1;
        }
        put(TDH + o, h);
        raise(ICR_TXQE | (report ? (msixMode ? ICR_TXQ0 << q : ICR_TXDW) : 0));
    }

    // ------------------------------------------------------------------ receive

    /**
     * Receives {@code frame} (without CRC) on queue {@code q} as the chip would: filtered by RCTL,
     * spread over buffers of the RCTL size, written back with DD (and EOP on the last). Returns
     * false when the ring has too few free descriptors (the frame waits: back-pressure).
     */
    synchronized boolean receive(int q, byte[] frame) {
        int rctl = get(RCTL);
        if ((rctl & RCTL_EN) == 0 || !linkUp()) return false;
        if (!accepted(frame, rctl)) return true; // filtered: dropped
        if (frame.length > 1518 && (rctl & RCTL_LPE) == 0) { count(IntelStats.ROC, 1); return true; }
        int o = q * QUEUE_STRIDE;
        int n = get(RDLEN + o) / 16;
        long base = (get(RDBAL + o) & 0xffffffffL) | ((long) get(RDBAH + o) << 32);
        OffHeapBuffer ring = OffHeapBuffer.wrap(base, n * 16L);
        int bsize = bufferSize(rctl);
        int h = get(RDH + o), t = get(RDT + o);
        int free = t >= h ? t - h : n - h + t;
        int need = (frame.length + bsize - 1) / bsize;
        if (free < need) {
            rxOverruns++;
            raise(ICR_RXO);
            if (!dropWhenFull) return false;
            rxDropped++;
            count(GigabitStats.MPC, 1);
            count(GigabitStats.RNBC, 1);
            return true;
        }
        int done = 0;
        while (done < frame.length) {
            int d = h * 16;
            long addr = ring.getLong(d);
            int len = Math.min(bsize, frame.length - done);
            OffHeapBuffer.wrap(addr, len).putBytes(0, frame, done, len);
            done += len;
            boolean eop = done == frame.length;
            ring.putLong(d, 0); // write-back format: RSS fields
            // length and VLAN, then the status word with DD last (release): a driver that sees DD sees the rest
            ring.putInt(d + 12, len & 0xffff);
            ring.putIntRelease(d + 8, 1 | (eop ? 2 : 0)); // status: DD, EOP
            h = h + 1 == n ? 0 : h + 1;
        }
        put(RDH + o, h);
        count(IntelStats.GPRC, 1);
        count(IntelStats.TPR, 1);
        count64(IntelStats.GORCL, frame.length + 4);
        count64(IntelStats.TORL, frame.length + 4);
        if (isBroadcast(frame)) count(IntelStats.BPRC, 1);
        else if ((frame[0] & 1) != 0) count(IntelStats.MPRC, 1);
        raise(msixMode ? ICR_RXQ0 << q : ICR_RXT0);
        return true;
    }

    private boolean accepted(byte[] f, int rctl) {
        if (isBroadcast(f)) return (rctl & RCTL_BAM) != 0;
        if ((f[0] & 1) != 0) return (rctl & RCTL_MPE) != 0;
        if ((rctl & RCTL_UPE) != 0) return true;
        for (int i = 0; i < 6; i++) if (f[i] != mac[i]) return false;
        return true;
    }

    static boolean isBroadcast(byte[] f) {
        if (f.length < 6) return false;
        for (int i = 0; i < 6; i++) if (f[i] != (byte) 0xff) return false;
        return true;
    }

    static int bufferSize(int rctl) {
        int bsize = (rctl >>> RCTL_BSIZE_SHIFT) & 3;
        if ((rctl & RCTL_BSEX) != 0) return new int[] {2048, 16384, 8192, 4096}[bsize];
        return new int[] {2048, 1024, 512, 256}[bsize];
    }

    /** Free RX descriptors on queue q (RDT - RDH). */
    synchronized int rxFree(int q) {
        int o = q * QUEUE_STRIDE;
        int n = get(RDLEN + o) / 16, h = get(RDH + o), t = get(RDT + o);
        return t >= h ? t - h : n - h + t;
    }

    // ------------------------------------------------------------------ the chip's view of its rings (tests)

    ChipRing txRing(int q) {
        int o = q * QUEUE_STRIDE;
        return descriptorRing(TDBAL + o, TDLEN + o, TDH + o, TDT + o);
    }

    ChipRing rxRing(int q) {
        int o = q * QUEUE_STRIDE;
        return descriptorRing(RDBAL + o, RDLEN + o, RDH + o, RDT + o);
    }
}
