package io.jnetmap.nic;

import io.jnetmap.pci.PciId;

/**
 * What a NIC driver needs of its PCI function, and nothing more: registers, DMA memory for
 * descriptor rings, a DMA window over the netmap region, interrupts, bus mastering and a function
 * reset. {@link PciNicDevice} is the real device (VFIO or UIO); unit tests give a register-level
 * model of the chip instead, so the whole driver runs without hardware.
 */
public interface NicDevice extends AutoCloseable {
    /** The device's name in messages and port names: its PCI address, e.g. 0000:00:04.0. */
    String address();

    /** Vendor and device ID. */
    PciId id();

    /** "VFIO", "UIO" or a test model's name. */
    String accessMethod();

    /** The registers in memory BAR {@code bar}, refused if smaller than {@code minSize}. */
    Registers registers(int bar, long minSize);

    /** {@code size} zeroed bytes of device-contiguous DMA memory aligned (device address) to {@code alignment}. */
    DmaMemory allocateDma(long size, int alignment, String what);

    /** Makes {@code [vaddr, vaddr+length)} (page-aligned) reachable by the device. */
    DmaWindow mapDma(long vaddr, long length);

    /**
     * The device address space this device's DMA goes through (the process's VFIO container, or
     * physical memory under UIO). Devices with the same domain share one translation of the
     * netmap region ({@link NicRegion}).
     */
    Object dmaDomain();

    /** Up to {@code wanted} vectors: MSI-X when available, else MSI, else INTx (one vector). */
    NicInterrupts enableInterrupts(int wanted);

    /** Sets Memory Space and Bus Master in the command register (needed before any DMA). */
    void enableBusMaster();

    /** Clears Bus Master: the device can no longer DMA. */
    void disableBusMaster();

    /** 16 bits of the function's PCI configuration space at {@code offset} (control path: a system call each). */
    int configRead16(int offset);

    /** Writes 16 bits of configuration space (vfio-pci may ignore writes to fields it virtualizes: read back to know). */
    void configWrite16(int offset, int value);

    /** PCI capability ID of PCI Express (PCIe base specification §7.5.3). */
    int CAP_PCIE = 0x10;
    /** In the PCI Express capability: Link Control (ASPM control in bits 1:0), Device Control 2 (completion timeout in bits 3:0). */
    int PCIE_LINK_CONTROL = 0x10, PCIE_DEVICE_CONTROL2 = 0x28;

    /** Offset of capability {@code id} in configuration space (the standard list from 0x34), or -1. */
    default int findCapability(int id) {
        if ((configRead16(0x06) & 0x10) == 0) return -1; // status: no capability list
        int ptr = configRead16(0x34) & 0xfc;
        for (int hops = 0; ptr >= 0x40 && hops < 48; hops++) {
            int hdr = configRead16(ptr);
            if ((hdr & 0xff) == id) return ptr;
            ptr = (hdr >>> 8) & 0xfc;
        }
        return -1;
    }

    /** Function-level reset (VFIO_DEVICE_RESET, or sysfs reset under UIO); re-enables memory and bus mastering. */
    void reset();

    /** Disables interrupts, resets the function, unmaps its BARs and lets go of it. */
    @Override
    void close();
}
