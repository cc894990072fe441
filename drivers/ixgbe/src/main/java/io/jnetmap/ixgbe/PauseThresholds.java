package io.jnetmap.ixgbe;

/**
 * Where the 82599 sends XOFF and XON (FCRTH/FCRTL of the packet buffer), in KiB. The high mark
 * leaves room, above it, for everything that still arrives after the XOFF goes out: the delay
 * value (DV) of 82599 datasheet §3.7.7.1.3 in bit times, a frame the partner is sending plus
 * the PAUSE's own processing, the round trip over copper and the two interfaces, and our own
 * frame in flight; the low mark is the delay the buffer needs to keep the receive DMA busy while
 * the XON travels. The figures are Intel's (the same in ixgbe_type.h: IXGBE_DV, IXGBE_LOW_DV).
 */
final class PauseThresholds {
    private PauseThresholds() { }

    /** Bit times: PAUSE processing (PFC_D), copper cable delay, interface delay (MAC + XAUI + PHY), higher-layer delay, PCIe delay. */
    static final int PAUSE_PROCESSING = 672, CABLE_DELAY = 5556, INTERFACE_DELAY = 4096 + 2 * 1024 + 12800,
            HIGHER_LAYER_DELAY = 6144, PCIE_DELAY = 10_000;

    private static long bitTimes(int bytes) { return 8L * bytes; }

    private static int kib(long bitTimes) { return (int) ((bitTimes + 8 * 1024 - 1) / (8 * 1024)); }

    /** Bits that still arrive after XOFF for frames of up to {@code maxFrame} bytes (CRC included). */
    static long delayValue(int maxFrame) {
        return 36 * (bitTimes(maxFrame) + PAUSE_PROCESSING + 2 * CABLE_DELAY + 2 * INTERFACE_DELAY + HIGHER_LAYER_DELAY) / 25 + 1
                + 2 * bitTimes(maxFrame);
    }

    /** XOFF above this many KiB of a {@code bufferKib} packet buffer. */
    static int highKib(int bufferKib, int maxFrame) {
        int high = bufferKib - kib(delayValue(maxFrame));
        if (high <= 0) throw new IllegalArgumentException("a " + bufferKib + " KiB packet buffer has no room for flow control with "
                + maxFrame + "-byte frames");
        return high;
    }

    /** XON below this many KiB (never above the high mark). */
    static int lowKib(int bufferKib, int maxFrame) {
        int low = kib(2 * (2 * bitTimes(maxFrame) + 36L * PCIE_DELAY / 25 + 1));
        return Math.min(low, highKib(bufferKib, maxFrame) - 1);
    }
}
