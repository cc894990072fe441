package io.jnetmap.hwtests.igb;

import io.jnetmap.hwtests.Binding;
import io.jnetmap.hwtests.MultiQueueLabChecks;
import io.jnetmap.igb.IgbAdapter;
import io.jnetmap.intel.RssConfig;
import io.jnetmap.rings.NetmapPort;

import java.util.Map;

/**
 * The multi-queue checklist on an igb NIC (82576) cabled to an 82574L run by Linux's e1000e.
 * Settings {@code JNETMAP_IGB_FRAMES}, {@code JNETMAP_IGB_RINGS}, ...; figures in {@code igb-lab.txt}.
 */
abstract class IgbLabChecks extends MultiQueueLabChecks<IgbAdapter> {
    /** 82576 datasheet §8: RX queues at 0xC000, TX at 0xE000, 0x40 apart. */
    static final Chip IGB = new Chip("igb", "e1000e", 0xC000, 0xE000, 0x40, "JNETMAP_IGB_", 20,
            "the lab has no 82576 cabled to an 82574L");

    IgbLabChecks(Binding.Kind kind, int nicIndex) {
        super(IGB, kind, nicIndex);
    }

    @Override protected int queues() { return adapter.queues(); }
    @Override protected RssConfig rss() { return adapter.rss(); }
    @Override protected boolean usesMsix() { return adapter.usesMsix(); }
    @Override protected String model() { return adapter.chip().model(); }
    @Override protected IgbAdapter adapterOf(NetmapPort port) { return (IgbAdapter) port.adapter(); }

    /** The 82576 counts each queue's good frames in PVFGPRC(q) (0x10010 + 0x100 q, not cleared on read). */
    @Override
    protected String chipQueueView(int q, Map<String, Long> s0, Map<String, Long> s1, long delivered) {
        return "PVFGPRC " + adapter.registers().read32(0x10010 + 0x100 * q);
    }
}
