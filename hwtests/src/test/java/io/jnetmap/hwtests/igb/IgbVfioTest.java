package io.jnetmap.hwtests.igb;

import io.jnetmap.hwtests.Binding;

/** The igb checklist on the lab's first 82576 (p1, cabled to an 82574L run by Linux's e1000e) through VFIO. */
class IgbVfioTest extends IgbLabChecks {
    IgbVfioTest() { super(Binding.Kind.VFIO, 0); }
}
