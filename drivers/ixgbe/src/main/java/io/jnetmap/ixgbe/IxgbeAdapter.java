package io.jnetmap.ixgbe;

import io.jnetmap.intel.AdvancedTxFormat;
import io.jnetmap.intel.IntelAdapter;
import io.jnetmap.intel.IntelException;
import io.jnetmap.intel.IntelTxRing;
import io.jnetmap.intel.QueueRegisters;
import io.jnetmap.intel.RssConfig;
import io.jnetmap.intel.SwFwSemaphore;
import io.jnetmap.intel.gigabit.FlowControl;
import io.jnetmap.nic.NicDevice;
import io.jnetmap.nic.NicInterrupts;
import io.jnetmap.nic.NicRegion;
import io.jnetmap.nic.Registers;
import io.jnetmap.rings.Kring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;

import static io.jnetmap.ixgbe.IxgbeRegs.*;

/**
 * An Intel 82599 as a netmap adapter with N queue pairs, each a netmap ring pair.
 * {@link #initialize()} and {@link #startRings()} read top to bottom like the datasheet's
 * initialization sequence (82599 datasheet §4.6.3: interrupts masked, global reset, EEPROM
 * auto-read and DMA init done, link setup, statistics, receive, transmit, interrupts); each step
 * cites its section.
 *
 * <p>Rings: the Intel family's ({@link io.jnetmap.intel.IntelTxRing}, {@link io.jnetmap.intel.IntelRxRing})
 * with advanced descriptors both ways (the 82599's data descriptor is igb's,
 * {@link AdvancedTxFormat}; the receive side is SRRCTL's advanced one-buffer format), one
 * descriptor per netmap slot pointing at the slot's buffer (zero copy); frames longer than a
 * buffer span several descriptors and slots (NS_MOREFRAG).
 *
 * <p>Multi-queue: RSS (Toeplitz over IPv4/IPv6 addresses and TCP/UDP ports; key and 128-entry
 * table from {@link RssConfig}). Interrupts: with MSI-X, queue pair q has vector q (its RX and TX
 * causes, IVAR) and vector N the other causes (link changes, IVAR_MISC); with MSI or INTx every
 * RX cause sets EICR bit 0 and every TX cause bit 1, and EICR tells them apart.
 *
 * <p>What differs from the gigabit chips is the MAC: no RCTL/TCTL (RXCTRL.RXEN and DMATXCTL.TE
 * instead), no ICR (EICR only), link from LINKS rather than a PHY behind MDIC, receive filters in
 * FCTRL. The link comes up by autonegotiation on the backplane (KX4/KX/KR), whose mode the chip's
 * NVM leaves in AUTOC; on SFP+ parts (X520) the module is identified over I2C and the laser lit
 * through SDP3 first, and the laser is dark again after close ({@link IxgbeChip.Media}).
 */
public final class IxgbeAdapter extends IntelAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(IxgbeAdapter.class);

    private final IxgbeChip chip;
    private final IxgbeConfig config;
    private final int queues;
    private final int rxBufferSize;
    private volatile RssConfig rss;
    private volatile InterruptRouting routing = InterruptRouting.NONE;
    private volatile SfpModule module;

    private IxgbeAdapter(NicDevice device, NicRegion.Lease lease, Registers regs, IxgbeChip chip, IxgbeConfig config,
                         int queues) {
        super(device.address(), device, lease, regs, IxgbeStats.newCounters(queues));
        this.chip = chip;
        this.config = config;
        this.queues = queues;
        this.rxBufferSize = wholeKibBuffer(lease.region().bufSize(), "ixgbe");
        this.rss = config.rssFor(queues).requireQueues(name(), queues);
    }

    /**
     * Opens the NIC behind {@code device} (which this adapter then owns and closes): checks the PCI
     * ID before touching a register, resets and initializes the chip and creates its rings in the
     * process's NIC region. On failure the device is closed.
     */
    public static IxgbeAdapter open(NicDevice device, IxgbeConfig config) {
        return openDevice(device, IxgbeChip::of, BAR0_SIZE, config.queues(), config.txSlots() + config.rxSlots(),
                (lease, regs, chip, queues) -> new IxgbeAdapter(device, lease, regs, chip, config, queues),
                IxgbeAdapter::initialize);
    }

    public IxgbeChip chip() { return chip; }
    public IxgbeConfig config() { return config; }
    /** Queue pairs in use: the port's NIC ring pairs. */
    public int queues() { return queues; }
    /** Bytes per receive buffer the chip was told (SRRCTL.BSIZEPACKET, whole KiB of the region's buffer). */
    public int rxBufferSize() { return rxBufferSize; }
    /** Whether each queue pair has its own MSI-X vector. */
    public boolean usesMsix() { return routing.perQueue; }
    /** The MSI-X vector of queue pair {@code q}'s causes, or -1 without per-queue vectors. */
    public int vectorOf(int q) { return routing.perQueue ? q : -1; }
    public RssConfig rss() { return rss; }
    /** 802.3x flow control as programmed: FULL with the option on (forced, see {@link #setupFlowControl}), else NONE. */
    public FlowControl flowControl() { return config.flowControl() ? FlowControl.FULL : FlowControl.NONE; }

    /** Queue n's ring registers: RX at 0x1000 + 0x40 n, TX at 0x6000 + 0x40 n (n < 64, §8.2.3.8, §8.2.3.9). */
    static QueueRegisters queueRegs(int n) {
        return QueueRegisters.at(RX_QUEUE_BASE + QUEUE_STRIDE * n, TX_QUEUE_BASE + QUEUE_STRIDE * n);
    }

    /** SRRCTL(n) in the queue's block (0x2100 + 4n aliases it for n < 16). */
    static int srrctl(int n) { return RX_QUEUE_BASE + QUEUE_STRIDE * n + 0x14; }

    /** DCA_RXCTRL(n) in the queue's block (0x2200 + 4n aliases it for n < 16). */
    static int dcaRxctrl(int n) { return RX_QUEUE_BASE + QUEUE_STRIDE * n + 0x0C; }

    // ====================================================================== initialization

    /** §4.6.3 steps 1-6: interrupts masked, global reset, link, statistics; then the rings (not started). */
    void initialize() {
        // PCI command register: memory space and bus mastering
        device.enableBusMaster();

        // §4.6.3.1 Interrupts during initialization: all masked, the driver polls while it sets up
        maskInterrupts();

        // §4.6.3.2 Global reset and general configuration
        globalReset();
        // §4.6.3 "wait for the EEPROM auto-read to complete" (EEC.ARD) and "wait for DMA
        // initialization done" (RDRXCTL.DMAIDONE): without them the MAC address and the queue
        // registers are not yet what the NVM says
        if (!waitFor(EEC, EEC_ARD, EEC_ARD, 100_000, 100))
            throw new IntelException(name() + ": EEPROM auto-read not done 100 ms after reset (EEC.ARD clear): the NVM"
                    + " is missing or corrupt, or the chip is not answering; reset or rebind it");
        if (!waitFor(RDRXCTL, RDRXCTL_DMAIDONE, RDRXCTL_DMAIDONE, 100_000, 100))
            throw new IntelException(name() + ": DMA initialization not done 100 ms after reset (RDRXCTL.DMAIDONE"
                    + " clear); reset or rebind the port");
        // tell firmware a driver owns the port
        regs.set32(CTRL_EXT, CTRL_EXT_DRV_LOAD);
        // receive filters: RAR0 holds the MAC loaded from the NVM; the other entries, the
        // multicast table and the VLAN filter table survive a software reset and are cleared
        for (int i = 1; i < RAR_ENTRIES; i++) {
            regs.write32(ral(i) + 4, 0); // RAH first: AV off before the address changes
            regs.write32(ral(i), 0);
        }
        for (int i = 0; i < MTA_ENTRIES; i++) regs.write32(MTA + 4 * i, 0);
        for (int i = 0; i < VFTA_ENTRIES; i++) regs.write32(VFTA + 4 * i, 0);

        // §4.6.4 Link setup
        setupLink();

        mac = readMac();

        // §4.6.3 step "statistics": read once (clear on read), after link setup
        counters().clearHardware(regs);

        // the rings: descriptor memory, netmap rings and buffers; programmed into the chip when
        // the first port binds (startRings)
        createRings(queues, config.txSlots(), config.rxSlots(), IxgbeAdapter::queueRegs, AdvancedTxFormat.INSTANCE,
                RXDADV_ERR_FRAME);
        startCounterRefresh();
        LOG.info("{}: {} ({}, {}) via {}, MAC {}, {} queue pair(s), {} TX / {} RX slots, {} B receive buffers, frames up to {} B",
                name(), chip.model(), chip.id(), chip.media(), device.accessMethod(), formatMac(mac), queues, config.txSlots(),
                config.rxSlots(), rxBufferSize, config.maxFrame());
    }

    /** EIMC for the causes, EIMC_EX(0..1) for the 64 vectors' queue causes (§4.6.3.1). */
    @Override
    protected void maskInterrupts() {
        regs.write32(EIMC, 0x7FFF_FFFF);
        EIMC_EX.writeBits(regs, -1L);
    }

    /**
     * §4.6.3.2 Global reset: receive off, PCIe mastering stopped so no DMA is cut in half
     * (§5.2.5.3.2 master disable; the specification update's advice when it does not complete:
     * reset anyway), then CTRL.RST with CTRL.LNK_RST (the MAC and the link), which self-clear; 10 ms
     * after them the chip answers again. Interrupts masked and causes cleared once more. Also run
     * at close, so nothing of a previous owner (or a crashed process) survives.
     */
    @Override
    protected void globalReset() {
        regs.write32(RXCTRL, 0);
        maskInterrupts();
        regs.read32(EICR);
        regs.set32(CTRL, CTRL_GIO_DIS);
        if (!waitFor(STATUS, STATUS_GIO, 0, 80_000, 100))
            LOG.warn("{}: PCIe master disable did not complete within 80 ms; resetting anyway", name());
        regs.write32(CTRL, regs.read32(CTRL) | CTRL_RST_MASK);
        // the reset bits self-clear when it is done; writes before then are ignored by the chip
        if (!waitFor(CTRL, CTRL_RST_MASK, 0, 100_000, 10))
            LOG.warn("{}: CTRL.RST still set 100 ms after the reset", name());
        sleepMillis(10);
        maskInterrupts();
        regs.read32(EICR);
    }

    /**
     * §4.6.4 Link setup, by the media the device ID names ({@link IxgbeChip.Media}, as Linux's
     * {@code ixgbe_get_media_type_82599} tells them apart) and the chip confirms: on the backplane
     * the link mode is what the NVM left in AUTOC.LMS, and a mode whose link needs more than
     * AUTOC/LINKS (SFI, 1 GbE modes) is refused so the port never opens to a link that cannot come
     * up; an SFP+ cage gets its module identified and its laser lit first ({@link #setupSfp}).
     * Then autonegotiation is restarted (AUTOC.AN_RESTART) and LINKS polled for link up.
     */
    private void setupLink() {
        int autoc = regs.read32(AUTOC);
        if (chip.media() == IxgbeChip.Media.SFP) {
            autoc = setupSfp(autoc);
        } else {
            int lms = (autoc & AUTOC_LMS_MASK) >>> AUTOC_LMS_SHIFT;
            if (lms != LMS_10G_PARALLEL && lms != LMS_KX_KX4_KR_AN)
                throw new IntelException(name() + ": AUTOC.LMS is " + Integer.toBinaryString(lms | 8).substring(1)
                        + ", a link mode this driver does not bring up on the " + chip.model() + "; it supports 10 GbE"
                        + " backplane ports (LMS 001 KX4 parallel, 100 KX/KX4/KR autonegotiation). Use the kernel's ixgbe"
                        + " for this port.");
        }
        regs.write32(AUTOC, autoc | AUTOC_AN_RESTART);
        long wait = config.linkWaitMillis();
        if (wait > 0 && !waitFor(LINKS, LINKS_UP, LINKS_UP, wait * 1000, 10_000))
            LOG.warn("{}: no link {} ms after autonegotiation was restarted (cable? peer?); the port opens anyway", name(), wait);
        linkUp(); // records and logs the state
    }

    /**
     * The SFP+ cage before the link (§3.3 / §4.6.4 for SFI; SFF-8431/8472 for the module):
     * <ol>
     * <li>the module identified over I2C (I2CCTL, {@link SfpI2c}): an empty cage, or a module this
     *     driver cannot drive ({@link SfpModule.Kind}), is refused here with the laser still dark;
     *     each byte is read holding the port's PHY resource in SW_FW_SYNC, as firmware shares the bus
     *     ({@link SwFwSemaphore}: a bit left by a previous owner that died holding it is taken back
     *     first; firmware that keeps the bus for 1 s makes the open fail saying so);</li>
     * <li>the laser on: ESDP.SDP3 low releases the module's TX_DISABLE (the pin stays an output as
     *     the NVM made it); Linux allows 100 ms for the laser to light, so does this;</li>
     * <li>AUTOC.LMS 011, 10 GbE serial, with AUTOC2's serial PMA/PMD set to SFI: the caller writes
     *     AUTOC with the autonegotiation restart.</li>
     * </ol>
     * Returns the AUTOC value to write.
     */
    private int setupSfp(int autoc) {
        SwFwSemaphore bus = new SwFwSemaphore(regs, SW_FW_LAYOUT,
                (regs.read32(STATUS) & STATUS_LAN_ID) != 0 ? SW_FW_PHY1 : SW_FW_PHY0, name(), "the SFP+ module's I2C bus");
        if (bus.reclaimFromDeadOwner())
            LOG.warn("{}: SW_FW_SYNC still gave the SFP+ module's I2C bus to a previous owner of this port that died"
                    + " holding it; taken back", name());
        SfpModule m;
        try {
            m = SfpModule.read(new SfpI2c(regs, bus));
        } catch (SfpI2c.NoAnswer e) {
            throw new IntelException("no SFP+ module in the cage of " + name() + ": insert one (" + SfpModule.SUPPORTED
                    + "); nothing answered at I2C address 0xA0");
        }
        if (!m.kind().supported())
            throw new IntelException(name() + ": the SFP+ module in the cage is " + m.describe() + ", which the ixgbe driver"
                    + " cannot drive: it drives " + SfpModule.SUPPORTED + ". Insert one of those, or use the kernel's ixgbe.");
        module = m;
        LOG.info("{}: SFP+ module {}", name(), m.describe());
        regs.clear32(ESDP, ESDP_SDP3);
        flush();
        sleepMillis(LASER_ON_MILLIS);
        regs.write32(AUTOC2, (regs.read32(AUTOC2) & ~AUTOC2_10G_SERIAL_PMA_PMD_MASK) | AUTOC2_10G_SFI);
        return (autoc & ~AUTOC_LMS_MASK) | LMS_10G_SERIAL << AUTOC_LMS_SHIFT;
    }

    /** The laser's time to light after TX_DISABLE is released (Linux's ixgbe waits 100 ms). */
    static final int LASER_ON_MILLIS = 100;

    /** SFP+: TX_DISABLE set (ESDP.SDP3 high), the laser dark, as Linux's ixgbe does when a port goes down. */
    private void laserOff() {
        if (chip.media() != IxgbeChip.Media.SFP) return;
        regs.set32(ESDP, ESDP_SDP3);
        flush();
    }

    /** The SFP+ module identified at open; empty on the backplane. */
    public Optional<SfpModule> sfpModule() { return Optional.ofNullable(module); }

    /** The MAC address the chip loaded from the NVM into RAL(0)/RAH(0). */
    private byte[] readMac() {
        int ral = regs.read32(ral(0)), rah = regs.read32(ral(0) + 4);
        if ((rah & RAH_AV) == 0 || (ral == 0 && (rah & 0xffff) == 0))
            throw new IntelException(name() + ": no valid MAC address in RAL(0)/RAH(0) after the EEPROM auto-read;"
                    + " the NVM is blank or corrupt");
        return new byte[] {(byte) ral, (byte) (ral >>> 8), (byte) (ral >>> 16), (byte) (ral >>> 24), (byte) rah,
                (byte) (rah >>> 8)};
    }

    @Override
    public boolean linkUp() {
        synchronized (linkLock()) {
            int links = regs.read32(LINKS);
            boolean up = (links & LINKS_UP) != 0;
            noteLink(up, linksSpeedMbps(links));
            return up;
        }
    }

    @Override
    public long linkSpeedMbps() {
        int links = regs.read32(LINKS);
        return (links & LINKS_UP) != 0 ? linksSpeedMbps(links) : 0;
    }

    /** Promiscuous (FCTRL.UPE), all-multicast (FCTRL.MPE), broadcast accept (FCTRL.BAM). */
    @Override
    protected void applyReceiveFilter() {
        regs.write32(FCTRL, (regs.read32(FCTRL) & ~(FCTRL_UPE | FCTRL_MPE | FCTRL_BAM)) | fctrlBits());
    }

    private int fctrlBits() {
        return (promiscuous() ? FCTRL_UPE : 0) | (allMulticast() ? FCTRL_MPE : 0) | (broadcast() ? FCTRL_BAM : 0);
    }

    // ====================================================================== netmap mode on / off

    /** The first port bound: program and start the rings, route interrupts (§4.6.7, §4.6.8, §4.6.3 step 8). */
    @Override
    protected void startRings() {
        startReceive();
        startTransmit();
        routeInterrupts();
        markRxEnabled(true);
    }

    /** §4.6.7 Receive initialization. */
    private void startReceive() {
        // the receive path off while it is programmed
        regs.write32(RXCTRL, 0);
        // one packet buffer of 512 KB, none for the other traffic classes (§4.6.11.3.4, no DCB/VT)
        regs.write32(RXPBSIZE0, RXPBSIZE_512KB);
        for (int i = 1; i < PACKET_BUFFERS; i++) regs.write32(RXPBSIZE0 + 4 * i, 0);
        setupFlowControl();
        // strip the CRC (netmap delivers frames without it): HLREG0 and RDRXCTL must agree
        regs.set32(HLREG0, HLREG0_RXCRCSTRP);
        // RDRXCTL: the CRC strip, and the fields that must be written against their reset value
        regs.write32(RDRXCTL, (regs.read32(RDRXCTL) & ~RDRXCTL_RSCFRSTSIZE) | RDRXCTL_CRCSTRIP | RDRXCTL_RSCACKC
                | RDRXCTL_FCOE_WRFIX);
        // jumbo frames: JUMBOEN, and MAXFRS counts the CRC
        if (config.jumbo()) {
            regs.write32(MAXFRS, (IxgbeConfig.MAX_FRAME + 4) << MAXFRS_MFS_SHIFT);
            regs.set32(HLREG0, HLREG0_JUMBOEN);
        } else {
            regs.clear32(HLREG0, HLREG0_JUMBOEN);
        }
        // the filter switches: broadcast, promiscuous, all-multicast
        regs.write32(FCTRL, fctrlBits());
        // the descriptor's second dword carries the RSS hash (PCSD); no checksum offload
        regs.write32(RXCSUM, RXCSUM_PCSD);
        // no snooping disabled: descriptors and buffers are coherent with the CPU's caches (§4.6.7)
        regs.set32(CTRL_EXT, CTRL_EXT_NS_DIS);
        // a full queue drops (DROP_EN) rather than filling the shared packet buffer and stalling the
        // others; with PAUSE sent it must hold instead, or the buffer never fills and no XOFF goes out
        boolean dropAtFullQueue = !flowControl().sendsPause();
        int srrctl = SRRCTL_DESCTYPE_ADV_ONEBUF | (rxBufferSize >> SRRCTL_BSIZEPKT_SHIFT) | (dropAtFullQueue ? SRRCTL_DROP_EN : 0);
        int[] rqsmr = new int[(queues + 3) / 4];
        for (int q = 0; q < queues; q++) {
            QueueRegisters ring = queueRegs(q);
            disableQueue(ring.rxdctl(), "RX", q);
            programRingBase(ring.rdbal(), ring.rdbah(), ring.rdlen(), rxMemory(q), config.rxSlots());
            // advanced one-buffer descriptors of the region's buffer size
            regs.write32(srrctl(q), srrctl);
            // descriptor write-back relaxed ordering off: a status word must not overtake its data
            regs.clear32(dcaRxctrl(q), DCA_RXCTRL_RO_BIT12);
            rqsmr[q / 4] |= q << (8 * (q % 4)); // queue q counts in QPRC(q)
            // the head where the ring starts; the tail only once the queue is enabled (a tail
            // written to a disabled queue is lost), and RXCTRL.RXEN is still off meanwhile
            regs.write32(ring.rdh(), rxRings[q].arm());
            enableQueue(ring.rxdctl(), 0, "RX", q);
            // the tail after the enable reads back set (§4.6.7: a tail written to a disabled queue is lost)
            regs.write32(ring.rdt(), rxRings[q].tail());
        }
        for (int i = 0; i < rqsmr.length; i++) regs.write32(RQSMR0 + 4 * i, rqsmr[i]);
        programRss();
        // the receive path on last, once everything else is set (§4.6.7): with the security
        // block's receive data path halted and drained (SECRXCTRL.RX_DIS, SECRXSTAT.SECRX_RDY)
        regs.set32(SECRXCTRL, SECRXCTRL_RX_DIS);
        if (!waitFor(SECRXSTAT, SECRXSTAT_RDY, SECRXSTAT_RDY, 10_000, 100))
            LOG.warn("{}: SECRXSTAT.SECRX_RDY not set 10 ms after the receive data path was halted; enabling RX anyway", name());
        regs.write32(RXCTRL, RXCTRL_RXEN);
        regs.clear32(SECRXCTRL, SECRXCTRL_RX_DIS);
        flush();
    }

    /**
     * §3.7.7 802.3x flow control (§4.6.11.3.4 for its registers without DCB): MFLCN.RFCE honours
     * the partner's PAUSE, FCCFG.TFCE sends ours once packet buffer 0 holds more than its high
     * mark (FCRTH(0).FCEN, {@link PauseThresholds}), XON below the low mark (FCRTL(0).XONE), the
     * longest pause time in every XOFF and XOFF repeated at half of it (FCRTV) while the buffer
     * stays full; MFLCN.DPF keeps PAUSE frames from the rings either way. Forced, not negotiated:
     * backplane autonegotiation's pause bits are not read (Linux falls back to its requested mode
     * the same way when they are not there). Off: no PAUSE honoured or sent, no thresholds, no
     * pause time; the other packet buffers (unused without DCB) never have thresholds.
     */
    private void setupFlowControl() {
        FlowControl fc = flowControl();
        regs.write32(MFLCN, (regs.read32(MFLCN) & ~(MFLCN_RFCE | MFLCN_PMCF)) | MFLCN_DPF | (fc.honoursPause() ? MFLCN_RFCE : 0));
        regs.write32(FCCFG, fc.sendsPause() ? FCCFG_TFCE_8023X : 0);
        int bufferKib = RXPBSIZE_512KB >>> 10, frame = config.maxFrame() + 4;
        for (int tc = 0; tc < TRAFFIC_CLASSES; tc++) {
            if (tc == 0 && fc.sendsPause()) {
                regs.write32(FCRTL0, PauseThresholds.lowKib(bufferKib, frame) << 10 | FCRTL_XONE);
                regs.write32(FCRTH0, PauseThresholds.highKib(bufferKib, frame) << 10 | FCRTH_FCEN);
            } else {
                regs.write32(FCRTL0 + 4 * tc, 0);
                regs.write32(FCRTH0 + 4 * tc, 0);
            }
        }
        for (int i = 0; i < TRAFFIC_CLASSES / 2; i++) regs.write32(FCTTV0 + 4 * i, fc == FlowControl.NONE ? 0 : PAUSE_TIME * 0x0001_0001);
        regs.write32(FCRTV, fc == FlowControl.NONE ? 0 : PAUSE_TIME / 2);
        if (fc != FlowControl.NONE)
            LOG.info("{}: flow control {} (forced): XOFF above {} KiB of the {} KiB packet buffer, XON below {} KiB", name(),
                    fc.name().toLowerCase(java.util.Locale.ROOT), PauseThresholds.highKib(bufferKib, frame), bufferKib,
                    PauseThresholds.lowKib(bufferKib, frame));
    }

    /** The pause time our XOFF asks for, in 512-bit-time quanta: the longest, as Linux and DPDK send. */
    static final int PAUSE_TIME = 0xFFFF;

    /** §4.6.8 Transmit initialization. */
    private void startTransmit() {
        // pad short frames and append the CRC
        regs.set32(HLREG0, HLREG0_TXCRCEN | HLREG0_TXPADEN);
        // one 160 KB TX packet buffer (§4.6.11.3.4), no limit on outstanding read requests
        regs.write32(TXPBSIZE0, TXPBSIZE_160KB);
        for (int i = 1; i < PACKET_BUFFERS; i++) regs.write32(TXPBSIZE0 + 4 * i, 0);
        regs.write32(DTXMXSZRQ, DTXMXSZRQ_UNLIMITED);
        // MTQC may change only with the TX descriptor arbiter off (RTTDCS.ARBDIS): 64 queues, one buffer
        regs.set32(RTTDCS, RTTDCS_ARBDIS);
        regs.write32(MTQC, MTQC_64Q_1PB);
        regs.clear32(RTTDCS, RTTDCS_ARBDIS);
        int[] tqsm = new int[(queues + 3) / 4];
        for (int q = 0; q < queues; q++) {
            QueueRegisters ring = queueRegs(q);
            IntelTxRing tx = txRings[q];
            disableQueue(ring.txdctl(), "TX", q);
            tx.reset();
            programRingBase(ring.tdbal(), ring.tdbah(), ring.tdlen(), txMemory(q), config.txSlots());
            int start = tx.startIndex();
            regs.write32(ring.tdh(), start);
            regs.write32(ring.tdt(), start);
            regs.write32(ring.txdctl(), TXDCTL_THRESHOLDS); // thresholds before the queue is enabled
            tqsm[q / 4] |= q << (8 * (q % 4)); // queue q counts in QPTC(q)
        }
        for (int i = 0; i < tqsm.length; i++) regs.write32(TQSM0 + 4 * i, tqsm[i]);
        // the transmit DMA on, then each queue's enable (§4.6.8: TE before the queues)
        regs.set32(DMATXCTL, DMATXCTL_TE);
        for (int q = 0; q < queues; q++) enableQueue(queueRegs(q).txdctl(), TXDCTL_THRESHOLDS, "TX", q);
        flush();
        markTxRunning(true);
    }

    @Override
    protected void stopTxQueue(int q) {
        disableQueue(queueRegs(q).txdctl(), "TX", q);
    }

    @Override
    protected void startTxQueue(int q) {
        enableQueue(queueRegs(q).txdctl(), TXDCTL_THRESHOLDS, "TX", q);
    }

    /** RSS over the queues, §7.1.2.8 (one queue: RSS off, everything to queue 0). */
    private void programRss() {
        if (queues == 1) {
            regs.write32(MRQC, 0);
            return;
        }
        writeRssTables(RETA, RSSRK, rss);
        regs.write32(MRQC, MRQC_RSS | MRQC_RSS_FIELDS);
    }

    /** Changes the RSS key and redirection table of a running port. The table may only name queues the port has. */
    public synchronized void setRss(RssConfig r) {
        rss = r.requireQueues(name(), queues);
        if (!isDestroyed() && rxEnabled()) programRss();
        LOG.info("{}: RSS now {}", name(), r);
    }

    /**
     * Interrupts (§7.3): with MSI-X, queue pair q's RX and TX causes go to vector q (IVAR), the
     * other causes (link) to vector N (IVAR_MISC); queue vectors clear their cause when their
     * message is sent (EIAC) and are unmasked only while a thread waits on them. With fewer
     * vectors, MSI or INTx, RX causes set EICR bit 0 and TX causes bit 1, on one vector.
     */
    private void routeInterrupts() {
        int wanted = queues + 1;
        NicInterrupts irq = enableInterrupts(config.interrupts(), wanted);
        if (irq == null) return; // poll() spins and parks
        boolean perQueue = irq.isMsix() && irq.count() >= wanted;
        for (int v = 0; v < Math.max(1, Math.min(irq.count(), IxgbeChip.MSIX_VECTORS)); v++) regs.write32(eitr(v), 0);
        int[] ivar = new int[(queues + 1) / 2];
        for (int q = 0; q < queues; q++) {
            int rx = perQueue ? q : 0, tx = perQueue ? q : 1;
            ivar[q >> 1] |= (rx | IVAR_VALID) << ivarShift(q, false);
            ivar[q >> 1] |= (tx | IVAR_VALID) << ivarShift(q, true);
        }
        for (int i = 0; i < ivar.length; i++) regs.write32(IVAR0 + 4 * i, ivar[i]);
        regs.write32(EIAM, 0);
        EIAM_EX.write(regs, 0);
        if (perQueue) {
            int other = queues;
            regs.write32(IVAR_MISC, (other | IVAR_VALID) << IVAR_MISC_OTHER_SHIFT);
            regs.write32(GPIE, GPIE_MSIX_MODE | GPIE_PBA_SUPPORT);
            regs.write32(EIAC, (1 << queues) - 1 & EICR_RTX_QUEUE); // a queue vector's cause clears when its message goes out
            routing = new InterruptRouting(true, other);
        } else {
            regs.write32(IVAR_MISC, 0);
            regs.write32(GPIE, 0); // one vector; reading EICR clears it and lowers the line
            regs.write32(EIAC, 0);
            routing = new InterruptRouting(false, 0);
        }
        useInterrupts(irq);
        regs.write32(EICR, 0xFFFF_FFFF);
        regs.write32(EIMS, EICR_LSC); // link changes: always
        LOG.info("{}: {} interrupts, {} vector(s){}", name(), irq.mode(), irq.count(),
                routing.perQueue ? ": queue pair q on vector q, link on vector " + routing.otherVector
                        : ", causes shared (EICR bit 0 RX, bit 1 TX)");
    }

    /**
     * Where causes go once interrupts are routed.
     *
     * @param perQueue each queue pair has its own MSI-X vector (EICR bit q = vector q)
     * @param otherVector the vector of link and other causes
     */
    private record InterruptRouting(boolean perQueue, int otherVector) {
        static final InterruptRouting NONE = new InterruptRouting(false, 0);
    }

    /** The last port closed: stop RX and TX, mask interrupts (§4.6.7/§4.6.8 in reverse). */
    @Override
    protected void stopRings() {
        markRxEnabled(false);
        stopReceiveAndTransmit();
    }

    /** RX off, the queues' enables off, TX DMA off, interrupts masked, then 10 ms for in-flight DMA to drain. */
    private void stopReceiveAndTransmit() {
        markTxRunning(false);
        maskInterrupts();
        regs.write32(RXCTRL, 0);
        disableQueues();
        regs.clear32(DMATXCTL, DMATXCTL_TE);
        flush();
        sleepMillis(10);
    }

    /**
     * Stop the chip for good before its memory goes away: RX and TX off, interrupts masked, the
     * driver unloaded for firmware (CTRL_EXT.DRV_LOAD), then the global reset, so the chip forgets
     * the ring addresses before the rings are freed.
     */
    @Override
    protected void shutdownHardware() {
        markTxRunning(false);
        maskInterrupts();
        regs.write32(RXCTRL, 0);
        regs.write32(DMATXCTL, 0);
        flush();
        regs.clear32(CTRL_EXT, CTRL_EXT_DRV_LOAD);
        globalReset();
        // the laser dark after the reset (not counted on to darken it), as Linux's ixgbe leaves a port that is down
        laserOff();
    }

    /** Between the receiver and the transmitter: each queue's enable bit (RXDCTL/TXDCTL bit 25) cleared. */
    private void disableQueues() {
        for (int q = 0; q < queues; q++) {
            QueueRegisters r = queueRegs(q);
            regs.clear32(r.rxdctl(), DCTL_ENABLE);
            regs.clear32(r.txdctl(), DCTL_ENABLE);
        }
    }

    // ====================================================================== wake-ups

    @Override
    protected long wakeCauses(Kring k) {
        if (routing.perQueue) return 1L << k.ringId();
        return k.isTx() ? 1L << 1 : 1L;
    }

    @Override
    protected int wakeVector(Kring k) {
        return routing.perQueue ? k.ringId() : 0;
    }

    @Override
    protected long alwaysPolledVectors() { return 1L << routing.otherVector; }

    /**
     * Queue causes are EICR bits 0-15 in both modes (at most 16 queue pairs, so their vectors are
     * 0-15, where EIMS/EIMC and EIMS_EX(0)/EIMC_EX(0) are the same bits): clear stale ones, unmask.
     */
    @Override
    protected void armWakeCauses(long causes) {
        int c = (int) causes & EICR_RTX_QUEUE;
        regs.write32(EICR, c);
        regs.write32(EIMS, c);
    }

    @Override
    protected void disarmWakeCauses(long causes) {
        regs.write32(EIMC, (int) causes & EICR_RTX_QUEUE);
    }

    /**
     * The 82599 fetches at most 40 data descriptors per packet, less TXDCTL.WTHRESH (0 here): the
     * ring rules refuse a longer NS_MOREFRAG chain as a bad slot before any descriptor is written.
     */
    @Override
    public int maxTxFragments() { return MAX_DESCRIPTORS_PER_PACKET - TXDCTL_WTHRESH; }

    @Override
    protected void serviceVector(int vector) {
        if (routing.perQueue && vector != routing.otherVector) return; // queue causes auto-cleared (EIAC)
        int eicr = regs.read32(EICR); // read to clear; in legacy mode this also lowers the line
        if ((eicr & EICR_LSC) != 0) {
            boolean up = linkUp();
            LOG.debug("{}: link-status-change interrupt: link {}", name(), up ? "up" : "down");
        }
    }

    // ====================================================================== the port's view

    @Override
    public Map<String, Long> statistics() {
        return withRingPackets(super.statistics());
    }

    @Override
    public String toString() {
        return "IxgbeAdapter[" + name() + " " + chip.model() + ", " + queues + " queue pair(s)]";
    }
}
