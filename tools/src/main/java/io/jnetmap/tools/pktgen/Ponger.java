package io.jnetmap.tools.pktgen;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.OffHeapBuffer;

import static io.jnetmap.tools.pktgen.FrameTemplate.*;

/**
 * pong: answers every frame received by sending it back with the Ethernet and IPv4 addresses
 * swapped (checksums stay valid: a swap does not change a one's complement sum), as netmap's
 * pong_body. Requests that find no TX room are dropped and counted.
 */
public final class Ponger extends Worker {
    private final long count;
    private long dropped;

    /** @param count replies to send before stopping, 0 for no limit */
    public Ponger(String label, NetmapPort port, StopFlag stop, NanoClock clock, long count) {
        super(label, port, stop, clock);
        this.count = count;
    }

    public long dropped() { return dropped; }

    @Override
    protected void work() {
        NetmapRing tx = port.txRing(port.firstTxRing());
        NetmapRing[] rx = rxRings();
        long sent = 0, bytes = 0, events = 0, last = -1;
        boolean first = true;
        while ((count == 0 || sent < count) && awaitRx()) {
            if (first) {
                started(clock.nanoTime());
                first = false;
            }
            int txi = tx.head();
            int room = tx.space();
            OffHeapBuffer out = tx.buffers();
            long before = sent;
            for (NetmapRing r : rx) {
                int i = r.head(), tail = r.tail();
                OffHeapBuffer in = r.buffers();
                while (i != tail) {
                    int len = r.len(i);
                    if (room > 0 && (count == 0 || sent < count)) {
                        int src = r.slotBufOffset(i), dst = tx.slotBufOffset(txi);
                        out.copyFrom(in, src, dst, len);
                        if (len >= ETH_TYPE) {
                            // swap the MACs: dst <- request's src, src <- request's dst
                            out.putInt(dst + ETH_DST, in.getInt(src + ETH_SRC));
                            out.putShort(dst + ETH_DST + 4, in.getShort(src + ETH_SRC + 4));
                            out.putInt(dst + ETH_SRC, in.getInt(src + ETH_DST));
                            out.putShort(dst + ETH_SRC + 4, in.getShort(src + ETH_DST + 4));
                        }
                        if (len >= IP_DST + 4 && in.getShort(src + ETH_TYPE) == Short.reverseBytes((short) ETHERTYPE_IPV4)) {
                            out.putInt(dst + IP_SRC, in.getInt(src + IP_DST));
                            out.putInt(dst + IP_DST, in.getInt(src + IP_SRC));
                        }
                        tx.len(txi, len);
                        tx.slotFlags(txi, 0);
                        txi = tx.next(txi);
                        room--;
                        sent++;
                        bytes += len;
                    } else if (room == 0) {
                        dropped++;
                    }
                    i = r.next(i);
                }
                r.advance(i);
            }
            if (sent != before) {
                tx.advance(txi);
                port.txsync();
                events++;
                counters.publish(sent, bytes, events);
                last = clock.nanoTime();
            }
        }
        // the replies' slots come back when the pinger releases them; it may be gone already
        if (!stop.raised()) drainTx(new NetmapRing[] {tx}, 1_000_000_000L);
        if (last >= 0) ended(last);
        counters.publish(sent, bytes, events);
    }
}
