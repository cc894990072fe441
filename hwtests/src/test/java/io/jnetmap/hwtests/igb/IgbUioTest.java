package io.jnetmap.hwtests.igb;

import io.jnetmap.hwtests.Binding;

/** The igb checklist on the lab's second 82576 (p2, cabled to an 82574L run by Linux's e1000e) through UIO. */
class IgbUioTest extends IgbLabChecks {
    IgbUioTest() { super(Binding.Kind.UIO, 1); }
}
