package io.jnetmap.igb;

import io.jnetmap.intel.AdvancedTxFormat;
import io.jnetmap.intel.IntelStats;
import io.jnetmap.intel.gigabit.GigabitStats;
import io.jnetmap.nic.ChipRing;
import io.jnetmap.nic.MiiPhy;
import io.jnetmap.nic.QemuNetQueue;
import io.jnetmap.intel.MultiQueueAdapterCases;
import io.jnetmap.intel.RssHashModel;
import io.jnetmap.nic.RegisterModel;
import io.jnetmap.sys.EventFd;
import io.jnetmap.sys.OffHeapBuffer;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongPredicate;

import static io.jnetmap.igb.IgbRegs.*;
import static io.jnetmap.intel.gigabit.GigabitRegs.*;

/**
 * A register-level model of the 82576, enough to run the igb driver without hardware. It follows
 * the datasheet where the driver relies on it (and QEMU's model where the datasheet leaves room):
 * <ul>
 * <li>registers in a fake BAR; CTRL.RST resets them and drops the link, which comes back when
 *     autonegotiation is restarted through the PHY's control register (MDIC, PHY address 1);</li>
 * <li>16 queue pairs at the native offsets (RX 0xC000 + 0x40 n, TX 0xE000 + 0x40 n);</li>
 * <li>transmit on a TDT write: advanced data descriptors gathered until EOP, the packet length
 *     checked against PAYLEN, DD written back for RS descriptors (nothing else is written back);</li>
 * <li>receive on demand ({@link #receive}): MAC filters (RAR0, UPE, MPE, BAM), long frames
 *     (LPE/RLPML), RSS (MRQC fields, Toeplitz over the key in RSSRK, queue = RETA[hash & 127]),
 *     advanced one-buffer descriptors with frames spread over as many as SRRCTL's buffer size
 *     needs, write-back of length, status (DD last, release-ordered), RSS type and hash;
 *     no descriptors: dropped and counted in RQDPC with SRRCTL.DROP_EN, else refused (QEMU queues);</li>
 * <li>per-queue packet counters of its own ({@link #rxQueuePackets}), the "chip's view" tests
 *     compare rings against; clear-on-read statistics in the standard block;</li>
 * <li>interrupts: ICR/IMS, EICR/EIMS/EIAC, GPIE.MSIX_MODE, IVAR/IVAR_MISC routing to eventfds.</li>
 * </ul>
 * Every address the model reads or writes through a descriptor is checked by {@link #dmaCheck};
 * a miss is recorded in {@link #dmaViolations} (the driver let a bad slot reach a descriptor).
 */
final class Igb82576Model extends RegisterModel implements MultiQueueAdapterCases.QueueChipModel {
    static final int SIZE = 128 * 1024, QUEUES = 16, MSIX_VECTORS = 10;
    /** receive() results besides a queue number. */
    static final int DROPPED = -1, NO_DESCRIPTORS = -2;

    static final MiiPhy.Mdic MDIC_FIELDS = new MiiPhy.Mdic(MDIC_REG_SHIFT, MDIC_PHY_SHIFT, MDIC_OP_READ, MDIC_OP_WRITE,
            MDIC_READY, MDIC_ERROR);

    final MiiPhy phy = new MiiPhy(1, MDIC_FIELDS, this::autonegRestarted);
    private final ByteArrayOutputStream[] txPartial = new ByteArrayOutputStream[QUEUES];
    private final int[] txPaylen = new int[QUEUES];
    /** Queues whose last descriptor was not a packet's last: the next one continues that packet. */
    private final boolean[] txMidPacket = new boolean[QUEUES];

    /** A frame the model put on the wire, and the TX queue it came from. */
    record Sent(int queue, byte[] frame) { }

    final List<Sent> wire = new ArrayList<>();

    @Override public int wireFrames() { return wire.size(); }
    @Override public byte[] wireFrame(int i) { return wire.get(i).frame(); }
    @Override public void holdTransmit() { holdTx = true; }
    final List<String> protocolErrors = new ArrayList<>();
    final List<String> dmaViolations = new ArrayList<>();
    /** Device addresses the driver may hand the chip as packet buffers (null: anything goes). */
    volatile LongPredicate dmaCheck;
    final long[] rxQueuePackets = new long[QUEUES], txQueuePackets = new long[QUEUES];
    int resets, autonegRestarts, tdtWrites, rdtWrites;
    /** When set, TDT writes are stored but nothing is sent until {@link #processTx}. */
    boolean holdTx;

    boolean cable = true;
    private boolean autonegDone;
    /** QEMU's net layer in front of the model, once a test asked for it ({@link #qemuNetLayer}). */
    private QemuNetQueue qemu;

    // interrupts
    private int icr, ims, eicr, eims;
    private EventFd[] vectors;
    private String interruptMode;
    final long[] signals = new long[MSIX_VECTORS];

    /** Receive address registers (RAR 0..23); 1..23 survive a reset (RAR0 is reloaded from the NVM). */
    static final int RAR_ENTRIES = 24;
    /** This port's LAN ID (STATUS bits 3:2): picks its CFG_DONE bit and its PHY's SW_FW_SYNC bit. */
    volatile int lanId;
    /** PCIe capability version 2 (GCR bit 18, a hardware property that survives resets). */
    volatile boolean capVer2 = true;
    /** Firmware's SW_FW_SYNC bits (16 and up), as a management controller would hold them. */
    volatile int firmwareSync;
    /** EEMNGCTL reads since the last reset: how long the driver waited for CFG_DONE. */
    int eemngctlReads;
    /** MDIC accesses refused because the driver did not hold this port's PHY semaphore. */
    int mdicRefused;

    Igb82576Model(byte[] mac) {
        super(SIZE, mac);
        for (int q = 0; q < QUEUES; q++) txPartial[q] = new ByteArrayOutputStream();
        phy.reset(0x7949 | BMSR_LSTATUS, 0x02a8, 0x0391); // power-on: the PHY is not reset with the MAC
        reset();
    }

    static int ral(int i) { return i < 16 ? RAL0 + 8 * i : 0x54E0 + 8 * (i - 16); }

    @Override public int msixVectors() { return MSIX_VECTORS; }

    @Override
    public synchronized void attachVectors(EventFd[] v, String mode) {
        vectors = v;
        interruptMode = mode;
    }

    /** Power-on / CTRL.RST state: link down until autonegotiation is restarted; queue 0 enabled. */
    @Override
    public synchronized void reset() {
        resets++;
        int[] rars = new int[2 * RAR_ENTRIES];
        for (int i = 1; i < RAR_ENTRIES; i++) { rars[2 * i] = get(ral(i)); rars[2 * i + 1] = get(ral(i) + 4); }
        int gcr = get(IgbRegs.GCR) & ~IgbRegs.GCR_CAP_VER2; // PCIe settings survive CTRL.RST (Intel sets them before it)
        clearRegisters();
        for (int i = 1; i < RAR_ENTRIES; i++) { put(ral(i), rars[2 * i]); put(ral(i) + 4, rars[2 * i + 1]); }
        put(IgbRegs.GCR, gcr | (capVer2 ? IgbRegs.GCR_CAP_VER2 : 0));
        eemngctlReads = 0;
        icr = ims = eicr = eims = 0;
        autonegDone = false;
        put(CTRL, CTRL_FD | CTRL_LRST | (2 << 8));
        put(STATUS, STATUS_PHYRA);
        put(EECD, EECD_PRES | EECD_AUTO_RD);
        put(EEMNGCTL, EEMNGCTL_CFG_DONE_PORT0 << lanId);
        put(rxdctl(0), DCTL_QUEUE_ENABLE | (1 << DCTL_WTHRESH_SHIFT));
        put(txdctl(0), DCTL_QUEUE_ENABLE);
        put(RXCSUM, (1 << 8) | (1 << 9));
        put(RLPML, 0x2600);
        put(TCTL, TCTL_PSP | (15 << TCTL_CT_SHIFT) | (0x40 << TCTL_COLD_SHIFT));
        put(RAL0, macLow());
        put(RAH0, macHigh() | RAH_AV);
        for (ByteArrayOutputStream b : txPartial) b.reset();
        Arrays.fill(txMidPacket, false);
    }

    static int rxBase(int q) { return 0xC000 + 0x40 * q; }
    static int txBase(int q) { return 0xE000 + 0x40 * q; }
    static int rxdctl(int q) { return rxBase(q) + 0x28; }
    static int txdctl(int q) { return txBase(q) + 0x28; }
    static int rdt(int q) { return rxBase(q) + 0x18; }
    static int rdh(int q) { return rxBase(q) + 0x10; }
    static int tdt(int q) { return txBase(q) + 0x18; }
    static int tdh(int q) { return txBase(q) + 0x10; }
    static int srrctl(int q) { return rxBase(q) + 0x0C; }
    static int rqdpc(int q) { return rxBase(q) + 0x30; }

    boolean linkUp() {
        return cable && autonegDone && !phy.poweredDown() && (get(CTRL) & CTRL_SLU) != 0 && (get(CTRL) & CTRL_LRST) == 0;
    }

    // ------------------------------------------------------------------ register access

    @Override
    public synchronized int read32(int off) {
        switch (off) {
            case ICR: {
                int v = icr;
                if ((get(GPIE) & GPIE_MSIX_MODE) == 0 || (get(GPIE) & GPIE_NSICR) != 0 || ims == 0) icr = 0;
                return v;
            }
            case IMS: return ims;
            case EICR: {
                int v = eicr;
                eicr = 0;
                return v;
            }
            case EIMS: return eims;
            case EEMNGCTL: eemngctlReads++; return get(EEMNGCTL);
            case IgbRegs.SWSM: {
                int v = get(IgbRegs.SWSM);
                put(IgbRegs.SWSM, v | IgbRegs.SWSM_SMBI); // the read that finds SMBI clear takes it
                return v;
            }
            case IgbRegs.SW_FW_SYNC: return get(IgbRegs.SW_FW_SYNC) | firmwareSync;
            case STATUS: {
                int s = get(STATUS) | STATUS_FD | (2 << STATUS_SPEED_SHIFT) | (lanId << IgbRegs.STATUS_LAN_ID_SHIFT);
                if (linkUp()) s |= STATUS_LU;
                if ((get(CTRL) & CTRL_GIO_MASTER_DISABLE) == 0) s |= STATUS_GIO_MASTER_ENABLE;
                return s;
            }
            default:
                if ((off >= 0x4000 && off < 0x4100) || isRqdpc(off)) // statistics: clear on read (64-bit ones: the high half clears both)
                    return readStatistic(off, IntelStats.GORCL, IntelStats.GOTCL, IntelStats.TORL, GigabitStats.TOTL);
                return get(off);
        }
    }

    private static boolean isRqdpc(int off) {
        return off >= 0xC000 && off < 0xC000 + 0x40 * QUEUES && (off & 0x3F) == 0x30;
    }

    @Override
    public synchronized void write32(int off, int v) {
        logWrite(off, v);
        switch (off) {
            case CTRL:
                if ((v & CTRL_RST) != 0) {
                    reset();
                    return;
                }
                put(CTRL, v);
                return;
            case STATUS: return; // read-only here (DEV_RST_SET is I350's)
            case MDIC: {
                // firmware shares the PHY: an access without this port's SW_FW_SYNC PHY bit is refused
                if ((get(IgbRegs.SW_FW_SYNC) & IgbRegs.SW_FW_PHY[lanId]) == 0) {
                    mdicRefused++;
                    put(MDIC, v | MDIC_READY | MDIC_ERROR);
                    return;
                }
                put(MDIC, phy.access(v));
                return;
            }
            case IgbRegs.SWSM: put(IgbRegs.SWSM, v & (IgbRegs.SWSM_SMBI | IgbRegs.SWSM_SWESMBI)); return;
            case IgbRegs.SW_FW_SYNC:
                if ((get(IgbRegs.SWSM) & IgbRegs.SWSM_SWESMBI) == 0) {
                    protocolErrors.add("SW_FW_SYNC written without SWSM.SWESMBI held");
                    return;
                }
                put(IgbRegs.SW_FW_SYNC, v & 0xffff);
                return;
            case EERD: {
                int addr = (v >>> EERD_ADDR_SHIFT) & 0x3fff;
                int data = nvmWord(addr, 0xffff);
                put(EERD, EERD_DONE | (addr << EERD_ADDR_SHIFT) | (data << EERD_DATA_SHIFT));
                return;
            }
            case ICR: icr &= ~v; return;
            case ICS: raiseIcr(v); return;
            case IMS: {
                int old = icr & ims;
                ims |= v;
                icrRaised(icr & ims & ~old);
                return;
            }
            case IMC: ims &= ~v; return;
            case EICR: eicr &= ~v; return;
            case EICS: raiseEicr(v); return;
            case EIMS: {
                int old = eicr & eims;
                eims |= v;
                eicrRaised(eicr & eims & ~old);
                return;
            }
            case EIMC: eims &= ~v; return;
            case EECD: put(EECD, (v & ~(EECD_AUTO_RD | EECD_PRES)) | EECD_AUTO_RD | EECD_PRES); return;
            case TCTL:
                put(TCTL, v);
                if ((v & TCTL_EN) != 0 && !holdTx) for (int q = 0; q < QUEUES; q++) processTx(q);
                return;
            case RCTL:
                put(RCTL, v);
                if ((v & RCTL_EN) != 0) flushQemu(); // igb_set_rx_control
                return;
            default:
                break;
        }
        if (off >= 0xC000 && off < 0xC000 + 0x40 * QUEUES) {
            int reg = off & 0x3F;
            if (reg == 0x18) rdtWrites++;
            if (reg == 0x10 || reg == 0x18) v &= 0xffff;
            if (reg == 0x08) v &= 0xfff80;
            if (reg == 0x00) v &= ~0x7f;
            put(off, v);
            if (reg == 0x18) flushQemu(); // igb_set_rdt: igb_start_recv
            return;
        }
        if (off >= 0xE000 && off < 0xE000 + 0x40 * QUEUES) {
            int reg = off & 0x3F;
            if (reg == 0x10 || reg == 0x18) v &= 0xffff;
            if (reg == 0x08) v &= 0xfff80;
            if (reg == 0x00) v &= ~0x7f;
            put(off, v);
            if (reg == 0x18) {
                tdtWrites++;
                if (!holdTx) processTx((off - 0xE000) / 0x40);
            }
            return;
        }
        put(off, v);
    }

    /** Autonegotiation restarted through BMCR (and enabled): QEMU is done 500 ms later, the model at once. */
    private void autonegRestarted(int bmcr) {
        if ((bmcr & BMCR_ANENABLE) == 0) return;
        autonegRestarts++;
        autonegDone = true;
        phy.set(PHY_BMSR, BMSR_ANEGCOMPLETE);
        if (cable) raiseIcr(ICR_LSC);
        resumeTx();
        flushQemu(); // igb_autoneg_timer
    }

    // ------------------------------------------------------------------ QEMU's net layer

    /**
     * QEMU's net layer in front of the model (created at the first call): frames sent through it
     * are held while the model cannot receive (igb_can_receive: RX on, link up, an enabled queue
     * with a free descriptor) until a flush at an RDT write, an RCTL write with EN, or
     * autonegotiation done. QEMU's igb never refuses a frame it was handed (igb_receive_internal
     * drops what finds no descriptor and raises RXO), so it is never latched.
     */
    synchronized QemuNetQueue qemuNetLayer() {
        if (qemu == null) qemu = new QemuNetQueue(this, this::qemuCanReceive, this::qemuReceive);
        return qemu;
    }

    /** igb_receive_internal: -1 with RX off or no link (dropped); otherwise taken or dropped by the chip, never refused. */
    private int qemuReceive(byte[] frame) {
        if ((get(RCTL) & RCTL_EN) == 0 || !linkUp()) return -1;
        receive(frame);
        return 1;
    }

    private boolean qemuCanReceive() {
        if ((get(RCTL) & RCTL_EN) == 0 || !linkUp()) return false;
        for (int q = 0; q < QUEUES; q++) {
            if ((get(rxdctl(q)) & DCTL_QUEUE_ENABLE) == 0 || get(rxBase(q) + 0x08) == 0) continue;
            int n = get(rxBase(q) + 0x08) / 16, head = get(rdh(q)), tail = get(rdt(q));
            if ((tail >= head ? tail - head : n - head + tail) > 0) return true;
        }
        return false;
    }

    private void flushQemu() {
        if (qemu != null) qemu.flush();
    }

    // ------------------------------------------------------------------ interrupts

    private boolean msixMode() { return (get(GPIE) & GPIE_MSIX_MODE) != 0; }

    synchronized void raiseIcr(int causes) {
        int old = icr & ims;
        icr |= causes;
        icrRaised(icr & ims & ~old);
    }

    private void icrRaised(int raised) {
        if (raised == 0) return;
        if (msixMode()) {
            int ent = (get(IVAR_MISC) >>> IVAR_MISC_OTHER_SHIFT) & 0xff;
            if ((ent & IVAR_VALID) != 0) raiseEicr(1 << (ent & 0x1f));
        } else {
            signal(0);
        }
    }

    private void raiseEicr(int bits) {
        int old = eicr & eims;
        eicr |= bits;
        eicrRaised(eicr & eims & ~old);
    }

    private void eicrRaised(int raised) {
        if (raised == 0 || !msixMode()) return;
        for (int v = 0; v < 32; v++) {
            if ((raised & (1 << v)) == 0) continue;
            signal(v);
            eicr &= ~(get(EIAC) & (1 << v)); // auto-clear when the message is sent
        }
    }

    private void signal(int vector) {
        if (vectors == null || vector >= vectors.length) return;
        signals[vector]++;
        vectors[vector].signal();
    }

    /** The EICR bit a queue's RX or TX cause sets, from its IVAR entry (82576 layout), or 0. */
    private int queueCause(int q, boolean tx) {
        int reg = get(IVAR0 + 4 * (q & 7));
        int shift = ((q & 8) << 1) + (tx ? 8 : 0);
        int ent = (reg >>> shift) & 0xff;
        return (ent & IVAR_VALID) != 0 ? 1 << (ent & 0x1f) : 0;
    }

    // ------------------------------------------------------------------ link

    /** Plugs or pulls the cable: STATUS.LU follows (once autonegotiated) and LSC is raised. */
    synchronized void setCable(boolean plugged) {
        cable = plugged;
        raiseIcr(ICR_LSC);
        resumeTx();
    }

    /** The link is back: the queues go on from where their DMA stopped (stale frames included). */
    private void resumeTx() {
        if (linkUp() && !holdTx) for (int q = 0; q < QUEUES; q++) processTx(q);
    }

    // ------------------------------------------------------------------ transmit

    /** Sends what queue {@code q} holds from TDH to TDT, as the chip does after a TDT write. */
    @Override
    public synchronized void processTx(int q) {
        // no link: the silicon's TX DMA stands still (QEMU's model completes descriptors regardless)
        if ((get(TCTL) & TCTL_EN) == 0 || (get(txdctl(q)) & DCTL_QUEUE_ENABLE) == 0 || !linkUp()) return;
        int b = txBase(q);
        int n = get(b + 0x08) / 16;
        if (n == 0) return;
        long base = (get(b) & 0xffffffffL) | ((long) get(b + 0x04) << 32);
        OffHeapBuffer ring = OffHeapBuffer.wrap(base, n * 16L);
        int head = get(tdh(q)), tail = get(tdt(q));
        boolean wroteBack = false;
        while (head != tail) {
            int off = head * 16;
            long addr = ring.getLong(off);
            int cmd = ring.getInt(off + 8), olinfo = ring.getInt(off + 12);
            head = head + 1 == n ? 0 : head + 1;
            if ((cmd & AdvancedTxFormat.DCMD_DEXT) == 0 || (cmd & 0x00F0_0000) != AdvancedTxFormat.DTYP_DATA) {
                protocolErrors.add("TX queue " + q + " descriptor " + (off / 16) + " is not an advanced data descriptor: 0x"
                        + Integer.toHexString(cmd));
                continue;
            }
            if ((cmd & AdvancedTxFormat.DCMD_IFCS) == 0) protocolErrors.add("TX descriptor without IFCS");
            int len = cmd & 0xffff;
            ByteArrayOutputStream pkt = txPartial[q];
            if (!txMidPacket[q]) txPaylen[q] = olinfo >>> AdvancedTxFormat.PAYLEN_SHIFT; // the first descriptor's, even of 0 bytes
            txMidPacket[q] = (cmd & AdvancedTxFormat.DCMD_EOP) == 0;
            if (checkDma(addr, len, "TX queue " + q)) {
                byte[] data = new byte[len];
                OffHeapBuffer.wrap(addr, len).getBytes(0, data, 0, len);
                pkt.write(data, 0, len);
            }
            if ((cmd & AdvancedTxFormat.DCMD_EOP) != 0) {
                byte[] frame = pkt.toByteArray();
                pkt.reset();
                if (txPaylen[q] != frame.length)
                    protocolErrors.add("TX queue " + q + ": PAYLEN " + txPaylen[q] + " but the packet has " + frame.length + " bytes");
                wire.add(new Sent(q, frame));
                txQueuePackets[q]++;
                count(IntelStats.GPTC, 1);
                count(IntelStats.TPT, 1);
                count64(IntelStats.GOTCL, frame.length + 4);
                count64(GigabitStats.TOTL, frame.length + 4);
            }
            if ((cmd & AdvancedTxFormat.DCMD_RS) != 0) {
                ring.putIntRelease(off + 12, olinfo | AdvancedTxFormat.STA_DD);
                wroteBack = true;
            }
        }
        put(tdh(q), head);
        if (wroteBack) {
            raiseEicr(queueCause(q, true));
            raiseIcr(ICR_TXDW);
        }
    }

    private boolean checkDma(long addr, int len, String where) {
        LongPredicate c = dmaCheck;
        if (c != null && !c.test(addr)) {
            dmaViolations.add(where + ": buffer address 0x" + Long.toHexString(addr) + " (" + len + " bytes) is not a netmap buffer");
            return false;
        }
        return true;
    }

    // ------------------------------------------------------------------ receive

    /**
     * A frame (without CRC) arrives from the wire: filtered, classified by RSS, written into the
     * chosen queue's descriptors. Returns the queue, {@link #DROPPED} (filtered, disabled, too
     * long, or no descriptors with DROP_EN), or {@link #NO_DESCRIPTORS} (the queue is full and
     * drops are off: the sender should retry, as QEMU holds the packet).
     */
    @Override
    public synchronized int receive(byte[] frame) {
        if ((get(RCTL) & RCTL_EN) == 0 || !linkUp()) return DROPPED;
        int rctl = get(RCTL);
        boolean bcast = (frame[0] & 0xff) == 0xff && Arrays.equals(Arrays.copyOf(frame, 6), new byte[] {-1, -1, -1, -1, -1, -1});
        boolean mcast = !bcast && (frame[0] & 1) != 0;
        boolean ours = !bcast && !mcast && matchesRar0(frame);
        boolean accept = bcast ? (rctl & RCTL_BAM) != 0 : mcast ? (rctl & RCTL_MPE) != 0 : ours || (rctl & RCTL_UPE) != 0;
        if (!accept) return DROPPED;
        int max = (rctl & RCTL_LPE) != 0 ? get(RLPML) - 4 : 1518;
        if (frame.length > max) {
            count(IntelStats.ROC, 1);
            return DROPPED;
        }
        int[] rss = rss(frame); // {type, hash}
        // RETA entry i is byte i of the table (little-endian registers), queue in its low 4 bits
        int q = rss[0] != 0 ? bar.getByte(RETA + (rss[1] & 127)) & 0x0F : 0;
        if ((get(rxdctl(q)) & DCTL_QUEUE_ENABLE) == 0) return DROPPED;
        int b = rxBase(q);
        int n = get(b + 0x08) / 16;
        if (n == 0) return DROPPED;
        int srr = get(srrctl(q));
        if ((srr & 0x0E00_0000) != SRRCTL_DESCTYPE_ADV_ONEBUF)
            protocolErrors.add("RX queue " + q + ": SRRCTL descriptor type 0x" + Integer.toHexString(srr & 0x0E00_0000));
        int bufSize = (srr & SRRCTL_BSIZEPKT_MASK) * 1024;
        if (bufSize == 0) bufSize = 2048;
        byte[] data = (rctl & RCTL_SECRC) != 0 ? frame : Arrays.copyOf(frame, frame.length + 4);
        int needed = (data.length + bufSize - 1) / bufSize;
        int head = get(rdh(q)), tail = get(rdt(q));
        int free = tail >= head ? tail - head : n - head + tail;
        if (free < needed) {
            if ((srr & SRRCTL_DROP_EN) != 0) {
                put(rqdpc(q), get(rqdpc(q)) + 1);
                return DROPPED;
            }
            count(GigabitStats.RNBC, 1);
            return NO_DESCRIPTORS;
        }
        long base = (get(b) & 0xffffffffL) | ((long) get(b + 0x04) << 32);
        OffHeapBuffer ring = OffHeapBuffer.wrap(base, n * 16L);
        for (int off = 0; off < data.length; ) {
            int d = head * 16;
            long addr = ring.getLong(d);
            int len = Math.min(bufSize, data.length - off);
            if (checkDma(addr, len, "RX queue " + q)) OffHeapBuffer.wrap(addr, len).putBytes(0, data, off, len);
            off += len;
            boolean eop = off == data.length;
            ring.putInt(d, eop ? rss[0] : 0);                  // RSS type (packet type left 0)
            ring.putInt(d + 4, eop ? rss[1] : 0);              // RSS hash
            ring.putInt(d + 12, len);                          // length, no VLAN
            ring.putIntRelease(d + 8, 1 | (eop ? 2 : 0));      // DD (and EOP) last
            head = head + 1 == n ? 0 : head + 1;
        }
        put(rdh(q), head);
        rxQueuePackets[q]++;
        count(IntelStats.GPRC, 1);
        count(IntelStats.TPR, 1);
        if (bcast) count(IntelStats.BPRC, 1);
        if (mcast) count(IntelStats.MPRC, 1);
        count64(IntelStats.GORCL, frame.length + 4);
        count64(IntelStats.TORL, frame.length + 4);
        raiseEicr(queueCause(q, false));
        raiseIcr(ICR_RXDW);
        return q;
    }

    private boolean matchesRar0(byte[] f) {
        int ral = get(RAL0), rah = get(RAH0);
        if ((rah & RAH_AV) == 0) return false;
        byte[] a = {(byte) ral, (byte) (ral >>> 8), (byte) (ral >>> 16), (byte) (ral >>> 24), (byte) rah, (byte) (rah >>> 8)};
        return Arrays.equals(a, Arrays.copyOf(f, 6));
    }

    /** {RSS type, hash}: type 0 when RSS is off or the frame has nothing to hash. */
    int[] rss(byte[] f) {
        int mrqc = get(MRQC);
        if ((mrqc & 7) != MRQC_ENABLE_RSS || (get(RXCSUM) & RXCSUM_PCSD) == 0) return new int[] {0, 0};
        byte[] key = new byte[40];
        for (int i = 0; i < 40; i++) key[i] = bar.getByte(RSSRK + i); // byte i of the key: register i/4, bits 8(i%4)+7..
        return RssHashModel.classify(f, key, mrqc);
    }

    // ------------------------------------------------------------------ the chip's view of its rings (tests)

    ChipRing txRing(int q) { return descriptorRing(txBase(q), txBase(q) + 0x08, tdh(q), tdt(q)); }

    ChipRing rxRing(int q) { return descriptorRing(rxBase(q), rxBase(q) + 0x08, rdh(q), rdt(q)); }
}
