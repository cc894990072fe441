package io.jnetmap.r8169;

import io.jnetmap.nic.NicAdapter;
import io.jnetmap.nic.NicProvider;
import io.jnetmap.pci.PciAddress;
import io.jnetmap.pci.SupportedDevices;
import io.jnetmap.rings.PortName;

/**
 * Makes {@code NetmapPort.open("netmap:0000:03:00.0")} (or an interface name nm-bind remembers)
 * open a Realtek RTL8169/8168 NIC: registered in {@code META-INF/services/io.jnetmap.rings.AdapterProvider}.
 * The chip version is checked (XID) before anything is configured.
 */
public final class R8169Provider extends NicProvider {
    @Override
    protected SupportedDevices supported() { return R8169Chip.SUPPORTED; }

    @Override
    protected NicAdapter create(PciAddress address, PortName name) {
        R8169Config config = R8169Config.from(name);
        return R8169Adapter.open(openDevice(address), config);
    }
}
