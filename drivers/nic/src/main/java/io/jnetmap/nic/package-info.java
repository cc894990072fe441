/**
 * Chip-independent plumbing for user-space NIC drivers, shared by every driver module:
 * <ul>
 * <li>{@link io.jnetmap.nic.NicDevice}: what a driver needs of its PCI function (registers, DMA,
 *     interrupts, reset), a seam so that a register-level device model can stand in for the real
 *     device in unit tests; {@link io.jnetmap.nic.PciNicDevice} is the real one;</li>
 * <li>{@link io.jnetmap.nic.NicRegion}: the process's one netmap memory region for NICs, DMA-mapped
 *     once per device address space, with every buffer's device address precomputed, so that
 *     descriptors point straight at netmap buffers and two NICs can swap buffers zero-copy;</li>
 * <li>{@link io.jnetmap.nic.NicAdapter}: a netmap adapter backed by a NIC: lifecycle, poll() on
 *     interrupt vectors, link state, statistics;</li>
 * <li>{@link io.jnetmap.nic.NicProvider}: port names to adapters, one adapter per NIC per process;</li>
 * <li>{@link io.jnetmap.nic.Counters}: clear-on-read hardware counters accumulated to 64 bits.</li>
 * </ul>
 */
package io.jnetmap.nic;
