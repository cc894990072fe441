package io.jnetmap.igb;

import io.jnetmap.intel.QueueRegisters;

/**
 * Where queue n's registers are on igb parts: the native layout, receive queues at
 * 0xC000 + 0x40 n and transmit queues at 0xE000 + 0x40 n for every n (82576 datasheet §8,
 * receive and transmit register descriptions; Intel's e1000_regs.h; the 0x2800/0x3800 block of the older parts is an alias of queues 0-3 only, so the native
 * layout is the one that reaches all 16). The shared ring code takes the {@link #rings()} part.
 */
record IgbQueueRegs(QueueRegisters rings, int srrctl, int rqdpc, int dvmolr, int tdwbal, int tdwbah) {
    static final int RX_BASE = 0xC000, TX_BASE = 0xE000, STRIDE = 0x40;

    static IgbQueueRegs of(int n) {
        int rx = RX_BASE + STRIDE * n, tx = TX_BASE + STRIDE * n;
        QueueRegisters r = QueueRegisters.at(rx, tx);
        return new IgbQueueRegs(r, rx + 0x0C, rx + 0x30, rx + 0x38, tx + 0x38, tx + 0x3C);
    }
}
