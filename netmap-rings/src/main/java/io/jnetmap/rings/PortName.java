package io.jnetmap.rings;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A netmap port name, parsed as libnetmap's {@code nmport_open} does:
 * {@code netmap:NAME[mode][/flags][@N][@option:k=v,...]}.
 * <ul>
 * <li>NAME: an interface name (also one nm-bind remembers) or a PCI address such as 0000:03:00.0</li>
 * <li>mode: none = all NIC rings; {@code -K} NIC ring pair K; {@code ^} all host rings;
 *     {@code ^K} host ring pair K; {@code *} NIC and host rings; {@code {ID} / {@code }ID} master /
 *     slave end of pipe ID</li>
 * <li>or {@code valeX:PORT}: port PORT of VALE switch valeX (with or without {@code netmap:})</li>
 * <li>flags: {@code x} exclusive, {@code R} RX rings only, {@code T} TX rings only; {@code r}, {@code t},
 *     {@code rt} copy monitor of the port's RX, TX or both ({@code z}, zero copy, is parsed and refused at open)</li>
 * <li>{@code @N} memory region N; {@code @conf:rings=,tx-rings=,rx-rings=,host-rings=,slots=,tx-slots=,rx-slots=}</li>
 * </ul>
 * A name without the {@code netmap:} prefix gets it, as pkt-gen does.
 */
public record PortName(String spec, String name, Mode mode, int ring, String pipeId, long flags, int memId,
                       Map<String, Integer> conf) {

    public enum Mode {
        ALL_NIC(NetmapLayout.NR_REG_ALL_NIC), ONE_NIC(NetmapLayout.NR_REG_ONE_NIC), SW(NetmapLayout.NR_REG_SW),
        ONE_SW(NetmapLayout.NR_REG_ONE_SW), NIC_SW(NetmapLayout.NR_REG_NIC_SW),
        PIPE_MASTER(NetmapLayout.NR_REG_PIPE_MASTER), PIPE_SLAVE(NetmapLayout.NR_REG_PIPE_SLAVE);

        /** netmap's nr_mode value. */
        public final int nrMode;
        Mode(int v) { nrMode = v; }
    }

    static final String PREFIX = "netmap:";
    static final String VALE_PREFIX = "vale";
    /** netmap's @conf keys, and flow-control (1 on, 0 off), which the Intel drivers read (their configs document it). */
    private static final java.util.Set<String> CONF_KEYS = java.util.Set.of("rings", "tx-rings", "rx-rings",
            "host-rings", "host-tx-rings", "host-rx-rings", "slots", "tx-slots", "rx-slots", "flow-control");

    public boolean isPipe() { return mode == Mode.PIPE_MASTER || mode == Mode.PIPE_SLAVE; }
    public boolean bindsNic() { return mode == Mode.ALL_NIC || mode == Mode.ONE_NIC || mode == Mode.NIC_SW; }
    public boolean bindsHost() { return mode == Mode.SW || mode == Mode.ONE_SW || mode == Mode.NIC_SW; }
    public boolean exclusive() { return (flags & NetmapLayout.NR_EXCLUSIVE) != 0; }
    /** A monitor port ({@code /r}, {@code /t}, {@code /rt}, {@code /z}): watches the port NAME that another binding drives. */
    public boolean isMonitor() {
        return (flags & (NetmapLayout.NR_MONITOR_RX | NetmapLayout.NR_MONITOR_TX | NetmapLayout.NR_ZCOPY_MON)) != 0;
    }
    /** The key of the adapter this name binds: NAME, or NAME{ID / NAME}ID for a pipe end. */
    public String adapterKey() {
        return isPipe() ? name + (mode == Mode.PIPE_MASTER ? "{" : "}") + pipeId : name;
    }
    /** A {@code @conf} value, or {@code dflt}. */
    public int conf(String key, int dflt) { return conf.getOrDefault(key, dflt); }

    /** This name with extra registration flags (e.g. {@link NetmapLayout#NR_NO_TX_POLL}, as nm_open's flags argument). */
    public PortName withFlags(long extra) {
        return new PortName(spec, name, mode, ring, pipeId, flags | extra, memId, conf);
    }

    /** The name of the pipe's other end. */
    public String peerSpec() {
        if (!isPipe()) throw new IllegalStateException(spec + " is not a pipe");
        return PREFIX + name + (mode == Mode.PIPE_MASTER ? "}" : "{") + pipeId;
    }

    public static PortName parse(String spec) {
        if (spec == null || spec.isBlank()) throw bad(spec, "the port name is empty");
        String s = spec.trim();
        if (s.startsWith("tap:") || s.startsWith("pcap:")) throw bad(spec, "the tap: and pcap: back-ends are not implemented");
        if (!s.startsWith(PREFIX)) s = PREFIX + s;
        String full = s;
        int p = PREFIX.length();
        int start = p;
        while (p < s.length() && isNameChar(s.charAt(p))) p++;
        String name = s.substring(start, p);
        if (name.isEmpty()) throw bad(spec, "no port name after 'netmap:'");
        Mode mode = Mode.ALL_NIC;
        int ring = -1;
        String pipeId = null;
        if (p < s.length()) {
            char c = s.charAt(p);
            switch (c) {
                case '^' -> {
                    p++;
                    int q = digits(s, p);
                    if (q > p) { mode = Mode.ONE_SW; ring = number(spec, s.substring(p, q)); p = q; } else mode = Mode.SW;
                }
                case '*' -> { p++; mode = Mode.NIC_SW; }
                case '-' -> {
                    p++;
                    int q = digits(s, p);
                    if (q == p) throw bad(spec, "'-' must be followed by a ring number, e.g. netmap:" + name + "-0");
                    mode = Mode.ONE_NIC;
                    ring = number(spec, s.substring(p, q));
                    p = q;
                }
                case '{', '}' -> {
                    p++;
                    int q = p;
                    while (q < s.length() && (Character.isLetterOrDigit(s.charAt(q)) || s.charAt(q) == '_')) q++;
                    if (q == p) throw bad(spec, "a pipe needs an id after '" + c + "', e.g. netmap:" + name + c + "1");
                    mode = c == '{' ? Mode.PIPE_MASTER : Mode.PIPE_SLAVE;
                    pipeId = s.substring(p, q);
                    p = q;
                }
                default -> { }
            }
        }
        long flags = 0;
        int memId = 0;
        Map<String, Integer> conf = new LinkedHashMap<>();
        while (p < s.length()) {
            char c = s.charAt(p);
            if (c == '/') {
                p++;
                while (p < s.length() && s.charAt(p) != '@' && s.charAt(p) != '/') {
                    char f = s.charAt(p++);
                    switch (f) {
                        case 'x' -> flags |= NetmapLayout.NR_EXCLUSIVE;
                        case 'R' -> flags |= NetmapLayout.NR_RX_RINGS_ONLY;
                        case 'T' -> flags |= NetmapLayout.NR_TX_RINGS_ONLY;
                        case 'r' -> flags |= NetmapLayout.NR_MONITOR_RX;
                        case 't' -> flags |= NetmapLayout.NR_MONITOR_TX;
                        case 'z' -> flags |= NetmapLayout.NR_ZCOPY_MON;
                        default -> throw bad(spec, "unknown flag '" + f + "' (known: x exclusive, R RX rings only, T TX rings only,"
                                + " r/t/rt copy monitor of RX/TX/both, z zero-copy monitor)");
                    }
                }
            } else if (c == '@') {
                p++;
                if (p < s.length() && Character.isDigit(s.charAt(p))) {
                    int q = digits(s, p);
                    memId = number(spec, s.substring(p, q));
                    p = q;
                } else {
                    int q = s.indexOf('@', p);
                    if (q < 0) q = s.length();
                    parseOption(spec, s.substring(p, q), conf);
                    p = q;
                }
            } else {
                throw bad(spec, "unexpected '" + c + "' at position " + p
                        + "; a name is letters, digits, '_', '.', ':' followed by one of ^ ^K * -K {ID }ID");
            }
        }
        if (name.startsWith(VALE_PREFIX)) checkVale(spec, name, mode);
        if ((flags & NetmapLayout.NR_RX_RINGS_ONLY) != 0 && (flags & NetmapLayout.NR_TX_RINGS_ONLY) != 0)
            throw bad(spec, "/R and /T together bind no ring");
        return new PortName(full, name, mode, ring, pipeId, flags, memId, Collections.unmodifiableMap(conf));
    }

    /** A VALE port: {@code valeX:PORT}, X and PORT of [0-9A-Za-z_] (X may be empty, as in netmap). */
    private static void checkVale(String spec, String name, Mode mode) {
        if (!name.matches("vale[0-9A-Za-z_]*:[0-9A-Za-z_]+"))
            throw bad(spec, "a VALE port is named valeX:PORT (switch valeX, port PORT; letters, digits and '_'), e.g. vale0:a");
        if (name.length() - VALE_PREFIX.length() > 48)
            throw bad(spec, "VALE names are at most 52 characters");
        if (mode != Mode.ALL_NIC)
            throw bad(spec, "a VALE port has one ring pair and no host rings; pipes on VALE ports are not implemented");
    }

    /** Whether this names a VALE port ({@code valeX:PORT}). */
    public boolean isVale() { return name.startsWith(VALE_PREFIX); }

    /** The VALE switch of a VALE port name ({@code vale0} of {@code vale0:a}). */
    public String valeSwitch() { return name.substring(0, name.indexOf(':')); }

    /** The port of a VALE port name ({@code a} of {@code vale0:a}). */
    public String valePort() { return name.substring(name.indexOf(':') + 1); }

    private static void parseOption(String spec, String opt, Map<String, Integer> conf) {
        int colon = opt.indexOf(':');
        String key = colon < 0 ? opt : opt.substring(0, colon);
        if (!key.equals("conf"))
            throw bad(spec, "option @" + key + " is not supported (supported: @conf:rings=,slots=,...)");
        if (colon < 0 || colon == opt.length() - 1) throw bad(spec, "@conf needs key=value pairs, e.g. @conf:slots=1024");
        for (String kv : opt.substring(colon + 1).split(",")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw bad(spec, "@conf entry '" + kv + "' is not key=value");
            String k = kv.substring(0, eq);
            if (!CONF_KEYS.contains(k)) throw bad(spec, "@conf key '" + k + "' is unknown (known: " + String.join(", ", CONF_KEYS) + ")");
            conf.put(k, number(spec, kv.substring(eq + 1)));
        }
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == ':';
    }

    private static int digits(String s, int p) {
        while (p < s.length() && Character.isDigit(s.charAt(p))) p++;
        return p;
    }

    private static int number(String spec, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw bad(spec, "'" + v + "' is not a number");
        }
    }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException("invalid port name '" + spec + "': " + why);
    }

    @Override
    public String toString() { return spec; }
}
