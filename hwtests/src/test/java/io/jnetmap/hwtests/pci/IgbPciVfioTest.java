package io.jnetmap.hwtests.pci;

import io.jnetmap.hwtests.Binding;

/** Issue #3's PCI checklist on the lab's first 82576 (p1) through VFIO (MSI-X, MSI and INTx; IOVA = virtual address). */
class IgbPciVfioTest extends PciLabChecks {
    IgbPciVfioTest() { super(IntelChip.I82576, Binding.Kind.VFIO, 0); }
}
