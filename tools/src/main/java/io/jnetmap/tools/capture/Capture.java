package io.jnetmap.tools.capture;

import io.jnetmap.rings.MonitorAdapter;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.OffHeapBuffer;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;

import static io.jnetmap.rings.NetmapLayout.NS_MOREFRAG;
import static io.jnetmap.rings.NetmapLayout.NS_TXMON;

/**
 * The capture loop: waits on a monitor port, writes every frame its RX rings hold (a packet that
 * spans slots, NS_MOREFRAG, becomes one record), gives the slots back, and prints a line with
 * frames, drops and rate on stderr every interval. Stops after {@code count} frames, when asked
 * to ({@link #stop}), when the owner closes the port (end of stream) or when the reader of a
 * pipe goes away. Writing a frame allocates nothing.
 */
final class Capture {
    /** How a capture ended. */
    enum End { COUNT, STOPPED, OWNER_CLOSED, READER_GONE }

    private static final int POLL_MS = 100;
    private static final long FLUSH_NANOS = 100_000_000L;

    private final NetmapPort port;
    private final MonitorAdapter monitor;
    private final CaptureOutput out;
    private final long count;
    private final long statsNanos;
    private final PrintStream err;
    private final OffHeapBuffer joined = OffHeapBuffer.allocate(65536);
    private volatile boolean stop;
    private String endReason = "";

    Capture(NetmapPort port, CaptureOutput out, long count, double statsSeconds, PrintStream err) {
        this.port = port;
        this.monitor = (MonitorAdapter) port.adapter();
        this.out = out;
        this.count = count;
        this.statsNanos = statsSeconds <= 0 ? 0 : (long) (statsSeconds * 1e9);
        this.err = err;
    }

    void stop() { stop = true; }

    /** Why the owner ended the stream (its message), or empty. */
    String endReason() { return endReason; }

    End run() throws IOException {
        long start = System.nanoTime(), lastFlush = start, nextStats = start + statsNanos;
        long lastFrames = 0, lastBytes = 0, bytes = 0, lastStatsAt = start;
        try {
            while (true) {
                if (stop) return End.STOPPED;
                int ev = port.poll(NetmapPort.POLLIN, POLL_MS);
                for (int r = port.firstRxRing(); r <= port.lastRxRing(); r++) {
                    NetmapRing rx = port.rxRing(r);
                    int i = rx.head(), tail = rx.tail();
                    while (i != tail) {
                        int first = i, len = rx.len(i), flags = rx.slotFlags(i);
                        if ((flags & NS_MOREFRAG) != 0) {
                            int end = joinFragments(rx, i, tail);
                            if (end < 0) break; // the rest of the packet comes later
                            len = joined.getInt(0);
                            out.write(joined, 4, len, rx.ptr(first), (flags & NS_TXMON) != 0);
                            i = end;
                        } else {
                            out.write(rx.buffers(), rx.slotBufOffset(i), len, rx.ptr(i), (flags & NS_TXMON) != 0);
                            i = rx.next(i);
                        }
                        bytes += len;
                        if (count > 0 && out.frames() >= count) {
                            rx.advance(i);
                            return End.COUNT;
                        }
                    }
                    rx.advance(i);
                }
                if ((ev & NetmapPort.POLLERR) != 0) {
                    if (!monitor.ownerClosed()) throw new IOException(port.lastError());
                    endReason = port.lastError();
                    return End.OWNER_CLOSED;
                }
                long now = System.nanoTime();
                if (ev == 0 || now - lastFlush > FLUSH_NANOS) {
                    out.flush(); // live readers (tcpdump, Wireshark) see frames within 100 ms
                    lastFlush = now;
                }
                if (statsNanos > 0 && now - nextStats >= 0) {
                    double secs = (now - lastStatsAt) / 1e9;
                    err.println(String.format(Locale.ROOT, "nm-capture: %d frames (%.3f Mpps, %.3f Gb/s), %d dropped by the monitor%s",
                            out.frames(), (out.frames() - lastFrames) / secs / 1e6, (bytes - lastBytes) * 8 / secs / 1e9,
                            monitor.drops(), out.currentFile().equals("-") ? "" : ", writing " + out.currentFile()));
                    lastFrames = out.frames();
                    lastBytes = bytes;
                    lastStatsAt = now;
                    nextStats = now + statsNanos;
                }
            }
        } catch (IOException e) {
            if (isBrokenPipe(e)) return End.READER_GONE;
            throw e;
        } finally {
            joined.close();
        }
    }

    /**
     * Copies the packet whose first slot is {@code i} into {@link #joined} (length at 0, data at 4);
     * returns the slot after its last fragment, or -1 if that fragment is not in [i, tail) yet.
     */
    private int joinFragments(NetmapRing rx, int i, int tail) {
        int len = 0;
        for (int j = i; j != tail; j = rx.next(j)) {
            int part = Math.min(rx.len(j), joined.capacity() - 4 - len);
            joined.copyFrom(rx.buffers(), rx.slotBufOffset(j), 4 + len, part);
            len += part;
            if ((rx.slotFlags(j) & NS_MOREFRAG) == 0) {
                joined.putInt(0, len);
                return rx.next(j);
            }
        }
        return -1;
    }

    static boolean isBrokenPipe(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("Broken pipe") || m.contains("EPIPE"));
    }
}
