package io.jnetmap.rings;

import io.jnetmap.sys.OffHeapBuffer;

import static io.jnetmap.rings.NetmapLayout.*;

/**
 * The forwarding half of a VALE port's txsync (nm_vale_preflush + nm_vale_flush): a batch of up
 * to {@value #BATCH} TX slots is cut into frames (NS_MOREFRAG chains of at most 64 slots), each
 * frame gets a destination from the switch's {@link ValeLookup}, and then, one destination at a
 * time, the frames for it (its unicast ones and the broadcast ones, in the order sent) are copied
 * into a lease of its RX ring ({@link ValeDest}). A frame is never sent back to its source port;
 * what does not fit in a destination's ring is dropped and counted on that port; nothing blocks.
 *
 * <p>One instance per sending port, driven by that port's TX thread; it allocates nothing per
 * batch. Destination views and the lookup are re-made only when the switch's topology changes.
 */
final class ValeForwarder {
    static final int BATCH = 1024;
    private static final int SMALL_COPY = 128;
    private static final int NONE = -1;

    private final ValeSwitch sw;
    private final int self;
    private final OffHeapBuffer srcBufs, dstBufs;
    private final int bufSize, numBuffers;
    private ValeLookup lookup;
    private String spec;
    private int topology = Integer.MIN_VALUE;
    private final ValeDest[] dests = new ValeDest[ValeSwitch.MAX_PORTS];
    private final int[] active = new int[ValeSwitch.MAX_PORTS];
    private int numActive;

    // the batch's frames: first slot, fragment count, next frame for the same destination
    private final int[] fStart = new int[BATCH], fFrags = new int[BATCH], fNext = new int[BATCH];
    // per destination: first and last frame of its unicast list, slots needed
    private final int[] uHead = new int[ValeSwitch.MAX_PORTS], uTail = new int[ValeSwitch.MAX_PORTS],
            uSlots = new int[ValeSwitch.MAX_PORTS], uCount = new int[ValeSwitch.MAX_PORTS], touched = new int[ValeSwitch.MAX_PORTS];
    private final boolean[] isTouched = new boolean[ValeSwitch.MAX_PORTS];
    private final int[] bList = new int[BATCH];
    private int numTouched, numB, bSlots;

    /**
     * Fault injection for the crash-recovery test only: runs after each reservation, before the
     * copy (the test's child process stops there and is killed). Null in normal use.
     */
    static Runnable afterReserve;

    /** Frames this sender could not deliver (lookup said drop, too many fragments, full destinations), per destination copy. */
    long dropped;
    long forwarded;

    ValeForwarder(ValeSwitch sw, int self) {
        this.sw = sw;
        this.self = self;
        MemoryRegion r = sw.region();
        this.dstBufs = r.buffers();
        // a second view of the same pool: a ByteBuffer bulk copy from itself is not what we want to ask for
        this.srcBufs = r.memory().slice(r.bufferPoolOffset(), r.buffers().capacity());
        this.bufSize = r.bufSize();
        this.numBuffers = r.numBuffers();
        java.util.Arrays.fill(uHead, NONE);
    }

    /** Re-reads the port table and the lookup when the switch changed (ports came or went). */
    private void refresh() {
        int t = sw.topology();
        if (t == topology) return;
        topology = t;
        numActive = 0;
        for (int i = 0; i < ValeSwitch.MAX_PORTS; i++) {
            dests[i] = sw.active(i) ? sw.dest(i) : null;
            if (dests[i] != null && i != self) active[numActive++] = i;
        }
        ValeLookup l = lookup;
        if (l == null || !sw.lookupSpec().equals(spec)) {
            spec = sw.lookupSpec();
            lookup = sw.newLookup();
        } else {
            l.portsChanged();
        }
    }

    /**
     * Forwards the complete frames in slots [from, to) of {@code src} (at most {@value #BATCH}
     * slots, no frame cut at {@code to}).
     */
    void forward(NetmapRing src, int from, int to) {
        refresh();
        final int lim = src.numSlots() - 1;
        int nf = 0;
        for (int i = from; i != to; ) {
            int start = i, frags = 1;
            while ((src.slotFlags(i) & NS_MOREFRAG) != 0) { // the caller passes whole frames only
                int nx = i == lim ? 0 : i + 1;
                if (nx == to) break;
                i = nx;
                frags++;
            }
            i = i == lim ? 0 : i + 1;
            if (frags > NETMAP_MAX_FRAGS) { dropped++; continue; }
            long w = src.slotWord(start);
            int d = lookup.lookup(srcBufs, NetmapRing.wordBufIdx(w) * bufSize, NetmapRing.wordLen(w), self);
            if (d == ValeLookup.DROP || d == self) { dropped++; continue; }
            fStart[nf] = start;
            fFrags[nf] = frags;
            fNext[nf] = NONE;
            if (d == ValeLookup.BROADCAST || d < 0 || d >= ValeSwitch.MAX_PORTS || dests[d] == null) {
                bList[numB++] = nf;
                bSlots += frags;
            } else {
                if (uHead[d] == NONE) { uHead[d] = nf; touched[numTouched++] = d; isTouched[d] = true; }
                else fNext[uTail[d]] = nf;
                uTail[d] = nf;
                uSlots[d] += frags;
                uCount[d]++;
            }
            nf++;
        }
        for (int k = 0; k < numTouched; k++) deliver(src, touched[k]);
        if (numB > 0) for (int k = 0; k < numActive; k++) if (!isTouched[active[k]]) deliver(src, active[k]);
        for (int k = 0; k < numTouched; k++) { int d = touched[k]; uHead[d] = NONE; uSlots[d] = 0; uCount[d] = 0; isTouched[d] = false; }
        numTouched = 0;
        numB = 0;
        bSlots = 0;
    }

    /** Copies destination {@code d}'s unicast frames merged with the broadcast ones, in batch order, into one lease. */
    private void deliver(NetmapRing src, int d) {
        ValeDest dest = dests[d];
        int need = uSlots[d] + bSlots;
        long res = dest.reserve(need);
        if (res == ValeDest.STALE) { // the port went away (or was replaced) since our last look
            topology = Integer.MIN_VALUE;
            dropped += frames(d);
            return;
        }
        int got = ValeDest.count(res);
        int frames = frames(d);
        if (afterReserve != null && got > 0) afterReserve.run();
        if (got == 0) {
            dest.countDrops(frames);
            dropped += frames;
            return;
        }
        NetmapRing dr = dest.ring;
        final int dlim = dest.numSlots() - 1, slim = src.numSlots() - 1;
        int j = ValeDest.start(res), used = 0, sent = 0;
        int u = uHead[d], b = 0;
        while (u != NONE || b < numB) {
            int f;
            if (b >= numB || (u != NONE && u < bList[b])) { f = u; u = fNext[u]; } else f = bList[b++];
            int frags = fFrags[f];
            if (used + frags > got) break; // the rest does not fit: dropped below
            int s = fStart[f];
            for (int k = 0; k < frags; k++) {
                long sw = src.slotWord(s);
                int len = NetmapRing.wordLen(sw);
                int buf = dr.bufIdx(j);
                if (buf < FIRST_BUFFER || buf >= numBuffers) len = 0; // never write outside the pool
                else copy(NetmapRing.wordBufIdx(sw) * bufSize, buf * bufSize, len);
                int fl = frags << NS_PORT_SHIFT | (k < frags - 1 ? NS_MOREFRAG : 0); // netmap's VALE puts the fragment count in the high byte
                dr.slotWord(j, (buf & 0xffffffffL) | (long) len << 32 | (long) fl << 48);
                s = s == slim ? 0 : s + 1;
                j = j == dlim ? 0 : j + 1;
            }
            used += frags;
            sent++;
        }
        dest.done(res, used);
        dest.wake();
        if (sent < frames) {
            dest.countDrops(frames - sent);
            dropped += frames - sent;
        }
        dest.countForwarded(sent);
        forwarded += sent;
    }

    /**
     * Copies a frame between two buffers of the pool. Short frames go as 8-byte words, rounded up
     * within the buffer (the bytes after {@code len} are the receiver's to ignore): cheaper than a
     * bulk copy's set-up at these sizes.
     */
    private void copy(int from, int to, int len) {
        int n = (len + 7) & ~7;
        if (n <= SMALL_COPY && n <= bufSize) {
            for (int k = 0; k < n; k += 8) dstBufs.putLong(to + k, srcBufs.getLong(from + k));
        } else {
            dstBufs.copyFrom(srcBufs, from, to, len);
        }
    }

    private int frames(int d) { return numB + uCount[d]; }
}
