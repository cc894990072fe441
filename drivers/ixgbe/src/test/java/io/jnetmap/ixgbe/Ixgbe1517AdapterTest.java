package io.jnetmap.ixgbe;

import io.jnetmap.pci.PciId;

/** Every ixgbe case on the 82599 KR's device ID (8086:1517): the same backplane link path as the 10F7. */
class Ixgbe1517AdapterTest extends IxgbeAdapterTest {
    @Override PciId deviceId() { return new PciId(0x8086, 0x1517); }
}
