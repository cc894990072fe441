package io.jnetmap.intel;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * Receive-side scaling settings: the 40-byte Toeplitz key and the 128-entry redirection table
 * that maps the low 7 bits of a packet's hash to an RX queue (82576 datasheet §7.1, 82599
 * datasheet §7.1.2.8: the queue is RETA[hash & 127]; both chips take the key in 10 RSSRK
 * registers and the table in 32 RETA registers, byte i of each little-endian). Immutable.
 *
 * <p>The default key is the one of Microsoft's RSS verification suite; the default table spreads
 * the entries round-robin over the queues, as Linux's igb does. Both can be given as system
 * properties of the driver: {@code jnetmap.DRIVER.rssKey} (80 hex digits) and
 * {@code jnetmap.DRIVER.reta} (queue numbers separated by commas, repeated to fill the 128
 * entries, e.g. "0,1" or "0,0,0,1"), DRIVER being igb or ixgbe.
 */
public final class RssConfig {
    public static final int KEY_BYTES = 40, RETA_ENTRIES = 128;

    /** The key of Microsoft's "Verifying the RSS Hash Calculation". */
    public static final byte[] VERIFICATION_KEY = HexFormat.of().parseHex(
            "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa");

    private final byte[] key;
    private final byte[] reta;

    /** @param reta 128 queue numbers (0..15) */
    public RssConfig(byte[] key, int[] reta) {
        if (key.length != KEY_BYTES) throw new IllegalArgumentException("the RSS key is " + KEY_BYTES + " bytes, got " + key.length);
        if (reta.length != RETA_ENTRIES)
            throw new IllegalArgumentException("the redirection table has " + RETA_ENTRIES + " entries, got " + reta.length);
        this.key = key.clone();
        this.reta = new byte[RETA_ENTRIES];
        for (int i = 0; i < RETA_ENTRIES; i++) {
            if (reta[i] < 0 || reta[i] > 15)
                throw new IllegalArgumentException("redirection table entry " + i + " is queue " + reta[i] + "; queues are 0..15");
            this.reta[i] = (byte) reta[i];
        }
    }

    /** The verification key and a round-robin table over {@code queues} queues. */
    public static RssConfig defaults(int queues) {
        return new RssConfig(VERIFICATION_KEY, roundRobin(queues));
    }

    /** {@code jnetmap.<driver>.rssKey} and {@code jnetmap.<driver>.reta} over the defaults for {@code queues} queues. */
    public static RssConfig fromSystemProperties(String driver, int queues) {
        String prefix = "jnetmap." + driver + ".";
        String k = System.getProperty(prefix + "rssKey");
        String t = System.getProperty(prefix + "reta");
        byte[] key = k == null ? VERIFICATION_KEY : parseKey(prefix + "rssKey", k);
        int[] reta = t == null ? roundRobin(queues) : parseTable(prefix + "reta", t);
        return new RssConfig(key, reta);
    }

    /** Entry i = i mod queues. */
    public static int[] roundRobin(int queues) {
        if (queues < 1) throw new IllegalArgumentException("queues " + queues);
        int[] r = new int[RETA_ENTRIES];
        for (int i = 0; i < RETA_ENTRIES; i++) r[i] = i % queues;
        return r;
    }

    /** A key of 80 hex digits (colons and spaces ignored); errors name {@code property}, where it came from. */
    public static byte[] parseKey(String property, String hex) {
        try {
            byte[] k = HexFormat.of().parseHex(hex.replace(":", "").replace(" ", ""));
            if (k.length != KEY_BYTES) throw new IllegalArgumentException("it has " + k.length + " bytes");
            return k;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(property + " must be " + KEY_BYTES + " bytes in hex (80 digits): "
                    + e.getMessage(), e);
        }
    }

    /** "0,1,1" repeated to 128 entries; errors name {@code property}, where the spec came from. */
    public static int[] parseTable(String property, String spec) {
        String[] parts = spec.split(",");
        if (parts.length == 0 || parts.length > RETA_ENTRIES)
            throw new IllegalArgumentException(property + " needs 1 to 128 queue numbers separated by commas: '" + spec + "'");
        int[] pattern = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                pattern[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(property + " entry '" + parts[i] + "' is not a queue number", e);
            }
        }
        int[] r = new int[RETA_ENTRIES];
        for (int i = 0; i < RETA_ENTRIES; i++) r[i] = pattern[i % pattern.length];
        return r;
    }

    public byte[] key() { return key.clone(); }

    /** Queue of redirection table entry {@code i}. */
    public int entry(int i) { return reta[i]; }

    /** The RX queue a packet with RSS hash {@code hash} goes to. */
    public int queueOf(int hash) { return reta[hash & (RETA_ENTRIES - 1)]; }

    /** The highest queue the table names (it must exist on the port). */
    public int maxQueue() {
        int m = 0;
        for (byte b : reta) m = Math.max(m, b);
        return m;
    }

    /** This configuration, once its table names only queues below {@code queues}; else one error naming both. */
    public RssConfig requireQueues(String port, int queues) {
        if (maxQueue() >= queues)
            throw new IllegalArgumentException(port + ": the RSS redirection table names queue " + maxQueue()
                    + " but the port has " + queues + " queue pair(s)");
        return this;
    }

    /** RSSRK(i): key bytes 4i..4i+3, byte 4i in bits 7:0 (little-endian, as the chip reads the key). */
    public int keyRegister(int i) {
        int o = 4 * i;
        return (key[o] & 0xff) | (key[o + 1] & 0xff) << 8 | (key[o + 2] & 0xff) << 16 | (key[o + 3] & 0xff) << 24;
    }

    /** RETA(i): entries 4i..4i+3, entry 4i in bits 7:0 (queue number in the low bits of each byte). */
    public int retaRegister(int i) {
        int o = 4 * i;
        return (reta[o] & 0xff) | (reta[o + 1] & 0xff) << 8 | (reta[o + 2] & 0xff) << 16 | (reta[o + 3] & 0xff) << 24;
    }

    @Override
    public String toString() {
        int[] counts = new int[16];
        for (byte b : reta) counts[b]++;
        StringBuilder s = new StringBuilder("RssConfig[key ").append(HexFormat.of().formatHex(key, 0, 4)).append("..., table");
        for (int q = 0; q < 16; q++) if (counts[q] > 0) s.append(' ').append(q).append(':').append(counts[q]);
        return s.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RssConfig r && Arrays.equals(key, r.key) && Arrays.equals(reta, r.reta);
    }

    @Override
    public int hashCode() { return 31 * Arrays.hashCode(key) + Arrays.hashCode(reta); }
}
