package io.jnetmap.rings;

import io.jnetmap.sys.OffHeapBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * netmap-semantics.md §1: the binary layout of netmap_if, netmap_ring and netmap_slot, checked
 * field by field against the bytes in the region. Offsets are the documented numbers written out
 * here, not NetmapLayout's constants, so a wrong constant cannot hide itself.
 */
class LayoutTest {

    /** The region's bytes at absolute address {@code addr}. */
    private static int off(MemoryRegion region, long addr) {
        long o = addr - region.address();
        assertTrue(o >= 0 && o < region.length(), "address 0x" + Long.toHexString(addr) + " is outside the region");
        return (int) o;
    }

    /** Address of TX ring i, found the way netmap_user.h does: nifp + ring_ofs[i]. */
    private static long txRingAddress(NetmapPort p, int i) {
        long ofs = p.nif().ringOfs(i);
        assertNotEquals(0, ofs, "TX ring " + i + " is bound, its ring_ofs must not be 0");
        return p.nif().address() + ofs;
    }

    /** NETMAP_RXRING(nifp, i) = nifp + ring_ofs[i + ni_tx_rings + ni_host_tx_rings]. */
    private static long rxRingAddress(NetmapPort p, int i) {
        OffHeapBuffer raw = p.region().memory();
        int nif = off(p.region(), p.nif().address());
        int txRings = raw.getInt(nif + 24), hostTx = raw.getInt(nif + 36);
        long ofs = raw.getLong(nif + 56 + 8 * (i + txRings + hostTx));
        assertNotEquals(0, ofs, "RX ring " + i + " is bound, its ring_ofs must not be 0");
        return p.nif().address() + ofs;
    }

    @Test
    void layoutConstantsAreTheDocumentedOffsets() {
        assertEquals(0, NetmapLayout.IF_NAME);
        assertEquals(16, NetmapLayout.IFNAMSIZ);
        assertEquals(16, NetmapLayout.IF_VERSION);
        assertEquals(20, NetmapLayout.IF_FLAGS);
        assertEquals(24, NetmapLayout.IF_TX_RINGS);
        assertEquals(28, NetmapLayout.IF_RX_RINGS);
        assertEquals(32, NetmapLayout.IF_BUFS_HEAD);
        assertEquals(36, NetmapLayout.IF_HOST_TX_RINGS);
        assertEquals(40, NetmapLayout.IF_HOST_RX_RINGS);
        assertEquals(44, NetmapLayout.IF_SPARE1);
        assertEquals(56, NetmapLayout.IF_RING_OFS);
        assertEquals(0, NetmapLayout.RING_BUF_OFS);
        assertEquals(8, NetmapLayout.RING_NUM_SLOTS);
        assertEquals(12, NetmapLayout.RING_BUF_SIZE);
        assertEquals(16, NetmapLayout.RING_RINGID);
        assertEquals(18, NetmapLayout.RING_DIR);
        assertEquals(20, NetmapLayout.RING_HEAD);
        assertEquals(24, NetmapLayout.RING_CUR);
        assertEquals(28, NetmapLayout.RING_TAIL);
        assertEquals(32, NetmapLayout.RING_FLAGS);
        assertEquals(40, NetmapLayout.RING_TS);
        assertEquals(56, NetmapLayout.RING_OFFSET_MASK);
        assertEquals(64, NetmapLayout.RING_BUF_ALIGN);
        assertEquals(128, NetmapLayout.RING_SEM);
        assertEquals(256, NetmapLayout.RING_SLOTS);
        assertEquals(16, NetmapLayout.SLOT_SIZE);
        assertEquals(0, NetmapLayout.SLOT_BUF_IDX);
        assertEquals(4, NetmapLayout.SLOT_LEN);
        assertEquals(6, NetmapLayout.SLOT_FLAGS);
        assertEquals(8, NetmapLayout.SLOT_PTR);
        assertEquals(1, NetmapLayout.DIR_TX);
        assertEquals(0, NetmapLayout.DIR_RX);
        assertEquals(0x1, NetmapLayout.NS_BUF_CHANGED);
        assertEquals(0x2, NetmapLayout.NS_REPORT);
        assertEquals(0x4, NetmapLayout.NS_FORWARD);
        assertEquals(0x8, NetmapLayout.NS_NO_LEARN);
        assertEquals(0x10, NetmapLayout.NS_INDIRECT);
        assertEquals(0x20, NetmapLayout.NS_MOREFRAG);
        assertEquals(0x40, NetmapLayout.NS_TXMON);
        assertEquals(0x2, NetmapLayout.NR_TIMESTAMP);
        assertEquals(0x4, NetmapLayout.NR_FORWARD);
        assertEquals(256 + 16 * 1024, NetmapLayout.ringBytes(1024));
        assertEquals(0x800, NetmapLayout.NR_EXCLUSIVE);
        assertEquals(0x2000, NetmapLayout.NR_RX_RINGS_ONLY);
        assertEquals(0x4000, NetmapLayout.NR_TX_RINGS_ONLY);
        assertEquals(0x20000, NetmapLayout.NR_NO_TX_POLL);
    }

    @Test
    void netmapIfFieldsAreAtTheirOffsets() {
        try (NicFixture f = NicFixture.create(3, 2, 1, 1, 4)) {
            NetmapPort p = f.open("netmap:test0");
            OffHeapBuffer raw = f.region.memory();
            int nif = off(f.region, p.nif().address());
            byte[] name = new byte[16];
            raw.getBytes(nif, name, 0, 16);
            assertEquals("test0", new String(name, 0, 5, StandardCharsets.US_ASCII));
            assertEquals(0, name[5], "ni_name is NUL-terminated");
            assertEquals(p.nif().flags(), raw.getInt(nif + 20));
            assertEquals(3, raw.getInt(nif + 24), "ni_tx_rings");
            assertEquals(2, raw.getInt(nif + 28), "ni_rx_rings");
            assertEquals(1, raw.getInt(nif + 36), "ni_host_tx_rings");
            assertEquals(1, raw.getInt(nif + 40), "ni_host_rx_rings");
            p.nif().bufsHead(0x01020304);
            assertEquals(0x01020304, raw.getInt(nif + 32), "ni_bufs_head");
            assertEquals(0x04, raw.getByte(nif + 32), "little-endian");
            assertEquals(3 + 1 + 2 + 1, p.nif().ringOfsCount());
            for (int i = 0; i < 7; i++)
                assertEquals(p.nif().ringOfs(i), raw.getLong(nif + 56 + 8 * i), "ring_ofs[" + i + "] is an 8-byte entry at 56 + 8*i");
        }
    }

    @Test
    void ringOfsLeadsFromTheNetmapIfToEachBoundRingAndIsZeroForTheOthers() {
        try (NicFixture f = NicFixture.create(3, 2, 1, 1, 4)) {
            NetmapPort p = f.open("netmap:test0");
            OffHeapBuffer raw = f.region.memory();
            // mark every ring through its flyweight, then find the marks through ring_ofs
            for (int i = 0; i < 3; i++) p.txRing(i).scratch().putInt(0, 0x7100 + i);
            for (int i = 0; i < 2; i++) p.rxRing(i).scratch().putInt(0, 0x8100 + i);
            for (int i = 0; i < 3; i++) {
                int r = off(f.region, txRingAddress(p, i));
                assertEquals(0x7100 + i, raw.getInt(r + 128), "TX ring " + i);
                assertEquals(i, raw.getShort(r + 16), "ringid");
                assertEquals(1, raw.getShort(r + 18), "dir of a TX ring is 1");
            }
            for (int i = 0; i < 2; i++) {
                int r = off(f.region, rxRingAddress(p, i));
                assertEquals(0x8100 + i, raw.getInt(r + 128), "RX ring " + i);
                assertEquals(i, raw.getShort(r + 16));
                assertEquals(0, raw.getShort(r + 18), "dir of an RX ring is 0");
            }
            int nif = off(f.region, p.nif().address());
            assertEquals(0L, raw.getLong(nif + 56 + 8 * 3), "host TX ring, not bound by netmap:test0");
            assertEquals(0L, raw.getLong(nif + 56 + 8 * 6), "host RX ring, not bound by netmap:test0");
            assertEquals(4, p.nif().rxRingOfsIndex(0), "RX rings come after NIC and host TX rings");
        }
    }

    @Test
    void hostRingsCarryRingIdNumberOfNicRingsPlusK() {
        try (NicFixture f = NicFixture.create(3, 2, 2, 2, 4)) {
            for (int k = 0; k < 2; k++) {
                NetmapRing htx = f.nic.txKring(3 + k).ring(), hrx = f.nic.rxKring(2 + k).ring();
                assertEquals(3 + k, htx.ringId());
                assertEquals(2 + k, hrx.ringId());
                assertTrue(htx.isTx());
                assertFalse(hrx.isTx());
                assertEquals(3, htx.tail(), "host TX ring starts with tail = num_slots - 1 too");
                assertEquals(0, hrx.tail());
            }
        }
    }

    @Test
    void netmapRingHeaderFieldsAreAtTheirOffsets() {
        try (NicFixture f = NicFixture.create(1, 1, 0, 0, 6)) {
            NetmapPort p = f.open();
            OffHeapBuffer raw = f.region.memory();
            NetmapRing tx = p.txRing(0), rx = p.rxRing(0);
            int t = off(f.region, txRingAddress(p, 0)), r = off(f.region, rxRingAddress(p, 0));

            assertEquals(tx.bufOfs(), raw.getLong(t));
            assertEquals(6, raw.getInt(t + 8), "num_slots");
            assertEquals(2048, raw.getInt(t + 12), "nr_buf_size");
            assertEquals(0, raw.getShort(t + 16), "ringid");
            assertEquals(1, raw.getShort(t + 18), "TX dir");
            assertEquals(0, raw.getShort(r + 18), "RX dir");
            assertTrue(tx.isTx());
            assertFalse(rx.isTx());
            assertEquals(0, raw.getInt(t + 20), "initial head");
            assertEquals(0, raw.getInt(t + 24), "initial cur");
            assertEquals(5, raw.getInt(t + 28), "initial TX tail = num_slots - 1");
            assertEquals(0, raw.getInt(r + 28), "initial RX tail = 0");
            assertEquals(0L, raw.getLong(t + 56), "offset_mask");
            assertEquals(0L, raw.getLong(t + 64), "buf_align");

            tx.head(3);
            tx.cur(4);
            tx.flags(NetmapLayout.NR_TIMESTAMP | NetmapLayout.NR_FORWARD);
            assertEquals(3, raw.getInt(t + 20), "head");
            assertEquals(4, raw.getInt(t + 24), "cur");
            assertEquals(6, raw.getInt(t + 32), "flags");
            raw.putInt(t + 28, 2);
            assertEquals(2, tx.tail(), "tail");
            tx.advance(0);
            tx.flags(0);
            tx.tail(5);

            assertEquals(f.region.address() + t + 128, tx.scratch().address(), "sem at 128");
            assertEquals(128, tx.scratch().capacity());

            p.rxsync();
            assertNotEquals(0L, rx.tsSeconds());
            assertEquals(rx.tsSeconds(), raw.getLong(r + 40), "ts.tv_sec");
            assertEquals(rx.tsMicros(), raw.getLong(r + 48), "ts.tv_usec");
            assertTrue(rx.tsMicros() >= 0 && rx.tsMicros() < 1_000_000);
        }
    }

    @Test
    void netmapSlotFieldsAreAtTheirOffsets() {
        try (NicFixture f = NicFixture.simple(8)) {
            NetmapPort p = f.open();
            OffHeapBuffer raw = f.region.memory();
            NetmapRing tx = p.txRing(0);
            int s3 = off(f.region, txRingAddress(p, 0)) + 256 + 3 * 16;
            int s4 = s3 + 16;
            int idx4 = tx.bufIdx(4);
            long before4 = raw.getLong(s4), before4b = raw.getLong(s4 + 8);
            int idx3 = tx.bufIdx(3);
            assertEquals(idx3, raw.getInt(s3), "buf_idx at 0");

            tx.bufIdx(3, 0x0A0B0C0D);
            tx.len(3, 0xFFEE);
            tx.slotFlags(3, NetmapLayout.NS_MOREFRAG | NetmapLayout.NS_REPORT);
            tx.ptr(3, 0x1122334455667788L);
            assertEquals(0x0A0B0C0D, raw.getInt(s3));
            assertEquals(0xFFEE, raw.getUnsignedShort(s3 + 4), "len, u16 at 4");
            assertEquals(0x22, raw.getUnsignedShort(s3 + 6), "flags, u16 at 6");
            assertEquals(0x1122334455667788L, raw.getLong(s3 + 8), "ptr, u64 at 8");
            assertEquals(before4, raw.getLong(s4), "a slot is 16 bytes: the next one is untouched");
            assertEquals(before4b, raw.getLong(s4 + 8));
            assertEquals(idx4, tx.bufIdx(4));

            raw.putShort(s3 + 4, (short) 1514);
            raw.putShort(s3 + 6, (short) NetmapLayout.NS_BUF_CHANGED);
            assertEquals(1514, tx.len(3));
            assertEquals(NetmapLayout.NS_BUF_CHANGED, tx.slotFlags(3));
            tx.bufIdx(3, idx3);
            tx.len(3, 0);
            tx.slotFlags(3, 0);
            tx.ptr(3, 0);
        }
    }

    @Test
    void bufOfsLeadsFromEachRingToItsBuffers() {
        try (NicFixture f = NicFixture.create(3, 2, 0, 0, 4)) {
            NetmapPort p = f.open("netmap:test0");
            int bufSize = f.region.bufSize();
            for (int i = 0; i < 5; i++) {
                boolean isTx = i < 3;
                NetmapRing ring = isTx ? p.txRing(i) : p.rxRing(i - 3);
                long ringAddr = isTx ? txRingAddress(p, i) : rxRingAddress(p, i - 3);
                long bufOfs = f.region.memory().getLong(off(f.region, ringAddr));
                assertEquals(ring.bufOfs(), bufOfs);
                for (int idx : new int[] {0, 2, 7, f.region.numBuffers() - 1})
                    assertEquals(f.region.bufferAddress(idx), ringAddr + bufOfs + (long) idx * bufSize,
                            "NETMAP_BUF(" + ring + ", " + idx + ")");
                for (int s = 0; s < ring.numSlots(); s++) {
                    int idx = ring.bufIdx(s);
                    assertEquals(ringAddr + bufOfs + (long) idx * bufSize,
                            ring.buffers().address() + ring.slotBufOffset(s), "slot " + s + " of " + ring);
                }
            }
            // bytes written through the flyweight are where NETMAP_BUF says
            NetmapRing tx = p.txRing(0);
            tx.buffers().putLong(tx.slotBufOffset(1), 0x5A5A_1234_5678_A5A5L);
            long addr = txRingAddress(p, 0) + tx.bufOfs() + (long) tx.bufIdx(1) * bufSize;
            assertEquals(0x5A5A_1234_5678_A5A5L, f.region.memory().getLong(off(f.region, addr)));
        }
    }

    @Test
    void buffersZeroAndOneAreNeverHandedOut() {
        int rings = 4, slots = 8;
        try (NicFixture f = NicFixture.create(1, 1, 1, 1, slots)) {
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 2; i++)
                for (NetmapRing r : new NetmapRing[] {f.nic.txKring(i).ring(), f.nic.rxKring(i).ring()})
                    for (int s = 0; s < r.numSlots(); s++) {
                        int idx = r.bufIdx(s);
                        assertTrue(idx >= 2 && idx < f.region.numBuffers(), "slot " + s + " has buffer " + idx);
                        assertTrue(seen.add(idx), "buffer " + idx + " is in two slots");
                    }
            assertEquals(rings * slots, seen.size());
            assertTrue(f.region.bufferAllocated(0), "0 is reserved");
            assertTrue(f.region.bufferAllocated(1), "1 is reserved");
            assertEquals(f.region.numBuffers() - 2 - rings * slots, f.region.freeBuffers());
        }
        // a pool with room for exactly the rings' buffers (plus the two reserved) is enough
        RegionConfig exact = RegionConfig.defaults().withBuffers(2 + 2 * 8).withMaxSlots(8).withRings(2);
        try (MemoryRegion region = MemoryRegion.createPrivate("exact" + ProcessHandle.current().pid(), exact)) {
            LoopbackNic nic = new LoopbackNic("exact0", region, 1, 1, 0, 0, 8);
            assertEquals(0, region.freeBuffers());
            nic.destroy();
            assertEquals(16, region.freeBuffers());
        }
    }

    @Test
    void theNameInNetmapIfIsTruncatedToFifteenBytesAndTerminated() {
        RegionConfig c = RegionConfig.defaults().withBuffers(64).withMaxSlots(4).withRings(4);
        try (MemoryRegion region = MemoryRegion.createPrivate("longname" + ProcessHandle.current().pid(), c)) {
            LoopbackNic nic = new LoopbackNic("averyveryverylongname0", region, 1, 1, 0, 0, 4);
            try (NetmapPort p = NetmapPort.bind(PortName.parse("netmap:averyveryverylongname0"), nic)) {
                assertEquals("averyveryverylo", p.nif().name());
                assertEquals(0, region.memory().getByte(off(region, p.nif().address()) + 15));
            }
        }
    }

    @Test
    void aPortWithoutHostRingsStillReportsOneOfEachWithZeroRingOfs() {
        try (NicFixture f = NicFixture.create(2, 2, 0, 0, 4)) {
            NetmapPort p = f.open();
            assertEquals(1, p.nif().hostTxRings());
            assertEquals(1, p.nif().hostRxRings());
            assertEquals(2 + 1 + 2 + 1, p.nif().ringOfsCount());
            assertEquals(0, p.nif().ringOfs(2), "the fake host TX ring");
            assertEquals(0, p.nif().ringOfs(5), "the fake host RX ring");
            assertNotEquals(0, p.nif().ringOfs(p.nif().rxRingOfsIndex(0)));
            assertEquals(3, p.nif().rxRingOfsIndex(0));
        }
    }
}
