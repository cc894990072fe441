package io.jnetmap.nic;

import io.jnetmap.rings.NetmapRing;

import java.io.ByteArrayOutputStream;

import static io.jnetmap.rings.NetmapLayout.NS_MOREFRAG;

/**
 * Test frames for the drivers' unit tests and putting them into / taking them from netmap rings:
 * numbered raw frames (EtherType 0x88b5, a sequence number at byte 14, then a pattern of it), and
 * frames spread over as many slots as the ring's buffer size needs (NS_MOREFRAG). Each driver's
 * tests name their own port and peer addresses.
 */
public final class TestFrames {
    public static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};
    /** Where {@link #numbered} puts the sequence number. */
    public static final int SEQ_OFFSET = 14;

    private TestFrames() { }

    /** A frame {@code src -> dst}, EtherType 0x88b5, sequence number at 14, then a pattern of it. */
    public static byte[] numbered(byte[] dst, byte[] src, int seq, int size) {
        byte[] f = new byte[size];
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(src, 0, f, 6, 6);
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        putInt(f, SEQ_OFFSET, seq);
        for (int i = SEQ_OFFSET + 4; i < size; i++) f[i] = (byte) (seq * 31 + i);
        return f;
    }

    /**
     * An IPv4 frame {@code src -> dst}: UDP (17) or TCP (6) from 198.18.x.y:sport (x.y = srcHost) to
     * 198.19.0.1:dport, sequence number at byte 46 (the payload); another protocol keeps the bytes
     * where the ports would be. For the RSS tests of the drivers that hash flows.
     */
    public static byte[] flow(byte[] dst, byte[] src, int proto, int srcHost, int sport, int dport, int seq, int size) {
        byte[] f = new byte[Math.max(size, 64)];
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(src, 0, f, 6, 6);
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

    /** A {@link #flow} frame's IPv4 source address. */
    public static byte[] srcAddr(byte[] flow) { return java.util.Arrays.copyOfRange(flow, 26, 30); }

    /** A {@link #flow} frame's IPv4 destination address. */
    public static byte[] dstAddr(byte[] flow) { return java.util.Arrays.copyOfRange(flow, 30, 34); }

    /** The sequence number of a {@link #numbered} frame. */
    public static int seq(byte[] f) { return getInt(f, SEQ_OFFSET); }

    /** Big-endian. */
    public static void putInt(byte[] f, int off, int v) {
        f[off] = (byte) (v >>> 24);
        f[off + 1] = (byte) (v >>> 16);
        f[off + 2] = (byte) (v >>> 8);
        f[off + 3] = (byte) v;
    }

    /** Big-endian. */
    public static int getInt(byte[] f, int off) {
        return (f[off] & 0xff) << 24 | (f[off + 1] & 0xff) << 16 | (f[off + 2] & 0xff) << 8 | (f[off + 3] & 0xff);
    }

    /**
     * Packets an Intel 1G chip must never be given, as slot lengths of one packet each: shorter
     * than the 17 bytes TCTL.PSP pads from, alone or as a chain, and chains with an empty fragment.
     */
    public static final int[][] TOO_SHORT = {{16}, {0}, {10, 6}, {60, 0}, {0, 60}, {1}};

    /** One packet at the ring's head in slots of {@code lens} bytes (NS_MOREFRAG on all but the last); advances head. */
    public static void putFragments(NetmapRing tx, int... lens) {
        int i = tx.head();
        for (int k = 0; k < lens.length; k++) {
            tx.buffers().fill(tx.slotBufOffset(i), lens[k], (byte) (0x40 + k));
            tx.len(i, lens[k]);
            tx.slotFlags(i, k < lens.length - 1 ? io.jnetmap.rings.NetmapLayout.NS_MOREFRAG : 0);
            i = tx.next(i);
        }
        tx.advance(i);
    }

    /**
     * Puts {@code f} at the ring's head in as many slots as the buffer size needs (NS_MOREFRAG on
     * all but the last, {@code lastFlags} on the last), advances head; returns the slots used.
     */
    public static int put(NetmapRing tx, byte[] f, int lastFlags) {
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

    public static int put(NetmapRing tx, byte[] f) { return put(tx, f, 0); }

    /** Takes the packet at the RX ring's head (following NS_MOREFRAG), advancing head; null if the ring is empty. */
    public static byte[] take(NetmapRing rx) {
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

    /** A copy of the first {@code len} bytes of {@code b} (descriptor memory before and after a refused sync). */
    public static byte[] snapshot(io.jnetmap.sys.OffHeapBuffer b, int len) {
        byte[] s = new byte[len];
        b.getBytes(0, s, 0, len);
        return s;
    }
}
