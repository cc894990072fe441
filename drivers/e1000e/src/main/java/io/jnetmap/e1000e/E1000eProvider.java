package io.jnetmap.e1000e;

import io.jnetmap.nic.NicAdapter;
import io.jnetmap.nic.NicProvider;
import io.jnetmap.pci.OpenOptions;
import io.jnetmap.pci.PciAddress;
import io.jnetmap.pci.SupportedDevices;
import io.jnetmap.rings.PortName;

/**
 * Makes {@code NetmapPort.open("netmap:0000:00:04.0")} (or an interface name nm-bind remembers)
 * open an e1000e NIC: registered in {@code META-INF/services/io.jnetmap.rings.AdapterProvider}.
 * The device is opened through VFIO or UIO as it is bound ({@link OpenOptions#defaults()}:
 * system property jnetmap.pci.access forces one), reset on open and on close.
 */
public final class E1000eProvider extends NicProvider {
    @Override
    protected SupportedDevices supported() { return E1000eChip.SUPPORTED; }

    @Override
    protected NicAdapter create(PciAddress address, PortName name) {
        E1000eConfig config = E1000eConfig.from(name); // a bad option fails before the device is opened
        return E1000eAdapter.open(openDevice(address), config);
    }
}
