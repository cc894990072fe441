package io.jnetmap.hwtests.ixgbe;

import io.jnetmap.hwtests.Binding;

/** The multi-queue checklist on the lab's 82599 port p4 (cabled to p5, run by Linux's ixgbe) through VFIO. */
class IxgbeVfioTest extends IxgbeLabChecks {
    IxgbeVfioTest() { super(Binding.Kind.VFIO); }
}
