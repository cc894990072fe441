package io.jnetmap.hwtests.r8169;

import io.jnetmap.hwtests.Binding;

/** The single-queue checklist on the lab's first RTL8168h (p6, cabled to Linux's r8169 on p7) through VFIO. */
class R8169VfioTest extends R8169LabChecks {
    R8169VfioTest() { super(Binding.Kind.VFIO, 0); }
}
