package io.jnetmap.e1000e;

import io.jnetmap.nic.NicAdapter;

/** Test access to an adapter's buffer address table (identity-mapped in the model: the buffers' addresses). */
final class NicRegionIovas {
    private NicRegionIovas() { }

    static long[] of(NicAdapter a) {
        long[] t = new long[a.region().numBuffers()];
        for (int i = 0; i < t.length; i++) t[i] = a.region().bufferAddress(i);
        return t;
    }
}
