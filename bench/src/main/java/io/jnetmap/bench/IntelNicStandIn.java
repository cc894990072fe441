package io.jnetmap.bench;

import io.jnetmap.intel.QueueRegisters;
import io.jnetmap.intel.gigabit.GigabitRegs;
import io.jnetmap.intel.gigabit.Mdic;
import io.jnetmap.pci.PciId;
import io.jnetmap.sys.OffHeapBuffer;


import static io.jnetmap.intel.IntelDescriptors.*;
import static io.jnetmap.intel.gigabit.GigabitRegs.*;

/**
 * An Intel NIC (82574L for e1000e, 82576 for igb, 82599 for ixgbe) reduced to what a driver's data path
 * talks to, for benchmarks: a register file, DMA at identity addresses over real memory, and a
 * wire that is never idle. Unlike the drivers' unit-test models it allocates nothing after the
 * rings are programmed, so a JMH allocation figure is the driver's own.
 *
 * <ul>
 * <li>TX: a tail (TDT) write makes the chip "send" every descriptor from TDH up to the new tail at
 *     once: DD is written back (a release store, as the chip's DMA write) into the status of each
 *     descriptor that asked for it (RS), and TDH moves to the tail. Legacy and advanced data
 *     descriptors keep RS (bit 27), EOP (bit 24) and DD (bit 0 of byte 12) in the same places.</li>
 * <li>RX: frames keep arriving. Whenever the receiver is on (RCTL.EN; the 82599's RXCTRL.RXEN) and the chip owns
 *     descriptors (RDH != RDT), it fills them all with a {@link #FRAME_LENGTH}-byte frame: the
 *     write-back of e1000e's extended and igb's advanced descriptor (address word overwritten,
 *     length at byte 12, status DD|EOP at byte 8 published last), then RDH moves to the tail. It
 *     does so when RX is enabled and at each RDT write, so every rxsync finds what the previous
 *     one gave back filled again: a port under a line-rate stream. Payload bytes are not written
 *     (on a real NIC that is the device's DMA, not CPU work).</li>
 * <li>Control path: just enough for the drivers' init sequences: CTRL.RST self-clears, STATUS
 *     says link up at 1000 Mb/s full duplex with no pending PCIe master, the NVM was auto-read,
 *     RAL0/RAH0 hold the MAC, MDIC answers for the internal PHY at once, queue enable bits read
 *     back as written; the 82599's power-on values ({@link Mac#powerOn}: EEC.ARD, DMAIDONE, AUTOC,
 *     LINKS up at 10 Gb/s, its RAL(0)/RAH(0)). No interrupts: open the driver with interrupts off.</li>
 * </ul>
 * Register accesses are plain array accesses: the cost of a real MMIO write (an uncached store,
 * hundreds of nanoseconds on the bus) is not modelled, so throughput figures are what the driver
 * costs the CPU, an upper bound for a real NIC. One thread drives it, as the driver's rings.
 */
final class IntelNicStandIn extends NicStandIn {
    static final int BAR_SIZE = 128 * 1024;
    /** Length of each received frame (a minimum Ethernet frame without CRC). */
    static final int FRAME_LENGTH = 60;

    private static final int CMD_EOP = 1 << 24, CMD_RS = 1 << 27, STA_DD = 1;
    /** igb's EEMNGCTL: CFG_DONE of PCI functions 0-3 (bits 18-21); reserved bits elsewhere. */
    private static final int EEMNGCTL = 0x1010, CFG_DONE_ALL = 0xF << 18;

    private static final byte NONE = 0, CTRL_REG = 1, MDIC_REG = 2, EERD_REG = 3, RCTL_REG = 4, TCTL_REG = 5, TDT_REG = 6,
            RDT_REG = 7;

    /**
     * Where the MAC switches the receiver and the transmitter on, which CTRL bits self-clear, and
     * registers that read non-zero after power-on beyond the gigabit ones ({offset, value} pairs).
     */
    record Mac(int rxEnable, int rxEnableBit, int txEnable, int txEnableBit, int ctrlSelfClearing, int[][] powerOn) {
        static final Mac GIGABIT = new Mac(RCTL, RCTL_EN, TCTL, TCTL_EN, CTRL_RST, new int[0][]);
        /**
         * 82599 (datasheet §8.2.3): RXCTRL.RXEN, DMATXCTL.TE; RST and LNK_RST self-clear; EEC.ARD,
         * RDRXCTL.DMAIDONE, AUTOC in KX/KX4/KR autonegotiation, LINKS up at 10 Gb/s, the MAC in RAL(0)/RAH(0),
         * SECRXSTAT.SECRX_RDY (the security block's receive path is always drained here).
         */
        static Mac i82599(byte[] mac) {
            return new Mac(0x3000, 1, 0x4A80, 1, CTRL_RST | (1 << 3), new int[][] {
                    {0x10010, (1 << 8) | (1 << 9)}, {0x2F00, 1 << 3}, {0x8D04, 1}, {0x42A0, 4 << 13}, {0x42A4, (1 << 30) | (3 << 28)},
                    {0xA200, (mac[0] & 0xff) | (mac[1] & 0xff) << 8 | (mac[2] & 0xff) << 16 | (mac[3] & 0xff) << 24},
                    {0xA204, (mac[4] & 0xff) | (mac[5] & 0xff) << 8 | RAH_AV}});
        }
    }

    private final Mac macRegs;
    private final byte[] mac;
    private final QueueRegisters[] queues;
    private final int[] reg = new int[BAR_SIZE / 4];
    /** What a write to each register does (index = offset / 4), and which queue a doorbell is. */
    private final byte[] role = new byte[BAR_SIZE / 4];
    private final byte[] queueOf = new byte[BAR_SIZE / 4];
    private final int[] phy = new int[32];
    // each queue's descriptor ring as the chip last resolved it from its base registers
    private final OffHeapBuffer[] txView, rxView;
    private final long[] txBase, rxBase;
    private long framesSent, framesReceived, txDoorbells, rxDoorbells;

    private IntelNicStandIn(String address, PciId id, String model, byte[] mac, QueueRegisters[] queues, Mac macRegs) {
        super(address, id, model, 0, BAR_SIZE);
        this.macRegs = macRegs;
        this.mac = mac.clone();
        this.queues = queues;
        this.txView = new OffHeapBuffer[queues.length];
        this.rxView = new OffHeapBuffer[queues.length];
        this.txBase = new long[queues.length];
        this.rxBase = new long[queues.length];
        role[CTRL >>> 2] = CTRL_REG;
        role[MDIC >>> 2] = MDIC_REG;
        role[EERD >>> 2] = EERD_REG;
        role[macRegs.rxEnable() >>> 2] = RCTL_REG;
        role[macRegs.txEnable() >>> 2] = TCTL_REG;
        for (int q = 0; q < queues.length; q++) {
            role[queues[q].tdt() >>> 2] = TDT_REG;
            role[queues[q].rdt() >>> 2] = RDT_REG;
            queueOf[queues[q].tdt() >>> 2] = (byte) q;
            queueOf[queues[q].rdt() >>> 2] = (byte) q;
        }
        powerOn();
    }

    /** An 82574L (8086:10d3) with its two queues in the classic layout. */
    static IntelNicStandIn e1000e(String address, byte[] mac) {
        return new IntelNicStandIn(address, new PciId(0x8086, 0x10d3), "82574L stand-in", mac,
                new QueueRegisters[] {GigabitRegs.classicQueue(0), GigabitRegs.classicQueue(1)}, Mac.GIGABIT);
    }

    /**
     * An 82576 (8086:10c9) with its 16 queues in the native layout igb uses: RX queue n at
     * 0xC000 + 0x40 n, TX queue n at 0xE000 + 0x40 n (82576 datasheet §8.10, §8.12).
     */
    static IntelNicStandIn igb(String address, byte[] mac) {
        QueueRegisters[] q = new QueueRegisters[16];
        for (int n = 0; n < q.length; n++) {
            int rx = 0xC000 + 0x40 * n, tx = 0xE000 + 0x40 * n;
            q[n] = new QueueRegisters(rx, rx + 0x04, rx + 0x08, rx + 0x10, rx + 0x18, rx + 0x28,
                    tx, tx + 0x04, tx + 0x08, tx + 0x10, tx + 0x18, tx + 0x28);
        }
        return new IntelNicStandIn(address, new PciId(0x8086, 0x10c9), "82576 stand-in", mac, q, Mac.GIGABIT);
    }

    /** An 82599 KX4 (8086:10f7) with 16 queues: RX queue n at 0x1000 + 0x40 n, TX queue n at 0x6000 + 0x40 n. */
    static IntelNicStandIn ixgbe(String address, byte[] mac) {
        QueueRegisters[] q = new QueueRegisters[16];
        for (int n = 0; n < q.length; n++) q[n] = QueueRegisters.at(0x1000 + 0x40 * n, 0x6000 + 0x40 * n);
        return new IntelNicStandIn(address, new PciId(0x8086, 0x10f7), "82599 stand-in", mac, q, Mac.i82599(mac));
    }

    /** Frames the chip completed (EOP descriptors sent). */
    long framesSent() { return framesSent; }
    /** Frames the chip wrote into RX descriptors. */
    long framesReceived() { return framesReceived; }
    long txDoorbells() { return txDoorbells; }
    long rxDoorbells() { return rxDoorbells; }

    /**
     * Quadword {@code word} (0: buffer address, 1: command/length and status) of TX descriptor
     * {@code i} of queue {@code q} as the chip last saw it, for a benchmark's check of what was
     * sent (control path); the chip's write-back only sets DD, so the address stays readable.
     */
    long txDescriptor(int q, int i, int word) {
        OffHeapBuffer d = txView[q];
        if (d == null) throw new IllegalStateException("TX queue " + q + " has sent nothing");
        return d.getLong((i << 4) + 8 * word);
    }

    @Override
    void powerOn() {
        java.util.Arrays.fill(reg, 0);
        reg[STATUS >>> 2] = STATUS_FD | STATUS_LU | (2 << STATUS_SPEED_SHIFT); // 1000 Mb/s, no PCIe master pending
        reg[EECD >>> 2] = EECD_PRES | EECD_AUTO_RD;
        reg[EERD >>> 2] = EERD_DONE;
        reg[EEMNGCTL >>> 2] = CFG_DONE_ALL;
        reg[RAL0 >>> 2] = (mac[0] & 0xff) | (mac[1] & 0xff) << 8 | (mac[2] & 0xff) << 16 | (mac[3] & 0xff) << 24;
        reg[RAH0 >>> 2] = (mac[4] & 0xff) | (mac[5] & 0xff) << 8 | RAH_AV;
        for (int[] r : macRegs.powerOn()) reg[r[0] >>> 2] = r[1];
        java.util.Arrays.fill(phy, 0);
        phy[PHY_BMCR] = 0x1140;  // 1000 Mb/s, full duplex, autonegotiation on
        phy[PHY_BMSR] = 0x796d;  // link up, autonegotiation complete
        phy[PHY_ANAR] = 0x0de1;
        phy[PHY_CTRL1000] = 0x0e00;
        java.util.Arrays.fill(txView, null);
        java.util.Arrays.fill(rxView, null);
        java.util.Arrays.fill(txBase, 0);
        java.util.Arrays.fill(rxBase, 0);
    }

    // ------------------------------------------------------------------ registers

    @Override
    public int read32(int offset) {
        return reg[offset >>> 2];
    }

    @Override
    public void write32(int offset, int value) {
        int i = offset >>> 2;
        switch (role[i]) {
            case CTRL_REG:
                reg[i] = value & ~macRegs.ctrlSelfClearing(); // the reset completes at once; the driver reprograms everything after it
                return;
            case MDIC_REG:
                reg[i] = mdic(value);
                return;
            case EERD_REG: {
                int word = (value >>> EERD_ADDR_SHIFT) & 0x3fff;
                int data = word < 3 ? (mac[2 * word] & 0xff) | (mac[2 * word + 1] & 0xff) << 8 : 0xffff;
                reg[i] = EERD_DONE | (word << EERD_ADDR_SHIFT) | (data << EERD_DATA_SHIFT);
                return;
            }
            case RCTL_REG:
                reg[i] = value;
                if ((value & macRegs.rxEnableBit()) != 0) for (int q = 0; q < queues.length; q++) receive(q);
                return;
            case TCTL_REG:
                reg[i] = value;
                if ((value & macRegs.txEnableBit()) != 0) for (int q = 0; q < queues.length; q++) transmit(q);
                return;
            case TDT_REG:
                reg[i] = value & 0xffff;
                txDoorbells++;
                transmit(queueOf[i]);
                return;
            case RDT_REG:
                reg[i] = value & 0xffff;
                rxDoorbells++;
                receive(queueOf[i]);
                return;
            default:
                reg[i] = value;
        }
    }

    /** One MDIO transaction with the internal PHY, complete at once (READY). */
    private int mdic(int v) {
        int r = (v >>> MDIC_REG_SHIFT) & 0x1f, addr = (v >>> MDIC_PHY_SHIFT) & 0x1f;
        if (addr != Mdic.INTERNAL_PHY) return v | MDIC_READY | MDIC_ERROR;
        if ((v & MDIC_OP_READ) != 0) return (v & ~MDIC_DATA_MASK) | phy[r] | MDIC_READY;
        if ((v & MDIC_OP_WRITE) != 0)
            phy[r] = r == PHY_BMCR ? v & MDIC_DATA_MASK & ~(BMCR_RESET | BMCR_ANRESTART) : v & MDIC_DATA_MASK;
        return v | MDIC_READY;
    }

    /** Sends descriptors [TDH, TDT): DD written back where RS asks for it. */
    private void transmit(int q) {
        if ((reg[macRegs.txEnable() >>> 2] & macRegs.txEnableBit()) == 0) return;
        QueueRegisters r = queues[q];
        int n = reg[r.tdlen() >>> 2] >>> 4;
        if (n == 0) return;
        OffHeapBuffer d = descriptors(txView, txBase, q, base(r.tdbal(), r.tdbah()), n, "TX");
        int h = reg[r.tdh() >>> 2], t = reg[r.tdt() >>> 2];
        if (h >= n || t >= n) return; // a real chip would hang; the driver's tests cover this
        long sent = framesSent;
        while (h != t) {
            int off = h << 4;
            int cmd = d.getInt(off + 8);
            if ((cmd & CMD_RS) != 0) d.putIntRelease(off + 12, d.getInt(off + 12) | STA_DD);
            if ((cmd & CMD_EOP) != 0) sent++;
            h = h + 1 == n ? 0 : h + 1;
        }
        framesSent = sent;
        reg[r.tdh() >>> 2] = h;
    }

    /** Fills descriptors [RDH, RDT) with received frames (status and length written last, together). */
    private void receive(int q) {
        if ((reg[macRegs.rxEnable() >>> 2] & macRegs.rxEnableBit()) == 0) return;
        QueueRegisters r = queues[q];
        int n = reg[r.rdlen() >>> 2] >>> 4;
        if (n == 0) return;
        OffHeapBuffer d = descriptors(rxView, rxBase, q, base(r.rdbal(), r.rdbah()), n, "RX");
        int h = reg[r.rdh() >>> 2], t = reg[r.rdt() >>> 2];
        if (h >= n || t >= n) return;
        long got = framesReceived;
        while (h != t) {
            int off = h << 4;
            d.putLong(off, 0); // RSS hash / packet type: none
            // status (DD | EOP) and length, no VLAN tag, in one store, as the chip writes a descriptor
            // back in one DMA burst; plain: the stand-in runs in the driver's thread (class comment)
            d.putLong(off + 8, (long) FRAME_LENGTH << 32 | RXD_STAT_DD | RXD_STAT_EOP);
            got++;
            h = h + 1 == n ? 0 : h + 1;
        }
        framesReceived = got;
        reg[r.rdh() >>> 2] = h;
    }

    private long base(int bal, int bah) {
        return (reg[bal >>> 2] & 0xffff_ffffL) | ((long) reg[bah >>> 2] << 32);
    }

    /** Queue {@code q}'s {@code n} descriptors at {@code base}, the cached view unless the ring was (re)programmed (control path). */
    private OffHeapBuffer descriptors(OffHeapBuffer[] views, long[] bases, int q, long base, int n, String dir) {
        OffHeapBuffer d = views[q];
        if (d == null || bases[q] != base || d.capacity() < n << 4) {
            d = views[q] = view(base, n << 4, dir, q);
            bases[q] = base;
        }
        return d;
    }

    /** The CPU's view of a descriptor ring the driver programmed: it must lie in DMA memory this device handed out. */
    private OffHeapBuffer view(long iova, int bytes, String dir, int q) {
        return dma.view(iova, bytes, dir + " queue " + q + " ring");
    }
}
