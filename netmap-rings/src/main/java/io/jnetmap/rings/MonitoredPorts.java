package io.jnetmap.rings;

import java.util.ArrayList;
import java.util.List;

/**
 * The ports jnetmap processes have open on this machine, as monitor ports can watch them: every
 * bound port publishes a monitor region in /dev/shm ({@code jnetmap.mon.<port>.<pid>.<n>}, see
 * {@link MonitorControl}); this lists the ones whose owner is alive and still has the port open,
 * and removes the files crashed owners left behind. What tcpdump-like tools (nm-capture, the
 * Wireshark extcap interface) offer as interfaces.
 */
public final class MonitoredPorts {
    private MonitoredPorts() { }

    /**
     * A port some process owns.
     *
     * @param name the adapter's name (a PCI address, or NAME{ID / NAME}ID for a pipe end)
     * @param alias the name the owner first opened it by (e.g. an interface name nm-bind remembers)
     * @param ownerPid the owning process
     * @param txRings NIC TX rings, and so on: the owner's ring counts
     * @param monitors monitors attached now
     * @param regionName the monitor region (internal)
     */
    public record Port(String name, String alias, int ownerPid, int txRings, int rxRings, int hostTxRings, int hostRxRings,
                       int monitors, String regionName) {
        /** The name to give a monitor of both directions of this port, e.g. {@code netmap:0000:03:00.0/rt}. */
        public String monitorSpec() { return PortName.PREFIX + name + "/rt"; }
    }

    /** Every port open in a live jnetmap process, sorted by name. */
    public static List<Port> list() {
        List<Port> ports = new ArrayList<>();
        for (String region : MonitorControl.regionNames(RegionConfig.SHM)) {
            Port p = read(region);
            if (p != null) ports.add(p);
        }
        ports.sort((a, b) -> a.name().compareTo(b.name()));
        return ports;
    }

    /** The open port called {@code key} (its adapter name, or the name its owner opened it by). */
    static Port find(String key) {
        List<Port> all = list();
        // a NIC or pipe end has one owner on a machine; test doubles of NICs (same address in
        // several test processes) may have more: this process's own port first
        long self = ProcessHandle.current().pid();
        for (Port p : all) if (p.name().equals(key) && p.ownerPid() == self) return p;
        for (Port p : all) if (p.name().equals(key)) return p;
        for (Port p : all) if (p.alias().equals(key) && p.ownerPid() == self) return p;
        for (Port p : all) if (p.alias().equals(key)) return p;
        StringBuilder open = new StringBuilder();
        for (Port p : all) open.append(open.length() == 0 ? "" : ", ").append(p.name());
        throw new IllegalArgumentException("no jnetmap process has port '" + key + "' open, so there is nothing to monitor:"
                + " a monitor (/r, /t, /rt) watches a port that another binding, usually another process, drives."
                + (all.isEmpty() ? " No jnetmap port is open now." : " Open now: " + open + "."));
    }

    private static Port read(String regionName) {
        MemoryRegion r;
        try {
            r = MemoryRegion.attach(regionName, RegionConfig.defaults());
        } catch (RuntimeException e) {
            return null; // vanished, or not ours
        }
        try {
            MonitorControl c = new MonitorControl(r);
            if (!c.valid() || !c.open()) return null; // closing this mapping removes a dead owner's file
            return new Port(c.name(), c.alias(), c.ownerPid(), c.numTx(), c.numRx(), c.numHostTx(), c.numHostRx(), c.monitors(),
                    regionName);
        } finally {
            r.close();
        }
    }
}
