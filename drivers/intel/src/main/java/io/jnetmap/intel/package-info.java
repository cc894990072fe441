/**
 * What Intel's drivers (e1000e: 82574L family; igb: 82576/I350; ixgbe: 82599) share, so each chip
 * driver holds only its init sequence, interrupt routing and register maps:
 * {@link io.jnetmap.intel.IntelAdapter} (syncs, descriptor memory, ring programming, TX recovery on
 * link loss, receive filter state, ring statistics, polling helpers), the zero-copy netmap rings
 * {@link io.jnetmap.intel.IntelTxRing} and {@link io.jnetmap.intel.IntelRxRing} with a
 * {@link io.jnetmap.intel.TxDescriptorFormat} ({@link io.jnetmap.intel.LegacyTxFormat},
 * {@link io.jnetmap.intel.AdvancedTxFormat}), {@link io.jnetmap.intel.IntelDescriptors} and the
 * queue register map {@link io.jnetmap.intel.QueueRegisters}. The gigabit MACs' own registers,
 * PHY access and statistics are in {@link io.jnetmap.intel.gigabit}, which ixgbe does not use.
 */
package io.jnetmap.intel;
