package io.jnetmap.hwtests.igb;

import io.jnetmap.hwtests.Binding;

/** Our e1000e and our igb exchanging frames, and bridged zero-copy, with all four lab NICs on UIO. */
class IgbE1000eUioTest extends IgbE1000eExchangeChecks {
    IgbE1000eUioTest() { super(Binding.Kind.UIO); }
}
