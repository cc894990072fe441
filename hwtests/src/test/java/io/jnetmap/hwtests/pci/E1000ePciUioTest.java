package io.jnetmap.hwtests.pci;

import io.jnetmap.hwtests.Binding;

/** Issue #3's PCI checklist on the lab's second 82574L (p3) through UIO (INTx; physical addresses, IOMMU group in passthrough). */
class E1000ePciUioTest extends PciLabChecks {
    E1000ePciUioTest() { super(IntelChip.I82574L, Binding.Kind.UIO, 1); }
}
