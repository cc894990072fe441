package io.jnetmap.igb;

import io.jnetmap.intel.AdvancedTxFormat;
import io.jnetmap.intel.gigabit.CopperPhy;
import io.jnetmap.intel.gigabit.GigabitAdapter;
import io.jnetmap.intel.RssConfig;
import io.jnetmap.intel.IntelException;
import io.jnetmap.intel.SwFwSemaphore;
import io.jnetmap.intel.gigabit.GigabitRegs;
import io.jnetmap.intel.IntelRxRing;
import io.jnetmap.intel.IntelTxRing;
import io.jnetmap.intel.gigabit.Mdic;
import io.jnetmap.intel.QueueRegisters;
import io.jnetmap.nic.NicDevice;
import io.jnetmap.nic.NicInterrupts;
import io.jnetmap.nic.NicRegion;
import io.jnetmap.nic.Registers;
import io.jnetmap.rings.Kring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

import static io.jnetmap.igb.IgbRegs.*;
import static io.jnetmap.intel.gigabit.GigabitRegs.*;

/**
 * An Intel 82576 or I350 as a netmap adapter with N queue pairs, each a netmap ring pair.
 * {@link #initialize()} and {@link #startRings()} read top to bottom like the datasheet's software
 * initialization sequence (82576 datasheet §4.5.3: mask interrupts, global reset and general
 * configuration, PHY and link, statistics, receive, transmit, interrupts); Intel's shared code
 * ({@code e1000_82575.c}) and DPDK's igb PMD supply the errata and the order where the
 * datasheet is terse, each step says so.
 *
 * <p>Rings: advanced descriptors both ways (QEMU's 82576 model implements no others), one
 * descriptor per netmap slot pointing at the slot's buffer in the NIC region (zero copy); frames
 * longer than a buffer span several descriptors and slots (NS_MOREFRAG). The ring code is the
 * Intel family's ({@link IntelTxRing}, {@link IntelRxRing}); this class supplies the descriptor
 * format ({@link AdvancedTxFormat}) and the native queue register layout ({@link IgbQueueRegs}).
 *
 * <p>Multi-queue: RSS (Toeplitz hash over IPv4/IPv6 addresses and TCP/UDP ports, key and
 * redirection table from {@link RssConfig}) spreads received flows over the RX rings. Interrupts:
 * with MSI-X, queue pair q has vector q (its RX and TX causes, IVAR) and vector N takes the other
 * causes (link changes); a thread in poll() on one ring sleeps on that ring's vector only. With MSI
 * or INTx (UIO) all causes share one vector and the cause register tells them apart.
 */
public final class IgbAdapter extends GigabitAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(IgbAdapter.class);

    private final IgbChip chip;
    private final IgbConfig config;
    private final int queues;
    private final CopperPhy phy;
    /** This port's number on the chip (STATUS.LAN_ID), read after each reset: it picks CFG_DONE's bit and the PHY semaphore. */
    private final int lanId;
    private final int rxBufferSize;
    private volatile RssConfig rss;

    // interrupt routing, set up in startRings
    private volatile InterruptRouting routing = InterruptRouting.NONE;

    private IgbAdapter(NicDevice device, NicRegion.Lease lease, Registers regs, IgbChip chip, IgbConfig config, int queues) {
        super(device.address(), device, lease, regs, IgbStats.newCounters(queues));
        this.chip = chip;
        this.config = config;
        this.queues = queues;
        this.lanId = (regs.read32(STATUS) >>> STATUS_LAN_ID_SHIFT) & STATUS_LAN_ID_MASK;
        SwFwSemaphore phyOwner = new SwFwSemaphore(regs, SW_FW_LAYOUT, SW_FW_PHY[lanId], device.address(), "the PHY");
        this.phy = new CopperPhy(new Mdic(regs, Mdic.INTERNAL_PHY, device.address()), new CopperPhy.Ownership() {
            @Override public void acquire() { phyOwner.acquire(); }
            @Override public void release() { phyOwner.release(); }
        });
        this.rxBufferSize = rxBufferSize(lease.region().bufSize());
        this.rss = config.rssFor(queues).requireQueues(name(), queues);
    }

    /**
     * Opens the NIC behind {@code device} (which this adapter then owns and closes): checks the PCI
     * ID before touching a register, resets and initializes the chip and creates its rings in the
     * process's NIC region. On failure the device is closed.
     */
    public static IgbAdapter open(NicDevice device, IgbConfig config) {
        return openDevice(device, IgbChip::of, BAR0_SIZE, config.queues(), config.txSlots() + config.rxSlots(),
                (lease, regs, chip, queues) -> new IgbAdapter(device, lease, regs, chip, config, queues),
                IgbAdapter::initialize);
    }

    public IgbChip chip() { return chip; }
    public IgbConfig config() { return config; }
    /** Queue pairs in use: the port's NIC ring pairs. */
    public int queues() { return queues; }
    /** Bytes per receive buffer the chip was told (SRRCTL.BSIZEPACKET, whole KiB of the region's buffer). */
    public int rxBufferSize() { return rxBufferSize; }
    /** Whether each queue pair has its own MSI-X vector. */
    public boolean usesMsix() { return routing.perQueue; }
    /** The MSI-X vector of queue pair {@code q}'s causes, or -1 without per-queue vectors. */
    public int vectorOf(int q) { return routing.perQueue ? q : -1; }
    public RssConfig rss() { return rss; }

    /** The chip takes packet buffers in whole KiB (SRRCTL.BSIZEPACKET, 1..127 KiB). */
    static int rxBufferSize(int bufSize) {
        return wholeKibBuffer(bufSize, "igb");
    }

    // ====================================================================== initialization

    /** §4.5.3 steps 1-4: interrupts masked, global reset and configuration, link, statistics; then the rings (not started). */
    void initialize() {
        // PCI command register: memory space and bus mastering (QEMU's model receives only with it)
        device.enableBusMaster();

        // §4.5.4 Interrupts during initialization: mask them all, the driver polls while it sets up
        maskInterrupts();

        // §4.5.5 Global reset and general configuration
        globalReset();
        // tell firmware a driver owns the port (e1000_82575: CTRL_EXT.DRV_LOAD)
        regs.set32(CTRL_EXT, CTRL_EXT_DRV_LOAD);
        // receive address filters: RAR0 holds the MAC the chip loaded from the NVM, the other
        // entries are cleared; no VLAN filtering; no multicast group (e1000_init_hw_82575)
        clearOtherReceiveAddresses(chip.family().receiveAddresses);
        clearVlanFilter();
        clearMulticastTable();

        // §4.5.7 Link setup: the MAC follows the PHY; the PHY autonegotiates. QEMU's model drops
        // the link at every reset and raises it only ~500 ms after autonegotiation is restarted
        setupCopperLink();

        // the MAC address, as loaded from the NVM (RAL0/RAH0, else NVM words 0-2)
        mac = readMacAddress();
        if (mac == null) throw new IntelException(name() + ": no MAC address in RAL0/RAH0 or the NVM");

        // §4.5.8 Statistics: clear them (clear on read), after link setup (Intel: symbol errors
        // count wildly without link)
        counters().clearHardware(regs);

        // the rings: descriptor memory from the device's DMA allocator, netmap rings with buffers
        // from the NIC region; programmed into the chip when the first port binds (startRings);
        // advanced descriptors both ways, in the native queue register layout
        createRings(queues, config.txSlots(), config.rxSlots(), q -> IgbQueueRegs.of(q).rings(), AdvancedTxFormat.INSTANCE,
                RXDADV_ERR_RXE);
        startCounterRefresh();
        LOG.info("{}: {} ({}) via {}, MAC {}, {} queue pair(s), {} TX / {} RX slots, {} B receive buffers{}", name(),
                chip.model(), chip.id(), device.accessMethod(), formatMac(mac), queues, config.txSlots(), config.rxSlots(),
                rxBufferSize, config.jumbo() ? ", frames up to " + IgbConfig.MAX_FRAME + " B" : "");
    }

    /** IMC, and EIMC for the extended (MSI-X vector) causes. */
    @Override
    protected void maskInterrupts() {
        super.maskInterrupts();
        regs.write32(EIMC, 0xffff_ffff);
    }

    /**
     * §4.5.5 Global reset (e1000_reset_hw_82575 / _82580): stop the chip's DMA, reset the MAC
     * (CTRL.RST), wait for the NVM auto-read and the PHY's configuration, mask and clear interrupts
     * again. Also run at close, so nothing of a previous owner (or a crashed process) survives.
     */
    @Override
    protected void globalReset() {
        // stop PCIe mastering so the reset does not cut a DMA transaction in half (e1000_disable_pcie_master)
        regs.set32(CTRL, CTRL_GIO_MASTER_DISABLE);
        if (!waitFor(STATUS, STATUS_GIO_MASTER_ENABLE, 0, 80_000, 100))
            LOG.warn("{}: PCIe master disable did not complete within 80 ms; resetting anyway", name());
        if (chip.family().completionTimeout) setCompletionTimeout();
        maskInterrupts();
        regs.write32(RCTL, 0);
        regs.write32(TCTL, TCTL_PSP);
        flush();
        sleepMillis(10); // in-flight descriptors and packets drain

        regs.write32(CTRL, regs.read32(CTRL) | CTRL_RST);
        sleepMillis(5); // the MAC is not accessible for a moment after RST (Intel waits 5 ms on the 82580 path)

        // NVM auto-read done: EECD.AUTO_RD, 10 ms (Intel only logs a missing one; QEMU's model never sets it)
        if (!waitFor(EECD, EECD_AUTO_RD, EECD_AUTO_RD, 10_000, 100))
            LOG.debug("{}: EECD.AUTO_RD not set 10 ms after reset (no NVM, or an emulated chip)", name());
        if (chip.family().devRstSet && (regs.read32(STATUS) & STATUS_DEV_RST_SET) != 0)
            regs.write32(STATUS, STATUS_DEV_RST_SET); // write 1 to clear
        maskInterrupts();
        regs.read32(ICR);
        regs.read32(EICR);
        // the PHY has loaded its configuration from the NVM (EEMNGCTL.CFG_DONE of this LAN port, by
        // STATUS.LAN_ID as igb_get_cfg_done_82575 picks it: a port's PCI function need not be its
        // LAN ID; 100 ms; Intel only logs a timeout, QEMU's model never sets the bit)
        int cfgDone = EEMNGCTL_CFG_DONE_PORT0 << lanId;
        if (!waitFor(EEMNGCTL, cfgDone, cfgDone, 100_000, 1000))
            LOG.debug("{}: EEMNGCTL.CFG_DONE not set 100 ms after reset", name());
    }

    /**
     * 82576 (e1000_set_pcie_completion_timeout, before the reset): if the PCIe completion timeout
     * is still the default, set it: 10 ms in GCR on a version 1 capability, else 16..55 ms in the
     * PCIe capability's Device Control 2 (configuration space); resend on timeout off either way.
     */
    private void setCompletionTimeout() {
        int gcr = regs.read32(GCR);
        if ((gcr & GCR_CMPL_TMOUT_MASK) == 0) {
            if ((gcr & GCR_CAP_VER2) == 0) {
                gcr |= GCR_CMPL_TMOUT_10MS;
            } else {
                try {
                    int cap = device.findCapability(NicDevice.CAP_PCIE);
                    if (cap >= 0) {
                        int off = cap + NicDevice.PCIE_DEVICE_CONTROL2;
                        int devctl2 = device.configRead16(off);
                        if ((devctl2 & 0xF) == 0) device.configWrite16(off, devctl2 | DEVCTL2_CMPL_TMOUT_16MS);
                    } else {
                        LOG.debug("{}: no PCI Express capability; completion timeout left at its default", name());
                    }
                } catch (RuntimeException e) {
                    LOG.warn("{}: could not set the PCIe completion timeout in Device Control 2 ({}); it stays at its"
                            + " default", name(), e.getMessage());
                }
            }
        }
        regs.write32(GCR, gcr & ~GCR_CMPL_TMOUT_RESEND);
    }

    /**
     * §4.5.7 Link setup for copper (e1000_setup_copper_link_82575, e1000_copper_link_autoneg): the
     * MAC follows the PHY; flow control's MAC side; the PHY powered up and reset (Linux powers it
     * down when it releases the port; neither CTRL.RST nor a function reset powers it up), then
     * autonegotiation, the pause abilities advertised only with flow control on. Every PHY access
     * holds the SW/FW semaphore ({@link SwFwSemaphore}).
     */
    private void setupCopperLink() {
        // MAC speed and duplex from the PHY (SLU, nothing forced); out of link reset (LRST is set at power-up)
        int ctrl = regs.read32(CTRL);
        regs.write32(CTRL, (ctrl | CTRL_SLU) & ~(CTRL_FRCSPD | CTRL_FRCDPX | CTRL_LRST));
        // 82580/I350: the PHY stays disconnected while PHPM's "go link disconnect" is set
        if (chip.family().phyPowerManagement) regs.clear32(PHPM, PHPM_GO_LINKDISCONNECT);
        setupFlowControl();
        if (phy.powerUpAndReset(name())) LOG.info("{}: the PHY was powered down (BMCR.PDOWN); powered up", name());
        // the restart is also what brings QEMU's link up after a reset
        phy.startAutonegotiation(config.flowControl());
        awaitLink(config.linkWaitMillis());
    }

    @Override protected CopperPhy copperPhy() { return phy; }
    @Override protected boolean flowControlOn() { return config.flowControl(); }
    @Override protected int rxPacketBufferBytes() { return chip.family().rxBufferKb(regs.read32(RXPBS)) * 1024; }
    @Override protected int maxFrameBytes() { return config.jumbo() ? IgbConfig.MAX_FRAME + 4 : 1522; }

    /** This port's LAN ID (STATUS.LAN_ID). */
    public int lanId() { return lanId; }

    // ====================================================================== netmap mode on / off

    /** The first port bound: program and start the rings, route interrupts (§4.5.3 steps 5-7). */
    @Override
    protected void startRings() {
        startReceive();
        startTransmit();
        routeInterrupts();
        markRxEnabled(true);
    }

    /** §4.5.9 Receive initialization. */
    private void startReceive() {
        // RX off while the queues are programmed
        regs.write32(RCTL, 0);
        // the descriptor's second dword carries the RSS hash, not a checksum (PCSD, needed for RSS);
        // no checksum offload: frames are delivered as they came
        regs.write32(RXCSUM, RXCSUM_PCSD);
        // long frames: up to MAX_FRAME plus the CRC (RLPML counts it) with RCTL.LPE
        regs.write32(RLPML, IgbConfig.MAX_FRAME + 4);
        int srrctl = SRRCTL_DESCTYPE_ADV_ONEBUF | (rxBufferSize >> SRRCTL_BSIZEPKT_SHIFT) | SRRCTL_DROP_EN;
        for (int q = 0; q < queues; q++) {
            IgbQueueRegs r = IgbQueueRegs.of(q);
            QueueRegisters ring = r.rings();
            // queue off first (Linux igb_configure_rx_ring), then base, length, buffer size and
            // descriptor type; a full queue drops (DROP_EN) rather than stalling the others
            disableQueue(ring.rxdctl(), "RX", q);
            programRingBase(ring.rdbal(), ring.rdbah(), ring.rdlen(), rxMemory(q), config.rxSlots());
            regs.write32(r.srrctl(), srrctl);
            // I350: CRC stripping is also per queue and must agree with RCTL.SECRC
            if (chip.family().perQueueCrcStrip) regs.set32(r.dvmolr(), DVMOLR_STRCRC);
            int start = rxRings[q].arm();
            regs.write32(ring.rdh(), start);
            regs.write32(ring.rdt(), start); // no descriptor for the chip until the queue is enabled
            enableQueue(ring.rxdctl(), RXDCTL_THRESHOLDS, "RX", q);
        }
        programRss();
        // RCTL last: enable, strip the CRC (netmap delivers frames without it), the filter switches
        // (broadcast, promiscuous, all-multicast), long packets for jumbo frames; buffer sizes come
        // from SRRCTL, so RCTL.BSIZE stays 0
        regs.write32(RCTL, RCTL_EN | RCTL_SECRC | RCTL_RDMTS_HALF | filterBits() | (config.jumbo() ? RCTL_LPE : 0));
        // the tail after the queue and the receiver are enabled (datasheet §4.5.9; DPDK: "this needs
        // to be done after enable"): RDT = one behind the first slot the user holds
        for (int q = 0; q < queues; q++) regs.write32(IgbQueueRegs.of(q).rings().rdt(), rxRings[q].tail());
        flush();
    }

    /** §4.5.10 Transmit initialization. */
    private void startTransmit() {
        for (int q = 0; q < queues; q++) {
            QueueRegisters ring = IgbQueueRegs.of(q).rings();
            IntelTxRing tx = txRings[q];
            disableQueue(ring.txdctl(), "TX", q);
            tx.reset();
            programRingBase(ring.tdbal(), ring.tdbah(), ring.tdlen(), txMemory(q), config.txSlots());
            int start = tx.startIndex();
            regs.write32(ring.tdh(), start);
            regs.write32(ring.tdt(), start);
            enableQueue(ring.txdctl(), TXDCTL_THRESHOLDS, "TX", q);
        }
        // transmitter on: pad short frames, retransmit on late collisions, Intel's collision
        // threshold and full-duplex distance (TCTL as e1000_config_collision_dist leaves it)
        regs.write32(TCTL, TCTL_EN | TCTL_PSP | TCTL_RTLC | (TCTL_CT_DEFAULT << TCTL_CT_SHIFT)
                | (TCTL_COLD_FULL_DUPLEX << TCTL_COLD_SHIFT));
        flush();
        markTxRunning(true);
    }

    /** The queue's own enable (TXDCTL bit 25) off, until the chip reports it stopped: its head may then be written. */
    @Override
    protected void stopTxQueue(int q) {
        disableQueue(IgbQueueRegs.of(q).rings().txdctl(), "TX", q);
    }

    @Override
    protected void startTxQueue(int q) {
        enableQueue(IgbQueueRegs.of(q).rings().txdctl(), TXDCTL_THRESHOLDS, "TX", q);
    }

    /** RSS over the queues (one queue: RSS off, everything to queue 0). */
    private void programRss() {
        if (queues == 1) {
            regs.write32(MRQC, 0);
            return;
        }
        writeRssTables(RETA, RSSRK, rss);
        regs.write32(MRQC, MRQC_ENABLE_RSS | MRQC_RSS_FIELDS);
    }

    /**
     * Changes the RSS key and redirection table of a running port (the chip takes new table
     * entries between packets). The table may only name queues the port has.
     */
    public synchronized void setRss(RssConfig r) {
        rss = r.requireQueues(name(), queues);
        if (!isDestroyed() && rxEnabled()) programRss();
        LOG.info("{}: RSS now {}", name(), r);
    }

    /**
     * Interrupts (datasheet §7.3): with MSI-X, queue pair q's RX and TX causes go to vector q
     * (IVAR), the other causes (link) to vector N (IVAR_MISC); queue vectors clear their cause bit
     * when their message is sent (EIAC) and are unmasked only while a thread waits on them. With
     * fewer vectors, MSI or INTx (UIO), every cause shares vector 0 in legacy mode, told apart by ICR.
     */
    private void routeInterrupts() {
        int wanted = queues + 1;
        NicInterrupts irq = enableInterrupts(config.interrupts(), wanted);
        if (irq == null) return; // poll() spins and parks
        for (int v = 0; v < chip.family().msixVectors; v++) regs.write32(EITR0 + 4 * v, 0); // no throttling
        boolean perQueue = irq.isMsix() && irq.count() >= wanted;
        // IVAR entries valid in both modes: QEMU's model signals a TX completion (ICR.TXDW) only
        // for queues whose IVAR entry is valid, even when MSI-X is off
        int[] ivar = new int[chip.family().ivarRegisters]; // only the IVAR registers the chip has
        IgbChip.IvarLayout layout = chip.family().ivar;
        for (int q = 0; q < queues; q++) {
            int vector = perQueue ? q : 0;
            ivar[layout.register(q)] |= (vector | IVAR_VALID) << layout.shift(q, false);
            ivar[layout.register(q)] |= (vector | IVAR_VALID) << layout.shift(q, true);
        }
        for (int i = 0; i < ivar.length; i++) regs.write32(IVAR0 + 4 * i, ivar[i]);
        if (perQueue) {
            int other = queues;
            regs.write32(IVAR_MISC, (other | IVAR_VALID) << IVAR_MISC_OTHER_SHIFT);
            // MSI-X mode; reading ICR clears it (NSICR); no auto-masking
            regs.write32(GPIE, GPIE_MSIX_MODE | GPIE_PBA | GPIE_NSICR);
            regs.write32(EIAM, 0);
            regs.write32(EIAC, (1 << (queues + 1)) - 1); // a vector's cause bit clears when its message goes out
            routing = new InterruptRouting(true, other, 1 << other);
        } else {
            // legacy mode: one vector, ICR tells causes apart; reading ICR clears it and lowers the line
            regs.write32(GPIE, 0);
            regs.write32(IAM, 0);
            routing = new InterruptRouting(false, 0, 0);
        }
        useInterrupts(irq);
        regs.write32(ICR, 0xffff_ffff);
        regs.write32(EICR, 0xffff_ffff);
        regs.write32(IMS, ICR_LSC);                            // link changes: always
        if (routing.perQueue) regs.write32(EIMS, routing.permanentEims); // the other-causes vector: always
        LOG.info("{}: {} interrupts, {} vector(s){}", name(), irq.mode(), irq.count(),
                routing.perQueue ? ": queue pair q on vector q, link on vector " + routing.otherVector : ", causes shared");
    }

    /**
     * Where causes go once interrupts are routed.
     *
     * @param perQueue each queue pair has its own MSI-X vector (EICR bit = vector)
     * @param otherVector the vector of link and other causes
     * @param permanentEims EIMS bits never masked (the other-causes vector)
     */
    private record InterruptRouting(boolean perQueue, int otherVector, int permanentEims) {
        static final InterruptRouting NONE = new InterruptRouting(false, 0, 0);
    }

    /** The last port closed: stop RX and TX, mask interrupts (§4.5.9/§4.5.10 in reverse). */
    @Override
    protected void stopRings() {
        markRxEnabled(false);
        stopReceiveAndTransmit();
    }

    /** Between RCTL and TCTL: each queue's enable bit (RXDCTL/TXDCTL bit 25) cleared. */
    @Override
    protected void disableQueues() {
        for (int q = 0; q < queues; q++) {
            QueueRegisters r = IgbQueueRegs.of(q).rings();
            regs.clear32(r.rxdctl(), DCTL_QUEUE_ENABLE);
            regs.clear32(r.txdctl(), DCTL_QUEUE_ENABLE);
        }
    }

    // ====================================================================== wake-ups

    @Override
    protected long wakeCauses(Kring k) {
        if (routing.perQueue) return 1L << k.ringId();
        return k.isTx() ? ICR_TXDW : ICR_RXDW;
    }

    @Override
    protected int wakeVector(Kring k) {
        return routing.perQueue ? k.ringId() : 0;
    }

    @Override
    protected long alwaysPolledVectors() { return 1L << routing.otherVector; }

    @Override
    protected void armWakeCauses(long wanted) {
        int causes = (int) wanted; // EICR bits 0..24, or ICR bits: one 32-bit register
        if (routing.perQueue) {
            regs.write32(EICR, causes);                              // forget causes from before the caller's last look
            regs.write32(EIMS, causes | routing.permanentEims);      // a cause still pending fires at once
        } else {
            regs.write32(ICR, causes);
            regs.write32(IMS, causes | ICR_LSC);
        }
    }

    @Override
    protected void disarmWakeCauses(long wanted) {
        int causes = (int) wanted;
        if (routing.perQueue) regs.write32(EIMC, causes & ~routing.permanentEims);
        else regs.write32(IMC, causes & ~ICR_LSC);
    }

    @Override
    protected void serviceVector(int vector) {
        if (routing.perQueue && vector != routing.otherVector) return; // queue causes auto-cleared (EIAC)
        int icr = regs.read32(ICR); // clears it (NSICR in MSI-X mode; legacy: reading deasserts the line)
        if ((icr & ICR_LSC) != 0) {
            boolean up = linkUp();
            LOG.debug("{}: link-status-change interrupt: link {}", name(), up ? "up" : "down");
        }
    }

    // ====================================================================== the port's view

    /** The family's counters, plus each ring's packet count as the driver saw it. */
    @Override
    public Map<String, Long> statistics() {
        return withRingPackets(super.statistics());
    }

    @Override
    public String toString() {
        return "IgbAdapter[" + name() + " " + chip.model() + ", " + queues + " queue pair(s)]";
    }
}
