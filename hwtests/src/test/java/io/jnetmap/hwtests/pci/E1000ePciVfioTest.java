package io.jnetmap.hwtests.pci;

import io.jnetmap.hwtests.Binding;

/** Issue #3's PCI checklist on the lab's first 82574L (p0) through VFIO (MSI-X, MSI and INTx; IOVA = virtual address). */
class E1000ePciVfioTest extends PciLabChecks {
    E1000ePciVfioTest() { super(IntelChip.I82574L, Binding.Kind.VFIO, 0); }
}
