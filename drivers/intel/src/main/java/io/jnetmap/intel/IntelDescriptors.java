package io.jnetmap.intel;

/**
 * What every Intel descriptor format here shares (legacy and extended on e1000e, advanced on igb and
 * the 82599): 16 bytes, and in the receive write-back the status word at byte 8 with DD in bit 0 and
 * EOP in bit 1, the length at byte 12; in the transmit write-back DD in bit 0 of byte 12.
 */
public final class IntelDescriptors {
    private IntelDescriptors() { }

    /** Bytes per descriptor, receive and transmit, every format. */
    public static final int SIZE = 16;
    /** Receive write-back status bits (e1000_defines.h E1000_RXD_STAT_DD/EOP; ixgbe_type.h IXGBE_RXD_STAT_*). */
    public static final int RXD_STAT_DD = 1, RXD_STAT_EOP = 1 << 1;
    /** Transmit write-back: DD in the status byte (E1000_TXD_STAT_DD; IXGBE_TXD_STAT_DD). */
    public static final int TXD_STAT_DD = 1;
}
