package io.jnetmap.ixgbe;

import io.jnetmap.intel.IntelRingSlots;
import io.jnetmap.intel.RssConfig;
import io.jnetmap.nic.PortOptions;
import io.jnetmap.rings.PortName;

/**
 * How an ixgbe port is set up when its NIC is first opened in the process (netmap's rule: later
 * opens do not change a port that exists). From the first port name's {@code @conf:} options, else
 * system properties {@code jnetmap.ixgbe.*}, else the defaults; the same options as igb's.
 *
 * @param txSlots TX ring size, a multiple of 8 from 64 to 4096 (TDLEN counts 128-byte units); default 1024
 * @param rxSlots RX ring size, likewise
 * @param queues queue pairs, each a netmap ring pair and (with MSI-X) a vector, 1 to 16 (RSS reaches 16); default 4
 * @param jumbo accept frames up to {@link #MAX_FRAME} bytes (HLREG0.JUMBOEN, MAXFRS), spanning several slots; default true
 * @param interrupts use interrupts for poll(); false makes poll() spin and park; default true
 * @param linkWaitMillis how long opening waits for LINKS to report link after autonegotiation is restarted; default 4000
 * @param rss RSS key and redirection table, or null for {@link RssConfig#fromSystemProperties} over the queues
 * @param flowControl 802.3x flow control both ways, as on the gigabit drivers ({@code flow-control=1}): received
 *        PAUSE frames hold the transmitter (MFLCN.RFCE) and the port sends XOFF when its packet buffer fills
 *        (FCCFG.TFCE), which needs full queues to hold frames rather than drop them (SRRCTL.DROP_EN off), so a
 *        queue nobody reads then stalls the whole port and pauses the partner. Default false, as in DPDK's ixgbe
 *        PMD (Linux's ixgbe turns it on): a packet generator should send at the rate it was told
 */
public record IxgbeConfig(int txSlots, int rxSlots, int queues, boolean jumbo, boolean interrupts, long linkWaitMillis,
                          RssConfig rss, boolean flowControl) {
    public static final int DEFAULT_SLOTS = IntelRingSlots.DEFAULT, MIN_SLOTS = IntelRingSlots.MIN, MAX_SLOTS = IntelRingSlots.MAX,
            DEFAULT_QUEUES = 4;
    /** Largest frame accepted with jumbo on, without its CRC: a 9000-byte MTU plus Ethernet and VLAN headers. */
    public static final int MAX_FRAME = 9018;
    /** Largest standard frame, without CRC (1518 on the wire with it). */
    public static final int STANDARD_FRAME = 1514;

    public IxgbeConfig {
        IntelRingSlots.check("TX", txSlots);
        IntelRingSlots.check("RX", rxSlots);
        if (queues < 1 || queues > IxgbeChip.QUEUES)
            throw new IllegalArgumentException("ixgbe uses 1 to " + IxgbeChip.QUEUES + " queue pairs (RSS spreads over 16), asked for " + queues);
        PortOptions.checkLinkWait(linkWaitMillis);
    }

    public static IxgbeConfig defaults() {
        return new IxgbeConfig(DEFAULT_SLOTS, DEFAULT_SLOTS, DEFAULT_QUEUES, true, true, PortOptions.DEFAULT_LINK_WAIT_MILLIS, null, false);
    }

    /** Properties jnetmap.ixgbe.slots / .txSlots / .rxSlots / .queues / .jumbo / .interrupts / .linkWaitMillis / .flowControl. */
    public static IxgbeConfig fromSystemProperties() {
        PortOptions.Properties p = PortOptions.properties("ixgbe", DEFAULT_SLOTS, DEFAULT_QUEUES);
        return new IxgbeConfig(p.txSlots(), p.rxSlots(), p.queues(), p.jumbo(), p.interrupts(), p.linkWaitMillis(), null,
                PortOptions.property("ixgbe", "flowControl", false));
    }

    /**
     * The port name's {@code @conf:slots=,tx-slots=,rx-slots=,rings=,tx-rings=,rx-rings=,flow-control=} (1 on, 0 off) over
     * the system properties (queues come in pairs: the larger wins).
     */
    public static IxgbeConfig from(PortName name) {
        IxgbeConfig p = fromSystemProperties();
        return new IxgbeConfig(PortOptions.txSlots(name, p.txSlots()), PortOptions.rxSlots(name, p.rxSlots()),
                PortOptions.queuePairs(name, p.queues()), p.jumbo(), p.interrupts(), p.linkWaitMillis(), null,
                PortOptions.flag(name, "flow-control", p.flowControl()));
    }

    /** The RSS settings for {@code queues} queues actually in use. */
    RssConfig rssFor(int queues) {
        return rss != null ? rss : RssConfig.fromSystemProperties("ixgbe", queues);
    }

    /** The largest frame the port accepts, without CRC. */
    public int maxFrame() { return jumbo ? MAX_FRAME : STANDARD_FRAME; }

    public IxgbeConfig withSlots(int tx, int rx) { return new IxgbeConfig(tx, rx, queues, jumbo, interrupts, linkWaitMillis, rss, flowControl); }
    public IxgbeConfig withQueues(int q) { return new IxgbeConfig(txSlots, rxSlots, q, jumbo, interrupts, linkWaitMillis, rss, flowControl); }
    public IxgbeConfig withJumbo(boolean j) { return new IxgbeConfig(txSlots, rxSlots, queues, j, interrupts, linkWaitMillis, rss, flowControl); }
    public IxgbeConfig withInterrupts(boolean i) { return new IxgbeConfig(txSlots, rxSlots, queues, jumbo, i, linkWaitMillis, rss, flowControl); }
    public IxgbeConfig withLinkWait(long ms) { return new IxgbeConfig(txSlots, rxSlots, queues, jumbo, interrupts, ms, rss, flowControl); }
    public IxgbeConfig withFlowControl(boolean on) { return new IxgbeConfig(txSlots, rxSlots, queues, jumbo, interrupts, linkWaitMillis, rss, on); }
    public IxgbeConfig withRss(RssConfig r) { return new IxgbeConfig(txSlots, rxSlots, queues, jumbo, interrupts, linkWaitMillis, r, flowControl); }
}
