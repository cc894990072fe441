package io.jnetmap.nic;

import io.jnetmap.sys.EventFd;

/**
 * A register-level model of a NIC for drivers' unit tests: its BAR0 registers (reads and writes
 * with the chip's side effects), a function-level reset, and the interrupt vectors the driver
 * enabled, which the model signals as the chip would send MSI-X messages or raise its line.
 * {@link ModelDevice} puts one behind the {@link NicDevice} seam.
 */
public interface DeviceModel extends Registers {
    /** The memory BAR the model's registers are in (0 on the Intel chips, 1 or 2 on Realtek's). */
    default int registerBar() { return 0; }

    /** Size of the register BAR the model serves. */
    long barSize();

    /** Power-on / function-level reset state. */
    void reset();

    /** Most MSI-X vectors the modelled function offers. */
    int msixVectors();

    /**
     * The driver enabled interrupts: {@code vectors} to signal ({@code mode} "MSIX", "MSI" or
     * "INTX"), or null when they were disabled again.
     */
    void attachVectors(EventFd[] vectors, String mode);
}
