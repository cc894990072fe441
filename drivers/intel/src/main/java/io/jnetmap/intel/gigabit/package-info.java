/**
 * The Intel gigabit MACs' pieces (e1000e and igb only; the 82599 has none of these registers at
 * these offsets): {@link io.jnetmap.intel.gigabit.GigabitAdapter} (link from STATUS, RCTL receive
 * filter, flow control, MAC address through RAL/RAH or EERD, address/multicast/VLAN tables, stop and
 * shutdown through RCTL/TCTL/CTRL_EXT), the register map {@link io.jnetmap.intel.gigabit.GigabitRegs},
 * the statistics block {@link io.jnetmap.intel.gigabit.GigabitStats}, PHY access through MDIC
 * ({@link io.jnetmap.intel.gigabit.Mdic}, {@link io.jnetmap.intel.gigabit.CopperPhy}) and
 * {@link io.jnetmap.intel.gigabit.FlowControl}.
 */
package io.jnetmap.intel.gigabit;
