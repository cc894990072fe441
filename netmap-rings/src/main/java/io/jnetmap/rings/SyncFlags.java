package io.jnetmap.rings;

/** Flags a sync passes to a back-end, as netmap's NAF_* sync flags. */
public final class SyncFlags {
    private SyncFlags() { }
    /** rxsync: read the hardware even if no interrupt was seen (NIOCRXSYNC, poll). */
    public static final int FORCE_READ = 1;
    /** txsync: reclaim completed slots now rather than when the ring looks full (NIOCTXSYNC). */
    public static final int FORCE_RECLAIM = 2;
    /**
     * rxsync of the host RX ring: the port syncing it binds every NIC TX ring, so NS_FORWARD slots
     * may be moved into them (netmap's NAF_CAN_FORWARD_DOWN); without it they are only released.
     */
    public static final int CAN_FORWARD_DOWN = 4;
}
