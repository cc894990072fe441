package io.jnetmap.rings;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.jnetmap.rings.RingOps.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * netmap-semantics.md §3.2 (netmap_interp_ringid), §1.2 and §8.15: which rings each mode binds on
 * a NIC with 4 TX and 2 RX rings and 2 host ring pairs; ring_ofs is 0 for the rings a port does not
 * bind; NETMAP_RXRING indexes past NIC and host TX rings; exclusive binding.
 *
 * <p>Host rings are backed by a TAP (HostStack), so the host modes need CAP_NET_ADMIN and
 * /dev/net/tun; without them those cases are skipped.
 */
class RingSelectionTest {
    static final int NTX = 4, NRX = 2, HOST = 2;
    private static int tapSeq;
    private static boolean tapsWork;

    @BeforeAll
    static void probeTaps() {
        try {
            HostStack.open(tapName(), null, 1500).close();
            tapsWork = true;
        } catch (RuntimeException e) {
            tapsWork = false;
        }
    }

    private static synchronized String tapName() {
        return "jnms" + ProcessHandle.current().pid() % 100000 + "_" + tapSeq++;
    }

    private static NicFixture nic() {
        NicFixture f = NicFixture.create(NTX, NRX, HOST, HOST, 4);
        f.nic.tapName = tapName();
        return f;
    }

    static Stream<Arguments> modes() {
        return Stream.of(
                arguments("netmap:test0", List.of(0, 1, 2, 3), List.of(0, 1)),
                arguments("netmap:test0^", List.of(4, 5), List.of(2, 3)),
                arguments("netmap:test0*", List.of(0, 1, 2, 3, 4, 5), List.of(0, 1, 2, 3)),
                arguments("netmap:test0-0", List.of(0), List.of(0)),
                arguments("netmap:test0-1", List.of(1), List.of(1)),
                arguments("netmap:test0-3", List.of(3), List.of(0)), // RX has 2 rings: ring 0
                arguments("netmap:test0^0", List.of(4), List.of(2)),
                arguments("netmap:test0^1", List.of(5), List.of(3)),
                arguments("netmap:test0/T", List.of(0, 1, 2, 3), List.of()),
                arguments("netmap:test0/R", List.of(), List.of(0, 1)),
                arguments("netmap:test0-2/T", List.of(2), List.of()),
                arguments("netmap:test0*/R", List.of(), List.of(0, 1, 2, 3)),
                arguments("netmap:test0^/T", List.of(4, 5), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void eachModeBindsItsRingsAndOnlyThose(String spec, List<Integer> tx, List<Integer> rx) {
        if (PortName.parse(spec).bindsHost()) assumeTrue(tapsWork, "host rings need a TAP (CAP_NET_ADMIN, /dev/net/tun)");
        try (NicFixture f = nic()) {
            NetmapPort p = f.open(spec);
            NetmapIf nif = p.nif();
            assertEquals(NTX, nif.txRings());
            assertEquals(NRX, nif.rxRings());
            assertEquals(HOST, nif.hostTxRings());
            assertEquals(HOST, nif.hostRxRings());
            assertEquals(NTX + HOST + NRX + HOST, nif.ringOfsCount());
            long pool = f.region.bufferAddress(0);
            for (int i = 0; i < NTX + HOST; i++) {
                boolean bound = tx.contains(i);
                assertEquals(bound, p.txRing(i) != null, "TX ring " + i);
                assertEquals(bound, nif.ringOfs(i) != 0, "ring_ofs of TX ring " + i);
                if (bound) {
                    NetmapRing r = p.txRing(i);
                    assertEquals(pool, nif.address() + nif.ringOfs(i) + r.bufOfs(), "ring_ofs leads to TX ring " + i);
                    assertEquals(i, r.ringId());
                    assertTrue(r.isTx());
                }
            }
            for (int i = 0; i < NRX + HOST; i++) {
                boolean bound = rx.contains(i);
                int ofsIndex = i + NTX + HOST; // NETMAP_RXRING
                assertEquals(ofsIndex, nif.rxRingOfsIndex(i));
                assertEquals(bound, p.rxRing(i) != null, "RX ring " + i);
                assertEquals(bound, nif.ringOfs(ofsIndex) != 0, "ring_ofs[" + ofsIndex + "] of RX ring " + i);
                if (bound) {
                    NetmapRing r = p.rxRing(i);
                    assertEquals(pool, nif.address() + nif.ringOfs(ofsIndex) + r.bufOfs(), "ring_ofs leads to RX ring " + i);
                    assertEquals(i, r.ringId());
                    assertFalse(r.isTx());
                }
            }
            assertEquals(tx.size(), p.boundTxKrings().length);
            assertEquals(rx.size(), p.boundRxKrings().length);
            if (!tx.isEmpty()) {
                assertEquals((int) tx.get(0), p.firstTxRing());
                assertEquals((int) tx.get(tx.size() - 1), p.lastTxRing());
            } else {
                assertTrue(p.lastTxRing() < p.firstTxRing(), "no TX ring: first > last");
            }
            if (!rx.isEmpty()) {
                assertEquals((int) rx.get(0), p.firstRxRing());
                assertEquals((int) rx.get(rx.size() - 1), p.lastRxRing());
            } else {
                assertTrue(p.lastRxRing() < p.firstRxRing());
            }
            // a sync touches the bound NIC rings only
            for (int i : tx) if (i < NTX) send(p.txRing(i), 1, i, 60);
            p.txsync();
            List<Integer> synced = new ArrayList<>();
            for (LoopbackNic.Handed h : f.nic.handedTx()) synced.add(h.ring());
            assertEquals(tx.stream().filter(i -> i < NTX).toList(), synced);
        }
    }

    @Test
    void aNicRingThatDoesNotExistInEitherDirectionIsRefused() {
        try (NicFixture f = nic()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.open("netmap:test0-4"));
            assertTrue(e.getMessage().contains("ring 4 does not exist (test0 has 4 TX and 2 RX rings)"), e.getMessage());
        }
    }

    @Test
    void aHostRingThatDoesNotExistIsRefused() {
        assumeTrue(tapsWork, "host rings need a TAP");
        try (NicFixture f = nic()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.open("netmap:test0^2"));
            assertTrue(e.getMessage().contains("host ring 2 does not exist"), e.getMessage());
        }
    }

    @Test
    void oneHostRingPairFallsBackToHostRingZeroOnTheSideWithFewerHostRings() {
        assumeTrue(tapsWork, "host rings need a TAP");
        // netmap_interp_ringid, NR_REG_ONE_SW: EINVAL only if the ring is missing on both sides,
        // otherwise "if not enough rings, use the first one" (as NR_REG_ONE_NIC)
        try (NicFixture f = NicFixture.create(2, 2, 2, 1, 4)) {
            f.nic.tapName = tapName();
            NetmapPort p = f.open("netmap:test0^1");
            assertNotNull(p.txRing(2 + 1), "host TX ring 1");
            assertNull(p.txRing(2));
            assertNotNull(p.rxRing(2), "host RX ring 0: there is no host RX ring 1");
            assertEquals(3, p.firstTxRing());
            assertEquals(2, p.firstRxRing());
            assertEquals(2, p.lastRxRing());
        }
    }

    @Test
    void hostModesOnANicWithoutHostRingsAreRefused() {
        try (NicFixture f = NicFixture.create(2, 2, 0, 0, 4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.open("netmap:test0^"));
            assertTrue(e.getMessage().contains("has no host rings"), e.getMessage());
        }
    }

    @Test
    void anExclusivePortKeepsOthersOut() {
        try (NicFixture f = nic()) {
            NetmapPort first = f.open("netmap:test0-0/x");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.open("netmap:test0-1"));
            assertTrue(e.getMessage().contains("already open exclusively (/x)"), e.getMessage());
            e = assertThrows(IllegalStateException.class, () -> f.open("netmap:test0-1/x"));
            assertTrue(e.getMessage().contains("already open exclusively (/x)"), e.getMessage());
            first.close();
            assertTrue(f.nic.destroyed, "the last user left");
        }
        try (NicFixture f = nic()) {
            f.open("netmap:test0-0");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.open("netmap:test0/x"));
            assertTrue(e.getMessage().contains("/x asks for sole use"), e.getMessage());
            f.open("netmap:test0-1"); // non-exclusive ports share
        }
    }

    @Test
    void portsShareTheAdapterAndTheLastOneOutReturnsItsBuffers() {
        try (NicFixture f = nic()) {
            NetmapPort a = f.open("netmap:test0-0"), b = f.open("netmap:test0-1");
            assertTrue(f.nic.registered);
            assertEquals(0, a.firstTxRing());
            assertEquals(0, a.lastTxRing());
            assertEquals(1, b.firstTxRing());
            int free = f.region.freeBuffers();
            a.close();
            assertFalse(f.nic.destroyed);
            assertEquals(free, f.region.freeBuffers(), "b still uses the rings");
            b.close();
            assertTrue(f.nic.destroyed);
            assertFalse(f.nic.registered);
            assertEquals(f.freeBeforeNic, f.region.freeBuffers());
        }
    }
}
