/**
 * The e1000e driver: Intel 82574L and the parts that share its programming model (82574LA,
 * 82583V), as netmap ports. {@link io.jnetmap.e1000e.E1000eAdapter} holds the init sequence,
 * interrupt routing and shutdown; the rings are in {@code io.jnetmap.intel} and what Intel's gigabit
 * parts share in {@code io.jnetmap.intel.gigabit} (module intel), the chip-independent NIC plumbing in
 * {@code io.jnetmap.nic} (module nic).
 * Open a port with {@code NetmapPort.open("netmap:0000:00:04.0")} (or the interface name nm-bind
 * remembers; {@code -0} for ring pair 0; {@code @conf:slots=N,rings=N}).
 */
package io.jnetmap.e1000e;
