package io.jnetmap.igb;

import io.jnetmap.nic.NicAdapter;
import io.jnetmap.nic.NicProvider;
import io.jnetmap.pci.OpenOptions;
import io.jnetmap.pci.PciAddress;
import io.jnetmap.pci.PciId;
import io.jnetmap.pci.SupportedDevices;
import io.jnetmap.rings.PortName;

/**
 * Makes {@code NetmapPort.open("netmap:0000:00:05.0")} (or an interface name nm-bind remembers,
 * {@code -K} for queue pair K alone, {@code @conf:rings=N,slots=M} on the first open) open an igb
 * NIC: registered in {@code META-INF/services/io.jnetmap.rings.AdapterProvider}. The device is
 * opened through VFIO or UIO as it is bound ({@link OpenOptions#defaults()}: system property
 * jnetmap.pci.access forces one), reset on open and on close. Ports of one NIC in a process share
 * one adapter ({@link NicProvider}).
 */
public final class IgbProvider extends NicProvider {
    @Override
    protected SupportedDevices supported() { return IgbChip.SUPPORTED; }

    /** The supported copper parts, and the SerDes/fiber/SGMII ones, which opening then refuses by name ({@link IgbChip#of}). */
    @Override
    protected boolean recognises(PciId id) {
        return super.recognises(id) || (id.vendor() == IgbChip.INTEL && IgbChip.OTHER_MEDIA.containsKey(id.device()));
    }

    @Override
    protected NicAdapter create(PciAddress address, PortName name) {
        IgbConfig config = IgbConfig.from(name); // a bad option fails before the device is opened
        return IgbAdapter.open(openDevice(address), config);
    }
}
