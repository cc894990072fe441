package io.jnetmap.igb;

import io.jnetmap.intel.RssConfig;
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
    public static final int DEFAULT_SLOTS = 1024, MIN_SLOTS = 64, MAX_SLOTS = 4096, DEFAULT_QUEUES = 4;
    /** Largest frame accepted with jumbo on, without its CRC: a 9000-byte MTU plus Ethernet and VLAN headers. */
    public static final int MAX_FRAME = 9018;

    public IgbConfig {
        checkSlots("TX", txSlots);
        checkSlots("RX", rxSlots);
        if (queues < 1 || queues > 16) throw new IllegalArgumentException("igb has 1 to 16 queue pairs, asked for " + queues);
        if (linkWaitMillis < 0) throw new IllegalArgumentException("link wait " + linkWaitMillis + " ms");
    }

    private static void checkSlots(String dir, int n) {
        // RDLEN/TDLEN count 128-byte units: 8 descriptors of 16 bytes
        if (n < MIN_SLOTS || n > MAX_SLOTS || n % 8 != 0)
            throw new IllegalArgumentException(dir + " ring size " + n + " must be a multiple of 8 from " + MIN_SLOTS
                    + " to " + MAX_SLOTS + " (RDLEN/TDLEN count 128-byte units)");
    }

    public static IgbConfig defaults() {
        return new IgbConfig(DEFAULT_SLOTS, DEFAULT_SLOTS, DEFAULT_QUEUES, true, true, 4000, null, false);
    }

    /** Properties jnetmap.igb.slots / .txSlots / .rxSlots / .queues / .jumbo / .interrupts / .linkWaitMillis / .flowControl. */
    public static IgbConfig fromSystemProperties() {
        int slots = Integer.getInteger("jnetmap.igb.slots", DEFAULT_SLOTS);
        return new IgbConfig(Integer.getInteger("jnetmap.igb.txSlots", slots),
                Integer.getInteger("jnetmap.igb.rxSlots", slots),
                Integer.getInteger("jnetmap.igb.queues", DEFAULT_QUEUES),
                Boolean.parseBoolean(System.getProperty("jnetmap.igb.jumbo", "true")),
                Boolean.parseBoolean(System.getProperty("jnetmap.igb.interrupts", "true")),
                Long.getLong("jnetmap.igb.linkWaitMillis", 4000), null,
                Boolean.parseBoolean(System.getProperty("jnetmap.igb.flowControl", "false")));
    }

    /**
     * The port name's {@code @conf:slots=,tx-slots=,rx-slots=,rings=,tx-rings=,rx-rings=,flow-control=} over the
     * system properties. igb queues come in pairs (one vector each), so rings, tx-rings and
     * rx-rings all set the number of pairs (the larger wins).
     */
    public static IgbConfig from(PortName name) {
        IgbConfig p = fromSystemProperties();
        int slots = name.conf("slots", -1);
        int tx = name.conf("tx-slots", slots > 0 ? slots : p.txSlots());
        int rx = name.conf("rx-slots", slots > 0 ? slots : p.rxSlots());
        int rings = name.conf("rings", -1);
        int q = rings > 0 ? rings : Math.max(name.conf("tx-rings", p.queues()), name.conf("rx-rings", p.queues()));
        boolean fc = name.conf("flow-control", p.flowControl() ? 1 : 0) != 0;
        return new IgbConfig(tx, rx, q, p.jumbo(), p.interrupts(), p.linkWaitMillis(), null, fc);
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
