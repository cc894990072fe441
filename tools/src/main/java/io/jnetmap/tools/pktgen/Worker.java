package io.jnetmap.tools.pktgen;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.Libc;

import java.util.concurrent.CountDownLatch;

import static io.jnetmap.rings.NetmapLayout.NS_BUF_CHANGED;

/**
 * One pkt-gen thread driving one port (one ring, or all rings of a port with a single thread).
 * Its loop runs without locks or allocation and publishes {@link Counters} once per batch; the
 * reporter reads them. Start and end times bound the busy period for the summary.
 */
public abstract class Worker implements Runnable {
    /** Poll timeout: how soon a blocked worker notices a stop request. */
    static final int POLL_MS = 100;

    protected final String label;
    protected final NetmapPort port;
    protected final StopFlag stop;
    protected final NanoClock clock;
    protected final Counters counters = new Counters();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile long startNanos = -1, endNanos = -1;
    private volatile Throwable failure;
    /** The CPU this worker's thread pins itself to ({@code -a}), or -1. */
    private int cpu = -1;
    /** Set when a sender in this process is done: receivers and pong leave once their rings are empty. */
    protected volatile boolean finishWhenIdle;

    protected Worker(String label, NetmapPort port, StopFlag stop, NanoClock clock) {
        this.label = label;
        this.port = port;
        this.stop = stop;
        this.clock = clock;
    }

    public String label() { return label; }
    public NetmapPort port() { return port; }
    public Counters counters() { return counters; }
    public long startNanos() { return startNanos; }
    public long endNanos() { return endNanos; }
    public Throwable failure() { return failure; }
    public boolean finished() { return finished.getCount() == 0; }
    public CountDownLatch finishedLatch() { return finished; }

    /** The other end (in this process) is done: stop once nothing more arrives. Senders ignore it. */
    public void finishWhenIdle() { finishWhenIdle = true; }

    /** Runs this worker's thread on {@code cpu} only (-1: wherever the scheduler puts it); call before the thread starts. */
    public void pinTo(int cpu) { this.cpu = cpu; }
    public int cpu() { return cpu; }

    protected void started(long t) { startNanos = t; }
    protected void ended(long t) { endNanos = t; }

    @Override
    public final void run() {
        try {
            if (cpu >= 0) Libc.setThreadAffinity(cpu);
            work();
        } catch (Throwable t) {
            failure = t;
            stop.raise(label + " failed");
        } finally {
            if (endNanos < 0 && startNanos >= 0) endNanos = clock.nanoTime();
            finished.countDown();
        }
    }

    protected abstract void work() throws Exception;

    /** Throws if poll reported a ring error. */
    protected void checkPoll(int revents) {
        if ((revents & NetmapPort.POLLERR) != 0)
            throw new IllegalStateException(port.name() + ": " + port.lastError());
    }

    /**
     * Receivers' wait (rx, rxseq, pong): polls for packets, up to {@link #POLL_MS} at a time, or
     * once without waiting when {@link #finishWhenIdle} is set.
     *
     * @return true when packets arrived; false on a stop request, or when the rings stayed empty
     *         after the other end was done
     */
    protected final boolean awaitRx() {
        while (!stop.raised()) {
            boolean idleExit = finishWhenIdle;
            int rv = port.poll(NetmapPort.POLLIN, idleExit ? 0 : POLL_MS);
            checkPoll(rv);
            if (rv != 0) return true;
            if (idleExit) return false;
        }
        return false;
    }

    protected NetmapRing[] txRings() {
        NetmapRing[] r = new NetmapRing[port.lastTxRing() - port.firstTxRing() + 1];
        for (int i = 0; i < r.length; i++) r[i] = port.txRing(port.firstTxRing() + i);
        return r;
    }

    protected NetmapRing[] rxRings() {
        NetmapRing[] r = new NetmapRing[port.lastRxRing() - port.firstRxRing() + 1];
        for (int i = 0; i < r.length; i++) r[i] = port.rxRing(port.firstRxRing() + i);
        return r;
    }

    /** netmap's sender start: every TX slot marked NS_BUF_CHANGED, so each buffer gets its frame written once. */
    protected static void markAllChanged(NetmapRing[] rings) {
        for (NetmapRing r : rings)
            for (int j = 0; j < r.numSlots(); j++) r.slotFlags(j, r.slotFlags(j) | NS_BUF_CHANGED);
    }

    /**
     * End of a sender: push what is left and wait until the port gave back every TX slot
     * (netmap's nm_tx_pending loop), blocking in poll with cur = tail. Stops early on a stop
     * request, or after {@code maxNanos}.
     *
     * @return true if every slot came back
     */
    protected boolean drainTx(NetmapRing[] rings, long maxNanos) {
        port.txsync();
        long deadline = clock.nanoTime() + maxNanos;
        boolean pending;
        for (;;) {
            pending = false;
            for (NetmapRing r : rings) if (r.txPending()) pending = true;
            if (!pending || stop.raised() || clock.nanoTime() - deadline >= 0) break;
            for (NetmapRing r : rings) r.cur(r.tail()); // wake me when tail moves
            checkPoll(port.poll(NetmapPort.POLLOUT, POLL_MS));
        }
        for (NetmapRing r : rings) r.cur(r.head());
        return !pending;
    }

    @Override
    public String toString() { return label + " on " + port.name(); }
}
