package io.jnetmap.r8169;

import io.jnetmap.nic.Counters;
import io.jnetmap.nic.DmaMemory;
import io.jnetmap.nic.NicAdapter;
import io.jnetmap.nic.NicDevice;
import io.jnetmap.nic.NicInterrupts;
import io.jnetmap.nic.NicRegion;
import io.jnetmap.nic.Registers;
import io.jnetmap.rings.Kring;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.jnetmap.r8169.RtlRegs.*;

/**
 * A Realtek RTL8169 or RTL8168/8111 as a netmap adapter: one RX and one TX ring, plus the host
 * ring pair. The sequence follows Linux's {@code r8169_main.c} ({@code rtl_init_one},
 * {@code rtl_open}, {@code rtl_hw_start}), the version's quirks from {@link RtlStartup}:
 * <ol>
 * <li>open: the XID names the version ({@link RtlVersion#identify}; anything else refused before
 *     a register is written), interrupts masked and acknowledged, the pre-reset quirks, soft reset
 *     (ChipCmd.CmdReset), the MAC address, rings and the tally block in DMA memory (below 4 GiB
 *     where the version needs it, else refused), the PHY patched and autonegotiating;</li>
 * <li>first bind ({@link #startRings}): Cfg9346 unlocked, CPlusCmd, the version's hw_start,
 *     RxMaxSize, the ring bases (high half first), Cfg9346 locked, RX and TX enabled, RxConfig,
 *     TxConfig, the link-change interrupt;</li>
 * <li>close ({@link #shutdownHardware}): interrupts off, receiver closed, StopReq, soft reset;
 *     then the device's function reset and bus mastering off.</li>
 * </ol>
 * Link loss: TX stops on the chip (it cannot send without link); the TX ring's owner, at its next
 * sync, stops TX DMA, gets every pending slot back counted in {@code tx_dropped}, drops what is
 * handed over while the link is down, and restarts TX on fresh descriptors at the re-plug.
 */
public final class R8169Adapter extends NicAdapter {
    /** Registers decoded: 256 bytes on the 8169's BAR1 (the 8168's BAR2 is 4 KiB, of which these come first). */
    public static final long REGS_SIZE = 256;
    /** Linux hands the chip frames from ETH_HLEN up and the chip pads to 60 itself (no version here has the pad bug). */
    public static final int MIN_TX_FRAME = 14;
    /** A standard frame with a VLAN tag and the FCS: RxMaxSize without jumbo frames. */
    static final int STANDARD_RX_MAX = 1522;
    private static final long FOUR_GIB = 1L << 32;

    private final R8169Chip chip;
    private final RtlVersion version;
    private final R8169Config config;
    private final RtlAccess access;
    private RtlTxRing txRing;
    private RtlRxRing rxRing;
    private DmaMemory txMem, rxMem, tallyMem;
    private RtlTally tally;
    private final Object maskLock = new Object();
    private int wakeMask;
    /** The link as last read from PHYstatus (interrupt, stall, statistics): the TX ring's owner acts on it. */
    private volatile boolean linkSeenUp;
    /** TX DMA stopped by a link loss (ring owner's thread only). */
    private boolean txStoppedByLinkLoss;
    private long linkStops;

    private R8169Adapter(NicDevice device, NicRegion.Lease lease, Registers regs, R8169Chip chip, R8169Config config) {
        super(device.address(), device, lease, regs, new Counters(List.of()));
        this.chip = chip;
        this.version = chip.version();
        this.config = config;
        this.access = new RtlAccess(regs, device.address(), version.phy(), version.phySuspendQuirk());
    }

    /**
     * Opens the Realtek NIC behind {@code device} (which this adapter then owns and closes): the
     * version is identified before anything is configured; on failure the device is closed.
     */
    public static R8169Adapter open(NicDevice device, R8169Config config) {
        return openDevice(device, R8169Adapter::probe, 1, config.txSlots() + config.rxSlots(),
                (lease, regs, chip, queues) -> new R8169Adapter(device, lease, regs, chip, config),
                R8169Adapter::initialize);
    }

    /** PCI ID → family → register BAR; TxConfig's XID → version (Linux's rtl8169_get_mac_version). */
    private static Probed<R8169Chip> probe(NicDevice d) {
        RtlVersion.Family family = R8169Chip.familyOf(d.id(), d.address());
        Registers regs = d.registers(family.bar(), REGS_SIZE);
        d.enableBusMaster(); // memory decoding on, so the identification read is answered (the function was reset at open)
        RtlVersion v = RtlVersion.identify(d.address(), regs.read32(TX_CONFIG));
        if (v.family() != family)
            throw new RtlException(d.address() + ": the PCI ID " + d.id() + " announces a " + family + " part but the XID says "
                    + v + "; refusing a chip that does not match its ID");
        if (RtlStartup.dashEnabled(v, new RtlAccess(regs, d.address(), v.phy(), false)))
            throw new RtlException(d.address() + ": the " + v + " has DASH remote management on (its firmware shares the MAC"
                    + " with the host's driver); turn DASH off in the firmware setup, or use the kernel's r8169 for it");
        return new Probed<>(new R8169Chip(d.id(), v), regs);
    }

    public R8169Chip chip() { return chip; }
    public RtlVersion version() { return version; }
    public R8169Config config() { return config; }
    public RtlTxRing txRing() { return txRing; }
    public RtlRxRing rxRing() { return rxRing; }

    // ====================================================================== initialization

    void initialize() {
        // rtl_init_one: interrupts masked and acknowledged, posted writes flushed
        maskAndAck();
        regs.read8(CHIP_CMD);
        RtlStartup.beforeReset(version, regs, access, name());
        softReset();

        mac = readMac();

        // Rings: 256-byte aligned descriptor memory (rtl_open), the tally block 64-byte aligned
        int txBytes = config.txSlots() * 16, rxBytes = config.rxSlots() * 16;
        txMem = device.allocateDma(txBytes, 256, name() + " TX ring");
        rxMem = device.allocateDma(rxBytes, 256, name() + " RX ring");
        tallyMem = device.allocateDma(RtlTally.SIZE, 64, name() + " tally counters");
        if (!version.dma64()) require32BitDma();
        createKrings(1, 1, 1, 1, config.txSlots(), config.rxSlots());
        txRing = new RtlTxRing(txKring(0), txMem, regs, bufferIova);
        rxRing = new RtlRxRing(rxKring(0), rxMem, bufferIova, lease.region().bufSize());
        tally = new RtlTally(regs, tallyMem);
        tally.baseline();

        setupPhy();
        RtlStartup.dashDriverStartStop(version, regs, access, true, name()); // rtl8168_driver_start (8168ep)
        startCounterRefresh();
        driverLog().info("{}: {} via {}, MAC {}, {} TX / {} RX slots, {} B buffers{}", name(), version,
                device.accessMethod(), formatMac(mac), config.txSlots(), config.rxSlots(), rxRing.bufferSize(),
                jumbo() ? ", jumbo frames up to " + version.maxFrame() + " B" : "");
    }

    private boolean jumbo() { return config.jumbo() && version.jumbo(); }

    private void maskAndAck() {
        regs.write16(INTR_MASK, 0);
        regs.write16(INTR_STATUS, 0xffff);
    }

    /** rtl8169_hw_reset: receiver closed, StopReq (TX FIFO drained on the 8168evl and later), CmdReset until it clears. */
    private void softReset() {
        maskAndAck();
        regs.write32(RX_CONFIG, regs.read32(RX_CONFIG) & ~RX_ACCEPT_MASK);
        regs.write8(CHIP_CMD, regs.read8(CHIP_CMD) | CMD_STOP_REQ);
        if (version.start().g8168Up()) RtlStartup.poll(() -> (regs.read32(TX_CONFIG) & TXCFG_EMPTY) != 0, 666);
        else RtlStartup.sleep(1);
        regs.write8(CHIP_CMD, CMD_RESET);
        if (!RtlStartup.poll(() -> (regs.read8(CHIP_CMD) & CMD_RESET) == 0, 100))
            throw new RtlException(name() + ": the soft reset (ChipCmd.CmdReset) did not complete in 10 ms; the chip"
                    + " is not answering: power-cycle it");
    }

    /**
     * The station address: MAC0-5, or on the 8168g and 8168h the factory address in ERI 0xe0/0xe4
     * (rtl_read_mac_address, VER_35 and later), which MAC0-5 may not hold after a reset.
     */
    private byte[] readMac() {
        byte[] m = new byte[6];
        if (version.start().g8168Up()) {
            int lo = access.eriRead(0xe0), hi = access.eriRead(0xe4);
            for (int i = 0; i < 4; i++) m[i] = (byte) (lo >>> (8 * i));
            m[4] = (byte) hi;
            m[5] = (byte) (hi >>> 8);
        }
        if (!valid(m)) for (int i = 0; i < 6; i++) m[i] = (byte) regs.read8(MAC0 + i);
        if (!valid(m))
            throw new RtlException(name() + ": no valid MAC address in the chip (" + formatMac(m) + "); the EEPROM is blank or"
                    + " the chip did not load it");
        return m;
    }

    private static boolean valid(byte[] m) {
        boolean zero = true;
        for (byte b : m) zero &= b == 0;
        return !zero && (m[0] & 1) == 0;
    }

    /** Versions before the 8168c reach only 32-bit addresses (Linux: 64-bit DMA mask from VER_18). */
    private void require32BitDma() {
        long top = Math.max(txMem.iova() + txMem.size(), Math.max(rxMem.iova() + rxMem.size(), tallyMem.iova() + RtlTally.SIZE));
        for (long a : bufferIova) top = Math.max(top, a + lease.region().bufSize());
        if (top > FOUR_GIB)
            throw new RtlException(String.format("%s: the %s reaches only the first 4 GiB of device addresses, but its"
                    + " rings or buffers lie up to 0x%x; under VFIO this is the IOMMU's address choice, under UIO the"
                    + " physical memory's: reserve the hugepages early (low memory) or use a machine with less than 4 GiB"
                    + " mapped for the NIC", name(), version.name(), top));
    }

    /** PHY: the version's patch, power-up, 10/100/1000 advertised without pause (flow control off), autonegotiation. */
    private void setupPhy() {
        RtlStartup.phyConfig(version, regs, access);
        access.phyWrite(0x1f, 0);
        int bmcr = access.phyRead(0);
        access.phyWrite(0, bmcr & ~0x0800); // BMCR power-down off (Linux leaves it down at close)
        // ANAR: 10/100 half and full, no PAUSE/ASM_DIR (flow control off by default); 1000BASE-T full
        access.phyWrite(4, (access.phyRead(4) & ~0x0de0) | 0x01e0);
        access.phyWrite(9, (access.phyRead(9) & ~0x0300) | 0x0200);
        access.phyWrite(0, (access.phyRead(0) & ~0x0800) | 0x1000 | 0x0200); // AN enable + restart
        if (config.linkWaitMillis() > 0 && !RtlStartup.poll(() -> (regs.read8(PHY_STATUS) & PHY_LINK) != 0,
                (int) (config.linkWaitMillis() * 10)))
            driverLog().warn("{}: no link {} ms after autonegotiation started (cable? peer?); the port opens anyway",
                    name(), config.linkWaitMillis());
        linkUp();
    }

    // ====================================================================== netmap mode on / off

    @Override
    protected void startRings() {
        regs.write8(CHIP_CMD, 0);
        regs.write8(CFG9346, CFG9346_UNLOCK);
        // CPlusCmd: no RX checksum or VLAN offload (frames as they came), plus the version's bits
        int cp = RtlStartup.hwStart(version, regs, access, jumbo());
        regs.write16(CPLUS_CMD, cp);
        regs.write16(INTR_MITIGATE, 0); // no interrupt coalescing (Linux)
        regs.write16(RX_MAX_SIZE, jumbo() ? version.maxFrame() : STANDARD_RX_MAX);
        txRing.reset();
        rxRing.arm();
        programTxBase();
        regs.write32(RX_DESC_ADDR_HIGH, (int) (rxMem.iova() >>> 32));
        regs.write32(RX_DESC_ADDR_LOW, (int) rxMem.iova());
        regs.write8(CFG9346, CFG9346_LOCK);
        regs.read16(CPLUS_CMD); // PCI commit
        regs.write8(CHIP_CMD, CMD_TX_ENB | CMD_RX_ENB);
        regs.write32(RX_CONFIG, version.rxConfig() | acceptBits());
        regs.write32(TX_CONFIG, version.txConfig());
        writeMulticast();
        txStoppedByLinkLoss = false;
        linkUp();
        NicInterrupts irq = enableInterrupts(config.interrupts(), 1);
        if (irq != null) {
            useInterrupts(irq);
            synchronized (maskLock) {
                regs.write16(INTR_STATUS, 0xffff);
                regs.write16(INTR_MASK, INT_LINK_CHG | INT_SYS_ERR | wakeMask);
            }
        }
    }

    /** TxDescStartAddr, high half first (Linux's "magic spell"); Cfg9346 unlocked by the caller. */
    private void programTxBase() {
        regs.write32(TX_DESC_START_HIGH, (int) (txMem.iova() >>> 32));
        regs.write32(TX_DESC_START_LOW, (int) txMem.iova());
    }

    @Override
    protected void stopRings() {
        maskAndAck();
        regs.write32(RX_CONFIG, regs.read32(RX_CONFIG) & ~RX_ACCEPT_MASK);
        regs.write8(CHIP_CMD, 0);
        regs.read8(CHIP_CMD);
        RtlStartup.sleep(1); // in-flight DMA drains
    }

    @Override
    protected void shutdownHardware() {
        maskAndAck();
        regs.write8(CHIP_CMD, 0);
        softReset();
        regs.write32(COUNTER_ADDR_HIGH, 0);
        regs.write32(COUNTER_ADDR_LOW, 0);
        RtlStartup.dashDriverStartStop(version, regs, access, false, name()); // rtl8168_driver_stop (8168ep)
    }

    @Override
    protected void freeRings() {
        for (DmaMemory m : new DmaMemory[] {txMem, rxMem, tallyMem}) if (m != null) m.close();
        txMem = rxMem = tallyMem = null;
    }

    // ====================================================================== data path

    @Override
    public int txsync(Kring kring, int flags) {
        if (!linkSeenUp || txStoppedByLinkLoss) return txLinkRecovery(flags);
        int r = txRing.txsync(flags);
        if (txRing.stalled() && !linkUp()) return txLinkRecovery(flags); // one PHYstatus read, only when stalled
        return r;
    }

    /**
     * The TX ring's owner acting on the link: down → TX DMA off, pending and new slots given back as
     * dropped; up again → fresh descriptors, the chip restarted at hwcur. A stalled ring (work
     * pending, nothing completing) reads PHYstatus once, since a cable pull with interrupts off has
     * no other messenger.
     */
    private int txLinkRecovery(int flags) {
        if (!linkSeenUp) {
            if (!txStoppedByLinkLoss) {
                regs.write8(CHIP_CMD, regs.read8(CHIP_CMD) & ~CMD_TX_ENB);
                txStoppedByLinkLoss = true;
                linkStops++;
            }
            txRing.dropPending();
            if (linkUp()) return txLinkRecovery(flags);
            return 0;
        }
        // the link is back: everything pending was given back while it was down; start TX on fresh
        // descriptors at hwcur (the chip starts again at descriptor 0 when TX is enabled)
        txRing.reset();
        regs.write8(CFG9346, CFG9346_UNLOCK);
        programTxBase();
        regs.write8(CFG9346, CFG9346_LOCK);
        regs.write8(CHIP_CMD, regs.read8(CHIP_CMD) | CMD_TX_ENB);
        regs.write32(TX_CONFIG, version.txConfig());
        txStoppedByLinkLoss = false;
        return txRing.txsync(flags);
    }

    @Override
    public int rxsync(Kring kring, int flags) {
        return rxRing.rxsync(flags);
    }

    /** {@link RtlRxRing#rxsync} checks each released slot as it re-arms its descriptor (netmap's one pass). */
    @Override
    protected boolean checksRxSlotsInSync() { return true; }

    @Override
    public int minTxFrame() { return MIN_TX_FRAME; }

    // ====================================================================== interrupts

    @Override
    protected long wakeCauses(Kring k) { return k.isTx() ? TX_CAUSES : RX_CAUSES; }

    @Override
    protected int wakeVector(Kring k) { return 0; }

    /** Vector 0 also carries the link change. */
    @Override
    protected long alwaysPolledVectors() { return 1; }

    @Override
    protected void armWakeCauses(long wanted) {
        int causes = (int) wanted; // IntrStatus: 16 bits
        synchronized (maskLock) {
            regs.write16(INTR_STATUS, causes); // stale causes: write 1 to clear
            wakeMask |= causes;
            regs.write16(INTR_MASK, INT_LINK_CHG | INT_SYS_ERR | wakeMask);
        }
    }

    @Override
    protected void disarmWakeCauses(long wanted) {
        int causes = (int) wanted;
        synchronized (maskLock) {
            wakeMask &= ~causes;
            regs.write16(INTR_MASK, INT_LINK_CHG | INT_SYS_ERR | wakeMask);
        }
    }

    @Override
    protected void serviceVector(int vector) {
        int st = regs.read16(INTR_STATUS);
        if (st == 0 || st == 0xffff) return;
        regs.write16(INTR_STATUS, st); // the chip raises the next message only once the causes are cleared
        if ((st & INT_LINK_CHG) != 0) linkUp();
        if ((st & INT_SYS_ERR) != 0) driverLog().warn("{}: PCI system error reported by the chip (IntrStatus 0x{})", name(),
                Integer.toHexString(st));
    }

    // ====================================================================== the port's view

    @Override
    public boolean linkUp() {
        synchronized (linkLock()) {
            int s = regs.read8(PHY_STATUS);
            boolean up = (s & PHY_LINK) != 0;
            linkSeenUp = up;
            noteLink(up, speed(s));
            return up;
        }
    }

    private static long speed(int s) {
        return (s & PHY_1000MF) != 0 ? 1000 : (s & PHY_100M) != 0 ? 100 : (s & PHY_10M) != 0 ? 10 : 0;
    }

    @Override
    public long linkSpeedMbps() {
        int s = regs.read8(PHY_STATUS);
        return (s & PHY_LINK) != 0 ? speed(s) : 0;
    }

    /**
     * The flow control the link runs with, in the words Linux prints ("off", "rx", "tx", "rx/tx"): what
     * autonegotiation resolved from both sides' PAUSE/ASM_DIR, which the MAC follows and reports in PHYstatus
     * (RxFlowCtrl: received PAUSE frames are honoured; TxFlowCtrl: PAUSE is sent when the RX ring fills). This
     * driver advertises neither bit, so "off": a full RX ring drops frames, counted in {@code rx_missed}.
     */
    public String flowControl() {
        int s = regs.read8(PHY_STATUS);
        boolean rxPause = (s & PHY_RX_FLOW) != 0, txPause = (s & PHY_TX_FLOW) != 0;
        return rxPause && txPause ? "rx/tx" : rxPause ? "rx" : txPause ? "tx" : "off";
    }

    /** RxConfig's accept bits and the multicast hash (MAR0-7). */
    @Override
    protected synchronized void applyReceiveFilter() {
        regs.write32(RX_CONFIG, (regs.read32(RX_CONFIG) & ~RX_ACCEPT_MASK) | acceptBits());
        writeMulticast();
    }

    private synchronized int acceptBits() {
        return RX_ACCEPT_MY_PHYS | (promiscuous() ? RX_ACCEPT_ALL_PHYS | RX_ACCEPT_MULTICAST : 0)
                | (allMulticast() ? RX_ACCEPT_MULTICAST : 0) | (broadcast() ? RX_ACCEPT_BROADCAST : 0);
    }

    /** MAR0-7: every hash bucket when multicast is accepted (no group list kept), none otherwise. */
    private synchronized void writeMulticast() {
        int v = promiscuous() || allMulticast() ? -1 : 0;
        regs.write32(MAR0 + 4, v);
        regs.write32(MAR0, v);
    }

    @Override
    protected void refreshCounters() {
        if (tally != null) tally.accumulate();
    }

    @Override
    public Map<String, Long> statistics() {
        super.statistics(); // refreshes the tally under the control lock
        Map<String, Long> m = new LinkedHashMap<>(tally.snapshot());
        m.put("tx_dropped", txRing.dropped());
        m.put("driver_tx_packets", txRing.packets());
        m.put("driver_rx_packets", rxRing.packets());
        m.put("driver_rx_error_packets", rxRing.errorPackets());
        m.put("driver_tx_polls", txRing.kicks());
        m.put("driver_tx_link_stops", linkStops);
        m.put("driver_link_changes", linkChanges());
        return m;
    }
}
