package io.jnetmap.intel;

import io.jnetmap.sys.OffHeapBuffer;

/**
 * Intel's legacy transmit descriptor (82574L datasheet §7.2.2.1; the same on every e1000 part):
 * <pre>
 * bytes 0-7   buffer address
 * bytes 8-9   length          byte 10 CSO     byte 11 CMD (EOP 0x01, IFCS 0x02, RS 0x08)
 * byte  12    STA (DD 0x01)   byte 13 CSS     bytes 14-15 special (VLAN)
 * </pre>
 * Every descriptor asks the MAC to append the Ethernet CRC (IFCS); no checksum offload.
 */
public final class LegacyTxFormat implements TxDescriptorFormat {
    public static final LegacyTxFormat INSTANCE = new LegacyTxFormat();

    public static final int CMD_EOP = 0x01, CMD_IFCS = 0x02, CMD_IC = 0x04, CMD_RS = 0x08, CMD_DEXT = 0x20,
            CMD_VLE = 0x40, CMD_IDE = 0x80;
    public static final int STA_DD = 0x01;

    private LegacyTxFormat() { }

    @Override
    public void write(OffHeapBuffer ring, int off, long iova, int len, boolean first, boolean eop, boolean rs, int packetLen) {
        int cmd = CMD_IFCS | (eop ? CMD_EOP : 0) | (rs ? CMD_RS : 0);
        ring.putLong(off, iova);
        // length, CSO, CMD and (high half, zero) STA, CSS, special in one store: DD cleared, so a
        // stale completion is never seen again
        ring.putLong(off + 8, ((len & 0xffff) | (cmd << 24)) & 0xffff_ffffL);
    }

    @Override
    public void requestReport(OffHeapBuffer ring, int off) {
        ring.putInt(off + 8, ring.getInt(off + 8) | CMD_RS << 24);
    }

    @Override
    public boolean done(OffHeapBuffer ring, int off) {
        return (ring.getIntAcquire(off + 12) & STA_DD) != 0;
    }
}
