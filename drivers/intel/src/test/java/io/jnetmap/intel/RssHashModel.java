package io.jnetmap.intel;

import java.util.Arrays;

/**
 * What an Intel chip's receive-side scaling computes for a frame, for the chip models of igb and
 * ixgbe: the hash type the advanced RX descriptor reports and the Toeplitz hash, from the frame,
 * the 40-byte key and MRQC's hash field enables, whose bits are the same on the 82576 and the
 * 82599 (82576 datasheet §8.10.10, 82599 §8.2.3.7.12: IPv4/TCP 16, IPv4 17, IPv6/TCP with
 * extension headers 18, IPv6 20, IPv6/TCP 21, IPv4/UDP 22, IPv6/UDP 23). The descriptor's types:
 * 1 IPv4/TCP, 2 IPv4, 3 IPv6/TCP, 5 IPv6, 7 IPv4/UDP, 8 IPv6/UDP; 0 when nothing is hashed.
 * Written from the datasheets, independently of the drivers' {@link RssConfig}.
 */
public final class RssHashModel {
    private RssHashModel() { }

    /** {RSS type, hash} of an Ethernet frame (no VLAN tag); {0, 0} when no enabled field applies. */
    public static int[] classify(byte[] f, byte[] key, int mrqc) {
        int type = f.length >= 14 ? ((f[12] & 0xff) << 8) | (f[13] & 0xff) : 0;
        if (type == 0x0800 && f.length >= 34) {
            int ihl = (f[14] & 0x0f) * 4, proto = f[23] & 0xff;
            boolean fragment = ((f[20] & 0x3f) | f[21]) != 0;
            byte[] src = Arrays.copyOfRange(f, 26, 30), dst = Arrays.copyOfRange(f, 30, 34);
            int l4 = 14 + ihl;
            if (!fragment && f.length >= l4 + 4) {
                int sp = port(f, l4), dp = port(f, l4 + 2);
                if (proto == 6 && on(mrqc, 16)) return new int[] {1, Toeplitz.ipv4(key, src, dst, sp, dp)};
                if (proto == 17 && on(mrqc, 22)) return new int[] {7, Toeplitz.ipv4(key, src, dst, sp, dp)};
            }
            if (on(mrqc, 17)) return new int[] {2, Toeplitz.ipv4(key, src, dst)};
        } else if (type == 0x86DD && f.length >= 54) {
            int next = f[20] & 0xff;
            byte[] src = Arrays.copyOfRange(f, 22, 38), dst = Arrays.copyOfRange(f, 38, 54);
            if (f.length >= 58) {
                int sp = port(f, 54), dp = port(f, 56);
                if (next == 6 && (on(mrqc, 21) || on(mrqc, 18))) return new int[] {3, Toeplitz.ipv6(key, src, dst, sp, dp)};
                if (next == 17 && on(mrqc, 23)) return new int[] {8, Toeplitz.ipv6(key, src, dst, sp, dp)};
            }
            if (on(mrqc, 20)) return new int[] {5, Toeplitz.ipv6(key, src, dst)};
        }
        return new int[] {0, 0};
    }

    private static boolean on(int mrqc, int bit) { return (mrqc & (1 << bit)) != 0; }

    private static int port(byte[] f, int at) { return ((f[at] & 0xff) << 8) | (f[at + 1] & 0xff); }
}
