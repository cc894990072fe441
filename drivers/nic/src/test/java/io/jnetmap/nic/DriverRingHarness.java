package io.jnetmap.nic;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;

/**
 * Issue #10 §3, per driver: its rings under random application behaviour against its chip model
 * as the wire ({@link DriverRingModel}), 100 runs of 1,000 steps (100,000 per run). A driver's
 * property class opens its model, device, adapter and port.
 */
public abstract class DriverRingHarness<M extends RegisterModel, A extends NicAdapter> extends ModelAdapterHarness<M, A> {
    static final int STEPS = 1000;

    @Provide
    Arbitrary<List<DriverRingModel.Move>> moves() { return DriverRingModel.moves(STEPS); }

    @Property(tries = 100, edgeCases = EdgeCasesMode.NONE) // every try plays all 1,000 steps
    void ringsHoldUnderAnyApplication(@ForAll("moves") List<DriverRingModel.Move> moves) {
        eachTry(() -> {
            WirePeer wire = open();
            new DriverRingModel(port, adapter, wire).play(moves);
        });
    }

    /**
     * Opens the model, its device, the adapter (one queue pair driven: queue 0) and {@link #port}
     * on every NIC ring; the model transmits only when told to and logs no writes. Returns the
     * model as the far end of the cable.
     */
    protected abstract WirePeer open();
}
