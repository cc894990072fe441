package io.jnetmap.hwtests.tools;

/**
 * pkt-gen on our r8169 (the lab's first RTL8168h, p6) against Linux's r8169 on p7
 * ({@link PktGenPeerLabTest}; the peer's counters are the chip's tally as {@code ethtool -S} shows
 * it: {@code rx_packets}, {@code rx_missed}, {@code tx_packets}). No DPDK PMD exists for this chip.
 * Only in a lab with the RTL8168h pair ({@code LAB_OWN_QEMU=1}).
 */
class PktGenR8169LabTest extends PktGenPeerLabTest {
    PktGenR8169LabTest() {
        super("r8169", new PeerCounters("rx_packets", "rx_missed", "tx_packets"));
    }
}
