package io.jnetmap.e1000e;

import io.jnetmap.intel.IntelStats;
import io.jnetmap.nic.DeviceModel;
import io.jnetmap.sys.EventFd;
import io.jnetmap.sys.OffHeapBuffer;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static io.jnetmap.e1000e.E1000eRegs.*;
import static io.jnetmap.intel.IntelRegs.*;

/**
 * A register-level model of the 82574L, enough to run the driver without hardware: registers in
 * a fake BAR (an {@link OffHeapBuffer}), DMA at identity addresses over real memory, a PHY behind
 * MDIC, an NVM behind EERD, transmit on a TDT write (legacy descriptors: frames gathered until
 * EOP, DD written back for RS descriptors), receive on demand into extended RX descriptors
 * (frames spread over as many descriptors as the buffer size needs), clear-on-read statistics,
 * ICR/IMS/IVAR/EIAC interrupt logic signalling eventfds. Follows the datasheet (and QEMU's model
 * where the datasheet leaves room).
 */
final class E1000eModel implements DeviceModel {
    static final int SIZE = 128 * 1024;
    static final int OTHER_CAUSES = ICR_LSC | ICR_RXO | ICR_MDAC | ICR_SRPD | ICR_ACK | ICR_MNG;

    final OffHeapBuffer bar = OffHeapBuffer.allocate(SIZE);
    final byte[] mac;
    final int[] phy = new int[32];
    private final ByteArrayOutputStream[] txPartial = {new ByteArrayOutputStream(), new ByteArrayOutputStream()};

    /** Frames the model put on the wire, in order. */
    final List<byte[]> wire = new ArrayList<>();
    /** Every register write, in order (offset, value). */
    final List<int[]> writes = new ArrayList<>();
    boolean logWrites = true;
    /** When set, a TDT write is stored but nothing is transmitted until {@link #processTx}. */
    boolean holdTx;
    boolean linkUp = true;
    int tdtWrites, rdtWrites;
    int rxOverruns;

    // interrupts
    int icr, ims;
    EventFd[] vectors;
    boolean msixMode;
    long interruptsSent;

    E1000eModel(byte[] mac) {
        this.mac = mac.clone();
        reset();
    }

    @Override public long barSize() { return SIZE; }
    @Override public int msixVectors() { return 5; }

    @Override
    public synchronized void attachVectors(EventFd[] v, String mode) {
        vectors = v;
        msixMode = "MSIX".equals(mode);
    }

    /** Power-on / CTRL.RST state (82574L datasheet §10.2 initial values; QEMU e1000e_mac_reg_init). */
    @Override
    public void reset() {
        bar.fill(0, SIZE, (byte) 0);
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
        put(RAL0, (mac[0] & 0xff) | (mac[1] & 0xff) << 8 | (mac[2] & 0xff) << 16 | (mac[3] & 0xff) << 24);
        put(RAH0, (mac[4] & 0xff) | (mac[5] & 0xff) << 8 | RAH_AV);
        java.util.Arrays.fill(phy, 0);
        phy[PHY_BMCR] = 0x1140; // 1000 Mb/s, full duplex, autonegotiation enabled
        phy[PHY_BMSR] = 0x7949 | BMSR_LSTATUS | BMSR_ANEGCOMPLETE;
        phy[PHY_ID1] = 0x0141;
        phy[PHY_ID2] = 0x0cb0;
        phy[PHY_ANAR] = 0x0de1;
        phy[PHY_CTRL1000] = 0x0e00;
        for (ByteArrayOutputStream b : txPartial) b.reset();
    }

    int get(int off) { return bar.getInt(off); }
    void put(int off, int v) { bar.putInt(off, v); }

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
                if (linkUp && (get(CTRL) & CTRL_SLU) != 0) s |= STATUS_LU;
                if ((get(CTRL) & CTRL_GIO_MASTER_DISABLE) == 0) s |= STATUS_GIO_MASTER_ENABLE;
                return s;
            }
            case IntelStats.GORCH: case IntelStats.GOTCH: case IntelStats.TORH: case IntelStats.TOTH: {
                int v = get(off);
                put(off, 0);
                put(off - 4, 0);
                return v;
            }
            case IntelStats.GORCL: case IntelStats.GOTCL: case IntelStats.TORL: case IntelStats.TOTL:
                return get(off);
            default:
                if (off >= 0x4000 && off < 0x4100) { // statistics: clear on read
                    int v = get(off);
                    put(off, 0);
                    return v;
                }
                return get(off);
        }
    }

    @Override
    public synchronized void write32(int off, int v) {
        if (logWrites) writes.add(new int[] {off, v});
        switch (off) {
            case CTRL:
                put(CTRL, v & ~CTRL_RST);
                if ((v & CTRL_RST) != 0) reset();
                return;
            case MDIC: mdic(v); return;
            case EERD: {
                int addr = (v >>> EERD_ADDR_SHIFT) & 0x3fff;
                int data = addr < 3 ? (mac[2 * addr] & 0xff) | (mac[2 * addr + 1] & 0xff) << 8 : 0;
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

    private void mdic(int v) {
        int reg = (v >>> MDIC_REG_SHIFT) & 0x1f, addr = (v >>> MDIC_PHY_SHIFT) & 0x1f;
        int result = v;
        if (addr != 1) {
            result |= MDIC_ERROR;
        } else if ((v & MDIC_OP_READ) != 0) {
            result = (v & ~0xffff) | phy[reg];
        } else if ((v & MDIC_OP_WRITE) != 0) {
            int data = v & 0xffff;
            if (reg == PHY_BMCR) {
                phy[PHY_BMCR] = data & ~(BMCR_RESET | BMCR_ANRESTART);
                if ((data & BMCR_ANRESTART) != 0 && linkUp) raise(ICR_LSC); // autonegotiation done at once
            } else {
                phy[reg] = data;
            }
        }
        put(MDIC, result | MDIC_READY);
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
            int nib = (ivar >>> m[1]) & 0xf;
            if ((nib & IVAR_VALID) != 0 && (nib & 7) < vectors.length) {
                vectors[nib & 7].signal();
                interruptsSent++;
            }
            icr &= ~(get(EIAC) & m[0]); // auto-clear
        }
    }

    // ------------------------------------------------------------------ link

    synchronized void setLink(boolean up) {
        linkUp = up;
        raise(ICR_LSC);
    }

    // ------------------------------------------------------------------ transmit

    /** Processes queue {@code q}'s descriptors from TDH to TDT, as the chip does after a TDT write. */
    synchronized void processTx(int q) {
        int o = q * QUEUE_STRIDE;
        if ((get(TCTL) & TCTL_EN) == 0) return;
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
                if (linkUp) {
                    wire.add(frame);
                    count(IntelStats.GPTC, 1);
                    count(IntelStats.TPT, 1);
                    count64(IntelStats.GOTCL, frame.length + 4);
                    count64(IntelStats.TOTL, frame.length + 4);
                    if (isBroadcast(frame)) count(IntelStats.BPTC, 1);
                    else if ((frame[0] & 1) != 0) count(IntelStats.MPTC, 1);
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
        if ((rctl & RCTL_EN) == 0 || !linkUp) return false;
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
            return false;
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

    // ------------------------------------------------------------------ statistics

    synchronized void count(int off, int delta) { put(off, get(off) + delta); }

    synchronized void count64(int lowOff, long delta) {
        long v = (get(lowOff) & 0xffffffffL) | ((long) get(lowOff + 4) << 32);
        v += delta;
        put(lowOff, (int) v);
        put(lowOff + 4, (int) (v >>> 32));
    }

    /** Index in {@link #writes} of the first write of {@code value & mask == want} to {@code off}, or -1. */
    synchronized int firstWrite(int off, int mask, int want) {
        for (int i = 0; i < writes.size(); i++) {
            int[] w = writes.get(i);
            if (w[0] == off && (w[1] & mask) == want) return i;
        }
        return -1;
    }

    synchronized int lastWrite(int off, int mask, int want) {
        for (int i = writes.size() - 1; i >= 0; i--) {
            int[] w = writes.get(i);
            if (w[0] == off && (w[1] & mask) == want) return i;
        }
        return -1;
    }

    synchronized int countWrites(int off) {
        int n = 0;
        for (int[] w : writes) if (w[0] == off) n++;
        return n;
    }

    void close() { bar.close(); }
}
