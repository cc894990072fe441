package io.jnetmap.tools.pktgen;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a classic pcap file, as tcpdump -w writes it: either byte order, microsecond or nanosecond
 * timestamps ({@code 0xa1b2c3d4} / {@code 0xa1b23c4d}), link type Ethernet. pcapng is refused with
 * a hint to convert it. Every failure is an {@link IOException} whose message says what to do.
 */
public final class PcapReader {
    /** Largest file read into memory. */
    public static final long MAX_FILE = 1L << 30;

    /** One record: timestamp (fraction in µs or ns as the file says), captured bytes, length on the wire. */
    public record Record(long seconds, long fraction, byte[] data, int wireLength) { }

    /** A file's records and properties. */
    public record Capture(Path file, boolean nanosecond, ByteOrder order, int linkType, int snapLength, List<Record> records) {
        public int size() { return records.size(); }
    }

    private PcapReader() { }

    public static Capture read(Path file) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new IOException("pcap file " + file + " does not exist; give -P a capture file, e.g. one tcpdump -w wrote");
        } catch (IOException e) {
            throw new IOException("cannot read pcap file " + file + ": " + e.getMessage());
        }
        if (size > MAX_FILE) throw new IOException("pcap file " + file + " is " + size + " bytes; at most " + MAX_FILE + " are read into memory");
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException("cannot read pcap file " + file + ": " + e);
        }
        return parse(file, all);
    }

    static Capture parse(Path file, byte[] all) throws IOException {
        if (all.length < PcapWriter.FILE_HEADER)
            throw new IOException(file + " is not a pcap file (" + all.length + " bytes, shorter than a pcap header)");
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        boolean nanos;
        ByteOrder order;
        if (magic == PcapWriter.MAGIC_MICROS) { order = ByteOrder.LITTLE_ENDIAN; nanos = false; }
        else if (magic == PcapWriter.MAGIC_NANOS) { order = ByteOrder.LITTLE_ENDIAN; nanos = true; }
        else if (magic == Integer.reverseBytes(PcapWriter.MAGIC_MICROS)) { order = ByteOrder.BIG_ENDIAN; nanos = false; }
        else if (magic == Integer.reverseBytes(PcapWriter.MAGIC_NANOS)) { order = ByteOrder.BIG_ENDIAN; nanos = true; }
        else if (magic == 0x0a0d0d0a)
            throw new IOException(file + " is pcapng; convert it to classic pcap first: tcpdump -r " + file + " -w out.pcap");
        else
            throw new IOException(file + " is not a pcap file (magic 0x" + Integer.toHexString(magic) + ")");
        b.order(order);
        int snap = b.getInt(16), link = b.getInt(20);
        if (link != PcapWriter.DLT_EN10MB)
            throw new IOException(file + " has link type " + link + "; only Ethernet (1, DLT_EN10MB) frames can be sent");
        List<Record> records = new ArrayList<>();
        int p = PcapWriter.FILE_HEADER;
        while (p < all.length) {
            if (all.length - p < PcapWriter.RECORD_HEADER)
                throw new IOException(file + " is truncated: record " + (records.size() + 1) + " has an incomplete header");
            long sec = Integer.toUnsignedLong(b.getInt(p)), frac = Integer.toUnsignedLong(b.getInt(p + 4));
            int incl = b.getInt(p + 8), orig = b.getInt(p + 12);
            if (incl < 0 || incl > 262144)
                throw new IOException(file + " is damaged: record " + (records.size() + 1) + " claims " + Integer.toUnsignedString(incl) + " bytes");
            p += PcapWriter.RECORD_HEADER;
            if (all.length - p < incl)
                throw new IOException(file + " is truncated: record " + (records.size() + 1) + " needs " + incl + " bytes, " + (all.length - p) + " left");
            byte[] data = new byte[incl];
            System.arraycopy(all, p, data, 0, incl);
            p += incl;
            records.add(new Record(sec, frac, data, orig));
        }
        return new Capture(file, nanos, order, link, snap, List.copyOf(records));
    }
}
