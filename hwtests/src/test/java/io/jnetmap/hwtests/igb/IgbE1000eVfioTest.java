package io.jnetmap.hwtests.igb;

import io.jnetmap.hwtests.Binding;

/** Our e1000e and our igb exchanging frames, and bridged zero-copy, with all four lab NICs on VFIO. */
class IgbE1000eVfioTest extends IgbE1000eExchangeChecks {
    IgbE1000eVfioTest() { super(Binding.Kind.VFIO); }
}
