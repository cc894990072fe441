/**
 * The ixgbe driver: Intel 82599 10 GbE backplane ports (KX4/KX/KR) as netmap adapters
 * ({@link io.jnetmap.ixgbe.IxgbeAdapter}), on the Intel family's shared rings and the NIC framework.
 */
package io.jnetmap.ixgbe;
