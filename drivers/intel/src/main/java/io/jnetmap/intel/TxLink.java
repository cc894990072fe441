package io.jnetmap.intel;

/**
 * What a TX ring needs to know of the port's link, and the one chip action it may ask for. A real
 * Intel MAC stops transmit DMA while the link is down: descriptors queued then never complete,
 * and they leave after the cable comes back, stale (Linux's e1000e and igb watchdogs reset the
 * controller when the link drops with TX work pending, and stop the queue while the carrier is off).
 * The adapter counts link losses; a ring that sees the count change drops what it had queued
 * ({@link IntelTxRing}), and while the link is down it drops what the application hands it.
 */
public interface TxLink {
    /** The link as last seen (volatile: the link-change interrupt, a STATUS read or the watchdog set it). */
    boolean carrier();

    /** Link losses seen so far (volatile); a ring that saw fewer has stale work queued. */
    int losses();

    /**
     * Takes queue {@code q}'s descriptors away from the chip: its head and tail both at
     * {@code start}, so the chip owns none and sends nothing stale when the link comes back.
     * Control path (a link loss); serialized with the adapter's own resets of the queue.
     */
    void restartQueue(int q, int start);
}
