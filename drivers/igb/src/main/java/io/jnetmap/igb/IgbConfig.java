package io.jnetmap.igb;

import io.jnetmap.intel.IntelRingSlots;
import io.jnetmap.intel.RssConfig;
import io.jnetmap.nic.PortOptions;
import io.jnetmap.rings.PortName;

/**
 * How an igb port is set up when its NIC is first opened in the process (netmap's rule: options
 * of later opens do not change a port that exists). From the first port name's {@code @conf:}
 * options, else system properties {@code jnetmap.igb.*}, else the defaults.
 *
 * @param txSlots TX ring size (descriptors = slots), a multiple of 8 from 64 to 4096; default 1024
 * @param rxSlots RX ring size, likewise
 * @param queues RX and TX queue pairs, each a netmap ring pair, up to the chip's queues (16 on the
 *        82576, 8 on the I350); with fewer MSI-X vectors than queues + 1 every cause shares one
 *        vector; default 4
 * @param jumbo accept frames up to {@link #MAX_FRAME} bytes, spanning several slots (NS_MOREFRAG); default true
 * @param interrupts use interrupts for poll(); false makes poll() spin and park; default true
 * @param linkWaitMillis how long opening waits for autonegotiation to bring the link up; default 4000
 * @param rss RSS key and redirection table, or null for {@link RssConfig#fromSystemProperties} over the queues
 * @param flowControl 802.3x flow control: pause abilities advertised and, after link-up, resolved
 *        with the partner's into CTRL.RFCE/TFCE; default off (no pause advertised, none honoured or
 *        sent), as netmap's pkt-gen documentation asks for benchmarks
 */
public record IgbConfig(int txSlots, int rxSlots, int queues, boolean jumbo, boolean interrupts, long linkWaitMillis,
                        RssConfig rss, boolean flowControl) {
    public static final int DEFAULT_SLOTS = IntelRingSlots.DEFAULT, MIN_SLOTS = IntelRingSlots.MIN, MAX_SLOTS = IntelRingSlots.MAX,
            DEFAULT_QUEUES = 4;
    /** Largest frame accepted with jumbo on, without its CRC: a 9000-byte MTU plus Ethernet and VLAN headers. */
    public static final int MAX_FRAME = 9018;

    public IgbConfig {
        IntelRingSlots.check("TX", txSlots);
        IntelRingSlots.check("RX", rxSlots);
        if (queues < 1 || queues > 16) throw new IllegalArgumentException("igb has 1 to 16 queue pairs, asked for " + queues);
        PortOptions.checkLinkWait(linkWaitMillis);
    }

    public static IgbConfig defaults() {
        return new IgbConfig(DEFAULT_SLOTS, DEFAULT_SLOTS, DEFAULT_QUEUES, true, true, PortOptions.DEFAULT_LINK_WAIT_MILLIS, null, false);
    }

    /** Properties jnetmap.igb.slots / .txSlots / .rxSlots / .queues / .jumbo / .interrupts / .linkWaitMillis / .flowControl. */
    public static IgbConfig fromSystemProperties() {
        PortOptions.Properties p = PortOptions.properties("igb", DEFAULT_SLOTS, DEFAULT_QUEUES);
        return new IgbConfig(p.txSlots(), p.rxSlots(), p.queues(), p.jumbo(), p.interrupts(), p.linkWaitMillis(), null,
                PortOptions.property("igb", "flowControl", false));
    }

    /**
     * The port name's {@code @conf:slots=,tx-slots=,rx-slots=,rings=,tx-rings=,rx-rings=,flow-control=} over the
     * system properties. igb queues come in pairs (one vector each), so rings, tx-rings and
     * rx-rings all set the number of pairs (the larger wins).
     */
    public static IgbConfig from(PortName name) {
        IgbConfig p = fromSystemProperties();
        return new IgbConfig(PortOptions.txSlots(name, p.txSlots()), PortOptions.rxSlots(name, p.rxSlots()),
                PortOptions.queuePairs(name, p.queues()), p.jumbo(), p.interrupts(), p.linkWaitMillis(), null,
                PortOptions.flag(name, "flow-control", p.flowControl()));
    }

    /** The RSS settings for {@code queues} queues actually in use. */
    RssConfig rssFor(int queues) {
        return rss != null ? rss : RssConfig.fromSystemProperties("igb", queues);
    }

    public IgbConfig withSlots(int tx, int rx) { return new IgbConfig(tx, rx, queues, jumbo, interrupts, linkWaitMillis, rss, flowControl); }
    public IgbConfig withQueues(int q) { return new IgbConfig(txSlots, rxSlots, q, jumbo, interrupts, linkWaitMillis, rss, flowControl); }
    public IgbConfig withJumbo(boolean j) { return new IgbConfig(txSlots, rxSlots, queues, j, interrupts, linkWaitMillis, rss, flowControl); }
    public IgbConfig withInterrupts(boolean i) { return new IgbConfig(txSlots, rxSlots, queues, jumbo, i, linkWaitMillis, rss, flowControl); }
    public IgbConfig withLinkWait(long ms) { return new IgbConfig(txSlots, rxSlots, queues, jumbo, interrupts, ms, rss, flowControl); }
    public IgbConfig withFlowControl(boolean on) { return new IgbConfig(txSlots, rxSlots, queues, jumbo, interrupts, linkWaitMillis, rss, on); }
    public IgbConfig withRss(RssConfig r) { return new IgbConfig(txSlots, rxSlots, queues, jumbo, interrupts, linkWaitMillis, r, flowControl); }
}
