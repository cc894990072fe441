package io.jnetmap.rings;

import java.util.ArrayList;
import java.util.List;

/** What an application does to rings, written once for the tests. */
final class RingOps {
    private RingOps() { }

    /**
     * Fills {@code k} TX slots from head with frames whose first int is {@code firstSeq + j}, of
     * length {@code len}, and advances head and cur past them. Returns the slots filled.
     */
    static List<Integer> send(NetmapRing tx, int k, int firstSeq, int len) {
        List<Integer> slots = new ArrayList<>();
        int h = tx.head();
        for (int j = 0; j < k; j++) {
            tx.buffers().putInt(tx.slotBufOffset(h), firstSeq + j);
            tx.len(h, len);
            tx.slotFlags(h, 0);
            slots.add(h);
            h = tx.next(h);
        }
        tx.advance(h);
        return slots;
    }

    /** The sequence numbers in RX slots [head, tail), without consuming them. */
    static List<Integer> visible(NetmapRing rx) {
        List<Integer> seqs = new ArrayList<>();
        for (int i = rx.head(); i != rx.tail(); i = rx.next(i)) seqs.add(rx.buffers().getInt(rx.slotBufOffset(i)));
        return seqs;
    }

    /** Consumes every visible RX slot (head = cur = tail) and returns their sequence numbers. */
    static List<Integer> consumeAll(NetmapRing rx) {
        List<Integer> seqs = visible(rx);
        rx.advance(rx.tail());
        return seqs;
    }

    /** A frame whose first four bytes are {@code seq} (little-endian), {@code len} bytes long. */
    static byte[] frame(int seq, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < 4 && i < len; i++) b[i] = (byte) (seq >>> (8 * i));
        for (int i = 4; i < len; i++) b[i] = (byte) (seq + i);
        return b;
    }

    /** Runs {@code r}, which must throw a RingStateException, and returns it. */
    static RingStateException ringError(Runnable r) {
        try {
            r.run();
        } catch (RingStateException e) {
            return e;
        }
        throw new AssertionError("expected a RingStateException");
    }
}
