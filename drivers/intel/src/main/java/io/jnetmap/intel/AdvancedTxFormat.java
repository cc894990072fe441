package io.jnetmap.intel;

import io.jnetmap.sys.OffHeapBuffer;

/**
 * The advanced transmit data descriptor of igb and ixgbe (82576 datasheet §7.2.2.3, 82599
 * datasheet §7.2.3.2.4: the same layout and bits; QEMU's 82576 model implements only this format):
 * <pre>
 * read:       bytes 0-7 buffer address | bytes 8-11 cmd_type_len | bytes 12-15 olinfo_status
 * write-back: bytes 0-11 reserved      |                            bytes 12-15 status (DD = bit 0)
 * cmd_type_len: length 15:0, DTYP 23:20 = 0011 (data), DCMD: EOP 24, IFCS 25, RS 27, DEXT 29
 * olinfo_status: PAYLEN 31:14 (the whole packet's length, in its first descriptor)
 * </pre>
 * Every descriptor asks for the Ethernet CRC (IFCS); no checksum offload, no context descriptor.
 * Writing olinfo_status clears the DD bit a previous use of the slot left.
 */
public final class AdvancedTxFormat implements TxDescriptorFormat {
    public static final AdvancedTxFormat INSTANCE = new AdvancedTxFormat();

    public static final int DTYP_DATA = 0x0030_0000, DCMD_EOP = 1 << 24, DCMD_IFCS = 1 << 25, DCMD_RS = 1 << 27,
            DCMD_DEXT = 1 << 29, PAYLEN_SHIFT = 14, STA_DD = 1;

    private AdvancedTxFormat() { }

    @Override
    public void write(OffHeapBuffer ring, int off, long iova, int len, boolean first, boolean eop, boolean rs, int packetLen) {
        ring.putLong(off, iova);
        int cmdTypeLen = (len & 0xffff) | DTYP_DATA | DCMD_DEXT | DCMD_IFCS | (eop ? DCMD_EOP : 0) | (rs ? DCMD_RS : 0);
        long olinfo = first ? packetLen << PAYLEN_SHIFT : 0; // status (DD) cleared, PAYLEN on a packet's first
        ring.putLong(off + 8, (cmdTypeLen & 0xffff_ffffL) | olinfo << 32); // both words in one store
    }

    @Override
    public void requestReport(OffHeapBuffer ring, int off) {
        ring.putInt(off + 8, ring.getInt(off + 8) | DCMD_RS);
    }

    @Override
    public boolean done(OffHeapBuffer ring, int off) {
        return (ring.getIntAcquire(off + 12) & STA_DD) != 0;
    }

    @Override
    public boolean needsPacketLength() { return true; }
}
