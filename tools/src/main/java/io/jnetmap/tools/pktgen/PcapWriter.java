package io.jnetmap.tools.pktgen;

import io.jnetmap.sys.OffHeapBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a classic pcap file (as tcpdump -w does on a little-endian host): microsecond timestamps,
 * link type Ethernet (DLT_EN10MB), snap length 65535. Records are gathered in a 1 MiB direct
 * buffer and written when it fills, so writing a frame allocates nothing.
 */
public final class PcapWriter implements AutoCloseable {
    public static final int MAGIC_MICROS = 0xa1b2c3d4, MAGIC_NANOS = 0xa1b23c4d;
    public static final int DLT_EN10MB = 1, SNAPLEN = 65535;
    public static final int FILE_HEADER = 24, RECORD_HEADER = 16;

    private final Path file;
    private final FileChannel ch;
    private final ByteBuffer out = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private long records;
    private boolean closed;

    private PcapWriter(Path file, FileChannel ch) {
        this.file = file;
        this.ch = ch;
    }

    /** Creates (or truncates) {@code file} and writes the file header. */
    public static PcapWriter create(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        PcapWriter w = new PcapWriter(file, ch);
        w.out.putInt(MAGIC_MICROS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                .putInt(SNAPLEN).putInt(DLT_EN10MB);
        return w;
    }

    public Path file() { return file; }
    public long records() { return records; }

    /** Appends a frame of {@code len} bytes at {@code off} in {@code src}, stamped {@code seconds}.{@code micros}. */
    public void write(OffHeapBuffer src, int off, int len, long seconds, long micros) throws IOException {
        int n = Math.min(len, SNAPLEN);
        if (out.remaining() < RECORD_HEADER + n) flush();
        out.putInt((int) seconds).putInt((int) micros).putInt(n).putInt(len);
        out.put(out.position(), src.byteBuffer(), off, n);
        out.position(out.position() + n);
        records++;
    }

    /** Appends a frame held in an array (tests, tools). */
    public void write(byte[] frame, long seconds, long micros) throws IOException {
        int n = Math.min(frame.length, SNAPLEN);
        if (out.remaining() < RECORD_HEADER + n) flush();
        out.putInt((int) seconds).putInt((int) micros).putInt(n).putInt(frame.length);
        out.put(frame, 0, n);
        records++;
    }

    /** Writes what is buffered to the file. */
    public void flush() throws IOException {
        out.flip();
        while (out.hasRemaining()) ch.write(out);
        out.clear();
    }

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
            flush();
        } finally {
            ch.close();
        }
    }
}
