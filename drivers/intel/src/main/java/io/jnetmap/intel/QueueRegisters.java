package io.jnetmap.intel;

import static io.jnetmap.intel.IntelRegs.*;

/**
 * Where one queue's ring registers are: data, so that chips which lay queues out differently
 * (igb's queues 4 and up at 0xC000/0xE000 + 0x40 n) share the ring code.
 */
public record QueueRegisters(int rdbal, int rdbah, int rdlen, int rdh, int rdt, int rxdctl,
                             int tdbal, int tdbah, int tdlen, int tdh, int tdt, int txdctl) {

    /** The classic layout: queue n's registers at queue 0's + n * 0x100 (e1000e queues 0-1, igb queues 0-3). */
    public static QueueRegisters classic(int n) {
        int o = n * QUEUE_STRIDE;
        return new QueueRegisters(RDBAL + o, RDBAH + o, RDLEN + o, RDH + o, RDT + o, RXDCTL + o,
                TDBAL + o, TDBAH + o, TDLEN + o, TDH + o, TDT + o, TXDCTL + o);
    }
}
