package io.jnetmap.ixgbe;

import io.jnetmap.nic.ChipRing;
import io.jnetmap.intel.MultiQueueAdapterCases;
import io.jnetmap.intel.RssHashModel;
import io.jnetmap.nic.RegisterModel;
import io.jnetmap.sys.EventFd;
import io.jnetmap.sys.OffHeapBuffer;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * A register-level model of the Intel 82599 (device 8086:10F7, KX4 backplane; or with
 * {@link #sfp} an SFP+ part, 8086:10FB, with a module in its cage), enough to run the ixgbe driver
 * without hardware. Written from the 82599 datasheet like the lab's QEMU model
 * ({@code hwtests/lab/qemu/hw/net/jnetmap_82599.c}), with its own register offsets (literal,
 * from the datasheet's register summary), so a wrong constant in the driver's {@link IxgbeRegs}
 * shows up as a behaviour the test sees, not as an agreement. Strict where the silicon is:
 * <ul>
 * <li>CTRL.RST/LNK_RST: registers to their reset values, the reset bits read back set for
 *     {@link #RESET_NANOS}, and every write in that time is ignored (counted in
 *     {@link #writesDuringReset}); EEC.ARD (EEPROM auto-read) and RDRXCTL.DMAIDONE are set only when
 *     it is over; the link is down during it. RAR 1-127, MTA and VFTA survive it;</li>
 * <li>RXDCTL/TXDCTL.ENABLE reads back set only on the read after the one following the write (the
 *     enable handshake), and a tail written before then is lost; descriptors are fetched only
 *     from enabled queues;</li>
 * <li>TX DMA stands still while the link is down, without DMATXCTL.TE or the queue's enable, and
 *     goes on (stale frames included) when the link returns; advanced data descriptors only
 *     (PAYLEN, IFCS checked), at most {@link #MAX_DESCRIPTORS_PER_PACKET} per packet, DD written
 *     back for RS descriptors;</li>
 * <li>RX: FCTRL filters (BAM, UPE, MPE, the 128 receive addresses), MAXFRS with HLREG0.JUMBOEN
 *     (else 1518), CRC strip only when HLREG0 and RDRXCTL agree, SRRCTL advanced one-buffer with
 *     its buffer size, RSS (MRQC, Toeplitz over the RSSRK key, queue = RETA[hash &amp; 127]),
 *     SRRCTL.DROP_EN: a full queue drops and counts QPRDC; without it frames wait in the packet
 *     buffer (RXPBSIZE(0) bytes) and beyond that are missed (MPC);</li>
 * <li>802.3x flow control: a PAUSE frame from the wire (01:80:C2:00:00:01, type 0x8808, opcode 1)
 *     is counted (LXOFFRXCNT/LXONRXCNT) and never reaches a queue; with MFLCN.RFCE an XOFF holds
 *     the transmitter until XON or {@link #pauseTimeOver} (the model keeps no clock). With
 *     FCCFG.TFCE and FCRTH(0).FCEN the packet buffer passing FCRTH(0) puts an XOFF of FCTTV(0)'s
 *     time on the wire (queue -1 in {@link #wire}, LXOFFTXC), and draining to FCRTL(0) an XON
 *     when FCRTL(0).XONE (LXONTXC);</li>
 * <li>interrupts: EICR/EICS/EIMS/EIMC/EIAC/EIAM/GPIE and their 64-vector EX forms, IVAR and
 *     IVAR_MISC routing, MSI-X messages on eventfds (edge: a message when a vector's enabled cause
 *     appears), MSI/INTx on one;</li>
 * <li>SFP+ ({@link #sfp}): the module's serial ID behind I2CCTL ({@link SfpCageModel}, a strict
 *     I2C slave); the laser lit only while ESDP.SDP3 is an output (SDP3_DIR, bit 11, as the NVM
 *     leaves it) driven low (the module's TX_DISABLE); the link up only with the laser lit, a
 *     10 GbE module in the cage and AUTOC.LMS 011 with AUTOC2's serial PMA/PMD SFI. At power-up the
 *     NVM leaves SDP3 an output driven low, the laser lit (drivers that never touch SDP3, ixy's,
 *     link on X520s); ESDP survives CTRL.RST, so a previous owner that darkened the laser (Linux's
 *     ixgbe does when a port goes down) leaves it dark for the next, and only a driver lights it
 *     again or darkens it at close;</li>
 * <li>the software/firmware semaphore: SWSM.SMBI set by the read that finds it clear, SWSM.SWESMBI,
 *     SW_FW_SYNC written only under SWESMBI (software's bits 4:0; firmware's, bits 9:5, are
 *     {@link #firmwareSync}, as a management controller would hold them); both survive CTRL.RST
 *     (power-on clears them). Firmware shares the SFP+ cage's I2C bus: an I2CCTL write while this
 *     port's PHY bit (STATUS.LAN_ID {@link #lanId}: bit 1 or 2) is not software's, or while
 *     firmware holds it, is counted in {@link #i2cUnowned} and is a protocol error;</li>
 * <li>statistics clear on read (the octet counters' high half clears the pair), per-queue
 *     QPRC/QPTC through RQSMR/TQSM, QPRDC.</li>
 * </ul>
 * What it sees the driver do wrong goes to {@link #protocolErrors}; a descriptor address outside
 * the netmap buffers ({@link #dmaCheck}) to {@link #dmaViolations}.
 */
final class Ixgbe82599Model extends RegisterModel implements MultiQueueAdapterCases.QueueChipModel {
    static final int SIZE = 512 * 1024, QUEUES = 128, VECTORS = 64;
    static final long RESET_NANOS = 200_000;
    static final int MAX_DESCRIPTORS_PER_PACKET = 40;
    /** receive() results besides a queue number. */
    static final int DROPPED = -1, HELD = -2;

    // offsets (82599 datasheet §8.1 register summary)
    static final int CTRL = 0x0, STATUS = 0x8, CTRL_EXT = 0x18, EICR = 0x800, EICS = 0x808, EIAC = 0x810, EIMS = 0x880,
            EIMC = 0x888, EIAM = 0x890, GPIE = 0x898, IVAR0 = 0x900, IVAR_MISC = 0xA00, EICS_EX0 = 0xA90,
            EIMS_EX0 = 0xAA0, EIMC_EX0 = 0xAB0, EIAM_EX0 = 0xAD0, RQSMR0 = 0x2300, RDRXCTL = 0x2F00, RXCTRL = 0x3000,
            RXPBSIZE0 = 0x3C00, HLREG0 = 0x4240, MAXFRS = 0x4268, AUTOC = 0x42A0, LINKS = 0x42A4, RTTDCS = 0x4900,
            DMATXCTL = 0x4A80, RXCSUM = 0x5000, FCTRL = 0x5080, MTA = 0x5200, MRQC = 0x5818, RETA = 0x5C00,
            RSSRK = 0x5C80, ESDP = 0x20, I2CCTL = 0x28, SWSM = 0x10140, SW_FW_SYNC = 0x10160, AUTOC2 = 0x42A8, FCTTV0 = 0x3200, FCRTL0 = 0x3220, FCRTH0 = 0x3260, FCCFG = 0x3D00, MFLCN = 0x4294, MTQC = 0x8120, SECRXCTRL = 0x8D00, SECRXSTAT = 0x8D04, TQSM0 = 0x8600, VFTA = 0xA000, RAL0 = 0xA200, EEC = 0x10010;
    static final int GPRC = 0x4074, BPRC = 0x4078, MPRC = 0x407C, GPTC = 0x4080, GORCL = 0x4088, GOTCL = 0x4090,
            ROC = 0x40AC, TORL = 0x40C0, TPR = 0x40D0, TPT = 0x40D4, MPTC = 0x40F0, BPTC = 0x40F4, MPC0 = 0x3FA0,
            LXONTXC = 0x3F60, LXOFFTXC = 0x3F68, LXONRXCNT = 0x41A4, LXOFFRXCNT = 0x41A8;
    /** Where PAUSE frames go (802.3 Annex 31B), their type and opcode. */
    static final byte[] PAUSE_DST = {0x01, (byte) 0x80, (byte) 0xC2, 0, 0, 0x01};
    static final int MAC_CONTROL = 0x8808, PAUSE_OPCODE = 1;

    static int rxBase(int q) { return 0x1000 + 0x40 * q; }
    static int txBase(int q) { return 0x6000 + 0x40 * q; }
    static int rdh(int q) { return rxBase(q) + 0x10; }
    static int rdt(int q) { return rxBase(q) + 0x18; }
    static int rxdctl(int q) { return rxBase(q) + 0x28; }
    static int srrctl(int q) { return rxBase(q) + 0x14; }
    static int dcaRxctrl(int q) { return rxBase(q) + 0x0C; }
    static int qprc(int i) { return rxBase(i) + 0x30; }
    static int qprdc(int i) { return 0x1430 + 0x40 * i; }
    static int tdh(int q) { return txBase(q) + 0x10; }
    static int tdt(int q) { return txBase(q) + 0x18; }
    static int txdctl(int q) { return txBase(q) + 0x28; }
    static int qptc(int i) { return txBase(i) + 0x30; }

    static final int ENABLE = 1 << 25, CTRL_RST_BITS = (1 << 26) | (1 << 3), LINKS_UP = 1 << 30;

    /** A frame the model put on the wire, and the TX queue it came from (-1: a PAUSE frame of the MAC's own). */
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
    int resets, anRestarts, writesDuringReset, tdtWrites, lostTails;
    /** When set, TDT writes are stored but nothing is sent until {@link #processTx}. */
    boolean holdTx;
    boolean cable = true;
    /** AUTOC.LMS the NVM leaves (100: KX/KX4/KR autonegotiation, the 10F7 board's; 011 10 GbE serial on SFP+). */
    int nvmLinkMode = 4;
    /** AUTOC2 the NVM leaves (SFP+ boards: 10 GbE serial PMA/PMD SFI, bits 17:16 = 10). */
    int nvmAutoc2;
    /** ESDP: SDP3's data (TX_DISABLE) and direction bits. */
    static final int SDP3 = 1 << 3, SDP3_DIR = 1 << 11;
    /** The SFP+ cage, or null on the backplane part. */
    final SfpCageModel cage;
    /** SWSM's semaphore bits; SW_FW_SYNC's PHY bit of LAN port 0 and 1 (software's; firmware's 5 above). */
    static final int SMBI = 1, SWESMBI = 2, SW_PHY0 = 1 << 1, SW_PHY1 = 1 << 2, FW_SHIFT = 5;
    /** This port's LAN ID (STATUS bits 3:2): picks its PHY bit in SW_FW_SYNC. */
    int lanId;
    /** Firmware's SW_FW_SYNC bits (5 and up), as manageability firmware holds them; tests change it while the driver waits. */
    volatile int firmwareSync;
    /** I2CCTL writes without this port's PHY resource (see the class comment). */
    int i2cUnowned;

    private long resetUntil;
    private boolean linkWasUp;
    /** Queue enables written but not yet reported by RXDCTL/TXDCTL: reads left before they show. */
    private final int[] rxEnableReads = new int[QUEUES], txEnableReads = new int[QUEUES];
    private final ByteArrayOutputStream[] txPartial = new ByteArrayOutputStream[QUEUES];
    private final int[] txPaylen = new int[QUEUES], txDescriptors = new int[QUEUES];
    private final boolean[] txMidPacket = new boolean[QUEUES];
    private final ArrayDeque<byte[]> packetBuffer = new ArrayDeque<>();
    private int packetBufferBytes;
    /** The partner's XOFF holds our transmitter (MFLCN.RFCE); we sent XOFF and no XON since. */
    private boolean txPaused, xoffSent;

    // interrupts: EICR bits 15:0 queue causes (vectors 0-15 in MSI-X mode), 30:16 other causes;
    // vectors 16-63 have causes and masks of their own (the EX registers)
    private int eicr, eims, eiam;
    private long extCause, extMask, extAutoMask, asserted;
    private boolean legacyAsserted;
    private EventFd[] vectors;
    private String interruptMode;
    final long[] signals = new long[VECTORS];

    Ixgbe82599Model(byte[] mac) { this(mac, null); }

    private Ixgbe82599Model(byte[] mac, SfpCageModel cage) {
        super(SIZE, mac);
        this.cage = cage;
        if (cage != null) {
            nvmLinkMode = 3;
            nvmAutoc2 = 2 << 16;
        }
        for (int q = 0; q < QUEUES; q++) txPartial[q] = new ByteArrayOutputStream();
        reset();
        // power-up: the NVM makes SDP3 an output, low: TX_DISABLE released, the laser lit
        put(ESDP, cage != null ? SDP3_DIR : 0);
        completeReset();
    }

    /** An SFP+ 82599 (the X520's) with {@code module} (SFF-8472 A0h, {@link SfpCageModel}) in its cage, or an empty cage (null). */
    static Ixgbe82599Model sfp(byte[] mac, byte[] module) { return new Ixgbe82599Model(mac, new SfpCageModel(module)); }

    /** The module's laser: SDP3 an output and low (TX_DISABLE released). */
    synchronized boolean laserOn() {
        int esdp = get(ESDP);
        return cage != null && cage.module != null && (esdp & SDP3_DIR) != 0 && (esdp & SDP3) == 0;
    }

    /** SFP+: light both ways needs the laser, a 10 GbE module and the MAC in 10 GbE serial SFI. */
    private boolean sfiReady() {
        return laserOn() && SfpCageModel.tenGigabit(cage.module) && (get(AUTOC) >>> 13 & 7) == 3
                && (get(AUTOC2) & 3 << 16) == 2 << 16;
    }

    @Override public int msixVectors() { return VECTORS; }

    @Override
    public synchronized void attachVectors(EventFd[] v, String mode) {
        vectors = v;
        interruptMode = mode;
    }

    /** Function-level reset (as the PCI layer does it): immediate. */
    @Override
    public synchronized void reset() {
        startReset(CTRL_RST_BITS);
        completeReset();
    }

    /** Reset values (§8.2.3); RAR 1-127, MTA and VFTA are kept (a software reset does not clear them). */
    private void startReset(int bits) {
        resets++;
        int esdp = get(ESDP); // the SDP pins keep their state (see the class comment)
        int swsm = get(SWSM), swFwSync = get(SW_FW_SYNC); // the semaphores: cleared at power-on only
        int[] keep = new int[128 * 2 + 128 + 128];
        for (int i = 2; i < 256; i++) keep[i] = get(RAL0 + 4 * i);
        for (int i = 0; i < 128; i++) { keep[256 + i] = get(MTA + 4 * i); keep[384 + i] = get(VFTA + 4 * i); }
        clearRegisters();
        for (int i = 2; i < 256; i++) put(RAL0 + 4 * i, keep[i]);
        for (int i = 0; i < 128; i++) { put(MTA + 4 * i, keep[256 + i]); put(VFTA + 4 * i, keep[384 + i]); }
        eicr = eims = eiam = 0;
        extCause = extMask = extAutoMask = asserted = 0;
        legacyAsserted = false;
        packetBuffer.clear();
        packetBufferBytes = 0;
        txPaused = xoffSent = false;
        Arrays.fill(rxEnableReads, 0);
        Arrays.fill(txEnableReads, 0);
        Arrays.fill(txMidPacket, false);
        for (ByteArrayOutputStream b : txPartial) b.reset();
        for (int q = 0; q < QUEUES; q++) {
            put(srrctl(q), 0x0000_0402);     // 2 KB buffers, header size field, legacy descriptors
            put(dcaRxctrl(q), 0x0000_B200);  // bit 12 (reserved, must be cleared) and the other read-only ones
        }
        put(HLREG0, 0x0000_0403);            // TXCRCEN, RXCRCSTRP, TXPADEN
        put(MAXFRS, 1518 << 16);
        put(RXPBSIZE0, 512 << 10);
        put(0xCC00, 160 << 10);
        put(AUTOC, (nvmLinkMode << 13) | (1 << 31) | (1 << 30) | (1 << 9));
        put(AUTOC2, nvmAutoc2);
        put(ESDP, esdp);
        put(SWSM, swsm);
        put(SW_FW_SYNC, swFwSync);
        put(I2CCTL, SfpCageModel.CLK_OUT | SfpCageModel.DATA_OUT); // both lines released
        put(RAL0, macLow());
        put(RAL0 + 4, macHigh() | (1 << 31));
        put(CTRL, bits);
        put(EEC, 1 << 8); // EEPROM present; auto-read not done yet
        resetUntil = System.nanoTime() + RESET_NANOS;
        linkWasUp = false;
    }

    private void completeReset() {
        resetUntil = 0;
        put(CTRL, get(CTRL) & ~CTRL_RST_BITS);
        put(EEC, get(EEC) | (1 << 9));         // ARD: EEPROM auto-read done
        put(RDRXCTL, get(RDRXCTL) | (1 << 3) | (0x8 << 17)); // DMAIDONE; RSCFRSTSIZE reads non-zero
        updateLink();
    }

    private boolean inReset() {
        if (resetUntil != 0 && System.nanoTime() - resetUntil >= 0) completeReset();
        return resetUntil != 0;
    }

    boolean linkUp() { return cable && !inReset() && (cage == null || sfiReady()); }

    /** LINKS and the link-status-change cause follow the cable (after a reset, the link trains by itself). */
    private void updateLink() {
        boolean up = linkUp();
        put(LINKS, up ? (1 << 31) | LINKS_UP | (3 << 28) | (1 << 7) : 0);
        if (up != linkWasUp) {
            linkWasUp = up;
            txPaused = xoffSent = false; // PAUSE state does not outlive the link
            raiseOther(1 << 20);
            if (up) resumeTx();
        }
    }

    /** Plugs or pulls the cable. */
    synchronized void setCable(boolean plugged) {
        cable = plugged;
        updateLink();
    }

    // ------------------------------------------------------------------ register access

    @Override
    public synchronized int read32(int off) {
        inReset();
        switch (off) {
            case STATUS:
                return (linkUp() ? 1 << 7 : 0) | ((get(CTRL) & (1 << 2)) == 0 ? 1 << 19 : 0) | lanId << 2;
            case SWSM: {
                int v = get(SWSM);
                put(SWSM, v | SMBI); // the read that finds SMBI clear takes it
                return v;
            }
            case SW_FW_SYNC: return get(SW_FW_SYNC) | firmwareSync;
            case EICR: {
                int v = eicr; // vectors 16+ have their causes elsewhere
                boolean ocd = (get(GPIE) & (1 << 5)) != 0;
                eicr &= ocd ? 0x7FFF_0000 : 0;
                update();
                return v;
            }
            case EICS: return eicr;
            case SECRXSTAT: return 1; // SECRX_RDY: nothing in the security block's receive path
            case I2CCTL: return cage != null ? cage.read(get(I2CCTL)) : get(I2CCTL);
            case EIMS: return eims;
            case EIMC: case EIMC_EX0: case EIMC_EX0 + 4: return 0;
            case EIMS_EX0: return (eims & 0xFFFF) | (int) (extMask & 0xFFFF_0000L);
            case EIMS_EX0 + 4: return (int) (extMask >>> 32);
            default:
                break;
        }
        if (isQueueControl(off)) {
            int v = get(off);
            boolean tx = off >= 0x6000;
            int q = ((off - (tx ? 0x6000 : 0x1000)) / 0x40);
            int[] pending = tx ? txEnableReads : rxEnableReads;
            if (pending[q] > 0) {
                if (--pending[q] > 0) return v & ~ENABLE; // not yet
                put(off, v | ENABLE);
                if (tx && !holdTx) processTx(q);
                return v | ENABLE;
            }
            return v;
        }
        if (isStatistic(off)) return readStatistic(off, GORCL, GOTCL, TORL);
        return get(off);
    }

    private static boolean isQueueControl(int off) {
        return (off >= 0x1000 && off < 0x1000 + 0x40 * 64 || off >= 0x6000 && off < 0x6000 + 0x40 * QUEUES)
                && (off & 0x3F) == 0x28;
    }

    private static boolean isStatistic(int off) {
        if (off >= 0x3F00 && off < 0x4200) return true;
        if (off >= 0x1000 && off < 0x1400 && (off & 0x3F) >= 0x30 && (off & 0x3F) <= 0x38) return true; // QPRC, QBRC
        if (off >= 0x1400 && off < 0x1800 && (off & 0x3F) == 0x30) return true;                          // QPRDC
        return off >= 0x6000 && off < 0x6400 && (off & 0x3F) == 0x30;                                     // QPTC
    }

    @Override
    public synchronized void write32(int off, int v) {
        logWrite(off, v);
        if (inReset()) {
            writesDuringReset++;
            return; // the chip ignores writes during a reset
        }
        if (isStatistic(off)) return; // read-only
        if (off >= 0x1000 && off < 0x1000 + 0x40 * 64) { writeRxQueue(off, v); return; }
        if (off >= 0x6000 && off < 0x6000 + 0x40 * QUEUES) { writeTxQueue(off, v); return; }
        if (off >= IVAR0 && off < IVAR0 + 64 * 4) { put(off, v & 0xBFBF_BFBF); return; }
        switch (off) {
            case CTRL:
                if ((v & CTRL_RST_BITS) != 0) startReset(v & CTRL_RST_BITS);
                else put(CTRL, v);
                return;
            case STATUS: case LINKS: return;
            case EICR: eicr &= ~v; update(); return;
            case EICS: eicr |= v & 0x7FFF_FFFF; update(); return;
            case EIMS: eims |= v & 0x7FFF_FFFF; update(); return;
            case EIMC: eims &= ~v; update(); return;
            case EIAM: eiam = v; put(EIAM, v); return;
            case EICS_EX0: case EICS_EX0 + 4: {
                long bits = off == EICS_EX0 ? v & 0xFFFF_FFFFL : (long) v << 32;
                eicr |= (int) (bits & 0xFFFF);
                extCause |= bits & ~0xFFFFL;
                update();
                return;
            }
            case EIMS_EX0: case EIMS_EX0 + 4: {
                long bits = off == EIMS_EX0 ? v & 0xFFFF_FFFFL : (long) v << 32;
                eims |= (int) (bits & 0xFFFF);
                extMask |= bits & ~0xFFFFL;
                update();
                return;
            }
            case EIMC_EX0: case EIMC_EX0 + 4: {
                long bits = off == EIMC_EX0 ? v & 0xFFFF_FFFFL : (long) v << 32;
                eims &= ~(int) (bits & 0xFFFF);
                extMask &= ~(bits & ~0xFFFFL);
                update();
                return;
            }
            case EIAM_EX0: case EIAM_EX0 + 4: {
                long bits = off == EIAM_EX0 ? v & 0xFFFF_FFFFL : (long) v << 32;
                long keep = off == EIAM_EX0 ? 0xFFFF_FFFF_0000_0000L : 0xFFFF_FFFFL;
                extAutoMask = (extAutoMask & keep) | bits;
                put(off, v);
                return;
            }
            case GPIE: put(GPIE, v); update(); return;
            case RDRXCTL: put(RDRXCTL, (v & ~(1 << 3)) | (get(RDRXCTL) & (1 << 3))); return;
            case EEC: put(EEC, (get(EEC) & ((1 << 8) | (1 << 9))) | (v & ~((1 << 8) | (1 << 9)))); return;
            case AUTOC:
                if ((v & (1 << 12)) != 0) anRestarts++;
                put(AUTOC, v & ~(1 << 12)); // AN restart self-clears
                updateLink();
                return;
            case AUTOC2: case ESDP:
                put(off, v);
                updateLink();
                return;
            case SWSM: put(SWSM, v & (SMBI | SWESMBI)); return;
            case SW_FW_SYNC:
                if ((get(SWSM) & SWESMBI) == 0) {
                    protocolErrors.add("SW_FW_SYNC written without SWSM.SWESMBI held");
                    return;
                }
                if ((v & 0x1F & firmwareSync >>> FW_SHIFT) != 0)
                    protocolErrors.add("SW_FW_SYNC: software took 0x" + Integer.toHexString(v & 0x1F) + " while firmware held 0x"
                            + Integer.toHexString(firmwareSync));
                put(SW_FW_SYNC, v & 0x1F);
                return;
            case I2CCTL:
                if (cage != null) {
                    int phy = lanId == 0 ? SW_PHY0 : SW_PHY1;
                    if ((get(SW_FW_SYNC) & phy) == 0 || (firmwareSync & phy << FW_SHIFT) != 0) {
                        if (i2cUnowned++ == 0)
                            protocolErrors.add("I2CCTL written without this port's PHY bit in SW_FW_SYNC (firmware shares the bus)");
                    }
                }
                put(I2CCTL, v & (SfpCageModel.CLK_OUT | SfpCageModel.DATA_OUT));
                if (cage != null) cage.write(v);
                return;
            case MTQC:
                if ((get(RTTDCS) & (1 << 6)) == 0) protocolErrors.add("MTQC written with the TX arbiter on (RTTDCS.ARBDIS clear)");
                put(MTQC, v);
                return;
            case RXCTRL:
                if ((v & 1) != 0 && (get(RXCTRL) & 1) == 0 && (get(SECRXCTRL) & 2) == 0)
                    protocolErrors.add("RXCTRL.RXEN set without the security block's receive path halted (SECRXCTRL.RX_DIS)");
                if ((v & 1) != 0 && (get(RDRXCTL) & (0x1F << 17 | 3 << 25)) != 3 << 25)
                    protocolErrors.add("RXCTRL.RXEN with RDRXCTL.RSCFRSTSIZE not 0 or RSCACKC/FCOE_WRFIX not set: 0x"
                            + Integer.toHexString(get(RDRXCTL)));
                put(RXCTRL, v);
                drainPacketBuffer();
                return;
            case DMATXCTL:
                put(DMATXCTL, v);
                resumeTx();
                return;
            default:
                put(off, v);
        }
    }

    private void writeRxQueue(int off, int v) {
        int q = (off - 0x1000) / 0x40, reg = off & 0x3F;
        switch (reg) {
            case 0x00 -> put(off, v & ~0x7F);
            case 0x08 -> put(off, v & 0xFFF80);
            case 0x10 -> put(off, v & 0xFFFF);
            case 0x18 -> {
                if ((get(rxdctl(q)) & ENABLE) == 0) { lostTails++; return; } // a tail for a queue not (yet) enabled is lost
                put(off, v & 0xFFFF);
                drainPacketBuffer();
            }
            case 0x28 -> {
                boolean was = (get(off) & ENABLE) != 0;
                if ((v & ENABLE) != 0 && !was) {
                    put(off, v & ~ENABLE);
                    rxEnableReads[q] = 2; // shows on the second read from now
                } else {
                    rxEnableReads[q] = 0;
                    put(off, v);
                }
            }
            default -> put(off, v);
        }
    }

    private void writeTxQueue(int off, int v) {
        int q = (off - 0x6000) / 0x40, reg = off & 0x3F;
        switch (reg) {
            case 0x00 -> put(off, v & ~0x7F);
            case 0x08 -> put(off, v & 0xFFF80);
            case 0x10 -> {
                if ((get(txdctl(q)) & ENABLE) != 0) protocolErrors.add("TDH of TX queue " + q + " written while the queue is enabled");
                put(off, v & 0xFFFF);
            }
            case 0x18 -> {
                put(off, v & 0xFFFF);
                tdtWrites++;
                if (!holdTx) processTx(q);
            }
            case 0x28 -> {
                boolean was = (get(off) & ENABLE) != 0;
                if ((v & ENABLE) != 0 && !was) {
                    put(off, v & ~ENABLE);
                    txEnableReads[q] = 2;
                } else {
                    txEnableReads[q] = 0;
                    put(off, v & ~(1 << 26)); // SWFLSH self-clears
                    if ((v & ENABLE) == 0) { txPartial[q].reset(); txMidPacket[q] = false; }
                }
            }
            default -> put(off, v);
        }
    }

    // ------------------------------------------------------------------ interrupts

    private boolean msixMode() { return (get(GPIE) & (1 << 4)) != 0 && "MSIX".equals(interruptMode); }

    /** The other causes (EICR 30:16) vector {@code v} carries through IVAR_MISC (byte 1; byte 0 is the TCP timer's). */
    private int otherCauses(int v) {
        int other = (get(IVAR_MISC) >>> 8) & 0xFF;
        if ((other & 0x80) == 0 || (other & 0x3F) != v) return 0;
        return eicr & eims & 0x3FFF_0000;
    }

    private boolean level(int v) {
        boolean queue = v < 16 ? (eicr & eims & (1 << v)) != 0 : ((extCause & extMask) >>> v & 1) != 0;
        return queue || otherCauses(v) != 0;
    }

    /** Sends what the state calls for: a message per vector whose enabled cause appeared (MSI-X), else one vector's edge. */
    private void update() {
        if (msixMode()) {
            for (int v = 0; v < VECTORS; v++) {
                long bit = 1L << v;
                if (!level(v)) { asserted &= ~bit; continue; }
                if ((asserted & bit) != 0) continue;
                boolean eiame = (get(GPIE) & (1 << 30)) != 0;
                int other = otherCauses(v);
                if (other != 0) {
                    eicr &= ~(other & get(EIAC));
                    if (eiame) eims &= ~(other & eiam);
                }
                if (v < 16) {
                    if ((get(EIAC) & (1 << v)) != 0) eicr &= ~(1 << v);
                    if (eiame && (eiam & (1 << v)) != 0) eims &= ~(1 << v);
                } else {
                    extCause &= ~bit;
                    if (eiame && (extAutoMask & bit) != 0) extMask &= ~bit;
                }
                signal(v);
                if (level(v)) asserted |= bit;
                else asserted &= ~bit;
            }
            return;
        }
        boolean lvl = (eicr & eims) != 0;
        if (lvl && !legacyAsserted) signal(0);
        legacyAsserted = lvl;
    }

    private void signal(int v) {
        if (vectors == null || v >= vectors.length) return;
        signals[v]++;
        vectors[v].signal();
    }

    /** A queue's RX or TX event, to the cause its IVAR entry names (MSI/INTx: the EICR bit of the entry's low 4 bits). */
    private void queueCause(int q, boolean tx) {
        int e = get(IVAR0 + 4 * (q >> 1)) >>> (16 * (q & 1) + (tx ? 8 : 0)) & 0xFF;
        if ((e & 0x80) == 0) return;
        int v = e & 0x3F;
        if (!msixMode()) v &= 0xF;
        if (v < 16) eicr |= 1 << v;
        else extCause |= 1L << v;
        update();
    }

    private void raiseOther(int bits) {
        eicr |= bits;
        update();
    }

    // ------------------------------------------------------------------ transmit

    private void resumeTx() {
        if (holdTx) return;
        for (int q = 0; q < QUEUES; q++) if ((get(txdctl(q)) & ENABLE) != 0) processTx(q);
    }

    /** Sends what queue {@code q} holds from TDH to TDT, as the chip does after a tail write. */
    @Override
    public synchronized void processTx(int q) {
        // no link, no TE, queue off: the transmit DMA stands still
        if (inReset() || !linkUp() || txPaused || (get(DMATXCTL) & 1) == 0 || (get(txdctl(q)) & ENABLE) == 0) return;
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
            if ((cmd & (1 << 29)) == 0 || (cmd & 0x00F0_0000) != 0x0030_0000) {
                protocolErrors.add("TX queue " + q + " descriptor " + (off / 16) + " is not an advanced data descriptor: 0x"
                        + Integer.toHexString(cmd));
                continue;
            }
            if ((cmd & (1 << 25)) == 0) protocolErrors.add("TX descriptor without IFCS");
            boolean eop = (cmd & (1 << 24)) != 0;
            int len = cmd & 0xffff;
            if (!txMidPacket[q]) {
                txPaylen[q] = olinfo >>> 14;
                txDescriptors[q] = 0;
            }
            txMidPacket[q] = !eop;
            if (++txDescriptors[q] == MAX_DESCRIPTORS_PER_PACKET + 1)
                protocolErrors.add("TX queue " + q + ": a packet spans more than " + MAX_DESCRIPTORS_PER_PACKET + " descriptors");
            if (checkDma(addr, len, "TX queue " + q)) {
                byte[] data = new byte[len];
                OffHeapBuffer.wrap(addr, len).getBytes(0, data, 0, len);
                txPartial[q].write(data, 0, len);
            }
            if (eop) {
                byte[] frame = txPartial[q].toByteArray();
                txPartial[q].reset();
                if (txPaylen[q] != frame.length)
                    protocolErrors.add("TX queue " + q + ": PAYLEN " + txPaylen[q] + " but the packet has " + frame.length + " bytes");
                int wireLen = Math.max(frame.length, (get(HLREG0) & (1 << 10)) != 0 ? 60 : 0) + 4;
                wire.add(new Sent(q, frame));
                txQueuePackets[q]++;
                count(GPTC, 1);
                count(TPT, 1);
                count64(GOTCL, wireLen);
                if (isBroadcast(frame)) count(BPTC, 1);
                else if ((frame[0] & 1) != 0) count(MPTC, 1);
                int idx = get(TQSM0 + 4 * (q >> 2)) >>> (8 * (q & 3)) & 0xF;
                count(qptc(idx), 1);
            }
            if ((cmd & (1 << 27)) != 0) {
                ring.putIntRelease(off + 12, olinfo | 1); // DD
                wroteBack = true;
            }
        }
        put(tdh(q), head);
        if (wroteBack) queueCause(q, true);
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

    private boolean rxReady() { return !inReset() && linkUp() && (get(RXCTRL) & 1) != 0; }

    /**
     * A frame (without CRC) arrives from the wire: filtered, classified by RSS, written into its
     * queue's descriptors. Returns the queue; {@link #DROPPED} (not receiving, filtered, too long,
     * missed, or dropped by a full queue with DROP_EN); {@link #HELD} (its queue is full without
     * DROP_EN: it waits in the packet buffer for descriptors).
     */
    @Override
    public synchronized int receive(byte[] frame) {
        if (!inReset() && linkUp() && isMacControl(frame)) {
            pauseFrom(frame);
            return DROPPED; // the MAC consumes it: no queue sees a PAUSE frame
        }
        if (!rxReady()) return DROPPED;
        if (!packetBuffer.isEmpty()) {
            drainPacketBuffer();
            if (!packetBuffer.isEmpty()) return hold(frame);
        }
        int r = deliver(frame);
        return r == HELD ? hold(frame) : r;
    }

    private int hold(byte[] frame) {
        if (packetBufferBytes + frame.length > Math.max(get(RXPBSIZE0), 16 * 1024)) {
            count(MPC0, 1); // the packet buffer is full: missed
            return DROPPED;
        }
        packetBuffer.add(frame);
        packetBufferBytes += frame.length;
        if (!xoffSent && (get(FCCFG) & (1 << 3)) != 0 && (get(FCRTH0) & (1 << 31)) != 0
                && packetBufferBytes >= (get(FCRTH0) & 0x7FFE0)) {
            xoffSent = true;
            sendPause(get(FCTTV0) & 0xFFFF);
        }
        return HELD;
    }

    private static boolean isMacControl(byte[] f) {
        return f.length >= 18 && ((f[12] & 0xff) << 8 | (f[13] & 0xff)) == MAC_CONTROL;
    }

    /** A MAC control frame from the partner: a PAUSE is counted and, with MFLCN.RFCE, holds (quanta > 0) or releases TX. */
    private void pauseFrom(byte[] f) {
        if (!Arrays.equals(f, 0, 6, PAUSE_DST, 0, 6) || ((f[14] & 0xff) << 8 | (f[15] & 0xff)) != PAUSE_OPCODE) return;
        int quanta = (f[16] & 0xff) << 8 | (f[17] & 0xff);
        count(quanta != 0 ? LXOFFRXCNT : LXONRXCNT, 1);
        if ((get(MFLCN) & (1 << 3)) == 0) return;
        txPaused = quanta != 0;
        if (!txPaused) resumeTx();
    }

    /** The partner's pause time ran out (the model keeps no clock: a test says when). */
    synchronized void pauseTimeOver() {
        txPaused = false;
        resumeTx();
    }

    /** A PAUSE frame of {@code quanta} (0: XON) from our station address onto the wire. */
    private void sendPause(int quanta) {
        byte[] f = new byte[60];
        System.arraycopy(PAUSE_DST, 0, f, 0, 6);
        int ral = get(RAL0), rah = get(RAL0 + 4);
        for (int i = 0; i < 4; i++) f[6 + i] = (byte) (ral >>> (8 * i));
        f[10] = (byte) rah;
        f[11] = (byte) (rah >>> 8);
        f[12] = (byte) (MAC_CONTROL >>> 8);
        f[13] = (byte) MAC_CONTROL;
        f[15] = PAUSE_OPCODE;
        f[16] = (byte) (quanta >>> 8);
        f[17] = (byte) quanta;
        wire.add(new Sent(-1, f));
        count(quanta != 0 ? LXOFFTXC : LXONTXC, 1);
    }

    private void drainPacketBuffer() {
        while (rxReady() && !packetBuffer.isEmpty()) {
            if (deliver(packetBuffer.peek()) == HELD) break;
            packetBufferBytes -= packetBuffer.poll().length;
        }
        if (xoffSent && packetBufferBytes <= (get(FCRTL0) & 0x7FFE0)) {
            xoffSent = false;
            if ((get(FCRTL0) & (1 << 31)) != 0) sendPause(0);
        }
    }

    /** Bytes of frames waiting in the packet buffer for descriptors. */
    synchronized int packetBufferBytes() { return packetBufferBytes; }

    private int deliver(byte[] frame) {
        int fctrl = get(FCTRL);
        boolean bcast = isBroadcast(frame), mcast = !bcast && (frame[0] & 1) != 0;
        boolean accept = bcast ? (fctrl & (1 << 10)) != 0
                : mcast ? (fctrl & (1 << 8)) != 0
                : (fctrl & (1 << 9)) != 0 || matchesReceiveAddress(frame);
        if (!accept) return DROPPED;
        int hlreg0 = get(HLREG0);
        int max = (hlreg0 & (1 << 2)) != 0 ? get(MAXFRS) >>> 16 : 1518;
        if (frame.length + 4 > max) {
            count(ROC, 1);
            return DROPPED;
        }
        boolean strip = (hlreg0 & (1 << 1)) != 0;
        if (strip != ((get(RDRXCTL) & (1 << 1)) != 0))
            protocolErrors.add("HLREG0.RXCRCSTRP and RDRXCTL.CRCSTRIP disagree");
        int[] rss = rss(frame);
        int q = rss[0] != 0 ? bar.getByte(RETA + (rss[1] & 127)) & 0x0F : 0;
        if ((get(rxdctl(q)) & ENABLE) == 0 || get(rxBase(q) + 0x08) == 0) {
            count(MPC0, 1);
            return DROPPED;
        }
        int srr = get(srrctl(q));
        if ((srr & 0x0E00_0000) != 0x0200_0000)
            protocolErrors.add("RX queue " + q + ": SRRCTL descriptor type 0x" + Integer.toHexString(srr & 0x0E00_0000)
                    + ", not advanced one-buffer");
        if ((get(dcaRxctrl(q)) & (1 << 12)) != 0)
            protocolErrors.add("RX queue " + q + ": DCA_RXCTRL bit 12 (descriptor write-back relaxed ordering) left set");
        int bufSize = (srr & 0x7F) * 1024;
        if (bufSize == 0) bufSize = 2048;
        byte[] data = strip ? frame : Arrays.copyOf(frame, frame.length + 4);
        int n = get(rxBase(q) + 0x08) / 16;
        int needed = (data.length + bufSize - 1) / bufSize;
        int head = get(rdh(q)), tail = get(rdt(q));
        int free = Math.floorMod(tail - head, n);
        countReceived(frame, bcast, mcast);
        if (free < needed) {
            if ((srr & (1 << 28)) != 0) {
                int idx = get(RQSMR0 + 4 * (q >> 2)) >>> (8 * (q & 3)) & 0xF;
                count(qprdc(idx), 1);
                return DROPPED;
            }
            uncountReceived(frame, bcast, mcast);
            return HELD;
        }
        long base = (get(rxBase(q)) & 0xffffffffL) | ((long) get(rxBase(q) + 0x04) << 32);
        OffHeapBuffer ring = OffHeapBuffer.wrap(base, n * 16L);
        for (int off = 0; off < data.length; ) {
            int d = head * 16;
            long addr = ring.getLong(d);
            int len = Math.min(bufSize, data.length - off);
            if (checkDma(addr, len, "RX queue " + q)) OffHeapBuffer.wrap(addr, len).putBytes(0, data, off, len);
            off += len;
            boolean eop = off == data.length;
            ring.putInt(d, eop ? rss[0] : 0);
            ring.putInt(d + 4, eop && (get(RXCSUM) & (1 << 13)) != 0 ? rss[1] : 0);
            ring.putInt(d + 12, len);
            ring.putIntRelease(d + 8, 1 | (eop ? 2 : 0)); // DD (and EOP) last
            head = head + 1 == n ? 0 : head + 1;
        }
        put(rdh(q), head);
        rxQueuePackets[q]++;
        int idx = get(RQSMR0 + 4 * (q >> 2)) >>> (8 * (q & 3)) & 0xF;
        count(qprc(idx), 1);
        queueCause(q, false);
        return q;
    }

    private void countReceived(byte[] f, boolean bcast, boolean mcast) {
        count(GPRC, 1);
        count(TPR, 1);
        if (bcast) count(BPRC, 1);
        if (mcast) count(MPRC, 1);
        count64(GORCL, Math.max(f.length, 60) + 4);
        count64(TORL, Math.max(f.length, 60) + 4);
    }

    private void uncountReceived(byte[] f, boolean bcast, boolean mcast) {
        count(GPRC, -1);
        count(TPR, -1);
        if (bcast) count(BPRC, -1);
        if (mcast) count(MPRC, -1);
        count64(GORCL, -(Math.max(f.length, 60) + 4));
        count64(TORL, -(Math.max(f.length, 60) + 4));
    }

    private static boolean isBroadcast(byte[] f) {
        for (int i = 0; i < 6; i++) if (f[i] != -1) return false;
        return true;
    }

    private boolean matchesReceiveAddress(byte[] f) {
        int low = (f[0] & 0xff) | (f[1] & 0xff) << 8 | (f[2] & 0xff) << 16 | (f[3] & 0xff) << 24;
        int high = (f[4] & 0xff) | (f[5] & 0xff) << 8;
        for (int i = 0; i < 128; i++) {
            int rah = get(RAL0 + 8 * i + 4);
            if (rah < 0 && get(RAL0 + 8 * i) == low && (rah & 0xffff) == high) return true;
        }
        return false;
    }

    /** {RSS type, hash}: type 0 when RSS is off (MRQC.MRQE not 0001) or the frame has nothing to hash. */
    int[] rss(byte[] f) {
        int mrqc = get(MRQC);
        if ((mrqc & 0xF) != 1) return new int[] {0, 0};
        byte[] key = new byte[40];
        for (int i = 0; i < 40; i++) key[i] = bar.getByte(RSSRK + i);
        return RssHashModel.classify(f, key, mrqc);
    }

    // ------------------------------------------------------------------ the chip's view of its rings (tests)

    ChipRing txRing(int q) { return descriptorRing(txBase(q), txBase(q) + 0x08, tdh(q), tdt(q)); }

    ChipRing rxRing(int q) { return descriptorRing(rxBase(q), rxBase(q) + 0x08, rdh(q), rdt(q)); }
}
