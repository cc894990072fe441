/**
 * PCI access for user-space NIC drivers: open a function by address or interface name through
 * VFIO (IOMMU) or UIO (physical addresses), map its BARs, reach its configuration space, make
 * memory device-addressable (one process-wide {@link io.jnetmap.pci.DmaSpace} per kind, shared by
 * all ports), allocate descriptor rings, and receive interrupts as pollable file descriptors.
 * Entry point: {@link io.jnetmap.pci.PciDevice#open(String)}.
 */
package io.jnetmap.pci;
