package io.jnetmap.intel;

/**
 * The Toeplitz hash of receive-side scaling, as Microsoft's RSS specification defines it and
 * Intel's NICs compute it (82576 datasheet §7.1, RSS hash function): for each input bit from the
 * most significant bit of the first byte on, if the bit is 1 the result is XORed with the 32 key
 * bits starting at that bit's position. The input is the packet's fields in network byte order:
 * source address, destination address, then source and destination port when ports are hashed.
 *
 * <p>Used to predict which RX ring a flow lands on (tests, tools); the driver itself only
 * programs the key and the redirection table ({@link RssConfig}). {@link #hash(byte[], byte[], int, int)}
 * allocates nothing; the tuple helpers build their input array.
 */
public final class Toeplitz {
    private Toeplitz() { }

    /** The hash of {@code input[off, off+len)} under {@code key} (at least len + 4 bytes long). */
    public static int hash(byte[] key, byte[] input, int off, int len) {
        if (key.length < len + 4)
            throw new IllegalArgumentException("a " + key.length + "-byte key hashes at most " + (key.length - 4) + " input bytes");
        int result = 0;
        // the 32 key bits aligned with the current input bit, refilled one key byte at a time
        int window = ((key[0] & 0xff) << 24) | ((key[1] & 0xff) << 16) | ((key[2] & 0xff) << 8) | (key[3] & 0xff);
        for (int i = 0; i < len; i++) {
            int b = input[off + i] & 0xff;
            int next = key[i + 4] & 0xff;
            for (int bit = 7; bit >= 0; bit--) {
                if (((b >>> bit) & 1) != 0) result ^= window;
                window = (window << 1) | ((next >>> bit) & 1);
            }
        }
        return result;
    }

    public static int hash(byte[] key, byte[] input) {
        return hash(key, input, 0, input.length);
    }

    /** IPv4 addresses only (RSS type IPv4): source then destination, 8 bytes. */
    public static int ipv4(byte[] key, byte[] src, byte[] dst) {
        return hash(key, concat(src, dst, -1, -1));
    }

    /** IPv4 with TCP or UDP ports: source, destination, source port, destination port, 12 bytes. */
    public static int ipv4(byte[] key, byte[] src, byte[] dst, int srcPort, int dstPort) {
        return hash(key, concat(src, dst, srcPort, dstPort));
    }

    /** IPv6 addresses only: 32 bytes. */
    public static int ipv6(byte[] key, byte[] src, byte[] dst) {
        return hash(key, concat(src, dst, -1, -1));
    }

    /** IPv6 with TCP or UDP ports: 36 bytes. */
    public static int ipv6(byte[] key, byte[] src, byte[] dst, int srcPort, int dstPort) {
        return hash(key, concat(src, dst, srcPort, dstPort));
    }

    private static byte[] concat(byte[] src, byte[] dst, int srcPort, int dstPort) {
        if (src.length != dst.length || (src.length != 4 && src.length != 16))
            throw new IllegalArgumentException("addresses must be both IPv4 (4 bytes) or both IPv6 (16 bytes)");
        boolean ports = srcPort >= 0;
        byte[] in = new byte[2 * src.length + (ports ? 4 : 0)];
        System.arraycopy(src, 0, in, 0, src.length);
        System.arraycopy(dst, 0, in, src.length, dst.length);
        if (ports) {
            int p = 2 * src.length;
            in[p] = (byte) (srcPort >>> 8);
            in[p + 1] = (byte) srcPort;
            in[p + 2] = (byte) (dstPort >>> 8);
            in[p + 3] = (byte) dstPort;
        }
        return in;
    }
}
