package io.jnetmap.tools.bridge;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.RingStateException;

import static io.jnetmap.rings.NetmapLayout.NS_BUF_CHANGED;
import static io.jnetmap.rings.NetmapLayout.NS_MOREFRAG;

/**
 * One direction of a bridge: moves packets from {@code from}'s RX rings to {@code to}'s TX rings,
 * as netmap's bridge does, by swapping buffer indices when both ports share a memory region (zero
 * copy, NS_BUF_CHANGED on both slots) and by copying otherwise. NS_MOREFRAG chains are carried
 * whole. It drives only those rings, so the opposite direction can run in another thread. vale-ctl's
 * daemon uses it to join an attached NIC to its VALE port.
 */
public final class Forwarder implements Runnable {
    private final NetmapPort from, to;
    private final int burst;
    private final boolean zeroCopy;
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
                if (txSpace() == 0) {
                    to.poll(NetmapPort.POLLOUT, 250);
                    continue;
                }
                moveAll();
                to.txsync();
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

    private int txSpace() {
        int n = 0;
        for (int r = to.firstTxRing(); r <= to.lastTxRing(); r++) n += to.txRing(r).space();
        return n;
    }

    /** Every RX ring into the TX rings, in order, each pair as far as space and the burst allow. */
    private void moveAll() {
        int t = to.firstTxRing();
        for (int r = from.firstRxRing(); r <= from.lastRxRing(); r++) {
            NetmapRing rx = from.rxRing(r);
            while (rx.space() > 0 && t <= to.lastTxRing()) {
                NetmapRing tx = to.txRing(t);
                if (tx.space() == 0) { t++; continue; }
                move(rx, tx);
            }
        }
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
