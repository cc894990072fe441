package io.jnetmap.rings;

/**
 * Finds the adapter behind a port name: NIC drivers register one through
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.jnetmap.rings.AdapterProvider}).
 * A provider shares one adapter among all ports of the same device in this process, as netmap
 * shares one adapter among all file descriptors bound to an interface.
 */
public interface AdapterProvider {
    /** Whether this provider owns the device called {@code name.name()}. */
    boolean handles(PortName name);

    /**
     * The adapter for {@code name}, created on first use. It must stay usable until every port
     * bound to it has closed (then {@link NetmapAdapter#destroy} runs and the provider forgets it).
     */
    NetmapAdapter adapter(PortName name);

    /** Shown when no provider handles a name: what this provider would accept. */
    default String describe() { return getClass().getSimpleName(); }
}
