package io.jnetmap.igb;

import io.jnetmap.intel.gigabit.GigabitStats;
import io.jnetmap.nic.Counters;
import io.jnetmap.nic.Counters.Counter;

import java.util.ArrayList;
import java.util.List;

/**
 * igb's statistics: the gigabit family's block ({@link GigabitStats#COMMON}: same offsets, clear on
 * read, 82576 datasheet §8.19) plus, per RX queue in use, RQDPC, the frames the queue dropped for
 * lack of descriptors (SRRCTL.DROP_EN; clear on read).
 *
 * <p>Per-queue good-packet counters are not in the table: on the 82576 the registers at
 * 0x10010 + 0x100 n count per VMDq pool (PVFGPRC, read-only and wrapping, only with VMDq on), so
 * the per-ring packet counts the adapter reports come from its rings.
 */
final class IgbStats {
    private IgbStats() { }

    static Counters newCounters(int queues) {
        List<Counter> t = new ArrayList<>(GigabitStats.COMMON);
        for (int q = 0; q < queues; q++) t.add(Counter.of32("rx_queue_" + q + "_drops", IgbQueueRegs.of(q).rqdpc()));
        return new Counters(t);
    }
}
