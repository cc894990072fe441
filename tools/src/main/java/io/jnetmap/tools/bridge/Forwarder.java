package io.jnetmap.tools.bridge;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.RingStateException;

import java.util.concurrent.locks.LockSupport;

import static io.jnetmap.rings.NetmapLayout.NS_BUF_CHANGED;
import static io.jnetmap.rings.NetmapLayout.NS_MOREFRAG;

/**
 * One direction of a bridge: moves packets from {@code from}'s RX rings to {@code to}'s TX rings,
 * as netmap's bridge does, by swapping buffer indices when both ports share a memory region (zero
 * copy, NS_BUF_CHANGED on both slots) and by copying otherwise. NS_MOREFRAG chains are carried
 * whole. It drives only those rings, so the opposite direction can run in another thread. vale-ctl's
 * daemon uses it to join an attached NIC to its VALE port.
 *
 * <p>Each RX ring feeds one TX ring, always the same ({@link #txRingFor}), and waits while that ring is
 * full: a NIC's TX queues drain independently, so frames of one RX ring spread over two TX rings
 * would leave in either order (netmap's bridge moves on to the next TX ring when one is full; a flow
 * that a multi-queue NIC received on one queue, or a VALE port's one ring, then reaches the wire
 * reordered, and a fragment chain is split across queues). Holding frames back is the backpressure
 * netmap's in-kernel VALE attachment has too: a switch port whose RX ring stays full drops, counted.
 */
public final class Forwarder implements Runnable {
    private final NetmapPort from, to;
    private final int burst;
    private final boolean zeroCopy;
    /** How long to wait for a full TX ring when poll() returned for space on another: 1 GbE sends ~30 short frames meanwhile. */
    private static final long TX_WAIT_NANOS = 20_000;
    private volatile boolean stop;
    private volatile long packets, bytes;
    private volatile Throwable failure;

    public Forwarder(NetmapPort from, NetmapPort to, int burst, boolean forceCopy) {
        this.from = from;
        this.to = to;
        this.burst = burst;
        this.zeroCopy = !forceCopy && from.region() == to.region();
    }

    public boolean zeroCopy() { return zeroCopy; }
    public long packets() { return packets; }
    public long bytes() { return bytes; }
    public Throwable failure() { return failure; }
    public void stop() { stop = true; }

    @Override
    public void run() {
        try {
            while (!stop) {
                if (rxAvailable() == 0) {
                    from.poll(NetmapPort.POLLIN, 250);
                    continue;
                }
                if (moveAll()) {
                    to.txsync();
                    continue;
                }
                // every ring with frames waits for its own TX ring; poll() reclaims completions on all of them
                // but reports space on any, so wait a little more when only rings this flow may not use have it
                to.poll(NetmapPort.POLLOUT, 250);
                if (!movable()) LockSupport.parkNanos(TX_WAIT_NANOS);
            }
        } catch (RingStateException e) {
            failure = e;
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    private int rxAvailable() {
        int n = 0;
        for (int r = from.firstRxRing(); r <= from.lastRxRing(); r++) n += from.rxRing(r).space();
        return n;
    }

    /** The TX ring that RX ring {@code r} of {@code from} feeds: the same one for every frame (the rings paired in turn). */
    int txRingFor(int r) {
        int txRings = to.lastTxRing() - to.firstTxRing() + 1;
        return to.firstTxRing() + (r - from.firstRxRing()) % txRings;
    }

    /** Whether some RX ring has frames and its TX ring has space. */
    private boolean movable() {
        for (int r = from.firstRxRing(); r <= from.lastRxRing(); r++)
            if (from.rxRing(r).space() > 0 && to.txRing(txRingFor(r)).space() > 0) return true;
        return false;
    }

    /** Every RX ring into its TX ring as far as space and the burst allow; whether anything moved. */
    private boolean moveAll() {
        boolean moved = false;
        for (int r = from.firstRxRing(); r <= from.lastRxRing(); r++) {
            NetmapRing rx = from.rxRing(r), tx = to.txRing(txRingFor(r));
            while (rx.space() > 0 && tx.space() > 0) {
                move(rx, tx);
                moved = true;
            }
        }
        return moved;
    }

    /** netmap bridge's move(): min(rx space, tx space, burst) slots, never splitting a fragment chain across a stop. */
    private void move(NetmapRing rx, NetmapRing tx) {
        int n = Math.min(Math.min(rx.space(), tx.space()), burst);
        int i = rx.head(), j = tx.head();
        long p = 0, b = 0;
        while (n-- > 0) {
            int len = rx.len(i);
            int fl = rx.slotFlags(i) & NS_MOREFRAG;
            if (zeroCopy) {
                int idx = tx.bufIdx(j);
                tx.bufIdx(j, rx.bufIdx(i));
                rx.bufIdx(i, idx);
                rx.slotFlags(i, rx.slotFlags(i) | NS_BUF_CHANGED);
                tx.slotFlags(j, fl | NS_BUF_CHANGED);
            } else {
                tx.buffers().copyFrom(rx.buffers(), rx.slotBufOffset(i), tx.slotBufOffset(j), len);
                tx.slotFlags(j, fl);
            }
            tx.len(j, len);
            b += len;
            if (fl == 0) p++;
            i = rx.next(i);
            j = tx.next(j);
        }
        rx.advance(i);
        tx.advance(j);
        packets += p;
        bytes += b;
    }
}
