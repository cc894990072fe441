/**
 * The r8169 driver: Realtek RTL8169 (PCI) and RTL8168/8111 (PCIe) gigabit NICs as netmap ports.
 * {@link io.jnetmap.r8169.R8169Adapter} is the adapter, {@link io.jnetmap.r8169.RtlVersion} the
 * table of supported chip versions.
 */
package io.jnetmap.r8169;
