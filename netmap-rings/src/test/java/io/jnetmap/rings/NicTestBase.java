package io.jnetmap.rings;

import org.junit.jupiter.api.AfterEach;

/**
 * Tests that each work on one {@link NicFixture}: {@link #open} creates it and binds a port, and
 * it is closed after the test, whatever the test did.
 */
abstract class NicTestBase {
    /** This test's fixture, once {@link #open} made it. */
    NicFixture f;
    /** The port {@link #open} bound last. */
    NetmapPort p;

    /** Takes {@code fixture} as this test's and binds a port to its NIC by netmap name. */
    NetmapPort open(NicFixture fixture, String spec) {
        f = fixture;
        return p = f.open(spec);
    }

    /** A port on all rings of {@code fixture}'s NIC. */
    NetmapPort open(NicFixture fixture) { return open(fixture, "netmap:test0"); }

    /** A port on a NIC with one TX and one RX ring of {@code slots} slots. */
    NetmapPort open(int slots) { return open(NicFixture.simple(slots)); }

    @AfterEach
    void closeFixture() {
        if (f != null) f.close();
    }
}
