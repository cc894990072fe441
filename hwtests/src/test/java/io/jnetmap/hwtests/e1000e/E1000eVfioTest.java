package io.jnetmap.hwtests.e1000e;

import io.jnetmap.hwtests.Binding;

/** The e1000e checklist on the lab's first 82574L (p0, cabled to an igb run by Linux) through VFIO. */
class E1000eVfioTest extends E1000eLabChecks {
    E1000eVfioTest() { super(Binding.Kind.VFIO, 0); }
}
