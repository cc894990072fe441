package io.jnetmap.pci;

/** PCI interrupt delivery, best first: MSI-X (many vectors), MSI (one or a few), legacy INTx (one, shared line). */
public enum InterruptMode {
    MSIX(Vfio.PCI_MSIX_IRQ_INDEX), MSI(Vfio.PCI_MSI_IRQ_INDEX), INTX(Vfio.PCI_INTX_IRQ_INDEX);

    final int vfioIndex;

    InterruptMode(int vfioIndex) { this.vfioIndex = vfioIndex; }
}
