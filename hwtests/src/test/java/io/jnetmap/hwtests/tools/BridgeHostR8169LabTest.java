package io.jnetmap.hwtests.tools;

/** {@link BridgeHostLabTest} on our r8169 (the lab's first port of the chip; the kernel's r8169 at the other end). */
class BridgeHostR8169LabTest extends BridgeHostLabTest {
    BridgeHostR8169LabTest() { chip = "r8169"; }
}
