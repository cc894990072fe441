package io.jnetmap.hwtests.tools;

/** {@link BridgeHostLabTest} on our ixgbe (the lab's first port of the chip; the kernel's ixgbe at the other end). */
class BridgeHostIxgbeLabTest extends BridgeHostLabTest {
    BridgeHostIxgbeLabTest() { chip = "ixgbe"; }
}
