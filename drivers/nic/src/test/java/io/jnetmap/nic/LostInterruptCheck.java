package io.jnetmap.nic;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;

import java.util.function.IntConsumer;

/**
 * Issue 10 §1: "the driver must never depend on a frame arriving to wake up". With interrupts on,
 * frames arrive while {@code poll()} sleeps and their interrupt messages are lost on the way
 * ({@link ModelDevice#loseInterrupts}): each poll must still re-sync the ring by itself, long before
 * its timeout, and deliver the frame. Then messages get through again, and RX goes on by
 * interrupts: each frame wakes its poll, and the driver takes interrupts again (a cause the lost
 * messages left pending in the chip must not keep the vector quiet for good).
 */
public final class LostInterruptCheck {
    /** Frames whose interrupt is lost, then frames whose interrupt gets through. */
    public static final int FRAMES = 5;
    /** Each poll's timeout: far longer than the driver's re-sync period, so a poll that waits for an interrupt shows. */
    public static final int POLL_TIMEOUT_MS = 20_000;
    /** How soon a frame must be delivered once it arrived, interrupt or not: a quarter of the poll's timeout. */
    public static final long DELIVERED_WITHIN_MS = POLL_TIMEOUT_MS / 4;

    /**
     * What the port did. {@code slowestLostMs}: the longest a frame whose interrupt was lost waited in
     * the ring; {@code interruptsAfter}: interrupts the driver took once messages got through again.
     */
    public record Result(int lostDelivered, long slowestLostMs, int afterDelivered, long slowestAfterMs,
                         int interruptsAfter, String firstProblem) {
        @Override
        public String toString() {
            return lostDelivered + "/" + FRAMES + " frames delivered with their interrupt lost (slowest " + slowestLostMs
                    + " ms), then " + afterDelivered + "/" + FRAMES + " with interrupts (slowest " + slowestAfterMs + " ms, "
                    + interruptsAfter + " interrupts taken)" + (firstProblem == null ? "" : "; " + firstProblem);
        }
    }

    private LostInterruptCheck() { }

    /**
     * Runs the check on {@code ring} of {@code port}, an empty ring of a port with interrupts on:
     * {@code wire.accept(seq)} must give the model the {@link TestFrames#numbered} frame {@code seq}
     * (numbers {@code 0 .. 2 * FRAMES - 1}), which the chip writes to that ring.
     */
    public static Result run(NetmapPort port, int ring, NicAdapter adapter, ModelDevice dev, IntConsumer wire)
            throws InterruptedException {
        NetmapRing rx = port.rxRing(ring);
        String[] problem = new String[1];
        dev.loseInterrupts(true);
        int lost = 0;
        long slowestLost = 0;
        try {
            for (int seq = 0; seq < FRAMES; seq++) {
                long ms = deliverWhileAsleep(port, rx, adapter, wire, seq, problem);
                slowestLost = Math.max(slowestLost, waited(ms));
                if (ms < 0) break; // one is enough: the next would wait out its poll's timeout too
                lost++;
            }
        } finally {
            dev.loseInterrupts(false);
        }
        int before = dev.interruptsTaken(), after = 0;
        long slowestAfter = 0;
        for (int seq = FRAMES; seq < 2 * FRAMES; seq++) {
            long ms = deliverWhileAsleep(port, rx, adapter, wire, seq, problem);
            if (ms >= 0) after++;
            slowestAfter = Math.max(slowestAfter, waited(ms));
        }
        return new Result(lost, slowestLost, after, slowestAfter, dev.interruptsTaken() - before, problem[0]);
    }

    /**
     * One frame: this thread polls; another waits until the poll sleeps on the chip's causes, then
     * puts frame {@code seq} on the wire. Returns how long the frame waited in ms, or {@code -1 - ms}
     * when it was not delivered in time (the first problem noted).
     */
    private static long deliverWhileAsleep(NetmapPort port, NetmapRing rx, NicAdapter adapter, IntConsumer wire,
                                           int seq, String[] problem) throws InterruptedException {
        long[] sentAt = {0};
        Thread sender = new Thread(() -> {
            long giveUp = System.nanoTime() + 10_000_000_000L;
            while (!sleeping(adapter) && System.nanoTime() < giveUp) Thread.onSpinWait();
            sleepQuietly(20); // past prepareWait's re-scan, into the wait itself
            sentAt[0] = System.nanoTime();
            wire.accept(seq);
        }, "model-wire-late-frame");
        sender.start();
        int revents = port.poll(NetmapPort.POLLIN, POLL_TIMEOUT_MS);
        long done = System.nanoTime();
        sender.join(30_000);
        long waited = (done - sentAt[0]) / 1_000_000;
        byte[] f = TestFrames.take(rx);
        String wrong = null;
        if ((revents & NetmapPort.POLLIN) == 0) wrong = "poll returned " + revents + " after " + waited + " ms, not POLLIN";
        else if (f == null) wrong = "poll said POLLIN but the ring was empty";
        else if (TestFrames.seq(f) != seq) wrong = "got frame " + TestFrames.seq(f);
        else if (waited > DELIVERED_WITHIN_MS) wrong = "delivered only after " + waited + " ms (poll timeout " + POLL_TIMEOUT_MS + " ms)";
        while (TestFrames.take(rx) != null) { } // nothing else should be there; the next frame's check would see it
        if (wrong == null) return waited;
        if (problem[0] == null) problem[0] = "frame " + seq + ": " + wrong;
        return -1 - waited;
    }

    private static long waited(long result) { return result >= 0 ? result : -1 - result; }

    /** Whether a poll() of this adapter sleeps on a chip cause (it armed one in prepareWait). */
    private static boolean sleeping(NicAdapter adapter) {
        for (int b = 0; b < NicAdapter.MAX_CAUSES; b++) if (adapter.waitersOn(b) > 0) return true;
        return false;
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
