package io.jnetmap.hwtests.pci;

import io.jnetmap.hwtests.Binding;

/** Issue #3's PCI checklist on the lab's second 82576 (p2) through UIO (INTx; physical addresses, IOMMU group in passthrough). */
class IgbPciUioTest extends PciLabChecks {
    IgbPciUioTest() { super(IntelChip.I82576, Binding.Kind.UIO, 1); }
}
