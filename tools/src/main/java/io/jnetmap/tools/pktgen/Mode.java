package io.jnetmap.tools.pktgen;

import java.util.Locale;

/** pkt-gen's functions ({@code -f}), with netmap's default batch and what each one reports. */
public enum Mode {
    TX(Role.SENDER, 512), RX(Role.RECEIVER, 512), PING(Role.OTHER, 1), PONG(Role.OTHER, 1),
    TXSEQ(Role.SENDER, 512), RXSEQ(Role.RECEIVER, 512);

    /** netmap's td_type: how the start line and the summary speak. */
    public enum Role { SENDER, RECEIVER, OTHER }

    public final Role role;
    public final int defaultBatch;

    Mode(Role role, int defaultBatch) {
        this.role = role;
        this.defaultBatch = defaultBatch;
    }

    /** The name on the command line. */
    public String key() { return name().toLowerCase(Locale.ROOT); }

    /** Whether this mode writes frames (and so uses -l, -s, -d, -S, -D, -z, -Z, -R). */
    public boolean sends() { return this == TX || this == TXSEQ || this == PING; }

    /** The other end when pkt-gen tests a pipe by itself: tx with rx, txseq with rxseq, ping with pong. */
    public Mode peer() {
        return switch (this) {
            case TX -> RX;
            case RX -> TX;
            case TXSEQ -> RXSEQ;
            case RXSEQ -> TXSEQ;
            case PING -> PONG;
            case PONG -> PING;
        };
    }

    /** The mode that drives a self-test pair (sends first). */
    public Mode leader() { return this == RX || this == RXSEQ || this == PONG ? peer() : this; }

    public static Mode parse(String s) {
        for (Mode m : values()) if (m.key().equals(s)) return m;
        throw new IllegalArgumentException("unknown function '" + s + "': use tx, rx, ping, pong, txseq or rxseq");
    }

    @Override
    public String toString() { return key(); }
}
