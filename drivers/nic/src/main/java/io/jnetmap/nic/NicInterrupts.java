package io.jnetmap.nic;

/**
 * The interrupt vectors a NIC was given, each a file descriptor that poll(2) reports readable
 * when the vector fired. Vector i is MSI-X table entry i; with MSI or INTx there is one vector and
 * every cause shares it.
 */
public interface NicInterrupts extends AutoCloseable {
    /** "MSIX", "MSI" or "INTX" (what {@link io.jnetmap.pci.InterruptMode} calls them). */
    String mode();

    default boolean isMsix() { return "MSIX".equals(mode()); }

    int count();

    /** The fd to poll for POLLIN; do not read or close it. */
    int fd(int vector);

    /** Consumes the vector's pending signals and re-arms it (INTx unmask); never blocks. */
    long acknowledge(int vector);

    /** Disables delivery and releases the fds. */
    @Override
    void close();
}
