package io.jnetmap.ixgbe;

import io.jnetmap.nic.NicAdapter;
import io.jnetmap.nic.NicProvider;
import io.jnetmap.pci.PciAddress;
import io.jnetmap.pci.PciId;
import io.jnetmap.pci.SupportedDevices;
import io.jnetmap.rings.PortName;

/**
 * Makes {@code NetmapPort.open("netmap:0000:00:06.0")} (or an interface name nm-bind remembers,
 * {@code -K} for queue pair K alone, {@code @conf:rings=N,slots=M} on the first open) open an
 * 82599: registered in {@code META-INF/services/io.jnetmap.rings.AdapterProvider}. The device is
 * opened through VFIO or UIO as it is bound, reset on open and on close. Ports of one NIC in a
 * process share one adapter ({@link NicProvider}).
 */
public final class IxgbeProvider extends NicProvider {
    @Override
    protected SupportedDevices supported() { return IxgbeChip.SUPPORTED; }

    /** The supported backplane parts, and the other 82599/X540/X550 parts, which opening then refuses by name ({@link IxgbeChip#of}). */
    @Override
    protected boolean recognises(PciId id) {
        return super.recognises(id) || (id.vendor() == IxgbeChip.INTEL && IxgbeChip.OTHERS.containsKey(id.device()));
    }

    @Override
    protected NicAdapter create(PciAddress address, PortName name) {
        IxgbeConfig config = IxgbeConfig.from(name); // a bad option fails before the device is opened
        return IxgbeAdapter.open(openDevice(address), config);
    }
}
