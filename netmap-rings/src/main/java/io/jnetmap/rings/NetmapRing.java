package io.jnetmap.rings;

import io.jnetmap.sys.OffHeapBuffer;

import static io.jnetmap.rings.NetmapLayout.*;

/**
 * A {@code struct netmap_ring} as the application sees it, with netmap's names and meanings: the
 * user owns slots [head, tail), the port owns [tail, head); one slot always stays empty. The
 * application writes head and cur, the port writes tail during a sync. Slot accessors take a slot
 * index; buffer contents are in {@link #buffers()} at {@link #bufOffset(int)}.
 *
 * <p>Not thread-safe, like netmap: one thread drives a ring at a time.
 */
public final class NetmapRing {
    private final OffHeapBuffer ring;
    private final OffHeapBuffer buffers;
    private final int numSlots;
    private final int bufSize;
    private final int numBuffers;

    NetmapRing(OffHeapBuffer ring, OffHeapBuffer buffers, int bufSize) {
        this.ring = ring;
        this.buffers = buffers;
        this.numSlots = ring.getInt(RING_NUM_SLOTS);
        this.bufSize = bufSize;
        this.numBuffers = buffers.capacity() / bufSize;
    }

    /** Writes the constant fields of a new ring (netmap_krings_create + netmap_mem_rings_create). */
    static void format(OffHeapBuffer ring, long bufOfs, int numSlots, int bufSize, int ringId, boolean tx) {
        ring.putLong(RING_BUF_OFS, bufOfs);
        ring.putInt(RING_NUM_SLOTS, numSlots);
        ring.putInt(RING_BUF_SIZE, bufSize);
        ring.putShort(RING_RINGID, (short) ringId);
        ring.putShort(RING_DIR, (short) (tx ? DIR_TX : DIR_RX));
        ring.putInt(RING_HEAD, 0);
        ring.putInt(RING_CUR, 0);
        ring.putInt(RING_TAIL, tx ? numSlots - 1 : 0);
        ring.putInt(RING_FLAGS, 0);
    }

    // ---- header
    public int numSlots() { return numSlots; }
    public int bufSize() { return bufSize; }
    public int ringId() { return ring.getUnsignedShort(RING_RINGID); }
    public boolean isTx() { return ring.getShort(RING_DIR) == DIR_TX; }
    /** Offset from this ring to buffer 0 (netmap's buf_ofs). */
    public long bufOfs() { return ring.getLong(RING_BUF_OFS); }

    public int head() { return ring.getInt(RING_HEAD); }
    public void head(int h) { ring.putInt(RING_HEAD, h); }
    public int cur() { return ring.getInt(RING_CUR); }
    public void cur(int c) { ring.putInt(RING_CUR, c); }
    /**
     * Sets head and cur together, the common case. cur first, then head with release (netmap's
     * {@code ring->head = ring->cur = i} stores in that order too): a sync running in another
     * thread (poll on the whole port) that reads head, then cur, never sees head past cur, and
     * sees the slots written before head moved.
     */
    public void advance(int headAndCur) { ring.putInt(RING_CUR, headAndCur); ring.putIntRelease(RING_HEAD, headAndCur); }

    /** head, read with acquire: the port reads it before cur (see {@link #advance}). */
    int headAcquire() { return ring.getIntAcquire(RING_HEAD); }
    public int tail() { return ring.getInt(RING_TAIL); }
    /** Writing tail is the port's job; netmap silently restores a tail the user overwrote, and so do we. */
    public void tail(int t) { ring.putInt(RING_TAIL, t); }
    public int flags() { return ring.getInt(RING_FLAGS); }
    public void flags(int f) { ring.putInt(RING_FLAGS, f); }

    /**
     * Seconds of the last RX sync's timestamp (struct timeval tv_sec): every rxsync stamps, or with
     * {@code -Djnetmap.no_timestamp=1} (netmap's no_timestamp sysctl) only rings whose flags have NR_TIMESTAMP.
     */
    public long tsSeconds() { return ring.getLong(RING_TS); }
    /** Microseconds of the last RX sync's timestamp (struct timeval tv_usec). */
    public long tsMicros() { return ring.getLong(RING_TS + 8); }
    void timestamp(long epochMicros) {
        ring.putLong(RING_TS, epochMicros / 1_000_000L);
        ring.putLong(RING_TS + 8, epochMicros % 1_000_000L);
    }

    /** netmap's opaque 128-byte scratch area ({@code sem}); never touched by jnetmap. */
    public OffHeapBuffer scratch() { return ring.slice(RING_SEM, RING_SEM_SIZE); }

    // ---- ring arithmetic (nm_ring_next, nm_ring_space, nm_ring_empty, nm_tx_pending)
    public int next(int i) { return i + 1 == numSlots ? 0 : i + 1; }
    public int prev(int i) { return i == 0 ? numSlots - 1 : i - 1; }
    /** Slots the user owns: (tail - head) mod num_slots. */
    public int space() {
        int s = tail() - head();
        return s < 0 ? s + numSlots : s;
    }
    public boolean empty() { return head() == tail(); }
    /** TX: slots handed to the port and not yet completed (all done when head == tail + 1). */
    public boolean txPending() { return next(tail()) != head(); }

    // ---- slots
    private static int slot(int i) { return RING_SLOTS + i * SLOT_SIZE; }
    public int bufIdx(int i) { return ring.getInt(slot(i) + SLOT_BUF_IDX); }
    public void bufIdx(int i, int idx) { ring.putInt(slot(i) + SLOT_BUF_IDX, idx); }
    public int len(int i) { return ring.getUnsignedShort(slot(i) + SLOT_LEN); }
    public void len(int i, int len) { ring.putShort(slot(i) + SLOT_LEN, (short) len); }
    public int slotFlags(int i) { return ring.getUnsignedShort(slot(i) + SLOT_FLAGS); }
    public void slotFlags(int i, int flags) { ring.putShort(slot(i) + SLOT_FLAGS, (short) flags); }
    /** A receiving back-end's one store per slot: len (bits 0-15) and flags (16-31), adjacent in netmap_slot. */
    public void lenAndFlags(int i, int len, int flags) { ring.putInt(slot(i) + SLOT_LEN, (len & 0xffff) | flags << 16); }
    public long ptr(int i) { return ring.getLong(slot(i) + SLOT_PTR); }
    public void ptr(int i, long p) { ring.putLong(slot(i) + SLOT_PTR, p); }

    /** Slot {@code i}'s first 8 bytes in one load: buf_idx (bits 0-31), len (32-47), flags (48-63). */
    /**
     * Slot {@code i}'s buffer index, length and flags in one 8-byte load (decode with
     * {@link #wordBufIdx}, {@link #wordLen}, {@link #wordFlags}): a driver loop that needs all
     * three reads the slot once instead of three times.
     */
    public long slotWord(int i) { return ring.getLong(slot(i)); }
    void slotWord(int i, long w) { ring.putLong(slot(i), w); }
    public static int wordBufIdx(long w) { return (int) w; }
    public static int wordLen(long w) { return (int) (w >>> 32) & 0xffff; }
    public static int wordFlags(long w) { return (int) (w >>> 48); }

    /**
     * The zero-copy swap of netmap's man page: exchanges the buffers of slot {@code i} here and
     * slot {@code j} of {@code other} (same region only), copies the length, and marks both
     * NS_BUF_CHANGED.
     */
    public void swapBuffers(int i, NetmapRing other, int j) {
        int a = bufIdx(i);
        bufIdx(i, other.bufIdx(j));
        other.bufIdx(j, a);
        other.len(j, len(i));
        slotFlags(i, slotFlags(i) | NS_BUF_CHANGED);
        other.slotFlags(j, (other.slotFlags(j) & ~NS_MOREFRAG) | NS_BUF_CHANGED | (slotFlags(i) & NS_MOREFRAG));
    }

    // ---- buffers
    /** The region's buffer pool: the bytes of buffer {@code idx} start at {@link #bufOffset(int) bufOffset(idx)}. */
    public OffHeapBuffer buffers() { return buffers; }
    /** Offset in {@link #buffers()} of buffer {@code idx} (NETMAP_BUF). */
    public int bufOffset(int idx) { return idx * bufSize; }
    /** Offset in {@link #buffers()} of the buffer of slot {@code i}. */
    public int slotBufOffset(int i) { return bufIdx(i) * bufSize; }
    /** Number of buffers in the region (valid indices are 2 .. this - 1). */
    public int numBuffers() { return numBuffers; }

    OffHeapBuffer memory() { return ring; }

    @Override
    public String toString() {
        return (isTx() ? "TX" : "RX") + " ring " + ringId() + " [head " + head() + ", cur " + cur() + ", tail " + tail()
                + " of " + numSlots + "]";
    }
}
