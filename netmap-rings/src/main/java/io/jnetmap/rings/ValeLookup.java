package io.jnetmap.rings;

import io.jnetmap.sys.OffHeapBuffer;

/**
 * A VALE switch's forwarding decision (netmap's {@code bdg_ops.lookup}, mSwitch's idea): given a
 * frame and the port it came from, the destination port, {@link #BROADCAST} or {@link #DROP}.
 * The default is {@link LearningBridge}; {@link UdpPortLookup} is a second example.
 *
 * <p>A switch records its lookup as a spec, {@code CLASS[:ARGS]} ({@link ValeSwitch#setLookup}),
 * and every process that sends into the switch makes its own instance from it, through a public
 * constructor {@code (ValeSwitch, String args)}: the class must be on each sender's class path.
 * Each sending port has its own instance, called by one thread at a time, on the data path: it
 * must not allocate or block. It sees the first fragment of each frame only.
 */
public interface ValeLookup {
    /** Send to every port but the source (netmap's NM_BDG_BROADCAST). */
    int BROADCAST = 254;
    /** Drop the frame (netmap's NM_BDG_NOPORT). */
    int DROP = 255;

    /**
     * @param buffers the region's buffer pool
     * @param offset where the frame's first fragment starts in {@code buffers}
     * @param length that fragment's length
     * @param sourcePort the index of the port the frame came from
     * @return a port index ({@link ValeSwitch#portIndex}), {@link #BROADCAST} or {@link #DROP};
     *         the source port itself, or a port that is gone, means drop and flood respectively
     */
    int lookup(OffHeapBuffer buffers, int offset, int length, int sourcePort);

    /** Ports came or went: a lookup that caches port indices refreshes them here (off the data path). */
    default void portsChanged() { }
}
