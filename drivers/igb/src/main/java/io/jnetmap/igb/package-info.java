/**
 * The igb driver: Intel 82576 and I350 (and their board variants) as netmap ports with N queue
 * pairs, RSS and one MSI-X vector per pair. {@link io.jnetmap.igb.IgbAdapter} holds the init
 * sequence, RSS, interrupt routing and shutdown; {@link io.jnetmap.igb.IgbChip} the chips'
 * differences as data. The rings and everything Intel's gigabit parts share are in
 * {@code io.jnetmap.intel} and {@code io.jnetmap.intel.gigabit} (module intel), the chip-independent NIC plumbing in
 * {@code io.jnetmap.nic} (module nic). Open a port with {@code NetmapPort.open("netmap:0000:00:05.0")}
 * (all rings), {@code netmap:0000:00:05.0-2} (queue pair 2 alone), {@code @conf:rings=N,slots=M}.
 */
package io.jnetmap.igb;
