package io.jnetmap.rings;

/**
 * Runs in a second JVM for {@link PipeWakeUpTest}, the end that sleeps: {@code rx} receives
 * {@code rounds} packets one poll(POLLIN) at a time, {@code tx} sends them on a 4-slot ring and
 * sleeps in poll(POLLOUT) whenever it is full. Started with a futex sleep slice far longer than
 * any scheduling delay, so a lost wake-up is a wait of that length; any wait over 10 s fails.
 */
public final class PipeWakeUpMain {
    static final long LOST_NANOS = 10_000_000_000L;

    public static void main(String[] args) {
        String port = args[0];
        boolean rx = args[1].equals("rx");
        int rounds = Integer.parseInt(args[2]);
        long slowest = 0;
        try (NetmapPort p = NetmapPort.open(port)) {
            NetmapRing ring = rx ? p.rxRing(0) : p.txRing(0);
            for (int i = 0; i < rounds; ) {
                if (!rx && ring.space() > 0) {
                    int h = ring.head();
                    ring.len(h, PipeWakeUpTest.length(i++));
                    ring.advance(ring.next(h));
                    p.txsync();
                    continue;
                }
                if (rx && ring.head() != ring.tail()) {
                    if (ring.len(ring.head()) != PipeWakeUpTest.length(i)) throw new IllegalStateException("packet " + i + " out of order");
                    ring.advance(ring.next(ring.head()));
                    i++;
                    p.rxsync(); // the slot goes back: the sender's signal to send the next one
                    continue;
                }
                long t0 = System.nanoTime();
                int ev = p.poll(rx ? NetmapPort.POLLIN : NetmapPort.POLLOUT, 60_000);
                long waited = System.nanoTime() - t0;
                slowest = Math.max(slowest, waited);
                if (ev == 0 || waited > LOST_NANOS)
                    throw new IllegalStateException("a lost wake-up: poll(" + (rx ? "POLLIN" : "POLLOUT") + ") waited "
                            + waited / 1_000_000 + " ms at packet " + i + " though the peer had published");
            }
        }
        System.out.println("slowest wait " + slowest / 1000 + " us");
    }
}
