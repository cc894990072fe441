package io.jnetmap.tools.capture;

import io.jnetmap.sys.OffHeapBuffer;
import io.jnetmap.tools.pktgen.PcapWriter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * One capture stream, in one of the two formats Wireshark and tcpdump read: classic pcap with
 * nanosecond timestamps (magic 0xa1b23c4d), or pcapng with one interface (if_tsresol 9, so
 * nanoseconds too) whose Enhanced Packet Blocks carry the direction in epb_flags (inbound for
 * what the port received, outbound for what it sent). Little-endian, Ethernet link type. Records
 * are gathered in a direct buffer and written when it fills or on {@link #flush}, so writing a
 * frame allocates nothing.
 */
final class CaptureFile implements AutoCloseable {
    enum Format { PCAP, PCAPNG }

    static final int LINKTYPE_ETHERNET = PcapWriter.DLT_EN10MB;
    // pcapng (draft-ietf-opsawg-pcapng): block types, options
    static final int SHB = 0x0A0D0D0A, IDB = 1, EPB = 6, BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    static final short OPT_END = 0, SHB_USERAPPL = 4, IF_NAME = 2, IF_DESCRIPTION = 3, IF_TSRESOL = 9, EPB_FLAGS = 2;
    static final int EPB_INBOUND = 1, EPB_OUTBOUND = 2;
    private static final int EPB_FIXED = 28 + 12 + 4; // header fields, flags option and end of options, trailing length

    private final WritableByteChannel ch;
    private final Format format;
    private final int snaplen;
    private final ByteBuffer out = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private long bytes;
    private long frames;

    /** Starts a stream on {@code ch}: writes the file header (pcap) or section and interface blocks (pcapng). */
    CaptureFile(WritableByteChannel ch, Format format, int snaplen, String interfaceName, String description) throws IOException {
        this.ch = ch;
        this.format = format;
        this.snaplen = snaplen;
        if (format == Format.PCAP) {
            out.putInt(PcapWriter.MAGIC_NANOS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                    .putInt(snaplen).putInt(LINKTYPE_ETHERNET);
        } else {
            byte[] app = "jnetmap nm-capture".getBytes(StandardCharsets.UTF_8);
            int shbLen = 28 + option(app.length) + 4;
            out.putInt(SHB).putInt(shbLen).putInt(BYTE_ORDER_MAGIC).putShort((short) 1).putShort((short) 0).putLong(-1L);
            putOption(SHB_USERAPPL, app);
            out.putShort(OPT_END).putShort((short) 0).putInt(shbLen);
            byte[] name = interfaceName.getBytes(StandardCharsets.UTF_8), desc = description.getBytes(StandardCharsets.UTF_8);
            int idbLen = 20 + option(name.length) + option(desc.length) + option(1) + 4;
            out.putInt(IDB).putInt(idbLen).putShort((short) LINKTYPE_ETHERNET).putShort((short) 0).putInt(snaplen);
            putOption(IF_NAME, name);
            putOption(IF_DESCRIPTION, desc);
            putOption(IF_TSRESOL, new byte[] {9});
            out.putShort(OPT_END).putShort((short) 0).putInt(idbLen);
        }
        bytes = out.position();
    }

    private static int option(int len) { return 4 + pad(len); }
    private static int pad(int len) { return (len + 3) & ~3; }

    private void putOption(short code, byte[] value) {
        out.putShort(code).putShort((short) value.length).put(value);
        for (int i = value.length; i < pad(value.length); i++) out.put((byte) 0);
    }

    /** Bytes this stream has taken so far (written or buffered), headers included. */
    long bytes() { return bytes; }
    long frames() { return frames; }

    /** What a frame of {@code len} bytes adds to the stream. */
    int recordSize(int len) {
        int n = Math.min(len, snaplen);
        return format == Format.PCAP ? 16 + n : EPB_FIXED + pad(n);
    }

    /**
     * Appends a frame of {@code len} bytes at {@code off} in {@code src} (cut to the snap length),
     * captured at {@code epochNanos}, sent by the port ({@code outbound}) or received.
     */
    void write(OffHeapBuffer src, int off, int len, long epochNanos, boolean outbound) throws IOException {
        int n = Math.min(len, snaplen), size = recordSize(len);
        if (out.remaining() < size) flush();
        if (format == Format.PCAP) {
            out.putInt((int) (epochNanos / 1_000_000_000L)).putInt((int) (epochNanos % 1_000_000_000L)).putInt(n).putInt(len);
            out.put(out.position(), src.byteBuffer(), off, n);
            out.position(out.position() + n);
        } else {
            out.putInt(EPB).putInt(size).putInt(0).putInt((int) (epochNanos >>> 32)).putInt((int) epochNanos).putInt(n).putInt(len);
            out.put(out.position(), src.byteBuffer(), off, n);
            out.position(out.position() + n);
            for (int i = n; i < pad(n); i++) out.put((byte) 0);
            out.putShort(EPB_FLAGS).putShort((short) 4).putInt(outbound ? EPB_OUTBOUND : EPB_INBOUND);
            out.putShort(OPT_END).putShort((short) 0).putInt(size);
        }
        bytes += size;
        frames++;
    }

    /** Writes what is buffered. */
    void flush() throws IOException {
        out.flip();
        while (out.hasRemaining()) ch.write(out);
        out.clear();
    }

    /** Flushes; closes the channel unless it is standard output. */
    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            if (!(ch instanceof StandardOutput)) ch.close();
        }
    }

    /** Marks a channel on standard output, which outlives one file (and is closed by the JVM). */
    interface StandardOutput extends WritableByteChannel { }
}
