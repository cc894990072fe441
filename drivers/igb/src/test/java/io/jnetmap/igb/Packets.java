package io.jnetmap.igb;

import io.jnetmap.rings.NetmapRing;

import java.io.ByteArrayOutputStream;

import static io.jnetmap.rings.NetmapLayout.NS_MOREFRAG;

/** Test frames (numbered raw frames, IPv4 UDP/TCP flows) and putting/taking them in netmap rings. */
final class Packets {
    static final byte[] MAC = {0x02, 0, 0, 0, 0, 0x02};
    static final byte[] PEER = {0x02, 0, 0, 0, 0, 0x01};
    static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};

    private Packets() { }

    /** A frame to {@code dst} from PEER, EtherType 0x88b5, sequence number at 14, then a pattern of it. */
    static byte[] numbered(byte[] dst, int seq, int size) {
        byte[] f = new byte[size];
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(PEER, 0, f, 6, 6);
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        putInt(f, 14, seq);
        for (int i = 18; i < size; i++) f[i] = (byte) (seq * 31 + i);
        return f;
    }

    /** An IPv4 frame to us: UDP (17) or TCP (6) from 198.18.0.1:sport to 198.19.0.1:dport, sequence number in the payload. */
    static byte[] flow(int proto, int srcHost, int sport, int dport, int seq, int size) {
        byte[] f = new byte[Math.max(size, 64)];
        System.arraycopy(MAC, 0, f, 0, 6);
        System.arraycopy(PEER, 0, f, 6, 6);
        f[12] = 0x08;
        f[13] = 0x00;
        f[14] = 0x45;
        int ipLen = f.length - 14;
        f[16] = (byte) (ipLen >>> 8);
        f[17] = (byte) ipLen;
        f[22] = 64;
        f[23] = (byte) proto;
        f[26] = (byte) 198; f[27] = 18; f[28] = (byte) (srcHost >>> 8); f[29] = (byte) srcHost;
        f[30] = (byte) 198; f[31] = 19; f[32] = 0; f[33] = 1;
        f[34] = (byte) (sport >>> 8); f[35] = (byte) sport;
        f[36] = (byte) (dport >>> 8); f[37] = (byte) dport;
        putInt(f, 46, seq);
        return f;
    }

    static byte[] srcAddr(byte[] flow) { return java.util.Arrays.copyOfRange(flow, 26, 30); }
    static byte[] dstAddr(byte[] flow) { return java.util.Arrays.copyOfRange(flow, 30, 34); }

    static void putInt(byte[] f, int off, int v) {
        f[off] = (byte) (v >>> 24);
        f[off + 1] = (byte) (v >>> 16);
        f[off + 2] = (byte) (v >>> 8);
        f[off + 3] = (byte) v;
    }

    static int getInt(byte[] f, int off) {
        return (f[off] & 0xff) << 24 | (f[off + 1] & 0xff) << 16 | (f[off + 2] & 0xff) << 8 | (f[off + 3] & 0xff);
    }

    /** Puts {@code f} at the ring's head in as many slots as the buffer size needs (NS_MOREFRAG on all but the last), advances head. */
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

    /** Takes the packet at the RX ring's head (following NS_MOREFRAG), advancing head; null if the ring is empty. */
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
}
