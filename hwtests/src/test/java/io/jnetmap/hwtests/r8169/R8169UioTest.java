package io.jnetmap.hwtests.r8169;

import io.jnetmap.hwtests.Binding;

/** The single-queue checklist on the lab's first RTL8168h (p6, cabled to Linux's r8169 on p7) through UIO. */
class R8169UioTest extends R8169LabChecks {
    R8169UioTest() { super(Binding.Kind.UIO, 0); }
}
