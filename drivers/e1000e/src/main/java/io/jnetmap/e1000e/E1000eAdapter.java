package io.jnetmap.e1000e;

import io.jnetmap.intel.gigabit.CopperPhy;
import io.jnetmap.intel.gigabit.GigabitAdapter;
import io.jnetmap.intel.IntelException;
import io.jnetmap.intel.gigabit.GigabitRegs;
import io.jnetmap.intel.IntelRxRing;
import io.jnetmap.intel.gigabit.GigabitStats;
import io.jnetmap.intel.IntelTxRing;
import io.jnetmap.intel.LegacyTxFormat;
import io.jnetmap.intel.gigabit.Mdic;
import io.jnetmap.intel.QueueRegisters;
import io.jnetmap.nic.NicDevice;
import io.jnetmap.nic.NicInterrupts;
import io.jnetmap.nic.NicRegion;
import io.jnetmap.nic.Registers;
import io.jnetmap.rings.Kring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;

import static io.jnetmap.e1000e.E1000eRegs.*;
import static io.jnetmap.intel.gigabit.GigabitRegs.*;

/**
 * An Intel 82574L (or 82574LA, 82583V) as a netmap adapter. {@link #initialize()} and
 * {@link #startRings()} read top to bottom like the datasheet's software initialization sequence
 * (82574L datasheet §4.6), each step naming its section; Intel's shared code
 * ({@code e1000_82571.c}: reset_hw, init_hw, initialize_hw_bits) and Linux's e1000e supply the
 * errata and the order where the datasheet is terse.
 *
 * <p>Rings: TX uses legacy descriptors ({@link LegacyTxFormat}), RX extended descriptors
 * (RFCTL.EXTEN), one descriptor per netmap slot, each pointing at its slot's buffer in the NIC
 * region (zero copy). Frames longer than a buffer span several descriptors and slots (NS_MOREFRAG).
 *
 * <p>Interrupts: with MSI-X each RX queue, each TX queue and "other" (link changes) get their own
 * vector (IVAR); with MSI or INTx (UIO) everything shares vector 0 and the cause register tells
 * them apart. Causes are unmasked only while a thread waits in poll().
 */
public final class E1000eAdapter extends GigabitAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(E1000eAdapter.class);

    /** BAR0 holds the 128 KiB register window (82574L datasheet §10.1; QEMU: E1000E_MMIO_SIZE). */
    public static final long BAR0_SIZE = 128 * 1024;

    private final E1000eChip chip;
    private final E1000eConfig config;
    private final int queues;
    private final CopperPhy phy;
    private final int rxBufferSize;

    // interrupt routing, set up in startRings
    private boolean msix;
    private int[] rxVector, txVector;
    private int linkVector;
    private int permanentCauses;

    private E1000eAdapter(NicDevice device, NicRegion.Lease lease, Registers regs, E1000eChip chip, E1000eConfig config,
                          int queues) {
        super(device.address(), device, lease, regs, GigabitStats.newCounters());
        this.chip = chip;
        this.config = config;
        this.queues = queues;
        this.phy = new CopperPhy(new Mdic(regs, Mdic.INTERNAL_PHY, device.address()), new CopperPhy.Ownership() {
            private boolean owned;
            @Override public void acquire() { owned = acquireMdio(); }
            @Override public void release() { if (owned) releaseMdio(); }
        });
        this.rxBufferSize = GigabitRegs.largestRxBuffer(lease.region().bufSize());
    }

    /**
     * Opens the NIC behind {@code device} (which this adapter then owns and closes): checks it is
     * a supported chip before touching a register, resets and initializes it, and creates its
     * rings in the process's NIC region. On failure the device is closed.
     */
    public static E1000eAdapter open(NicDevice device, E1000eConfig config) {
        return openDevice(device, E1000eChip::of, BAR0_SIZE, config.queues(), config.txSlots() + config.rxSlots(),
                (lease, regs, chip, queues) -> new E1000eAdapter(device, lease, regs, chip, config, queues),
                E1000eAdapter::initialize);
    }

    public E1000eChip chip() { return chip; }
    public E1000eConfig config() { return config; }
    public int queues() { return queues; }
    /** The receive buffer size programmed into RCTL (the region's buffer size, capped at 16 KiB). */
    public int rxBufferSize() { return rxBufferSize; }
    /** Whether the queues have their own MSI-X vectors. */
    public boolean usesMsix() { return msix; }

    // ====================================================================== initialization

    /** Reset and general configuration, link, MAC address, then the rings (not yet started). */
    void initialize() {
        // PCI command register: memory space and bus mastering (nic-facts §0; QEMU receives only with it)
        device.enableBusMaster();
        // 82574/82583 errata: ASPM L0s and L1 off in the PCIe Link Control register (Linux:
        // FLAG2_DISABLE_ASPM_L0S/L1 in e1000_82574_info; unreliable completions otherwise)
        disableAspm();

        // §4.6.1 Interrupts during initialization: mask them all, the driver polls while it sets up
        regs.write32(IMC, 0xffff_ffff);

        // §4.6.2 Global reset and general configuration
        globalReset();
        hardwareBits();
        // Packet buffer split (PBA): RX 20 KB / TX 20 KB so the TX FIFO holds two 9 KB frames;
        // written before RX and TX are enabled (Linux e1000e_reset does this for jumbo MTUs)
        if (jumbo()) regs.write32(PBA, PBA_RX_KB_JUMBO);
        // Receive address filters: RAR0 holds the MAC the chip loaded from the NVM, every other
        // entry invalidated (they survive a reset); no VLAN filtering; the 128-entry multicast hash
        // table cleared (e1000_init_hw_82571, e1000_init_rx_addrs)
        clearOtherReceiveAddresses(chip.receiveAddresses());
        clearVlanFilter();
        clearMulticastTable();

        // §4.6.3 Link setup: MAC follows the PHY (SLU, no forced speed/duplex), PHY autonegotiates
        setupLink();

        // §4.6.2 (continued): the MAC address, as loaded from the NVM
        mac = readMacAddress();
        if (mac == null) throw new IntelException(name() + ": no MAC address in RAL0/RAH0 or the NVM");

        // Transmit descriptor write-back policy: write back each descriptor (WTHRESH 1, in
        // descriptors: GRAN), bit 22 kept set (e1000_init_hw_82571); PCIe L1 entry without L0s
        for (int q = 0; q < 2; q++) {
            int r = GigabitRegs.classicQueue(q).txdctl();
            regs.write32(r, (regs.read32(r) & ~DCTL_WTHRESH_MASK) | DCTL_WTHRESH_1 | DCTL_GRAN | TXDCTL_COUNT_DESC);
        }
        regs.set32(GCR, GCR_L1_ACT_WITHOUT_L0S_RX);

        // §4.6.4 Statistics: clear them (read: clear on read), after link setup because symbol
        // errors count wildly without link (e1000_init_hw_82571)
        counters().clearHardware(regs);

        // Tell firmware a driver owns the port (CTRL_EXT.DRV_LOAD)
        regs.set32(CTRL_EXT, CTRL_EXT_DRV_LOAD);

        // Rings: descriptor memory from the device's DMA allocator, netmap rings with buffers
        // from the NIC region; programmed into the chip when the first port binds (startRings).
        // TX: legacy descriptors; RX: extended descriptors, frames with these error bits counted
        createRings(queues, config.txSlots(), config.rxSlots(), GigabitRegs::classicQueue, LegacyTxFormat.INSTANCE,
                RXDEXT_ERR_CE | RXDEXT_ERR_SE | RXDEXT_ERR_SEQ | RXDEXT_ERR_CXE | RXDEXT_ERR_RXE);
        startCounterRefresh();
        LOG.info("{}: {} ({}) via {}, MAC {}, {} queue pair(s), {} TX / {} RX slots, {} B buffers{}", name(),
                chip.model(), chip.id(), device.accessMethod(), formatMac(mac), queues, config.txSlots(), config.rxSlots(),
                rxBufferSize, jumbo() ? ", jumbo frames up to " + chip.maxFrame() + " B" : "");
    }

    private boolean jumbo() { return config.jumbo() && chip.maxFrame() > 1522; }

    /**
     * §4.6.2 Global reset (e1000_reset_hw_82571): stop the chip's DMA, reset the MAC (CTRL.RST)
     * holding the MDIO semaphore, wait for the NVM auto-read and the PHY's configuration, mask
     * and clear interrupts again. Also run at close, so nothing of a previous owner survives.
     */
    @Override
    protected void globalReset() {
        // Stop PCIe mastering so the reset does not cut a DMA transaction in half
        regs.set32(CTRL, CTRL_GIO_MASTER_DISABLE);
        if (!waitFor(STATUS, STATUS_GIO_MASTER_ENABLE, 0, 80_000, 100))
            LOG.warn("{}: PCIe master disable did not complete within 80 ms; resetting anyway", name());
        regs.write32(IMC, 0xffff_ffff);
        regs.write32(RCTL, 0);
        regs.clear32(TCTL, TCTL_EN);
        flush();
        sleepMillis(10); // let in-flight descriptors and packets drain

        // 82574: the MDIO interface must be owned by software across the MAC reset
        boolean owned = acquireMdio();
        regs.write32(CTRL, regs.read32(CTRL) | CTRL_RST);
        sleepMillis(1); // the MAC is not accessible for a moment after RST
        if (owned) releaseMdio();

        // NVM auto-read done (EECD.AUTO_RD), then 25 ms for the PHY to load its NVM configuration
        if (!waitFor(EECD, EECD_AUTO_RD, EECD_AUTO_RD, 10_000, 100))
            LOG.warn("{}: EECD.AUTO_RD not set 10 ms after reset (no NVM?); continuing as Intel's code does", name());
        sleepMillis(25);

        regs.write32(IMC, 0xffff_ffff);
        regs.read32(ICR); // clear pending causes
    }

    /** Hardware-dependent bits and errata (e1000_initialize_hw_bits_82571 for 82574/82583). */
    private void hardwareBits() {
        // TXDCTL bit 22 set on both queues
        regs.set32(GigabitRegs.classicQueue(0).txdctl(), 1 << 22);
        regs.set32(GigabitRegs.classicQueue(1).txdctl(), 1 << 22);
        // TARC0: bits 30:27 cleared, bit 26 set (bit 10, the queue enable QEMU checks, kept)
        regs.write32(TARC0, (regs.read32(TARC0) & ~(0xF << 27)) | (1 << 26));
        // CTRL bit 29 cleared; CTRL_EXT bit 22 set, bit 23 cleared
        regs.clear32(CTRL, 1 << 29);
        regs.write32(CTRL_EXT, (regs.read32(CTRL_EXT) & ~(1 << 23)) | (1 << 22));
        // PCIe: GCR bit 22; errata: GCR2 bit 0, else unreliable PCIe completions (worse with ASPM) cause TX timeouts
        regs.set32(GCR, 1 << 22);
        regs.set32(GCR2, 1);
    }

    /**
     * §4.6.3 Link setup for copper: the MAC takes speed and duplex from the PHY; flow control's MAC
     * side; the PHY powered up and reset (Linux powers it down when it releases the port), then
     * autonegotiation with the pause abilities only when flow control is on.
     */
    private void setupLink() {
        int ctrl = regs.read32(CTRL);
        regs.write32(CTRL, (ctrl | CTRL_SLU) & ~(CTRL_FRCSPD | CTRL_FRCDPX));
        setupFlowControl();
        if (phy.powerUpAndReset(name())) LOG.info("{}: the PHY was powered down (BMCR.PDOWN); powered up", name());
        phy.startAutonegotiation(config.flowControl());
        awaitLink(config.linkWaitMillis());
    }

    /**
     * Clears the chip's ASPM control bits ({@link E1000eChip#aspmOff}) in the PCIe Link Control
     * register, through configuration space (VFIO's region or sysfs's config file under UIO). The
     * upstream port is not ours to change; with the endpoint's enables off the link enters
     * neither state from this side. Read back: vfio-pci may keep the register to itself.
     */
    private void disableAspm() {
        try {
            int cap = device.findCapability(NicDevice.CAP_PCIE);
            if (cap < 0) {
                LOG.debug("{}: no PCI Express capability; no ASPM to disable", name());
                return;
            }
            int lnkctl = cap + NicDevice.PCIE_LINK_CONTROL;
            int v = device.configRead16(lnkctl);
            if ((v & chip.aspmOff()) == 0) return;
            device.configWrite16(lnkctl, v & ~chip.aspmOff());
            int after = device.configRead16(lnkctl);
            if ((after & chip.aspmOff()) == 0) {
                LOG.info("{}: PCIe ASPM L0s/L1 disabled (82574 errata)", name());
                return;
            }
            LOG.warn("{}: ASPM stays enabled in PCIe Link Control (0x{}): the write was not taken; boot with"
                    + " pcie_aspm=off or clear it with setpci, else the 82574 may time out transmits (errata)",
                    name(), Integer.toHexString(after));
        } catch (RuntimeException e) {
            LOG.warn("{}: could not disable ASPM through configuration space ({}); boot with pcie_aspm=off, else the"
                    + " 82574 may time out transmits (errata)", name(), e.getMessage());
        }
    }

    @Override protected CopperPhy copperPhy() { return phy; }
    @Override protected boolean flowControlOn() { return config.flowControl(); }
    /** PBA's receive part, KB (low 16 bits). */
    @Override protected int rxPacketBufferBytes() { return (regs.read32(PBA) & 0xffff) * 1024; }
    @Override protected int maxFrameBytes() { return jumbo() ? chip.maxFrame() : 1522; }

    /** 82574 MDIO semaphore (EXTCNF_CTRL.MDIO_SW_OWNERSHIP): set until it reads back set, 2 ms apart, 10 tries. */
    private boolean acquireMdio() {
        for (int i = 0; i < 10; i++) {
            regs.set32(EXTCNF_CTRL, EXTCNF_CTRL_MDIO_SW_OWNERSHIP);
            if ((regs.read32(EXTCNF_CTRL) & EXTCNF_CTRL_MDIO_SW_OWNERSHIP) != 0) return true;
            sleepMillis(2);
        }
        LOG.warn("{}: could not take MDIO ownership (firmware holds it); continuing without", name());
        return false;
    }

    private void releaseMdio() {
        regs.clear32(EXTCNF_CTRL, EXTCNF_CTRL_MDIO_SW_OWNERSHIP);
    }

    // ====================================================================== netmap mode on / off

    /** The first port bound: program and start the rings, route interrupts. */
    @Override
    protected void startRings() {
        // §4.6.5 Receive initialization: RX off while the rings are programmed
        regs.write32(RCTL, 0);
        // extended receive descriptors (RFCTL.EXTEN); no TCP ACK interrupts (ACK_DIS, as DPDK on 82574)
        regs.write32(RFCTL, regs.read32(RFCTL) | RFCTL_EXTEN | RFCTL_ACK_DIS);
        for (int q = 0; q < queues; q++) {
            QueueRegisters r = GigabitRegs.classicQueue(q);
            IntelRxRing ring = rxRings[q];
            programRingBase(r.rdbal(), r.rdbah(), r.rdlen(), rxMemory(q), config.rxSlots());
            int start = ring.arm();
            regs.write32(r.rdh(), start);
            regs.write32(r.rdt(), ring.tail());
            // write back each descriptor at once (WTHRESH 1, counted in descriptors: GRAN)
            regs.write32(r.rxdctl(), DCTL_GRAN | DCTL_WTHRESH_1);
        }
        // no receive interrupt delay timers (a positive RDTR is "a known source of problems": nic-facts §3)
        regs.write32(RDTR, 0);
        regs.write32(RADV, 0);
        if (queues > 1) {
            setupRss();
        } else {
            regs.write32(MRQC, 0);
            regs.write32(RXCSUM, 0); // no checksum offload: frames are delivered as they came
        }
        // RCTL last: enable, strip the CRC (netmap delivers frames without it), broadcast and the
        // other filter switches, buffer size = the region's buffer (≤ 16 KiB), long frames (LPE) for jumbo
        regs.write32(RCTL, RCTL_EN | RCTL_SECRC | RCTL_RDMTS_HALF | rctlBufferSize(rxBufferSize) | filterBits()
                | (jumbo() ? RCTL_LPE : 0));
        flush();

        // §4.6.6 Transmit initialization
        for (int q = 0; q < queues; q++) {
            QueueRegisters r = GigabitRegs.classicQueue(q);
            IntelTxRing ring = txRings[q];
            ring.reset();
            programRingBase(r.tdbal(), r.tdbah(), r.tdlen(), txMemory(q), config.txSlots());
            int start = ring.startIndex();
            regs.write32(r.tdh(), start);
            regs.write32(r.tdt(), start);
            regs.set32(q == 0 ? TARC0 : TARC1, TARC_ENABLE); // QEMU transmits only from enabled queues
        }
        regs.write32(TIDV, 0); // no transmit interrupt delay: completions are reported as they happen
        regs.write32(TADV, 0);
        regs.write32(TIPG, TIPG_COPPER);
        regs.write32(TCTL, TCTL_EN | TCTL_PSP | TCTL_RTLC | (TCTL_CT_DEFAULT << TCTL_CT_SHIFT)
                | (TCTL_COLD_FULL_DUPLEX << TCTL_COLD_SHIFT));

        markTxRunning(true);

        // §7.4 Interrupts
        routeInterrupts();
    }

    /**
     * The 82574's queues have no enable of their own that stops a queue's DMA (its TXDCTL has
     * none; TARC's bit 10 only takes part in arbitration), so the transmitter is stopped as a
     * whole while one queue's head is moved: TCTL.EN off, flushed.
     */
    @Override
    protected void stopTxQueue(int q) {
        regs.clear32(TCTL, TCTL_EN);
        flush();
    }

    @Override
    protected void startTxQueue(int q) {
        regs.set32(TCTL, TCTL_EN);
    }

    /** RSS over the two queues (needs extended descriptors and RXCSUM.PCSD): hash IPv4/IPv6 headers, alternate queues. */
    private void setupRss() {
        SecureRandom rnd = new SecureRandom();
        for (int i = 0; i < RSSRK_WORDS; i++) regs.write32(RSSRK + 4 * i, rnd.nextInt());
        // 128 one-byte entries; on the 82574 bit 7 of an entry selects the queue
        // 128 one-byte entries, four per register; on the 82574 bit 7 of an entry selects queue 1:
        // odd entries (bytes 1 and 3 of each register) go to queue 1, even ones to queue 0
        for (int i = 0; i < RETA_ENTRIES; i++) regs.write32(RETA + 4 * i, 0x8000_8000);
        regs.write32(RXCSUM, RXCSUM_PCSD);
        regs.write32(MRQC, MRQC_RSS_ENABLE_2Q | MRQC_RSS_FIELDS);
    }

    /** Routes the queues' causes to vectors and enables the link-change cause for good (§7.4). */
    private void routeInterrupts() {
        rxVector = new int[queues];
        txVector = new int[queues];
        int wanted = chip.msix() ? 2 * queues + 1 : 1;
        NicInterrupts irq = enableInterrupts(config.interrupts(), wanted);
        if (irq == null) return; // poll() spins and parks
        msix = irq.isMsix() && irq.count() >= wanted;
        if (msix) {
            // one vector per RX queue, per TX queue, and one for the other causes (link)
            int ivar = 0;
            for (int q = 0; q < queues; q++) {
                rxVector[q] = q;
                txVector[q] = queues + q;
                ivar |= (rxVector[q] | IVAR_VALID) << (q == 0 ? IVAR_RXQ0_SHIFT : IVAR_RXQ1_SHIFT);
                ivar |= (txVector[q] | IVAR_VALID) << (q == 0 ? IVAR_TXQ0_SHIFT : IVAR_TXQ1_SHIFT);
            }
            linkVector = 2 * queues;
            ivar |= (linkVector | IVAR_VALID) << IVAR_OTHER_SHIFT;
            regs.write32(IVAR, ivar);
            // queue causes clear themselves in ICR when their message is sent (EIAC); MSI-X
            // pending bits cleared on unmask (CTRL_EXT.PBA_CLR); no auto-masking on ICR reads
            regs.write32(EIAC, ICR_RXQ0 | ICR_RXQ1 | ICR_TXQ0 | ICR_TXQ1);
            regs.write32(CTRL_EXT, (regs.read32(CTRL_EXT) | CTRL_EXT_PBA_CLR) & ~(CTRL_EXT_IAME | CTRL_EXT_EIAME));
            permanentCauses = ICR_LSC | ICR_OTHER;
        } else {
            if (irq.isMsix()) {
                // fewer vectors than queues: every cause on vector 0
                int ivar = 0;
                for (int shift : new int[] {IVAR_RXQ0_SHIFT, IVAR_RXQ1_SHIFT, IVAR_TXQ0_SHIFT, IVAR_TXQ1_SHIFT, IVAR_OTHER_SHIFT})
                    ivar |= IVAR_VALID << shift;
                regs.write32(IVAR, ivar);
                regs.write32(EIAC, 0);
            }
            linkVector = 0;
            permanentCauses = ICR_LSC | (irq.isMsix() ? ICR_OTHER : 0);
        }
        useInterrupts(irq);
        regs.write32(ICR, 0xffff_ffff); // nothing stale
        regs.write32(IMS, permanentCauses);
        LOG.info("{}: {} interrupts, {} vector(s){}", name(), irq.mode(), irq.count(),
                msix ? ": RX queues on " + java.util.Arrays.toString(rxVector) + ", TX queues on "
                        + java.util.Arrays.toString(txVector) + ", link on " + linkVector : ", causes shared");
    }

    /** The last port closed: stop RX and TX, mask interrupts (§4.6.5/§4.6.6 in reverse). */
    @Override
    protected void stopRings() {
        stopReceiveAndTransmit(); // the 82574's queues have no enable bits of their own
    }

    // ====================================================================== wake-ups

    @Override
    protected long wakeCauses(Kring k) {
        int q = k.ringId();
        if (k.isTx()) return msix ? ICR_TXQ0 << q : ICR_TXDW;
        return msix ? ICR_RXQ0 << q : ICR_RXT0;
    }

    @Override
    protected int wakeVector(Kring k) {
        if (!msix) return 0;
        return k.isTx() ? txVector[k.ringId()] : rxVector[k.ringId()];
    }

    @Override
    protected long alwaysPolledVectors() { return 1L << linkVector; }

    @Override
    protected void armWakeCauses(long causes) {
        int c = (int) causes;                      // ICR bits 0..30: one 32-bit register
        regs.write32(ICR, c);                      // forget causes from before the caller's last look at the ring
        regs.write32(IMS, c | permanentCauses);    // a cause still pending fires at once
    }

    @Override
    protected void disarmWakeCauses(long causes) {
        regs.write32(IMC, (int) causes & ~permanentCauses);
    }

    @Override
    protected void serviceVector(int vector) {
        if (msix && vector != linkVector) return; // queue causes auto-cleared (EIAC)
        int icr = regs.read32(ICR);
        if (icr != 0) regs.write32(ICR, icr); // acknowledge what was read (ICR is write-1-to-clear)
        // The read (and the acknowledgement) also took queue causes whose messages had not gone out
        // yet (masked, or held by throttling): raise them again (ICS) so their vectors still fire
        // (Linux e1000_msix_other)
        int queueCauses = icr & (ICR_RXQ0 | ICR_RXQ1 | ICR_TXQ0 | ICR_TXQ1);
        if (msix && queueCauses != 0) regs.write32(ICS, queueCauses);
        if ((icr & ICR_LSC) != 0) {
            boolean up = linkUp();
            LOG.debug("{}: link-status-change interrupt: link {}", name(), up ? "up" : "down");
        }
    }

    @Override
    public String toString() {
        return "E1000eAdapter[" + name() + " " + chip.model() + "]";
    }
}
