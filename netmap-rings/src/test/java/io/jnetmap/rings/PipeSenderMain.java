package io.jnetmap.rings;

/**
 * Runs in a second JVM for {@link TwoProcessPipeTest}: opens the master end of a pipe and sends
 * {@code count} numbered frames, blocking in poll when the receiver lags, then waits until the
 * receiver has released every slot.
 */
public final class PipeSenderMain {
    public static void main(String[] args) {
        String port = args[0];
        int count = Integer.parseInt(args[1]);
        try (NetmapPort p = NetmapPort.open(port)) {
            NetmapRing tx = p.txRing(0);
            int seq = 0;
            while (seq < count) {
                if (tx.space() == 0) {
                    tx.cur(tx.tail()); // wake me when more than the current space is free
                    if (p.poll(NetmapPort.POLLOUT, 10_000) == 0) throw new IllegalStateException("receiver stalled at " + seq);
                    continue;
                }
                int i = tx.head();
                while (tx.space() > 0 && seq < count) {
                    int len = TwoProcessPipeTest.frameLength(seq);
                    TwoProcessPipeTest.fill(tx.buffers(), tx.slotBufOffset(i), seq, len);
                    tx.len(i, len);
                    i = tx.next(i);
                    tx.advance(i);
                    seq++;
                }
                p.txsync();
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (tx.txPending() && System.nanoTime() < deadline) p.poll(NetmapPort.POLLOUT, 100);
            if (tx.txPending()) throw new IllegalStateException("receiver did not release every slot");
        }
    }
}
