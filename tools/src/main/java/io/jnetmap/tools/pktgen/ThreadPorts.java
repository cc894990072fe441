package io.jnetmap.tools.pktgen;

import io.jnetmap.rings.PortName;

/**
 * The port each pkt-gen thread opens with {@code -p N}, as netmap's pkt-gen: thread i binds its own
 * ring, i.e. {@code NAME-i} for {@code NAME}, {@code NAME^i} for {@code NAME^}, and for
 * {@code NAME*} NIC ring i then host ring i - (NIC rings). Flags and options in the name are kept.
 */
public final class ThreadPorts {
    private ThreadPorts() { }

    /** Checks that {@code name} can be split among {@code threads} threads; returns null if so, else why not. */
    public static String refusal(PortName name, int threads) {
        if (threads <= 1) return null;
        if (name.isVale()) return name + " is a VALE port with one ring pair; use -p 1";
        return switch (name.mode()) {
            case ALL_NIC, SW, NIC_SW -> null;
            case ONE_NIC, ONE_SW -> name + " already names one ring; -p " + threads + " needs a port with several rings (drop the ring number)";
            case PIPE_MASTER, PIPE_SLAVE -> name + " is a pipe end with one ring pair; use -p 1";
        };
    }

    /**
     * The name thread {@code i} opens.
     *
     * @param hwRings NIC rings of the port in the direction the thread uses (for {@code *})
     */
    public static String forThread(PortName name, int i, int hwRings) {
        String spec = name.spec();
        int at = spec.indexOf(':') + 1 + name.name().length();
        String head = spec.substring(0, at), tail = spec.substring(at);
        return switch (name.mode()) {
            case ALL_NIC -> head + "-" + i + tail;
            case SW -> head + "^" + i + tail.substring(1);
            case NIC_SW -> head + (i < hwRings ? "-" + i : "^" + (i - hwRings)) + tail.substring(1);
            default -> {
                if (i != 0) throw new IllegalArgumentException(refusal(name, i + 1));
                yield spec;
            }
        };
    }
}
