package io.jnetmap.hwtests;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Reads pcap files (QEMU's filter-dump, tcpdump -w): the global header, then records of
 * (seconds, micro- or nanoseconds, captured length, original length, bytes). Reading may start at
 * a byte offset taken earlier with {@link #size} (frames written since then), and stops at a record
 * still being written.
 */
public final class Pcap {
    public static final int GLOBAL_HEADER = 24;

    private Pcap() { }

    /** The file's size now: pass it to {@link #forEach} later to see only frames written after this. */
    public static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Calls {@code frame} with each record's bytes from {@code fromOffset} (0 or a record boundary,
     * e.g. an earlier {@link #size}); returns the number of records.
     */
    public static long forEach(Path file, long fromOffset, Consumer<byte[]> frame) {
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 20))) {
            byte[] gh = new byte[GLOBAL_HEADER];
            in.readFully(gh);
            int magic = le32(gh, 0);
            boolean swapped;
            if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) swapped = false;
            else if (Integer.reverseBytes(magic) == 0xa1b2c3d4 || Integer.reverseBytes(magic) == 0xa1b23c4d) swapped = true;
            else throw new IllegalStateException(file + " is not a pcap file (magic 0x" + Integer.toHexString(magic) + ")");
            long pos = GLOBAL_HEADER;
            if (fromOffset > pos) {
                in.skipNBytes(fromOffset - pos);
                pos = fromOffset;
            }
            byte[] rh = new byte[16];
            long n = 0;
            while (true) {
                try {
                    in.readFully(rh);
                } catch (EOFException e) {
                    return n;
                }
                int incl = swapped ? Integer.reverseBytes(le32(rh, 8)) : le32(rh, 8);
                if (incl < 0 || incl > 262144) throw new IllegalStateException(file + ": bad record length " + incl + " at " + pos);
                byte[] data = new byte[incl];
                try {
                    in.readFully(data);
                } catch (EOFException e) {
                    return n; // the last record is still being written
                }
                pos += 16 + incl;
                n++;
                frame.accept(data);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }

    /**
     * Writes {@code to}: {@code file}'s global header and its records from {@code fromOffset} (a
     * record boundary, e.g. an earlier {@link #size}) to its end now, so a third party (tcpdump -r)
     * reads only the frames written since.
     */
    public static void copyFrom(Path file, long fromOffset, Path to) {
        try (java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(file);
             java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(to, java.nio.file.StandardOpenOption.CREATE,
                     java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            long end = in.size(), from = Math.max(fromOffset, GLOBAL_HEADER);
            for (long p = 0; p < GLOBAL_HEADER; ) p += in.transferTo(p, GLOBAL_HEADER - p, out);
            for (long p = from; p < end; ) p += in.transferTo(p, end - p, out);
        } catch (IOException e) {
            throw new UncheckedIOException("copying " + file + " from " + fromOffset + " to " + to, e);
        }
    }

    /**
     * The first record boundary at or after {@code offset} in a little-endian pcap that is being
     * written (a {@link #size} taken while frames flow may fall inside a record): the first position
     * from which three records in a row have equal captured and original lengths of 14..65535 bytes
     * and a sub-second field below 10^9. Returns the file's size when none is found yet.
     */
    public static long boundaryAtOrAfter(Path file, long offset) {
        if (offset <= GLOBAL_HEADER) return GLOBAL_HEADER;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1 << 20).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(b, offset);
            b.flip();
            for (int p = 0; p < b.limit(); p++) {
                int q = p, ok = 0;
                while (ok < 3 && q + 16 <= b.limit()) {
                    int sub = b.getInt(q + 4), incl = b.getInt(q + 8), orig = b.getInt(q + 12);
                    if (sub < 0 || sub >= 1_000_000_000 || incl != orig || incl < 14 || incl > 65535) break;
                    q += 16 + incl;
                    ok++;
                }
                if (ok == 3) return offset + p;
            }
            return ch.size();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }

    private static int le32(byte[] b, int o) {
        return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8 | (b[o + 2] & 0xff) << 16 | (b[o + 3] & 0xff) << 24;
    }
}
