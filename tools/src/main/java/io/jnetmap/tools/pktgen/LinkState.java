package io.jnetmap.tools.pktgen;

import io.jnetmap.rings.NetmapPort;

/**
 * The link of a port, for {@code -w}: NIC adapters report their PHY's state
 * ({@link io.jnetmap.rings.NetmapAdapter#linkUp()}); pipes and other software ports are always up,
 * so pkt-gen never waits for them.
 */
@FunctionalInterface
public interface LinkState {
    boolean linkUp();

    /** The link state of {@code port}'s adapter. */
    static LinkState of(NetmapPort port) {
        return port.adapter()::linkUp;
    }

    /**
     * Waits until the link is up, checking every 10 ms, for at most {@code timeoutNanos}.
     *
     * @return true if the link is up, false if it stayed down or {@code stop} was raised
     */
    static boolean await(LinkState link, long timeoutNanos, NanoClock clock, StopFlag stop) throws InterruptedException {
        long deadline = clock.nanoTime() + timeoutNanos;
        for (;;) {
            if (link.linkUp()) return true;
            if (stop.raised() || clock.nanoTime() - deadline >= 0) return false;
            Thread.sleep(10);
        }
    }
}
