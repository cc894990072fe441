package io.jnetmap.tools.pktgen;

import io.jnetmap.sys.OffHeapBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class PcapTest {
    @TempDir
    Path dir;

    /** A pcap file as another tool could have written it: chosen byte order and timestamp resolution. */
    static byte[] pcap(ByteOrder order, boolean nanos, int linkType, List<byte[]> frames) {
        int size = 24;
        for (byte[] f : frames) size += 16 + f.length;
        ByteBuffer b = ByteBuffer.allocate(size).order(order);
        b.putInt(nanos ? PcapWriter.MAGIC_NANOS : PcapWriter.MAGIC_MICROS).putShort((short) 2).putShort((short) 4)
                .putInt(0).putInt(0).putInt(262144).putInt(linkType);
        int i = 0;
        for (byte[] f : frames) {
            b.putInt(1_700_000_000 + i).putInt(nanos ? 999_999_999 - i : 999_999 - i).putInt(f.length).putInt(f.length + 4).put(f);
            i++;
        }
        return b.array();
    }

    static List<byte[]> randomFrames(int n, long seed) {
        Random rnd = new Random(seed);
        List<byte[]> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] f = new byte[60 + rnd.nextInt(1455)];
            rnd.nextBytes(f);
            l.add(f);
        }
        return l;
    }

    @Test
    void readsBothByteOrdersAndBothResolutions() throws IOException {
        List<byte[]> frames = randomFrames(20, 1);
        for (ByteOrder o : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN})
            for (boolean nanos : new boolean[] {false, true}) {
                Path f = dir.resolve(o + "-" + nanos + ".pcap");
                Files.write(f, pcap(o, nanos, 1, frames));
                PcapReader.Capture c = PcapReader.read(f);
                assertEquals(o, c.order());
                assertEquals(nanos, c.nanosecond());
                assertEquals(20, c.size());
                for (int i = 0; i < 20; i++) {
                    assertArrayEquals(frames.get(i), c.records().get(i).data());
                    assertEquals(frames.get(i).length + 4, c.records().get(i).wireLength());
                    assertEquals(1_700_000_000L + i, c.records().get(i).seconds());
                    assertEquals(nanos ? 999_999_999L - i : 999_999L - i, c.records().get(i).fraction());
                }
            }
    }

    @Test
    void writtenFilesReadBackWithTheirTimestamps() throws IOException {
        Path f = dir.resolve("w.pcap");
        List<byte[]> frames = randomFrames(3000, 2); // several flushes of the 1 MiB buffer
        try (PcapWriter w = PcapWriter.create(f); OffHeapBuffer buf = OffHeapBuffer.allocate(4096)) {
            for (int i = 0; i < frames.size(); i++) {
                byte[] fr = frames.get(i);
                buf.putBytes(100, fr, 0, fr.length);
                w.write(buf, 100, fr.length, 1000 + i, i);
            }
            assertEquals(3000, w.records());
        }
        byte[] all = Files.readAllBytes(f);
        assertEquals(0xd4, all[0] & 0xff, "little-endian microsecond magic, as tcpdump on x86");
        PcapReader.Capture c = PcapReader.read(f);
        assertFalse(c.nanosecond());
        assertEquals(PcapWriter.DLT_EN10MB, c.linkType());
        assertEquals(3000, c.size());
        for (int i = 0; i < 3000; i++) {
            assertArrayEquals(frames.get(i), c.records().get(i).data());
            assertEquals(1000 + i, c.records().get(i).seconds());
            assertEquals(i, c.records().get(i).fraction());
        }
    }

    @Test
    void unreadableFilesSayWhatIsWrong() throws IOException {
        assertMessage("does not exist", dir.resolve("none.pcap"));
        Path empty = Files.write(dir.resolve("empty.pcap"), new byte[0]);
        assertMessage("not a pcap file", empty);
        Path text = Files.writeString(dir.resolve("text.pcap"), "this is not a capture at all, really");
        assertMessage("not a pcap file", text);
        byte[] ng = new byte[64];
        ByteBuffer.wrap(ng).order(ByteOrder.LITTLE_ENDIAN).putInt(0x0a0d0d0a);
        assertMessage("pcapng", Files.write(dir.resolve("ng.pcap"), ng));
        assertMessage("link type 113", Files.write(dir.resolve("sll.pcap"), pcap(ByteOrder.LITTLE_ENDIAN, false, 113, randomFrames(1, 3))));
        byte[] ok = pcap(ByteOrder.LITTLE_ENDIAN, false, 1, randomFrames(2, 4));
        assertMessage("truncated", Files.write(dir.resolve("cut.pcap"), Arrays.copyOf(ok, ok.length - 5)));
    }

    private static void assertMessage(String part, Path f) {
        IOException e = assertThrows(IOException.class, () -> PcapReader.read(f));
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }
}
