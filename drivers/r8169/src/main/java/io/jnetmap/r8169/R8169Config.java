package io.jnetmap.r8169;

import io.jnetmap.nic.PortOptions;
import io.jnetmap.rings.PortName;

/**
 * How an r8169 port is set up when its NIC is first opened in the process, from the first port
 * name's {@code @conf:} options, else system properties {@code jnetmap.r8169.*}, else defaults.
 *
 * @param txSlots TX descriptors = slots, 64 to 1024 (the RTL8169's ring limit); default 512
 * @param rxSlots RX descriptors, likewise; default 512
 * @param jumbo accept and send frames up to the version's jumbo size (RxMaxSize,
 *        MaxTxPacketSize), spanning slots with NS_MOREFRAG; default true
 * @param interrupts use interrupts for poll(); false makes poll() spin and park; default true
 * @param linkWaitMillis how long opening waits for autonegotiation; default 4000
 */
public record R8169Config(int txSlots, int rxSlots, boolean jumbo, boolean interrupts, long linkWaitMillis) {
    public static final int DEFAULT_SLOTS = 512, MIN_SLOTS = 64, MAX_SLOTS = 1024;

    public R8169Config {
        check("TX", txSlots);
        check("RX", rxSlots);
        PortOptions.checkLinkWait(linkWaitMillis);
    }

    private static void check(String dir, int n) {
        if (n < MIN_SLOTS || n > MAX_SLOTS)
            throw new IllegalArgumentException(dir + " ring size " + n + " must be from " + MIN_SLOTS + " to " + MAX_SLOTS
                    + " (the RTL8169 rings hold at most 1024 descriptors)");
    }

    public static R8169Config defaults() {
        return new R8169Config(DEFAULT_SLOTS, DEFAULT_SLOTS, true, true, PortOptions.DEFAULT_LINK_WAIT_MILLIS);
    }

    public static R8169Config fromSystemProperties() {
        PortOptions.Properties p = PortOptions.properties("r8169", DEFAULT_SLOTS, 1); // one ring pair: no queues property
        return new R8169Config(p.txSlots(), p.rxSlots(), p.jumbo(), p.interrupts(), p.linkWaitMillis());
    }

    /** {@code @conf:slots=,tx-slots=,rx-slots=} over the system properties; more than one ring pair is refused. */
    public static R8169Config from(PortName name) {
        R8169Config p = fromSystemProperties();
        int rings = Math.max(name.conf("rings", 1), Math.max(name.conf("tx-rings", 1), name.conf("rx-rings", 1)));
        if (rings > 1)
            throw new IllegalArgumentException("the RTL8169/8168 has one RX and one TX ring; asked for " + rings
                    + " (drop rings= from the port name)");
        if (name.conf("flow-control", -1) != -1)
            throw new IllegalArgumentException("the r8169 driver has no flow-control option (the Intel drivers do);"
                    + " drop flow-control= from the port name");
        return new R8169Config(PortOptions.txSlots(name, p.txSlots()), PortOptions.rxSlots(name, p.rxSlots()),
                p.jumbo, p.interrupts, p.linkWaitMillis);
    }

    public R8169Config withSlots(int tx, int rx) { return new R8169Config(tx, rx, jumbo, interrupts, linkWaitMillis); }
    public R8169Config withJumbo(boolean j) { return new R8169Config(txSlots, rxSlots, j, interrupts, linkWaitMillis); }
    public R8169Config withInterrupts(boolean i) { return new R8169Config(txSlots, rxSlots, jumbo, i, linkWaitMillis); }
    public R8169Config withLinkWait(long ms) { return new R8169Config(txSlots, rxSlots, jumbo, interrupts, ms); }
}
