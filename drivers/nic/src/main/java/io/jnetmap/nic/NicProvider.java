package io.jnetmap.nic;

import io.jnetmap.pci.HostPaths;
import io.jnetmap.pci.OpenOptions;
import io.jnetmap.pci.PciAddress;
import io.jnetmap.pci.PciId;
import io.jnetmap.pci.PciException;
import io.jnetmap.pci.SupportedDevices;
import io.jnetmap.pci.SysfsPciFunction;
import io.jnetmap.rings.AdapterProvider;
import io.jnetmap.rings.NetmapAdapter;
import io.jnetmap.rings.PortName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The {@link AdapterProvider} of a NIC driver: a port name's device part (a PCI address such as
 * {@code 0000:00:04.0}, or an interface name, also one nm-bind remembers after binding) is resolved
 * to a PCI function, and the provider whose ID table lists the function opens it. All ports of one
 * NIC in this process share one adapter, whichever driver's provider made it; the adapter is
 * forgotten when its last port closes.
 *
 * <p>A driver module subclasses this and registers the subclass in
 * {@code META-INF/services/io.jnetmap.rings.AdapterProvider}.
 */
public abstract class NicProvider implements AdapterProvider {
    private static final Logger LOG = LoggerFactory.getLogger(NicProvider.class);

    /** Open NIC adapters of this process, by PCI address (ServiceLoader makes new provider objects each time). */
    private static final Map<PciAddress, NetmapAdapter> OPEN = new HashMap<>();

    /** The driver's ID table. */
    protected abstract SupportedDevices supported();

    /**
     * Whether opening a port on a device with ID {@code id} is this driver's business: the IDs it
     * supports, and any it knows only to refuse with a clear reason (then {@link #create} throws it).
     */
    protected boolean recognises(PciId id) { return supported().model(id).isPresent(); }

    /** Opens and initialises the NIC at {@code address} for the first port {@code name}. */
    protected abstract NicAdapter create(PciAddress address, PortName name);

    /** The paths to sysfs and nm-bind's state (tests point them at a fake tree). */
    protected HostPaths paths() { return HostPaths.system(); }

    /**
     * The PCI function at {@code address}, opened through VFIO or UIO as it is bound
     * ({@link OpenOptions#defaults()}: system property jnetmap.pci.access forces one), for {@link #create}.
     */
    protected final NicDevice openDevice(PciAddress address) {
        return PciNicDevice.open(address, OpenOptions.defaults().paths(paths()));
    }

    @Override
    public boolean handles(PortName name) {
        if (name.isPipe()) return false;
        Optional<PciAddress> a = resolve(name.name());
        if (a.isEmpty()) return false;
        SysfsPciFunction fn = new SysfsPciFunction(a.get(), paths());
        if (!fn.exists()) return false;
        try {
            return recognises(fn.id());
        } catch (RuntimeException e) {
            LOG.debug("{}: cannot read the PCI ID of {}: {}", supported().driver(), a.get(), e.toString());
            return false;
        }
    }

    private Optional<PciAddress> resolve(String device) {
        try {
            return Optional.of(PciAddress.resolve(device, paths()));
        } catch (PciException e) {
            return Optional.empty();
        }
    }

    @Override
    public NetmapAdapter adapter(PortName name) {
        PciAddress a = PciAddress.resolve(name.name(), paths());
        synchronized (OPEN) {
            NetmapAdapter open = OPEN.get(a);
            if (open != null) return open;
            NicAdapter created = create(a, name);
            created.onDestroy(() -> {
                synchronized (OPEN) {
                    OPEN.remove(a, created);
                }
            });
            OPEN.put(a, created);
            return created;
        }
    }

    /** The adapter open for {@code address} in this process, if any. */
    public static Optional<NetmapAdapter> openAdapter(PciAddress address) {
        synchronized (OPEN) {
            return Optional.ofNullable(OPEN.get(address));
        }
    }

    @Override
    public String describe() {
        return supported().driver() + " (" + supported().models().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).sorted().collect(Collectors.joining(", ")) + ")";
    }
}
