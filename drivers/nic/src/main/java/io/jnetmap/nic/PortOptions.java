package io.jnetmap.nic;

import io.jnetmap.rings.PortName;

/**
 * The options every NIC driver reads the same way when a NIC is first opened in the process
 * (netmap's rule: options of later opens do not change a port that exists): the port name's
 * {@code @conf:} options over system properties {@code jnetmap.<driver>.*} over the driver's
 * defaults. A driver's config record ({@code E1000eConfig}, {@code IgbConfig}, ...) takes these
 * and adds its own options and limits.
 */
public final class PortOptions {
    private PortOptions() { }

    /** How long opening waits for autonegotiation to bring the link up, unless told otherwise. */
    public static final long DEFAULT_LINK_WAIT_MILLIS = 4000;

    /**
     * What system properties {@code jnetmap.<driver>.slots / .txSlots / .rxSlots / .queues / .jumbo /
     * .interrupts / .linkWaitMillis} say (jumbo and interrupts default to true).
     */
    public record Properties(int txSlots, int rxSlots, int queues, boolean jumbo, boolean interrupts, long linkWaitMillis) { }

    public static Properties properties(String driver, int defaultSlots, int defaultQueues) {
        String p = "jnetmap." + driver + ".";
        int slots = Integer.getInteger(p + "slots", defaultSlots);
        return new Properties(Integer.getInteger(p + "txSlots", slots),
                Integer.getInteger(p + "rxSlots", slots),
                Integer.getInteger(p + "queues", defaultQueues),
                Boolean.parseBoolean(System.getProperty(p + "jumbo", "true")),
                Boolean.parseBoolean(System.getProperty(p + "interrupts", "true")),
                Long.getLong(p + "linkWaitMillis", DEFAULT_LINK_WAIT_MILLIS));
    }

    /** System property {@code jnetmap.<driver>.<name>} as a boolean, {@code def} when unset. */
    public static boolean property(String driver, String name, boolean def) {
        return Boolean.parseBoolean(System.getProperty("jnetmap." + driver + "." + name, Boolean.toString(def)));
    }

    /** {@code @conf:tx-slots=}, else {@code slots=}, else {@code def}. */
    public static int txSlots(PortName name, int def) { return slots(name, "tx-slots", def); }

    /** {@code @conf:rx-slots=}, else {@code slots=}, else {@code def}. */
    public static int rxSlots(PortName name, int def) { return slots(name, "rx-slots", def); }

    private static int slots(PortName name, String key, int def) {
        int slots = name.conf("slots", -1);
        return name.conf(key, slots > 0 ? slots : def);
    }

    /**
     * Queue pairs: {@code @conf:rings=}, else the larger of {@code tx-rings=} and {@code rx-rings=}
     * (queues come in pairs, one vector each), else {@code def}.
     */
    public static int queuePairs(PortName name, int def) {
        int rings = name.conf("rings", -1);
        return rings > 0 ? rings : Math.max(name.conf("tx-rings", def), name.conf("rx-rings", def));
    }

    /** {@code @conf:<key>=1} on, {@code 0} off, else {@code def}; any other value is refused. */
    public static boolean flag(PortName name, String key, boolean def) {
        int v = name.conf(key, def ? 1 : 0);
        if (v != 0 && v != 1)
            throw new IllegalArgumentException("@conf:" + key + "=" + v + ": use " + key + "=1 (on) or " + key + "=0 (off)");
        return v == 1;
    }

    /** The link wait must not be negative. */
    public static void checkLinkWait(long millis) {
        if (millis < 0) throw new IllegalArgumentException("link wait " + millis + " ms");
    }
}
