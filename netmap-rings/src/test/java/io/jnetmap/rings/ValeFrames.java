package io.jnetmap.rings;

import java.util.ArrayList;
import java.util.List;

/** Frames for the VALE tests: Ethernet header from two MACs, then a sender id and a sequence number. */
final class ValeFrames {
    private ValeFrames() { }

    static final long BROADCAST = 0xffffffffffffL;

    /** A locally administered unicast MAC for host {@code h} (first byte 0x02: group bit clear). */
    static long mac(int h) { return 0x02L | ((long) (h & 0xffff) << 24) | (0x42L << 40); }

    /** A received frame: where it came from (by its bytes), its sequence, length and slot flags. */
    record Rx(long dst, long src, int sender, int seq, int len, int flags) { }

    static void putMac(NetmapRing r, int off, long mac) {
        r.buffers().putInt(off, (int) mac);
        r.buffers().putShort(off + 4, (short) (mac >>> 32));
    }

    static long getMac(NetmapRing r, int off) {
        return (r.buffers().getInt(off) & 0xffffffffL) | ((r.buffers().getShort(off + 4) & 0xffffL) << 32);
    }

    /** Writes one frame into TX slot {@code i} (no sync). */
    static void write(NetmapRing tx, int i, long dst, long src, int sender, int seq, int len) {
        int off = tx.slotBufOffset(i);
        putMac(tx, off, dst);
        putMac(tx, off + 6, src);
        tx.buffers().putShort(off + 12, (short) 0x0008); // IPv4 ethertype, big-endian on the wire
        tx.buffers().putInt(off + 14, sender);
        tx.buffers().putInt(off + 18, seq);
        tx.len(i, len);
        tx.slotFlags(i, 0);
    }

    /** Sends one frame from {@code p} and syncs; the VALE TX ring always has room after a sync. */
    static void send(NetmapPort p, long dst, long src, int sender, int seq) {
        NetmapRing tx = p.txRing(0);
        int i = tx.head();
        write(tx, i, dst, src, sender, seq, 60);
        tx.advance(tx.next(i));
        p.txsync();
    }

    /** Everything waiting in {@code p}'s RX ring, released. */
    static List<Rx> drain(NetmapPort p) {
        p.rxsync();
        NetmapRing rx = p.rxRing(0);
        List<Rx> got = new ArrayList<>();
        int i = rx.head();
        while (i != rx.tail()) {
            int off = rx.slotBufOffset(i);
            int len = rx.len(i);
            got.add(len >= 22 ? new Rx(getMac(rx, off), getMac(rx, off + 6), rx.buffers().getInt(off + 14),
                    rx.buffers().getInt(off + 18), len, rx.slotFlags(i)) : new Rx(0, 0, -1, -1, len, rx.slotFlags(i)));
            i = rx.next(i);
        }
        rx.advance(i);
        p.rxsync();
        return got;
    }

    static String uniqueSwitch(String tag) {
        return "vale" + tag + ProcessHandle.current().pid() + "_" + Long.toHexString(System.nanoTime() & 0xffffff);
    }
}
