package io.jnetmap.nic;

import io.jnetmap.pci.PciId;
import io.jnetmap.pci.SupportedDevices;

import java.util.List;

/**
 * What {@link NicAdapter#openDevice} needs to know of a supported chip, whatever the driver: its
 * PCI ID, a name for messages and how many queue pairs it has. A driver keeps its chips as data
 * (a record per chip, a table of them) and lets the records answer.
 */
public interface NicChip {
    /** The PCI vendor and device ID. */
    PciId id();

    /** A name for messages, e.g. "82574L". */
    String model();

    /** RX/TX queue pairs the chip has. */
    int queues();

    /**
     * The memory BAR its registers are in: 0 on the Intel parts (the 82599's 64-bit BAR0 included;
     * VFIO and sysfs index a 64-bit BAR by its first half). A chip that is told apart by a register
     * rather than by its PCI ID maps its own ({@link NicAdapter.ChipProbe}).
     */
    default int registerBar() { return 0; }

    /** The ID table of {@code driver}'s chips, in their order: what it accepts, and what its refusal lists. */
    static SupportedDevices table(String driver, List<? extends NicChip> chips) {
        SupportedDevices s = new SupportedDevices(driver);
        for (NicChip c : chips) s.add(c.id().vendor(), c.id().device(), c.model());
        return s;
    }
}
