package io.jnetmap.hwtests.e1000e;

import io.jnetmap.hwtests.Binding;

/** The e1000e checklist on the lab's second 82574L (p3, cabled to the other igb) through UIO (INTx, physical addresses). */
class E1000eUioTest extends E1000eLabChecks {
    E1000eUioTest() { super(Binding.Kind.UIO, 1); }
}
