package io.jnetmap.e1000e;

import io.jnetmap.intel.IntelRingSlots;
import io.jnetmap.nic.PortOptions;
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
    public static final int DEFAULT_SLOTS = IntelRingSlots.DEFAULT, MIN_SLOTS = IntelRingSlots.MIN, MAX_SLOTS = IntelRingSlots.MAX;

    public E1000eConfig {
        IntelRingSlots.check("TX", txSlots);
        IntelRingSlots.check("RX", rxSlots);
        if (queues < 1 || queues > 2) throw new IllegalArgumentException("e1000e has 1 or 2 queue pairs, asked for " + queues);
        PortOptions.checkLinkWait(linkWaitMillis);
    }

    public static E1000eConfig defaults() {
        return new E1000eConfig(DEFAULT_SLOTS, DEFAULT_SLOTS, 1, true, true, PortOptions.DEFAULT_LINK_WAIT_MILLIS, false);
    }

    /** Properties jnetmap.e1000e.slots / .txSlots / .rxSlots / .queues / .jumbo / .interrupts / .linkWaitMillis / .flowControl. */
    public static E1000eConfig fromSystemProperties() {
        PortOptions.Properties p = PortOptions.properties("e1000e", DEFAULT_SLOTS, 1);
        return new E1000eConfig(p.txSlots(), p.rxSlots(), p.queues(), p.jumbo(), p.interrupts(), p.linkWaitMillis(),
                PortOptions.property("e1000e", "flowControl", false));
    }

    /** The port name's {@code @conf:slots=,tx-slots=,rx-slots=,rings=,flow-control=} (1 on, 0 off) over the system properties. */
    public static E1000eConfig from(PortName name) {
        E1000eConfig p = fromSystemProperties();
        return new E1000eConfig(PortOptions.txSlots(name, p.txSlots()), PortOptions.rxSlots(name, p.rxSlots()),
                PortOptions.queuePairs(name, p.queues()), p.jumbo(), p.interrupts(), p.linkWaitMillis(),
                PortOptions.flag(name, "flow-control", p.flowControl()));
    }

    public E1000eConfig withSlots(int tx, int rx) { return new E1000eConfig(tx, rx, queues, jumbo, interrupts, linkWaitMillis, flowControl); }
    public E1000eConfig withQueues(int q) { return new E1000eConfig(txSlots, rxSlots, q, jumbo, interrupts, linkWaitMillis, flowControl); }
    public E1000eConfig withJumbo(boolean j) { return new E1000eConfig(txSlots, rxSlots, queues, j, interrupts, linkWaitMillis, flowControl); }
    public E1000eConfig withInterrupts(boolean i) { return new E1000eConfig(txSlots, rxSlots, queues, jumbo, i, linkWaitMillis, flowControl); }
    public E1000eConfig withFlowControl(boolean on) { return new E1000eConfig(txSlots, rxSlots, queues, jumbo, interrupts, linkWaitMillis, on); }
    public E1000eConfig withLinkWait(long ms) { return new E1000eConfig(txSlots, rxSlots, queues, jumbo, interrupts, ms, flowControl); }
}
