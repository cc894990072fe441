package io.jnetmap.rings;

import io.jnetmap.sys.Libc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The owner's side of monitoring: while a port is bound, its adapter is published in a monitor
 * region ({@link MonitorControl}) and each of its krings gets a {@link MonitorTap}. Until a monitor
 * attaches, a sync pays one read of its kring's monitor mask. At the last unbind the region is
 * marked closed and the monitors are woken: they drain what they have and see end-of-stream.
 */
final class MonitorHub {
    private static final Logger LOG = LoggerFactory.getLogger(MonitorHub.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final NetmapAdapter adapter;
    private final MonitorControl control;

    private MonitorHub(NetmapAdapter adapter, MonitorControl control) {
        this.adapter = adapter;
        this.control = control;
    }

    /** Publishes {@code a} (first bound as {@code first}); null, with a log line, when monitors cannot be offered. */
    static MonitorHub publish(NetmapAdapter a, PortName first) {
        int tx = a.totalTxKrings(), rx = a.totalRxKrings();
        int nic = Math.max(a.numTxRings(), a.numRxRings()), host = Math.max(a.numHostTxRings(), a.numHostRxRings());
        if (tx > MonitorControl.MAX_RINGS || rx > MonitorControl.MAX_RINGS || nic + host > MonitorControl.MAX_RINGS) {
            LOG.info("{}: more than {} rings; monitor ports are not offered for it", a.name(), MonitorControl.MAX_RINGS);
            return null;
        }
        if (nic + host == 0) return null;
        int slots = 2;
        for (int i = 0; i < tx; i++) slots = Math.max(slots, a.txKring(i).numSlots());
        for (int i = 0; i < rx; i++) slots = Math.max(slots, a.rxKring(i).numSlots());
        slots = Math.min(slots, MonitorControl.MAX_SLOTS);
        int rings = MonitorControl.MAX_MONITORS * (nic + host);
        int pid = Libc.getpid();
        String name = MonitorControl.regionPrefix(a.name()) + pid + "." + SEQUENCE.incrementAndGet();
        try {
            // sparse on tmpfs: only the rings and buffers of attached monitors take memory
            RegionConfig cfg = new RegionConfig(a.region().bufSize(), NetmapLayout.FIRST_BUFFER + rings * slots, slots,
                    rings + 1, MonitorControl.MAX_MONITORS + 1, RegionConfig.SHM);
            MemoryRegion region = MemoryRegion.attach(name, cfg);
            MonitorControl c = new MonitorControl(region);
            c.format(pid, a, first.adapterKey(), slots);
            MonitorHub hub = new MonitorHub(a, c);
            for (int i = 0; i < tx; i++) a.txKring(i).tap(new MonitorTap(c, a.txKring(i), true, i));
            for (int i = 0; i < rx; i++) a.rxKring(i).tap(new MonitorTap(c, a.rxKring(i), false, i));
            LOG.debug("{}: monitor ports offered through region {}", a.name(), name);
            return hub;
        } catch (RuntimeException e) {
            LOG.warn("{}: monitor ports are not offered ({})", a.name(), e.getMessage());
            return null;
        }
    }

    /** The last binding left: monitors see end-of-stream once they have read what they hold. */
    void close() {
        for (int i = 0; i < adapter.totalTxKrings(); i++) adapter.txKring(i).tap(null);
        for (int i = 0; i < adapter.totalRxKrings(); i++) adapter.rxKring(i).tap(null);
        control.markClosed();
        for (int m = 0; m < MonitorControl.MAX_MONITORS; m++) MonitorTap.wake(control, control.entry(m));
        control.region.close();
    }
}
