package io.jnetmap.intel;

/**
 * Where one queue's ring registers are: data, so that chips which lay queues out differently
 * share the ring code (the 1G parts' classic block at 0x2800/0x3800 + 0x100 n, igb's queues at
 * 0xC000/0xE000 + 0x40 n, the 82599's at 0x1000/0x6000 + 0x40 n).
 */
public record QueueRegisters(int rdbal, int rdbah, int rdlen, int rdh, int rdt, int rxdctl,
                             int tdbal, int tdbah, int tdlen, int tdh, int tdt, int txdctl) {

    /**
     * A queue whose RX block starts at {@code rx} (RDBAL) and TX block at {@code tx} (TDBAL): within
     * a block every Intel part places BAL, BAH, LEN, H, T and DCTL at +0, +4, +8, +0x10, +0x18, +0x28
     * (82574L datasheet §10.2, 82576 §8.10/§8.12, 82599 §8.2.3.8/§8.2.3.9).
     */
    public static QueueRegisters at(int rx, int tx) {
        return new QueueRegisters(rx, rx + 0x04, rx + 0x08, rx + 0x10, rx + 0x18, rx + 0x28,
                tx, tx + 0x04, tx + 0x08, tx + 0x10, tx + 0x18, tx + 0x28);
    }
}
