package io.jnetmap.rings;

import io.jnetmap.sys.OffHeapBuffer;

import java.nio.charset.StandardCharsets;

import static io.jnetmap.rings.NetmapLayout.*;

/**
 * A {@code struct netmap_if}: the port's name, ring counts and {@code ring_ofs[]}, the offset of
 * each ring from this struct (0 for rings not bound to this port). Order of ring_ofs: NIC TX,
 * host TX, NIC RX, host RX. Read-only for applications.
 */
public final class NetmapIf {
    private final OffHeapBuffer nif;

    NetmapIf(OffHeapBuffer nif) { this.nif = nif; }

    static void format(OffHeapBuffer nif, String name, int txRings, int rxRings, int hostTx, int hostRx) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        nif.putBytes(IF_NAME, n, 0, Math.min(n.length, IFNAMSIZ - 1));
        nif.putInt(IF_TX_RINGS, txRings);
        nif.putInt(IF_RX_RINGS, rxRings);
        nif.putInt(IF_HOST_TX_RINGS, hostTx);
        nif.putInt(IF_HOST_RX_RINGS, hostRx);
    }

    public String name() {
        byte[] b = new byte[IFNAMSIZ];
        nif.getBytes(IF_NAME, b, 0, IFNAMSIZ);
        int n = 0;
        while (n < IFNAMSIZ && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    public int flags() { return nif.getInt(IF_FLAGS); }
    public int txRings() { return nif.getInt(IF_TX_RINGS); }
    public int rxRings() { return nif.getInt(IF_RX_RINGS); }
    public int hostTxRings() { return nif.getInt(IF_HOST_TX_RINGS); }
    public int hostRxRings() { return nif.getInt(IF_HOST_RX_RINGS); }
    public int bufsHead() { return nif.getInt(IF_BUFS_HEAD); }
    public void bufsHead(int idx) { nif.putInt(IF_BUFS_HEAD, idx); }

    /** ring_ofs[i]: offset of ring i from this netmap_if, 0 when not bound. */
    public long ringOfs(int i) { return nif.getLong(IF_RING_OFS + 8 * i); }
    void ringOfs(int i, long v) { nif.putLong(IF_RING_OFS + 8 * i, v); }

    /** Number of ring_ofs entries: all TX (NIC + host) and all RX rings. */
    public int ringOfsCount() { return txRings() + hostTxRings() + rxRings() + hostRxRings(); }

    /** Index in ring_ofs of RX ring {@code i} (NETMAP_RXRING). */
    public int rxRingOfsIndex(int i) { return i + txRings() + hostTxRings(); }

    public long address() { return nif.address(); }
}
