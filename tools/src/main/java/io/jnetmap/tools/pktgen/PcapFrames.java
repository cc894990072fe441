package io.jnetmap.tools.pktgen;

import io.jnetmap.sys.OffHeapBuffer;

import java.util.List;

/**
 * The frames of a pcap file in native memory, sent in file order and again from the first when
 * the file ends ({@code -P}). A file with one frame is sent like a template (written once per
 * buffer); otherwise every packet is copied. Close it to free the memory.
 */
public final class PcapFrames implements FrameSource, AutoCloseable {
    private final OffHeapBuffer data;
    private final int[] offsets, lengths;
    private final int maxLength, minLength;
    private final boolean owner;
    private int next;

    private PcapFrames(OffHeapBuffer data, int[] offsets, int[] lengths, int maxLength, int minLength, boolean owner) {
        this.data = data;
        this.offsets = offsets;
        this.lengths = lengths;
        this.maxLength = maxLength;
        this.minLength = minLength;
        this.owner = owner;
    }

    public static PcapFrames of(PcapReader.Capture capture) {
        List<PcapReader.Record> recs = capture.records();
        if (recs.isEmpty()) throw new IllegalArgumentException(capture.file() + " holds no packets");
        long total = 0;
        int max = 0, min = Integer.MAX_VALUE;
        for (PcapReader.Record r : recs) {
            total += r.data().length;
            max = Math.max(max, r.data().length);
            min = Math.min(min, r.data().length);
        }
        if (total > Integer.MAX_VALUE) throw new IllegalArgumentException(capture.file() + " holds more than 2 GiB of frames");
        OffHeapBuffer d = OffHeapBuffer.allocate((int) Math.max(total, 1));
        int[] offs = new int[recs.size()], lens = new int[recs.size()];
        int p = 0;
        for (int i = 0; i < recs.size(); i++) {
            byte[] f = recs.get(i).data();
            d.putBytes(p, f, 0, f.length);
            offs[i] = p;
            lens[i] = f.length;
            p += f.length;
        }
        return new PcapFrames(d, offs, lens, max, min, true);
    }

    public int count() { return offsets.length; }
    public int minLength() { return minLength; }
    @Override
    public int maxLength() { return maxLength; }
    @Override
    public boolean rewritesEachPacket() { return offsets.length > 1; }
    @Override
    public int fixedLength() { return lengths[0]; }

    @Override
    public int writeNext(OffHeapBuffer buf, int off, boolean fresh) {
        int i = next;
        int len = lengths[i];
        buf.copyFrom(data, offsets[i], off, len);
        next = i + 1 == offsets.length ? 0 : i + 1;
        return len;
    }

    /** Another cursor over the same memory (owned by this instance). */
    @Override
    public PcapFrames copy(long seed) {
        return new PcapFrames(data, offsets, lengths, maxLength, minLength, false);
    }

    @Override
    public void close() {
        if (owner) data.close();
    }
}
