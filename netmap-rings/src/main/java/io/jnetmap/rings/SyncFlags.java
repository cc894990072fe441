package io.jnetmap.rings;

/** Flags a sync passes to a back-end, as netmap's NAF_* sync flags. */
public final class SyncFlags {
    private SyncFlags() { }
    /** rxsync: read the hardware even if no interrupt was seen (NIOCRXSYNC, poll). */
    public static final int FORCE_READ = 1;
    /** txsync: reclaim completed slots now rather than when the ring looks full (NIOCTXSYNC). */
    public static final int FORCE_RECLAIM = 2;
}
