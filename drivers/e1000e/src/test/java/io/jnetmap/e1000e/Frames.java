package io.jnetmap.e1000e;

import io.jnetmap.rings.NetmapRing;

import java.io.ByteArrayOutputStream;

import static io.jnetmap.rings.NetmapLayout.NS_MOREFRAG;

/** Test frames and ring helpers: numbered frames, putting a frame into TX slots, taking one from RX slots. */
final class Frames {
    static final byte[] MAC = {0x02, 0, 0, 0, 0, 0x01};
    static final byte[] PEER = {0x02, 0, 0, 0, 0, 0x02};
    static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};

    private Frames() { }

    /** A frame to {@code dst} from MAC, EtherType 0x88b5, sequence number, then a pattern of the number. */
    static byte[] numbered(byte[] dst, int seq, int size) {
        byte[] f = new byte[size];
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(MAC, 0, f, 6, 6);
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        f[14] = (byte) (seq >>> 24);
        f[15] = (byte) (seq >>> 16);
        f[16] = (byte) (seq >>> 8);
        f[17] = (byte) seq;
        for (int i = 18; i < size; i++) f[i] = (byte) (seq * 31 + i);
        return f;
    }

    static byte[] numbered(int seq, int size) { return numbered(PEER, seq, size); }

    /** A frame to us (the port's MAC). */
    static byte[] toUs(int seq, int size) {
        byte[] f = numbered(MAC, seq, size);
        System.arraycopy(PEER, 0, f, 6, 6);
        return f;
    }

    /** Puts {@code f} at the ring's head, in as many slots as the buffer size needs (NS_MOREFRAG), and advances head. */
    static int put(NetmapRing tx, byte[] f, int lastFlags) {
        int bs = tx.bufSize(), i = tx.head(), off = 0, slots = 0;
        while (true) {
            int len = Math.min(bs, f.length - off);
            tx.buffers().putBytes(tx.slotBufOffset(i), f, off, len);
            tx.len(i, len);
            off += len;
            boolean last = off == f.length;
            tx.slotFlags(i, last ? lastFlags : NS_MOREFRAG);
            i = tx.next(i);
            slots++;
            if (last) break;
        }
        tx.advance(i);
        return slots;
    }

    static int put(NetmapRing tx, byte[] f) { return put(tx, f, 0); }

    /** Takes the packet at the RX ring's head (following NS_MOREFRAG), advancing head; null if empty. */
    static byte[] take(NetmapRing rx) {
        if (rx.empty()) return null;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int i = rx.head();
        while (true) {
            byte[] part = new byte[rx.len(i)];
            rx.buffers().getBytes(rx.slotBufOffset(i), part, 0, part.length);
            b.write(part, 0, part.length);
            boolean more = (rx.slotFlags(i) & NS_MOREFRAG) != 0;
            i = rx.next(i);
            if (!more) break;
            if (i == rx.tail()) throw new AssertionError("packet continues past tail");
        }
        rx.advance(i);
        return b.toByteArray();
    }

    static int seq(byte[] f) {
        return (f[14] & 0xff) << 24 | (f[15] & 0xff) << 16 | (f[16] & 0xff) << 8 | (f[17] & 0xff);
    }
}
