package io.jnetmap.nic;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Issue 10's unpaced flood against a chip model, the same for every driver: a "wire" thread
 * hands the model numbered frames 0..n-1 as fast as it takes them, never waiting for the port
 * (the model drops what a full ring cannot hold and counts it, as silicon does), while the test
 * thread takes frames the way an application does: poll(POLLIN), take everything, poll again.
 * Then, with the wire quiet and the ring drained, frames arrive one at a time and each must wake
 * a poll() on its own: RX kept going through the overruns and was not left waiting for a frame
 * that could never come.
 */
public final class RxFlood {
    /** Frames sent one at a time after the flood, each of which must be delivered by a poll. */
    public static final int LATE_FRAMES = 20;

    /** What the port delivered. {@code inOrder}: no frame came twice or out of order. */
    public record Result(int sent, int received, int late, boolean inOrder, String firstProblem) {
        @Override
        public String toString() {
            return sent + " sent, " + received + " received during the flood, " + late + "/" + LATE_FRAMES
                    + " late frames delivered" + (firstProblem == null ? "" : "; " + firstProblem);
        }
    }

    private RxFlood() { }

    /**
     * Floods {@code ring} of {@code port}: {@code wire.accept(seq)} must give the model frame
     * {@code seq} (a {@link TestFrames#numbered} frame) and return at once whether it was taken or
     * dropped. Sequence numbers {@code n .. n + LATE_FRAMES - 1} are the late frames.
     */
    public static Result run(NetmapPort port, int ring, int n, IntConsumer wire) throws InterruptedException {
        NetmapRing rx = port.rxRing(ring);
        Thread flood = new Thread(() -> {
            for (int seq = 0; seq < n; seq++) wire.accept(seq);
        }, "model-wire-flood");
        flood.start();
        int received = 0, last = -1;
        String problem = null;
        long quietSince = System.nanoTime();
        long deadline = System.nanoTime() + 120_000_000_000L;
        // take frames until the wire is done and nothing more came for half a second
        while (System.nanoTime() < deadline && (flood.isAlive() || System.nanoTime() - quietSince < 500_000_000L)) {
            port.poll(NetmapPort.POLLIN, 100);
            byte[] f;
            while ((f = TestFrames.take(rx)) != null) {
                int seq = TestFrames.seq(f);
                if (seq <= last && problem == null) problem = "frame " + seq + " after frame " + last;
                if (!Arrays.equals(f, expected(f, seq)) && problem == null) problem = "frame " + seq + " is not byte-exact";
                last = seq;
                received++;
                quietSince = System.nanoTime();
            }
        }
        flood.join(10_000);
        // the ring is empty and the wire quiet: each late frame must wake poll() by itself
        int late = 0;
        for (int k = 0; k < LATE_FRAMES; k++) {
            int seq = n + k;
            wire.accept(seq);
            if ((port.poll(NetmapPort.POLLIN, 2000) & NetmapPort.POLLIN) == 0) {
                if (problem == null) problem = "late frame " + seq + " never woke poll()";
                continue;
            }
            byte[] f = TestFrames.take(rx);
            if (f != null && TestFrames.seq(f) == seq) late++;
            else if (problem == null) problem = "late frame " + seq + ": got " + (f == null ? "nothing" : "frame " + TestFrames.seq(f));
            while (TestFrames.take(rx) != null) { } // nothing else should be there; the next check would see it
        }
        return new Result(n, received, late, problem == null || !problem.contains("after"), problem);
    }

    /** What a port opened into a running flood received ({@link #openedDuringFlood}). */
    public record Opened(int received, int firstSeq, int lastSeq, String firstProblem, String queue) {
        @Override
        public String toString() {
            return received + " received after the open (frames " + firstSeq + ".." + lastSeq + ")"
                    + (firstProblem == null ? "" : "; " + firstProblem) + "; " + queue;
        }
    }

    /**
     * Issue 10 §1 with the sender first: numbered frames ({@code frame.apply(seq)}) flood the port
     * through QEMU's net layer {@code qemu} ({@link QemuNetQueue#flood}: full whenever it is
     * flushed) before it is open; {@code open} opens the port while the flood goes on, and the port
     * takes frames as an application does (poll(POLLIN), everything on every RX ring) until it has
     * {@code wanted} or {@code timeoutMillis} passed.
     */
    public static Opened openedDuringFlood(QemuNetQueue qemu, IntFunction<byte[]> frame, Supplier<NetmapPort> open,
                                           int wanted, long timeoutMillis) throws InterruptedException {
        qemu.flood(frame);
        AtomicBoolean stop = new AtomicBoolean();
        Thread flood = new Thread(() -> {
            while (!stop.get()) {
                qemu.sendNext();
                Thread.yield(); // a wire's pace rather than a lock held for good
            }
        }, "model-wire-flood");
        flood.setDaemon(true);
        flood.start();
        int received = 0, first = -1, last = -1;
        String problem = null;
        try {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (qemu.held() < QemuNetQueue.MAX_HELD && System.nanoTime() < deadline) Thread.sleep(5);
            if (qemu.held() < QemuNetQueue.MAX_HELD) throw new AssertionError("the flood did not fill QEMU's queue before the open: " + qemu);
            NetmapPort port = open.get();
            deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (received < wanted && System.nanoTime() < deadline) {
                port.poll(NetmapPort.POLLIN, 100);
                for (int r = port.firstRxRing(); r <= port.lastRxRing(); r++) {
                    byte[] f;
                    while ((f = TestFrames.take(port.rxRing(r))) != null) {
                        int seq = TestFrames.seq(f);
                        if (seq <= last && problem == null) problem = "frame " + seq + " after frame " + last;
                        if (!Arrays.equals(f, frame.apply(seq)) && problem == null) problem = "frame " + seq + " is not byte-exact";
                        if (first < 0) first = seq;
                        last = seq;
                        received++;
                    }
                }
            }
        } finally {
            stop.set(true);
            flood.join(10_000);
        }
        return new Opened(received, first, last, problem, qemu.toString());
    }

    /** The frame numbered {@code seq} with the same addresses and length as {@code f}. */
    private static byte[] expected(byte[] f, int seq) {
        return TestFrames.numbered(Arrays.copyOfRange(f, 0, 6), Arrays.copyOfRange(f, 6, 12), seq, f.length);
    }
}
