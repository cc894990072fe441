package io.jnetmap.e1000e;

import io.jnetmap.rings.PortName;

/**
 * How an e1000e port is set up when its NIC is first opened in the process: ring sizes (netmap's
 * rule: one slot always stays empty), queue pairs, jumbo frames, interrupts. From the first port
 * name's {@code @conf:} options, else system properties, else the defaults.
 *
 * @param txSlots TX ring size (descriptors = slots), a multiple of 8 from 64 to 4096; default 1024
 * @param rxSlots RX ring size, likewise
 * @param queues queue pairs (1, or 2 with RSS spreading received flows); default 1
 * @param jumbo accept frames up to the chip's jumbo size (RCTL.LPE); default true
 * @param interrupts use interrupts for poll(); false makes poll() spin and park; default true
 * @param linkWaitMillis how long opening waits for autonegotiation to bring the link up; default 4000
 * @param flowControl 802.3x flow control: pause abilities advertised and, after link-up, resolved
 *        with the partner's into CTRL.RFCE/TFCE; default off (no pause advertised, none honoured or
 *        sent), as netmap's pkt-gen documentation asks for benchmarks
 */
public record E1000eConfig(int txSlots, int rxSlots, int queues, boolean jumbo, boolean interrupts, long linkWaitMillis,
                           boolean flowControl) {
    public static final int DEFAULT_SLOTS = 1024, MIN_SLOTS = 64, MAX_SLOTS = 4096;

    public E1000eConfig {
        checkSlots("TX", txSlots);
        checkSlots("RX", rxSlots);
        if (queues < 1 || queues > 2) throw new IllegalArgumentException("e1000e has 1 or 2 queue pairs, asked for " + queues);
        if (linkWaitMillis < 0) throw new IllegalArgumentException("link wait " + linkWaitMillis + " ms");
    }

    private static void checkSlots(String dir, int n) {
        // RDLEN/TDLEN are multiples of 128 bytes: 8 descriptors of 16 bytes
        if (n < MIN_SLOTS || n > MAX_SLOTS || n % 8 != 0)
            throw new IllegalArgumentException(dir + " ring size " + n + " must be a multiple of 8 from " + MIN_SLOTS
                    + " to " + MAX_SLOTS + " (RDLEN/TDLEN count 128-byte units)");
    }

    public static E1000eConfig defaults() {
        return new E1000eConfig(DEFAULT_SLOTS, DEFAULT_SLOTS, 1, true, true, 4000, false);
    }

    /** Properties jnetmap.e1000e.slots / .txSlots / .rxSlots / .queues / .jumbo / .interrupts / .linkWaitMillis / .flowControl. */
    public static E1000eConfig fromSystemProperties() {
        int slots = Integer.getInteger("jnetmap.e1000e.slots", DEFAULT_SLOTS);
        return new E1000eConfig(Integer.getInteger("jnetmap.e1000e.txSlots", slots),
                Integer.getInteger("jnetmap.e1000e.rxSlots", slots),
                Integer.getInteger("jnetmap.e1000e.queues", 1),
                Boolean.parseBoolean(System.getProperty("jnetmap.e1000e.jumbo", "true")),
                Boolean.parseBoolean(System.getProperty("jnetmap.e1000e.interrupts", "true")),
                Long.getLong("jnetmap.e1000e.linkWaitMillis", 4000),
                Boolean.parseBoolean(System.getProperty("jnetmap.e1000e.flowControl", "false")));
    }

    /** The port name's {@code @conf:slots=,tx-slots=,rx-slots=,rings=,flow-control=} (1 on, 0 off) over the system properties. */
    public static E1000eConfig from(PortName name) {
        E1000eConfig p = fromSystemProperties();
        int slots = name.conf("slots", -1);
        int tx = name.conf("tx-slots", slots > 0 ? slots : p.txSlots());
        int rx = name.conf("rx-slots", slots > 0 ? slots : p.rxSlots());
        int rings = name.conf("rings", -1);
        int q = rings > 0 ? rings : Math.max(name.conf("tx-rings", p.queues()), name.conf("rx-rings", p.queues()));
        boolean fc = name.conf("flow-control", p.flowControl() ? 1 : 0) != 0;
        return new E1000eConfig(tx, rx, q, p.jumbo(), p.interrupts(), p.linkWaitMillis(), fc);
    }

    public E1000eConfig withSlots(int tx, int rx) { return new E1000eConfig(tx, rx, queues, jumbo, interrupts, linkWaitMillis, flowControl); }
    public E1000eConfig withQueues(int q) { return new E1000eConfig(txSlots, rxSlots, q, jumbo, interrupts, linkWaitMillis, flowControl); }
    public E1000eConfig withJumbo(boolean j) { return new E1000eConfig(txSlots, rxSlots, queues, j, interrupts, linkWaitMillis, flowControl); }
    public E1000eConfig withInterrupts(boolean i) { return new E1000eConfig(txSlots, rxSlots, queues, jumbo, i, linkWaitMillis, flowControl); }
    public E1000eConfig withFlowControl(boolean on) { return new E1000eConfig(txSlots, rxSlots, queues, jumbo, interrupts, linkWaitMillis, on); }
    public E1000eConfig withLinkWait(long ms) { return new E1000eConfig(txSlots, rxSlots, queues, jumbo, interrupts, ms, flowControl); }
}
