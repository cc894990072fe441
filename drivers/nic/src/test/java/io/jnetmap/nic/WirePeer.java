package io.jnetmap.nic;

/**
 * A chip model seen from the far end of its cable, for {@link DriverRingModel}: what the chip put
 * on the wire, frames arriving from the wire, the link, and the chip's view of queue 0's rings.
 * Each driver's property implements it over its own model.
 */
public interface WirePeer {
    /** The chip works through its transmit queue (as it does after a tail write): sends what it holds. */
    void transmit();

    /** Frames the chip has put on the wire so far. */
    int wireFrames();

    /** The {@code i}th frame on the wire, without CRC. */
    byte[] wireFrame(int i);

    /** A frame (without CRC) arrives from the wire; the chip writes it into RX queue 0 if it can. */
    void offer(byte[] frame);

    /** Plugs or pulls the cable. */
    void link(boolean up);

    /** TX queue 0 as the chip sees it. */
    ChipRing txRing();

    /** RX queue 0 as the chip sees it. */
    ChipRing rxRing();
}
