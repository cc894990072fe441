package io.jnetmap.r8169;

import io.jnetmap.nic.ChipRing;
import io.jnetmap.nic.MiiPhy;
import io.jnetmap.nic.RegisterModel;
import io.jnetmap.sys.EventFd;
import io.jnetmap.sys.OffHeapBuffer;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.LongPredicate;

import static io.jnetmap.r8169.RtlRegs.*;

/**
 * A register-level model of an RTL8169/8168 of one {@link RtlVersion}, enough to run the driver
 * without hardware, from the facts in nic-facts.md §4 and Linux's r8169: registers with 8-, 16-
 * and 32-bit accesses in the version's BAR, the XID in TxConfig, ChipCmd reset and enables,
 * Cfg9346 locking (descriptor bases written while locked are counted as driver faults), the
 * indirect windows (PHYAR or GPHY_OCP to a paged PHY, ERI, EPHY, MAC OCP) with their flags, a
 * TX ring walked from its start while descriptors are owned (on a TxPoll write), an RX ring
 * filled likewise (FS/LS spanning, length with FCS on the LS descriptor), the tally block
 * dumped by DMA, IntrStatus/IntrMask signalling vector 0, and a cable: with the link down
 * nothing is sent and owned descriptors stay owned, as on silicon. Every buffer address the model
 * reads or writes through a descriptor is checked by {@link #dmaCheck}; a miss is recorded in
 * {@link #dmaViolations} (the driver let a bad slot reach a descriptor).
 */
final class R8169Model extends RegisterModel {
    final RtlVersion version;
    final MiiPhy phy = new MiiPhy(1, new MiiPhy.Mdic(16, 21, 0, 0, 0, 0), bmcr -> autonegRestarted());
    /** PHY registers of pages other than 0: (page << 5 | reg) → value. */
    final Map<Integer, Integer> phyPages = new HashMap<>();
    final Map<Integer, Integer> eri = new HashMap<>(), ephy = new HashMap<>(), macOcp = new HashMap<>();
    private int phyPage;

    final List<byte[]> wire = new ArrayList<>();
    private final ByteArrayOutputStream txPartial = new ByteArrayOutputStream();
    boolean linkUp = true;
    /** A TxPoll write is counted but the ring is walked only by {@link #processTx} (a busy chip). */
    boolean holdTx;
    int txPolls, resets, lockedBaseWrites, txProtocolErrors, rxOverruns, rxHeld;
    private int txIndex, rxIndex;
    private boolean txOn, rxOn, locked = true;
    // tally counters (run from power-on: not cleared by a soft reset)
    long tallyTx, tallyRx, tallyRxBroadcast, tallyRxMulticast, tallyRxUnicast;
    int tallyRxMissed;
    // interrupts
    int status, mask;
    private EventFd[] vectors;
    long interruptsSent;
    /** Device addresses are {@link LowDmaDevice}'s, below 4 GiB (a 32-bit DMA version's test). */
    boolean lowDma;
    /** Device addresses the driver may hand the chip as packet buffers (null: anything goes). */
    volatile LongPredicate dmaCheck;
    final List<String> dmaViolations = new ArrayList<>();

    private long toVa(long iova) { return lowDma ? LowDmaDevice.toVa(iova) : iova; }

    private OffHeapBuffer dma(long iova, long len) { return OffHeapBuffer.wrap(toVa(iova), len); }

    /** Whether a descriptor's buffer address may be used; records a violation if not. */
    private boolean bufferOk(String ring, int descriptor, long addr, int len) {
        LongPredicate c = dmaCheck;
        if (c == null || c.test(addr)) return true;
        dmaViolations.add(ring + " descriptor " + descriptor + ": buffer address 0x" + Long.toHexString(addr) + " (" + len + " bytes) is not a netmap buffer");
        return false;
    }

    R8169Model(RtlVersion version, byte[] mac) {
        super(version.family() == RtlVersion.Family.PCI ? 256 : 4096, mac);
        this.version = version;
        powerOn();
    }

    @Override public int registerBar() { return version.family().bar(); }
    @Override public int msixVectors() { return version.family() == RtlVersion.Family.PCIE ? 4 : 0; }

    @Override
    public synchronized void attachVectors(EventFd[] v, String mode) { vectors = v; }

    private void powerOn() {
        phy.reset(0x7949 | 0x0004 | 0x0020, 0x001c, 0xc800);
        phyPages.put(0x0c42 << 5 | 0x13, 125); // a saw counter for the 8168h's 1 ms timer
        phyPages.put(0x0bcd << 5 | 0x16, 0x0005);
        eri.put(0xe0, macLow());
        eri.put(0xe4, macHigh());
        reset();
    }

    /** Function reset / CmdReset: registers to their defaults, rings and interrupts off; PHY, MAC and tally kept. */
    @Override
    public synchronized void reset() {
        clearRegisters();
        for (int i = 0; i < 6; i++) bar.putByte(MAC0 + i, mac[i]);
        bar.putInt(TX_CONFIG, (version.xidValue() << 20) & readOnlyTxConfig());
        bar.putByte(CFG9346, (byte) 0);
        status = 0;
        mask = 0;
        txOn = rxOn = false;
        txIndex = rxIndex = 0;
        locked = true;
        txPartial.reset();
    }

    private static int readOnlyTxConfig() { return 0xfff0_0000 & ~(3 << 24); }

    // ------------------------------------------------------------------ register accesses

    @Override
    public synchronized int read32(int off) {
        return switch (off) {
            case TX_CONFIG -> get(off) | (version.start().g8168Up() ? TXCFG_EMPTY : 0);
            default -> get(off);
        };
    }

    @Override
    public synchronized void write32(int off, int v) {
        logWrite(off, v);
        switch (off) {
            case TX_CONFIG -> put(off, (get(off) & readOnlyTxConfig()) | (v & ~readOnlyTxConfig()));
            case TX_DESC_START_LOW, TX_DESC_START_HIGH, RX_DESC_ADDR_LOW, RX_DESC_ADDR_HIGH -> {
                if (locked) lockedBaseWrites++;
                put(off, v);
            }
            case PHYAR -> put(off, phyar(v));
            case GPHY_OCP -> put(off, gphyOcp(v));
            case ERIAR -> put(off, eriar(v));
            case EPHYAR -> put(off, ephyar(v));
            case OCPDR -> {
                int addr = (v >>> 15) & 0xfffe; // even addresses: bit 15 of the word is data
                if ((v & ACCESS_FLAG) != 0) { macOcp.put(addr, v & 0xffff); put(off, v & ~ACCESS_FLAG); }
                else put(off, macOcp.getOrDefault(addr, 0));
            }
            case COUNTER_ADDR_LOW -> {
                put(off, v);
                if ((v & COUNTER_DUMP) != 0) dumpTally(((long) get(COUNTER_ADDR_HIGH) << 32) | (v & 0xffff_ffc0L));
                put(off, v & ~COUNTER_DUMP);
            }
            case RX_MISSED -> put(off, 0);
            default -> put(off, v);
        }
    }

    @Override
    public synchronized int read16(int off) {
        return switch (off) {
            case INTR_STATUS -> status;
            case INTR_MASK -> mask;
            default -> bar.getShort(off) & 0xffff;
        };
    }

    @Override
    public synchronized void write16(int off, int v) {
        logWrite(off, v & 0xffff);
        switch (off) {
            case INTR_STATUS -> status &= ~v;
            case INTR_MASK -> {
                int old = status & mask;
                mask = v & 0xffff;
                notify(status & mask & ~old);
            }
            default -> bar.putShort(off, (short) v);
        }
    }

    @Override
    public synchronized int read8(int off) {
        return switch (off) {
            case MCU -> MCU_RX_EMPTY | MCU_TX_EMPTY | MCU_LINK_LIST_RDY;
            case PHY_STATUS -> linkUp ? PHY_LINK | PHY_1000MF | PHY_FULL_DUP | flowControl() : 0;
            case TX_POLL -> 0;
            case IBISR0 -> bar.getByte(off) & 0xff | (version.dashEp() ? 0x20 : 0); // the 8168ep's CMAC: transfer done
            default -> bar.getByte(off) & 0xff;
        };
    }

    @Override
    public synchronized void write8(int off, int v) {
        logWrite(off, v & 0xff);
        switch (off) {
            case CHIP_CMD -> {
                if ((v & CMD_RESET) != 0) {
                    resets++;
                    reset();
                    return;
                }
                boolean tx = (v & CMD_TX_ENB) != 0, rx = (v & CMD_RX_ENB) != 0;
                if (tx && !txOn) { txIndex = 0; txPartial.reset(); }
                if (rx && !rxOn) rxIndex = 0;
                txOn = tx;
                rxOn = rx;
                bar.putByte(off, (byte) (v & ~CMD_STOP_REQ));
            }
            case TX_POLL -> {
                if ((v & TXPOLL_NPQ) != 0) {
                    txPolls++;
                    if (!holdTx) processTx();
                }
            }
            case CFG9346 -> {
                locked = (v & 0xc0) != CFG9346_UNLOCK;
                bar.putByte(off, (byte) v);
            }
            default -> bar.putByte(off, (byte) v);
        }
    }

    // ------------------------------------------------------------------ indirect windows

    private int phyar(int v) {
        int reg = (v >>> 16) & 0x1f;
        if ((v & ACCESS_FLAG) != 0) { // write: done when the flag clears
            phyRegWrite(reg, v & 0xffff);
            return v & ~ACCESS_FLAG;
        }
        return ACCESS_FLAG | (reg << 16) | phyRegRead(reg); // read: done when the flag sets
    }

    private void phyRegWrite(int reg, int value) {
        if (reg == 0x1f) phyPage = value;
        else if (phyPage == 0) phy.write(reg, value);
        else phyPages.put(phyPage << 5 | reg, value);
    }

    private int phyRegRead(int reg) {
        if (reg == 0x1f) return phyPage;
        return phyPage == 0 ? phy.read(reg) : phyPages.getOrDefault(phyPage << 5 | reg, 0);
    }

    /** GPHY_OCP: 0xa400 + 2 * reg is the IEEE register set; page p register r (≥ 0x10) is p << 4 + (r - 0x10) * 2. */
    private int gphyOcp(int v) {
        int addr = (v >>> 15) & 0xfffe;
        boolean std = addr >= 0xa400 && addr < 0xa430; // 0xa430-0xa43e: page 0x0a43's registers 0x10-0x17
        int key = std ? -1 : (addr >>> 4) << 5 | (0x10 + ((addr & 0xf) >>> 1));
        if ((v & ACCESS_FLAG) != 0) {
            if (std) phy.write((addr - 0xa400) / 2, v & 0xffff);
            else phyPages.put(key, v & 0xffff);
            return v & ~ACCESS_FLAG;
        }
        int data = std ? phy.read((addr - 0xa400) / 2) : phyPages.getOrDefault(key, 0);
        return ACCESS_FLAG | (v & 0x7fff_0000) | data;
    }

    /** ERI: the MAC's registers (type 0) keyed by address, the 8168ep's OOB ones (type 2) by address | 2 &lt;&lt; 16. */
    private int eriar(int v) {
        int addr = (v & 0xfff) | (v & 0x3_0000), bytes = (v >>> 12) & 0xf;
        if ((v & ACCESS_FLAG) != 0) {
            int m = 0;
            for (int b = 0; b < 4; b++) if ((bytes & (1 << b)) != 0) m |= 0xff << (8 * b);
            eri.put(addr, (eri.getOrDefault(addr, 0) & ~m) | (get(ERIDR) & m));
            return v & ~ACCESS_FLAG;
        }
        put(ERIDR, eri.getOrDefault(addr, 0));
        return v | ACCESS_FLAG;
    }

    private int ephyar(int v) {
        int reg = (v >>> 16) & 0x1f;
        if ((v & ACCESS_FLAG) != 0) {
            ephy.put(reg, v & 0xffff);
            return v & ~ACCESS_FLAG;
        }
        return ACCESS_FLAG | (reg << 16) | ephy.getOrDefault(reg, 0);
    }

    /** PHY register {@code reg} of page {@code page} as the driver left it. */
    int phyPaged(int page, int reg) { return page == 0 ? phy.read(reg) : phyPages.getOrDefault(page << 5 | reg, -1); }

    private void autonegRestarted() {
        if (linkUp) raise(INT_LINK_CHG);
    }

    // ------------------------------------------------------------------ interrupts and link

    synchronized void raise(int causes) {
        int old = status & mask;
        status |= causes;
        notify(status & mask & ~old);
    }

    private void notify(int raised) {
        if (raised == 0 || vectors == null) return;
        vectors[0].signal();
        interruptsSent++;
    }

    synchronized void setLink(boolean up) {
        linkUp = up;
        raise(INT_LINK_CHG);
        if (up && !holdTx) processTx();
    }

    // ------------------------------------------------------------------ tally

    private void dumpTally(long addr) {
        OffHeapBuffer b = dma(addr, RtlTally.SIZE);
        b.fill(0, RtlTally.SIZE, (byte) 0);
        b.putLong(0, tallyTx);
        b.putLong(8, tallyRx);
        b.putShort(28, (short) tallyRxMissed);
        b.putLong(40, tallyRxUnicast);
        b.putLong(48, tallyRxBroadcast);
        b.putInt(56, (int) tallyRxMulticast);
    }

    // ------------------------------------------------------------------ transmit

    private long ringBase(int low, int high) { return (get(low) & 0xffff_ffffL) | ((long) get(high) << 32); }

    /** Walks the TX ring from where the chip stopped while descriptors are owned, as after a TxPoll. */
    synchronized void processTx() {
        if (!txOn || !linkUp) return; // no link: the chip holds its descriptors
        long base = ringBase(TX_DESC_START_LOW, TX_DESC_START_HIGH);
        if (base == 0) return;
        boolean sent = false;
        for (int guard = 0; guard < 4096; guard++) {
            OffHeapBuffer d = dma(base + txIndex * 16L, 16);
            int opts = d.getIntAcquire(0);
            if ((opts & DESC_OWN) == 0) break;
            int len = opts & TX_LEN_MASK;
            boolean fs = (opts & DESC_FS) != 0, ls = (opts & DESC_LS) != 0;
            if (fs != (txPartial.size() == 0)) txProtocolErrors++;
            if (len == 0) txProtocolErrors++;
            byte[] data = new byte[len];
            long addr = d.getLong(8);
            if (bufferOk("TX", txIndex, addr, len)) dma(addr, len).getBytes(0, data, 0, len);
            txPartial.write(data, 0, len);
            if (ls) {
                byte[] f = txPartial.toByteArray();
                txPartial.reset();
                wire.add(f.length < 60 ? java.util.Arrays.copyOf(f, 60) : f); // the chip pads short frames
                tallyTx++;
                sent = true;
            }
            d.putIntRelease(0, opts & ~DESC_OWN);
            txIndex = (opts & DESC_EOR) != 0 ? 0 : txIndex + 1;
        }
        if (sent) raise(INT_TX_OK);
    }

    /** Owned TX descriptors from where the chip stands (frames the chip holds). */
    synchronized int txOwned() {
        long base = ringBase(TX_DESC_START_LOW, TX_DESC_START_HIGH);
        int n = 0, i = txIndex;
        for (int guard = 0; guard < 4096; guard++) {
            int opts = dma(base + i * 16L, 16).getIntAcquire(0);
            if ((opts & DESC_OWN) == 0) break;
            n++;
            i = (opts & DESC_EOR) != 0 ? 0 : i + 1;
        }
        return n;
    }

    // ------------------------------------------------------------------ receive

    /**
     * Pause as autonegotiation resolved it, in PHYstatus bits (IEEE 802.3 Table 28B-3, Linux's
     * linkmode_resolve_pause): our ANAR against the partner's ({@link MiiPhy#partnerAbility}, PAUSE and
     * ASM_DIR: a switch port or a Linux host with flow control on). The MAC follows it; Linux's r8169
     * sets pause only through ANAR bits 10/11 (phy_support_asym_pause).
     */
    synchronized int flowControl() {
        if (!linkUp || (phy.read(MiiPhy.BMCR) & 0x1000) == 0) return 0;
        int local = phy.read(MiiPhy.ANAR), partner = phy.read(MiiPhy.ANLPAR), common = local & partner;
        if ((common & MiiPhy.PAUSE) != 0) return PHY_TX_FLOW | PHY_RX_FLOW;
        if ((common & MiiPhy.ASM_DIR) == 0) return 0;
        return ((partner & MiiPhy.PAUSE) != 0 ? PHY_TX_FLOW : 0) | ((local & MiiPhy.PAUSE) != 0 ? PHY_RX_FLOW : 0);
    }

    /**
     * Receives {@code frame} (without FCS) as the chip would: filtered by RxConfig, refused above
     * RxMaxSize, spread over owned descriptors (FS on the first, LS and the whole length with the
     * FCS on the last), OWN cleared last. When the ring has too few owned descriptors: with TX pause
     * resolved ({@link #flowControl}) the chip sends PAUSE and the partner holds the frame (false: offer
     * it again later, nothing counted); without, the frame is dropped, counted as missed (tally
     * rx_missed) and RxOverflow raised (true: it left the wire). False also with RX off or no link.
     */
    synchronized boolean receive(byte[] frame) {
        if (!rxOn || !linkUp) return false;
        int rxc = get(RX_CONFIG);
        if (!accepted(frame, rxc)) return true;
        int total = frame.length + FCS_LEN;
        if (total > (bar.getShort(RX_MAX_SIZE) & 0xffff)) return true; // too long: dropped
        byte[] wireBytes = java.util.Arrays.copyOf(frame, total); // FCS bytes: zeros (not checked here)
        long base = ringBase(RX_DESC_ADDR_LOW, RX_DESC_ADDR_HIGH);
        // enough owned descriptors?
        int need = 0, have = 0, i = rxIndex, room = 0;
        while (room < total && have < 4096) {
            int opts = dma(base + i * 16L, 16).getIntAcquire(0);
            if ((opts & DESC_OWN) == 0) break;
            room += opts & RX_LEN_MASK;
            have++;
            i = (opts & DESC_EOR) != 0 ? 0 : i + 1;
        }
        if (room < total) {
            if ((flowControl() & PHY_TX_FLOW) != 0) {
                rxHeld++;
                return false;
            }
            rxOverruns++;
            tallyRxMissed++;
            raise(INT_RX_OVERFLOW);
            return true;
        }
        int done = 0;
        boolean first = true;
        while (done < total) {
            OffHeapBuffer d = dma(base + rxIndex * 16L, 16);
            int opts = d.getInt(0);
            int size = opts & RX_LEN_MASK, len = Math.min(size, total - done);
            long addr = d.getLong(8);
            if (bufferOk("RX", rxIndex, addr, size)) dma(addr, len).putBytes(0, wireBytes, done, len);
            done += len;
            boolean last = done == total;
            d.putInt(4, 0);
            d.putIntRelease(0, (opts & DESC_EOR) | (first ? DESC_FS : 0) | (last ? DESC_LS | total : size));
            first = false;
            rxIndex = (opts & DESC_EOR) != 0 ? 0 : rxIndex + 1;
        }
        tallyRx++;
        if (isBroadcast(frame)) tallyRxBroadcast++;
        else if ((frame[0] & 1) != 0) tallyRxMulticast++;
        else tallyRxUnicast++;
        raise(INT_RX_OK);
        return true;
    }

    private boolean accepted(byte[] f, int rxc) {
        if (isBroadcast(f)) return (rxc & RX_ACCEPT_BROADCAST) != 0;
        if ((f[0] & 1) != 0) return (rxc & RX_ACCEPT_MULTICAST) != 0 && get(MAR0) == -1;
        if ((rxc & RX_ACCEPT_ALL_PHYS) != 0) return true;
        if ((rxc & RX_ACCEPT_MY_PHYS) == 0) return false;
        for (int i = 0; i < 6; i++) if (f[i] != mac[i]) return false;
        return true;
    }

    static boolean isBroadcast(byte[] f) {
        for (int i = 0; i < 6; i++) if (f[i] != (byte) 0xff) return false;
        return true;
    }

    // ------------------------------------------------------------------ the chip's view of its rings (tests)

    /** The TX ring as the chip walks it: {@code slots} descriptors, descriptor 0 belonging to the slot the driver says. */
    ChipRing txRing(int slots, IntSupplier slotOfDescriptor0) {
        return ChipRing.ownBits(() -> ringBase(TX_DESC_START_LOW, TX_DESC_START_HIGH), slots, () -> txIndex, slotOfDescriptor0,
                DESC_OWN, DESC_EOR, this::toVa);
    }

    /** The RX ring as the chip fills it. */
    ChipRing rxRing(int slots, IntSupplier slotOfDescriptor0) {
        return ChipRing.ownBits(() -> ringBase(RX_DESC_ADDR_LOW, RX_DESC_ADDR_HIGH), slots, () -> rxIndex, slotOfDescriptor0,
                DESC_OWN, DESC_EOR, this::toVa);
    }

    boolean txEnabled() { return txOn; }
    boolean rxEnabled() { return rxOn; }
    boolean configLocked() { return locked; }
}
