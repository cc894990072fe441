package io.jnetmap.rings;

import io.jnetmap.sys.OffHeapBuffer;

/**
 * VALE's default lookup (netmap_vale_learning): frames shorter than an Ethernet header are
 * dropped; a unicast source MAC is learned for the source port; a unicast destination MAC found
 * in the table goes to its port, anything else (broadcast, multicast, unknown) is flooded.
 * The table is the switch's, in shared memory (1024 entries, no ageing, a colliding address
 * overwrites, as in netmap; the hash is a multiplicative one, not netmap's Jenkins mix), so a MAC
 * learned from a sender in one process steers frames sent from any other.
 */
public final class LearningBridge implements ValeLookup {
    private static final int ETH_HLEN = 14;
    private final ValeSwitch sw;

    public LearningBridge(ValeSwitch sw, String args) {
        if (args != null && !args.isEmpty())
            throw new IllegalArgumentException("the learning bridge takes no arguments, got '" + args + "'");
        this.sw = sw;
    }

    @Override
    public int lookup(OffHeapBuffer b, int off, int len, int src) {
        if (len < ETH_HLEN) return DROP;
        long dst = mac(b, off), smac = mac(b, off + 6);
        if ((smac & 1) == 0) sw.learn(smac, src);
        if ((dst & 1) != 0) return BROADCAST; // group bit: broadcast and multicast
        int p = sw.learnedPort(dst);
        return p < 0 ? BROADCAST : p;
    }

    /** A MAC address as a 48-bit number, first byte lowest (so bit 0 is the group bit). */
    static long mac(OffHeapBuffer b, int off) {
        return (b.getInt(off) & 0xffffffffL) | ((b.getShort(off + 4) & 0xffffL) << 32);
    }
}
