/**
 * What Intel's gigabit drivers (e1000e: 82574L family; igb: 82576/I350) share, so each chip
 * driver holds only its init sequence, interrupt routing and descriptor format:
 * {@link io.jnetmap.intel.IntelAdapter} (syncs, MAC address, receive filters, link, statistics,
 * init helpers), the zero-copy netmap rings {@link io.jnetmap.intel.IntelTxRing} and
 * {@link io.jnetmap.intel.IntelRxRing} with a {@link io.jnetmap.intel.TxDescriptorFormat},
 * register maps as data ({@link io.jnetmap.intel.IntelRegs}, {@link io.jnetmap.intel.QueueRegisters},
 * {@link io.jnetmap.intel.IntelStats}) and PHY access through MDIC ({@link io.jnetmap.intel.Mdic}).
 */
package io.jnetmap.intel;
