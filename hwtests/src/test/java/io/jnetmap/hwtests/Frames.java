package io.jnetmap.hwtests;

import io.jnetmap.rings.NetmapRing;

import static io.jnetmap.rings.NetmapLayout.NS_MOREFRAG;

/** Frames for hardware tests: numbered test frames (EtherType 0x88b5), MAC text, putting frames into TX slots. */
public final class Frames {
    /** IEEE 802 local experimental EtherType 1: nothing in the peer's kernel answers or forwards it. */
    public static final int ETHERTYPE_TEST = 0x88b5;

    private Frames() { }

    /**
     * Frame {@code seq} of {@code size} bytes from {@code src} to {@code dst}: EtherType 0x88b5, the
     * sequence number (4 bytes, big-endian), its size (2 bytes), then a pattern derived from both.
     */
    public static byte[] numbered(byte[] dst, byte[] src, int seq, int size) {
        byte[] f = new byte[size];
        fill(f, dst, src, seq, size);
        return f;
    }

    /** Writes frame {@code seq} into {@code f} (reused buffer), returns the size. */
    public static int fill(byte[] f, byte[] dst, byte[] src, int seq, int size) {
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(src, 0, f, 6, 6);
        f[12] = (byte) (ETHERTYPE_TEST >>> 8);
        f[13] = (byte) ETHERTYPE_TEST;
        f[14] = (byte) (seq >>> 24);
        f[15] = (byte) (seq >>> 16);
        f[16] = (byte) (seq >>> 8);
        f[17] = (byte) seq;
        f[18] = (byte) (size >>> 8);
        f[19] = (byte) size;
        int x = seq * 0x9E3779B1;
        for (int i = 20; i < size; i++) {
            x = x * 1103515245 + 12345;
            f[i] = (byte) (x >>> 24);
        }
        return size;
    }

    private static final byte[] PATTERN = pattern();

    private static byte[] pattern() {
        byte[] p = new byte[2048 + 16384];
        int x = 0x2545F491;
        for (int i = 0; i < p.length; i++) {
            x = x * 1103515245 + 12345;
            p[i] = (byte) (x >>> 24);
        }
        return p;
    }

    /**
     * The frames the peer sends (peer-sender.py builds the same bytes): like {@link #fill} but the
     * payload is a slice of a fixed pseudo-random pattern, cheap to build in a script.
     */
    public static int fillPeer(byte[] f, byte[] dst, byte[] src, int seq, int size) {
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(src, 0, f, 6, 6);
        f[12] = (byte) (ETHERTYPE_TEST >>> 8);
        f[13] = (byte) ETHERTYPE_TEST;
        f[14] = (byte) (seq >>> 24);
        f[15] = (byte) (seq >>> 16);
        f[16] = (byte) (seq >>> 8);
        f[17] = (byte) seq;
        f[18] = (byte) (size >>> 8);
        f[19] = (byte) size;
        System.arraycopy(PATTERN, (int) ((seq * 7L) % 2048), f, 20, size - 20);
        return size;
    }

    public static boolean isTestFrame(byte[] f, int len) {
        return len >= 20 && (f[12] & 0xff) == (ETHERTYPE_TEST >>> 8) && (f[13] & 0xff) == (ETHERTYPE_TEST & 0xff);
    }

    public static int seq(byte[] f) {
        return (f[14] & 0xff) << 24 | (f[15] & 0xff) << 16 | (f[16] & 0xff) << 8 | (f[17] & 0xff);
    }

    public static boolean from(byte[] f, byte[] mac) {
        for (int i = 0; i < 6; i++) if (f[6 + i] != mac[i]) return false;
        return true;
    }

    public static boolean to(byte[] f, byte[] mac) {
        for (int i = 0; i < 6; i++) if (f[i] != mac[i]) return false;
        return true;
    }

    /**
     * Puts {@code len} bytes of {@code f} at the ring's head, in as many slots as the buffer size
     * needs (NS_MOREFRAG on all but the last), and advances head and cur. The caller checked space.
     */
    public static int put(NetmapRing tx, byte[] f, int len) {
        int bs = tx.bufSize(), i = tx.head(), off = 0, slots = 0;
        while (true) {
            int n = Math.min(bs, len - off);
            tx.buffers().putBytes(tx.slotBufOffset(i), f, off, n);
            tx.len(i, n);
            off += n;
            boolean last = off == len;
            tx.slotFlags(i, last ? 0 : NS_MOREFRAG);
            i = tx.next(i);
            slots++;
            if (last) break;
        }
        tx.advance(i);
        return slots;
    }

    public static int slotsFor(NetmapRing tx, int len) { return (len + tx.bufSize() - 1) / tx.bufSize(); }

    /**
     * Copies the packet at the RX ring's head (following NS_MOREFRAG) into {@code into}, advances
     * head and cur, returns its length; -1 if the ring is empty, -2 - slots if it is longer than {@code into}.
     */
    public static int take(NetmapRing rx, byte[] into) {
        if (rx.empty()) return -1;
        int i = rx.head(), len = 0;
        while (true) {
            int n = rx.len(i);
            if (len + n > into.length) throw new IllegalStateException("packet longer than " + into.length + " bytes");
            rx.buffers().getBytes(rx.slotBufOffset(i), into, len, n);
            len += n;
            boolean more = (rx.slotFlags(i) & NS_MOREFRAG) != 0;
            i = rx.next(i);
            if (!more) break;
            if (i == rx.tail()) throw new IllegalStateException("a packet continues past tail: the port showed half a packet");
        }
        rx.advance(i);
        return len;
    }

    public static byte[] parseMac(String s) {
        String[] p = s.split(":");
        if (p.length != 6) throw new IllegalArgumentException("not a MAC address: " + s);
        byte[] m = new byte[6];
        for (int i = 0; i < 6; i++) m[i] = (byte) Integer.parseInt(p[i], 16);
        return m;
    }

    public static String macString(byte[] m) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < m.length; i++) b.append(i == 0 ? "" : ":").append(String.format("%02x", m[i] & 0xff));
        return b.toString();
    }
}
