package io.jnetmap.bench;

import io.jnetmap.pci.PciId;
import io.jnetmap.sys.OffHeapBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.jnetmap.r8169.RtlRegs.*;

/**
 * An RTL8168h reduced to what the r8169 driver's data path talks to, for benchmarks: a 4 KiB
 * register file in BAR2 with 8-, 16- and 32-bit accesses, DMA at identity addresses over real
 * memory, and a wire that is never idle. It allocates nothing after the rings are programmed.
 *
 * <ul>
 * <li>TX: a TxPoll write makes the chip "send" every descriptor it owns from where it stopped,
 *     clearing OWN (a release store, as the chip's write-back) and following EOR.</li>
 * <li>RX: the chip has no tail register, so a refill is only descriptor memory; {@link #receive}
 *     is the chip's receive engine, called by the benchmark before each rxsync: it fills every
 *     descriptor it owns with a {@link #FRAME_LENGTH}-byte frame (plus FCS), FS|LS, OWN cleared
 *     last. Payload bytes are not written (the device's DMA, not CPU work).</li>
 * <li>Control path: the XID of an RTL8168h in TxConfig, CmdReset self-clearing, the indirect
 *     windows (ERI, EPHY, MAC OCP, GPHY_OCP) completing at once, link up at 1000 Mb/s, the MCU
 *     ready, the tally dump completing (the block is left as it is). No interrupts.</li>
 * </ul>
 * Register accesses are heap-buffer accesses: an uncached MMIO write costs far more on a real
 * bus, so throughput is what the driver costs the CPU, an upper bound for a real NIC.
 */
final class RealtekNicStandIn extends NicStandIn {
    static final int BAR_SIZE = 4096;
    static final int FRAME_LENGTH = 60;

    private final byte[] mac;
    private final ByteBuffer reg = ByteBuffer.allocate(BAR_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private OffHeapBuffer txView, rxView;
    private long txViewBase, rxViewBase;
    private int txIndex, rxIndex;
    private boolean txOn, rxOn;
    private long framesSent, framesReceived, txPolls;

    RealtekNicStandIn(String address, byte[] mac) {
        super(address, new PciId(0x10ec, 0x8168), "RTL8168h stand-in", 2, BAR_SIZE);
        this.mac = mac.clone();
        powerOn();
    }

    long framesSent() { return framesSent; }
    long framesReceived() { return framesReceived; }
    long txPolls() { return txPolls; }

    @Override
    void powerOn() {
        for (int i = 0; i < BAR_SIZE; i += 8) reg.putLong(i, 0);
        for (int i = 0; i < 6; i++) reg.put(MAC0 + i, mac[i]);
        reg.putInt(TX_CONFIG, 0x541 << 20); // RTL8168h
        txOn = rxOn = false;
        txIndex = rxIndex = 0;
        txView = rxView = null;
    }

    // ------------------------------------------------------------------ registers

    @Override
    public int read32(int offset) {
        int v = reg.getInt(offset);
        return offset == TX_CONFIG ? v | TXCFG_EMPTY : v;
    }

    @Override
    public void write32(int offset, int value) {
        switch (offset) {
            case ERIAR, EPHYAR, GPHY_OCP, PHYAR -> // complete at once: a write clears the flag, a read sets it
                    reg.putInt(offset, (value & ACCESS_FLAG) != 0 ? value & ~ACCESS_FLAG & ~0xffff : value | ACCESS_FLAG);
            case OCPDR -> reg.putInt(offset, 0);
            case COUNTER_ADDR_LOW -> reg.putInt(offset, value & ~COUNTER_DUMP);
            case TX_CONFIG -> reg.putInt(offset, (reg.getInt(offset) & 0xfff0_0000) | (value & 0x000f_ffff));
            default -> reg.putInt(offset, value);
        }
    }

    @Override public int read16(int offset) { return reg.getShort(offset) & 0xffff; }
    @Override public void write16(int offset, int value) { reg.putShort(offset, (short) value); }

    @Override
    public int read8(int offset) {
        return switch (offset) {
            case PHY_STATUS -> PHY_LINK | PHY_1000MF | PHY_FULL_DUP;
            case MCU -> MCU_RX_EMPTY | MCU_TX_EMPTY | MCU_LINK_LIST_RDY;
            default -> reg.get(offset) & 0xff;
        };
    }

    @Override
    public void write8(int offset, int value) {
        switch (offset) {
            case CHIP_CMD -> {
                if ((value & CMD_RESET) != 0) {
                    powerOn();
                    return;
                }
                boolean tx = (value & CMD_TX_ENB) != 0, rx = (value & CMD_RX_ENB) != 0;
                if (tx && !txOn) txIndex = 0;
                if (rx && !rxOn) rxIndex = 0;
                txOn = tx;
                rxOn = rx;
                reg.put(offset, (byte) (value & ~CMD_STOP_REQ));
            }
            case TX_POLL -> {
                txPolls++;
                transmit();
            }
            default -> reg.put(offset, (byte) value);
        }
    }

    private long base(int low, int high) { return (reg.getInt(low) & 0xffff_ffffL) | ((long) reg.getInt(high) << 32); }

    /** Sends every owned TX descriptor from where the chip stopped. */
    private void transmit() {
        if (!txOn) return;
        long b = base(TX_DESC_START_LOW, TX_DESC_START_HIGH);
        if (txView == null || txViewBase != b) {
            txView = view(b);
            txViewBase = b;
        }
        OffHeapBuffer d = txView;
        long sent = framesSent;
        int i = txIndex;
        while (true) {
            int off = i << 4;
            int opts = d.getIntAcquire(off);
            if ((opts & DESC_OWN) == 0) break;
            if ((opts & DESC_LS) != 0) sent++;
            d.putIntRelease(off, opts & ~DESC_OWN);
            i = (opts & DESC_EOR) != 0 ? 0 : i + 1;
        }
        txIndex = i;
        framesSent = sent;
    }

    /** The receive engine: fills every owned RX descriptor from where the chip stopped. */
    void receive() {
        if (!rxOn) return;
        long b = base(RX_DESC_ADDR_LOW, RX_DESC_ADDR_HIGH);
        if (rxView == null || rxViewBase != b) {
            rxView = view(b);
            rxViewBase = b;
        }
        OffHeapBuffer d = rxView;
        long got = framesReceived;
        int i = rxIndex;
        while (true) {
            int off = i << 4;
            int opts = d.getIntAcquire(off);
            if ((opts & DESC_OWN) == 0) break;
            d.putIntRelease(off, (opts & DESC_EOR) | DESC_FS | DESC_LS | (FRAME_LENGTH + FCS_LEN));
            got++;
            i = (opts & DESC_EOR) != 0 ? 0 : i + 1;
        }
        rxIndex = i;
        framesReceived = got;
    }

    /** The CPU's view of a descriptor ring the driver programmed: no length register (EOR ends it), so to the end of its DMA memory. */
    private OffHeapBuffer view(long iova) {
        return dma.viewToEnd(iova, "descriptor ring");
    }
}
