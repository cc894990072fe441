package io.jnetmap.rings;

import org.junit.jupiter.api.Test;

import static io.jnetmap.rings.NetmapLayout.NS_MOREFRAG;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A device that fetches at most N descriptors per packet (the 82599: 40) declares it
 * ({@link NetmapAdapter#maxTxFragments}); a longer NS_MOREFRAG chain is a bad slot, refused
 * before the back-end sees any slot of the sync, as an out-of-range buffer index is.
 */
class TxFragmentCapTest {
    static final int N = 16, CAP = 3;

    /** Slots [from, from + n) (mod N) become one packet of n fragments of 60 bytes; head and cur move past it. */
    private static void chain(NetmapRing tx, int from, int n, boolean finished) {
        int i = from;
        for (int k = 0; k < n; k++, i = tx.next(i)) {
            tx.len(i, 60);
            tx.slotFlags(i, k < n - 1 || !finished ? NS_MOREFRAG : 0);
        }
        tx.advance(i);
    }

    @Test
    void aChainOfExactlyTheCapGoesToTheDevice() {
        try (NicFixture f = NicFixture.create(1, 1, 0, 0, N, CAP)) {
            NetmapPort p = f.open();
            chain(p.txRing(0), 0, CAP, true);
            p.txsync();
            assertEquals(CAP, f.nic.handedTx().size());
            assertEquals(NS_MOREFRAG, f.nic.handedTx().get(0).flags() & NS_MOREFRAG);
        }
    }

    @Test
    void aChainOneSlotLongerIsRefusedBeforeTheDeviceSeesAnySlot() {
        try (NicFixture f = NicFixture.create(1, 1, 0, 0, N, CAP)) {
            NetmapPort p = f.open();
            NetmapRing tx = p.txRing(0);
            tx.len(0, 60);
            tx.slotFlags(0, 0);            // a good one-slot packet first: it waits with the bad one
            tx.advance(1);
            chain(tx, 1, CAP + 1, true);
            RingStateException e = assertThrows(RingStateException.class, p::txsync);
            assertEquals("test0 TX ring 0: slot 4 is slot 4 of one packet (NS_MOREFRAG chain); the NIC takes at most 3"
                    + " descriptors per packet (copy the frame into fewer, larger buffers)"
                    + "; the ring was reset to head = cur = 0, tail = 15", e.getMessage());
            assertTrue(f.nic.handed.isEmpty(), "no slot of the sync reached the device");
            assertEquals(0, f.nic.txsyncCalls);
        }
    }

    @Test
    void anUnfinishedChainIsRefusedAsSoonAsItPassesTheCap() {
        try (NicFixture f = NicFixture.create(1, 1, 0, 0, N, CAP)) {
            NetmapPort p = f.open();
            chain(p.txRing(0), 0, CAP + 1, false); // four fragments, the last still to come: refused now
            RingStateException e = assertThrows(RingStateException.class, p::txsync);
            assertTrue(e.getMessage().startsWith("test0 TX ring 0: slot 3 is slot 4 of one packet"), e.getMessage());
            assertTrue(f.nic.handed.isEmpty());
        }
    }

    @Test
    void theCountCarriesOverTheRingsWrap() {
        try (NicFixture f = NicFixture.create(1, 1, 0, 0, N, CAP)) {
            NetmapPort p = f.open();
            NetmapRing tx = p.txRing(0);
            chain(tx, 0, 13, false);       // slots 0..12 as one-slot packets
            for (int i = 0; i < 13; i++) tx.slotFlags(i, 0);
            p.txsync();
            f.nic.complete(0, 13);
            p.txsync();                    // reclaimed: slots 13..15 and 0.. are free again
            int handed = f.nic.handedTx().size();
            chain(tx, 13, CAP + 1, true);  // 13, 14, 15, 0: four slots over the wrap
            RingStateException e = assertThrows(RingStateException.class, p::txsync);
            assertTrue(e.getMessage().startsWith("test0 TX ring 0: slot 0 is slot 4 of one packet"), e.getMessage());
            assertEquals(handed, f.nic.handedTx().size());
        }
    }

    @Test
    void withoutACapAChainAsLongAsTheRingAllowsGoes() {
        try (NicFixture f = NicFixture.simple(N)) {
            NetmapPort p = f.open();
            chain(p.txRing(0), 0, N - 1, true);
            p.txsync();
            assertEquals(N - 1, f.nic.handedTx().size());
        }
    }
}
