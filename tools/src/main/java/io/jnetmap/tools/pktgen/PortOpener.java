package io.jnetmap.tools.pktgen;

import io.jnetmap.rings.NetmapPort;

/** Opens a port by netmap name; {@link NetmapPort#open(String)} unless a test supplies its own. */
@FunctionalInterface
public interface PortOpener {
    PortOpener NETMAP = NetmapPort::open;

    NetmapPort open(String name);
}
