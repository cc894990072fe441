package io.jnetmap.tools.pktgen;

import io.jnetmap.sys.OffHeapBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static io.jnetmap.tools.pktgen.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

class FrameTemplateTest {
    private static final Ipv4Range SRC = FrameTemplate.DEFAULT_SOURCE, DST = FrameTemplate.DEFAULT_DESTINATION;

    @Test
    void theDefaultFrameIsUdpFromTheBenchmarkingRangeWithNetmapsPayload() {
        byte[] f = FrameTemplate.udp(MacAddress.ZERO, MacAddress.BROADCAST, SRC, DST, 60).bytes();
        assertEquals(60, f.length);
        assertArrayEquals(new byte[] {-1, -1, -1, -1, -1, -1}, Arrays.copyOfRange(f, 0, 6), "broadcast destination");
        assertArrayEquals(new byte[6], Arrays.copyOfRange(f, 6, 12), "zero source MAC");
        assertEquals(0x0800, u16(f, 12));
        assertEquals(0x45, f[14] & 0xff);
        assertEquals(0x10, f[15] & 0xff, "TOS low delay, as netmap");
        assertEquals(46, u16(f, 16));
        assertEquals(0x4000, u16(f, 20), "DF");
        assertEquals(64, f[22]);
        assertEquals(17, f[23]);
        assertEquals((198 << 24) | (18 << 16) | 1, u32(f, 26), "198.18.0.1");
        assertEquals((198 << 24) | (19 << 16) | 1, u32(f, 30), "198.19.0.1");
        assertEquals(1234, u16(f, 34));
        assertEquals(1234, u16(f, 36));
        assertEquals(26, u16(f, 38));
        String payload = new String(f, 42, 17, StandardCharsets.US_ASCII);
        assertEquals(FrameTemplate.PAYLOAD_TEXT.substring(0, 17), payload);
        assertEquals(0, f[59], "NUL-terminated like netmap's payload");
        assertValid(f, 60, "default frame");
    }

    @Test
    void checksumsAreRightForEveryLengthAndAddress() {
        Random rnd = new Random(1);
        for (int len = 60; len <= 2048; len += len < 80 ? 1 : 37) {
            MacAddress s = new MacAddress(rnd.nextLong() & 0xffff_ffff_ffffL), d = new MacAddress(rnd.nextLong() & 0xffff_ffff_ffffL);
            byte[] f = FrameTemplate.udp(s, d, rnd.nextInt(), rnd.nextInt(), rnd.nextInt(65536), rnd.nextInt(65536), len).bytes();
            assertValid(f, len, "length " + len);
        }
    }

    @Test
    void incrementalUpdatesMatchARecomputation() {
        Random rnd = new Random(2);
        for (int n = 0; n < 100_000; n++) {
            byte[] w = new byte[20];
            rnd.nextBytes(w);
            int sum = Checksum.sum(w, 0, 20, 0);
            int field = Checksum.finish(sum);
            int at = 2 * rnd.nextInt(10);
            int old = u16(w, at), nu = rnd.nextInt(65536);
            w[at] = (byte) (nu >> 8);
            w[at + 1] = (byte) nu;
            int expected = Checksum.finish(Checksum.sum(w, 0, 20, 0));
            int got = Checksum.update16(field, old, nu);
            // 0x0000 and 0xffff are the same one's complement number: the receiver's sum is 0xffff either way
            assertEquals(expected == 0xffff ? 0 : expected, got == 0xffff ? 0 : got, "word " + at + " " + old + " -> " + nu);
        }
    }

    @Test
    void rangesWalkSourcePortFirstThenSourceAddressThenDestinationAndKeepChecksumsRight() {
        Ipv4Range src = Ipv4Range.parse("10.0.0.1:100-10.0.0.3:101"), dst = Ipv4Range.parse("10.1.0.254:7-10.1.1.0:8");
        FrameTemplate t = FrameTemplate.udp(MacAddress.ZERO, MacAddress.BROADCAST, src, dst, 99);
        FrameRewriter r = new FrameRewriter(t, src, dst, false, false, FrameRewriter.Payload.FIXED, 99, 1);
        assertTrue(r.rewritesEachPacket());
        try (OffHeapBuffer buf = OffHeapBuffer.allocate(4096)) {
            byte[] f = new byte[99];
            int n = 0;
            for (int dAddr = 0; dAddr < 3; dAddr++)
                for (int dPort = 7; dPort <= 8; dPort++)
                    for (int sAddr = 1; sAddr <= 3; sAddr++)
                        for (int sPort = 100; sPort <= 101; sPort++) {
                            int off = (n % 2) * 2048; // two buffers used in turn: never fresh after the first round
                            assertEquals(99, r.writeNext(buf, off, n < 2));
                            buf.getBytes(off, f, 0, 99);
                            assertEquals(sPort, u16(f, 34), "packet " + n);
                            assertEquals((10 << 24) | sAddr, u32(f, 26), "packet " + n);
                            assertEquals(dPort, u16(f, 36), "packet " + n);
                            assertEquals((10 << 24) | (1 << 16) | (254 + dAddr), u32(f, 30), "packet " + n);
                            assertValid(f, 99, "packet " + n);
                            n++;
                        }
            r.writeNext(buf, 0, false);
            buf.getBytes(0, f, 0, 99);
            assertEquals(100, u16(f, 34), "wrapped back to the start");
            assertEquals((10 << 24) | 1, u32(f, 26));
            assertEquals((10 << 24) | (1 << 16) | 254, u32(f, 30));
        }
    }

    @Test
    void randomPortsAddressesAndLengthsStayValid() {
        Ipv4Range src = Ipv4Range.parse("192.168.0.0:1000-192.168.255.255:2000"), dst = Ipv4Range.parse("198.19.0.1");
        FrameTemplate t = FrameTemplate.udp(MacAddress.ZERO, MacAddress.BROADCAST, src, dst, 1514);
        FrameRewriter r = new FrameRewriter(t, src, dst, true, true, FrameRewriter.Payload.FIXED, 60, 42);
        Set<Integer> lengths = new HashSet<>(), sports = new HashSet<>(), dports = new HashSet<>();
        try (OffHeapBuffer buf = OffHeapBuffer.allocate(4 * 2048)) {
            byte[] f = new byte[1514];
            for (int n = 0; n < 20_000; n++) {
                int off = (n % 4) * 2048;
                int len = r.writeNext(buf, off, n < 4);
                assertTrue(len >= 60 && len < 1514, "length " + len);
                buf.getBytes(off, f, 0, len);
                assertValid(f, len, "packet " + n);
                int sp = u16(f, 34), sa = u32(f, 26);
                assertTrue(sp >= 1000 && sp <= 2000, "source port " + sp);
                assertEquals(0xc0a8, sa >>> 16, "source address in the range");
                assertEquals((198 << 24) | (19 << 16) | 1, u32(f, 30), "a single destination address stays");
                lengths.add(len);
                sports.add(sp);
                dports.add(u16(f, 36));
            }
        }
        assertTrue(lengths.size() > 1000, "lengths spread: " + lengths.size());
        assertTrue(sports.size() > 900, "source ports spread: " + sports.size());
        assertTrue(dports.size() > 10_000, "-Z without a port range: any port: " + dports.size());
    }

    @Test
    void txseqNumbersPacketsBigEndianWithAValidChecksum() {
        FrameTemplate t = FrameTemplate.udp(MacAddress.ZERO, MacAddress.BROADCAST, SRC, DST, 61);
        FrameRewriter r = new FrameRewriter(t, SRC, DST, false, false, FrameRewriter.Payload.SEQUENCE, 61, 1);
        try (OffHeapBuffer buf = OffHeapBuffer.allocate(2 * 2048)) {
            byte[] f = new byte[61];
            for (int n = 0; n < 70_000; n++) {
                int off = (n & 1) * 2048;
                r.writeNext(buf, off, n < 2);
                buf.getBytes(off, f, 0, 61);
                assertEquals(n, u32(f, 42), "sequence");
                assertValid(f, 61, "packet " + n);
            }
        }
    }

    @Test
    void pingStampsAreLittleEndianAtNetmapsOffsetsWithAValidChecksum() {
        FrameTemplate t = FrameTemplate.udp(MacAddress.ZERO, MacAddress.BROADCAST, SRC, DST, 60);
        FrameRewriter r = new FrameRewriter(t, SRC, DST, false, false, FrameRewriter.Payload.PING, 60, 1);
        Random rnd = new Random(3);
        try (OffHeapBuffer buf = OffHeapBuffer.allocate(2048)) {
            byte[] f = new byte[60];
            for (int n = 0; n < 10_000; n++) {
                int sec = rnd.nextInt(), nsec = rnd.nextInt(1_000_000_000);
                r.stampPing(n, sec, nsec);
                r.write(buf, 0, n == 0);
                buf.getBytes(0, f, 0, 60);
                assertEquals(n, buf.getInt(42));
                assertEquals(sec, buf.getInt(46));
                assertEquals(nsec, buf.getInt(50));
                assertValid(f, 60, "ping " + n);
            }
        }
    }

    @Test
    void aFixedFrameIsWrittenOnceAndNotRewritten() {
        FrameTemplate t = FrameTemplate.udp(MacAddress.ZERO, MacAddress.BROADCAST, SRC, DST, 60);
        FrameRewriter r = new FrameRewriter(t, SRC, DST, false, false, FrameRewriter.Payload.FIXED, 60, 1);
        assertFalse(r.rewritesEachPacket());
        assertEquals(60, r.fixedLength());
    }
}
