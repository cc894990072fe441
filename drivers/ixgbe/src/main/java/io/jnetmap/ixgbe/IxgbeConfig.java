package io.jnetmap.ixgbe;

import io.jnetmap.intel.RssConfig;
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
 */
public record IxgbeConfig(int txSlots, int rxSlots, int queues, boolean jumbo, boolean interrupts, long linkWaitMillis,
                          RssConfig rss) {
    public static final int DEFAULT_SLOTS = 1024, MIN_SLOTS = 64, MAX_SLOTS = 4096, DEFAULT_QUEUES = 4;
    /** Largest frame accepted with jumbo on, without its CRC: a 9000-byte MTU plus Ethernet and VLAN headers. */
    public static final int MAX_FRAME = 9018;
    /** Largest standard frame, without CRC (1518 on the wire with it). */
    public static final int STANDARD_FRAME = 1514;

    public IxgbeConfig {
        checkSlots("TX", txSlots);
        checkSlots("RX", rxSlots);
        if (queues < 1 || queues > IxgbeChip.QUEUES)
            throw new IllegalArgumentException("ixgbe uses 1 to " + IxgbeChip.QUEUES + " queue pairs (RSS spreads over 16), asked for " + queues);
        if (linkWaitMillis < 0) throw new IllegalArgumentException("link wait " + linkWaitMillis + " ms");
    }

    private static void checkSlots(String dir, int n) {
        if (n < MIN_SLOTS || n > MAX_SLOTS || n % 8 != 0)
            throw new IllegalArgumentException(dir + " ring size " + n + " must be a multiple of 8 from " + MIN_SLOTS
                    + " to " + MAX_SLOTS + " (RDLEN/TDLEN count 128-byte units)");
    }

    public static IxgbeConfig defaults() {
        return new IxgbeConfig(DEFAULT_SLOTS, DEFAULT_SLOTS, DEFAULT_QUEUES, true, true, 4000, null);
    }

    /** Properties jnetmap.ixgbe.slots / .txSlots / .rxSlots / .queues / .jumbo / .interrupts / .linkWaitMillis. */
    public static IxgbeConfig fromSystemProperties() {
        int slots = Integer.getInteger("jnetmap.ixgbe.slots", DEFAULT_SLOTS);
        return new IxgbeConfig(Integer.getInteger("jnetmap.ixgbe.txSlots", slots),
                Integer.getInteger("jnetmap.ixgbe.rxSlots", slots),
                Integer.getInteger("jnetmap.ixgbe.queues", DEFAULT_QUEUES),
                Boolean.parseBoolean(System.getProperty("jnetmap.ixgbe.jumbo", "true")),
                Boolean.parseBoolean(System.getProperty("jnetmap.ixgbe.interrupts", "true")),
                Long.getLong("jnetmap.ixgbe.linkWaitMillis", 4000), null);
    }

    /** The port name's {@code @conf:slots=,tx-slots=,rx-slots=,rings=,tx-rings=,rx-rings=} over the system properties (queues come in pairs: the larger wins). */
    public static IxgbeConfig from(PortName name) {
        IxgbeConfig p = fromSystemProperties();
        int slots = name.conf("slots", -1);
        int tx = name.conf("tx-slots", slots > 0 ? slots : p.txSlots());
        int rx = name.conf("rx-slots", slots > 0 ? slots : p.rxSlots());
        int rings = name.conf("rings", -1);
        int q = rings > 0 ? rings : Math.max(name.conf("tx-rings", p.queues()), name.conf("rx-rings", p.queues()));
        return new IxgbeConfig(tx, rx, q, p.jumbo(), p.interrupts(), p.linkWaitMillis(), null);
    }

    /** The RSS settings for {@code queues} queues actually in use. */
    RssConfig rssFor(int queues) {
        return rss != null ? rss : RssConfig.fromSystemProperties("ixgbe", queues);
    }

    /** The largest frame the port accepts, without CRC. */
    public int maxFrame() { return jumbo ? MAX_FRAME : STANDARD_FRAME; }

    public IxgbeConfig withSlots(int tx, int rx) { return new IxgbeConfig(tx, rx, queues, jumbo, interrupts, linkWaitMillis, rss); }
    public IxgbeConfig withQueues(int q) { return new IxgbeConfig(txSlots, rxSlots, q, jumbo, interrupts, linkWaitMillis, rss); }
    public IxgbeConfig withJumbo(boolean j) { return new IxgbeConfig(txSlots, rxSlots, queues, j, interrupts, linkWaitMillis, rss); }
    public IxgbeConfig withInterrupts(boolean i) { return new IxgbeConfig(txSlots, rxSlots, queues, jumbo, i, linkWaitMillis, rss); }
    public IxgbeConfig withLinkWait(long ms) { return new IxgbeConfig(txSlots, rxSlots, queues, jumbo, interrupts, ms, rss); }
    public IxgbeConfig withRss(RssConfig r) { return new IxgbeConfig(txSlots, rxSlots, queues, jumbo, interrupts, linkWaitMillis, r); }
}
