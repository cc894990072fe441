package io.jnetmap.hwtests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.engine.support.descriptor.AbstractTestDescriptor;
import org.junit.platform.launcher.TestIdentifier;

/**
 * The lab's wire pcaps between tests, with the real host relay (hwtests/lab/lib/link-relay) behind a
 * stand-in for lab-link: the disk blocks of frames recorded before a test starts are given back, once
 * enough piled up; the bytes after that, and every byte a failed test recorded, stay as QEMU wrote
 * them. Not a hardware test: runs in the normal build.
 */
class WireHistoryTest {
    static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    final Random random = new Random(7);

    /** lab-link forget-wire as the guest runs it, answered by the relay the lab runs on the host. */
    String link() throws IOException {
        Path relay = Lab.repo().resolve("hwtests/lab/lib/link-relay");
        Path script = dir.resolve("lab-link");
        Files.writeString(script, """
                #!/bin/bash
                [[ $1 == forget-wire ]] || exit 64
                shift
                echo "$*" >>"%1$s/calls"
                printf '1 forget_wire %%s\\n' "$*" | LAB_MON=/nonexistent LAB_LINK_LOG="%1$s/link.log" LAB_NETDEVS="p0 p1" \\
                  LAB_PCAP_DIR="%1$s/pcap" bash "%2$s" | grep -qx '1 ok'
                """.formatted(dir, relay));
        assertTrue(script.toFile().setExecutable(true));
        return script.toString();
    }

    void append(String port, int bytes) throws IOException {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        Files.write(dir.resolve("pcap/" + port + ".pcap"), b, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Bytes of disk the file holds (st_blocks), not its size. */
    long allocated(String port) {
        return Long.parseLong(Shell.check("stat", "-c", "%b", dir.resolve("pcap/" + port + ".pcap").toString()).strip()) * 512;
    }

    byte[] bytes(String port, long from, long to) throws IOException {
        byte[] all = Files.readAllBytes(dir.resolve("pcap/" + port + ".pcap"));
        return Arrays.copyOfRange(all, (int) from, (int) to);
    }

    long size(String port) { return Pcap.size(dir.resolve("pcap/" + port + ".pcap")); }

    static TestIdentifier test(String name) {
        return TestIdentifier.from(new AbstractTestDescriptor(UniqueId.root("test", name), name) {
            @Override
            public Type getType() { return Type.TEST; }
        });
    }

    List<String> calls() throws IOException {
        Path c = dir.resolve("calls");
        return Files.exists(c) ? Files.readAllLines(c) : List.of();
    }

    @Test
    void earlierTestsFramesAreGivenBackAndAFailedTestsAreKept() throws Exception {
        Files.createDirectories(dir.resolve("pcap"));
        append("p0", 4096);
        append("p1", 4096);
        WireHistory history = new WireHistory(dir.resolve("pcap"), link(), MIB);

        history.executionStarted(test("a"));
        assertEquals(List.of(), calls(), "nothing recorded yet: nothing to give back");
        append("p0", 3 * MIB + 100);
        history.executionFinished(test("a"), TestExecutionResult.successful());

        long bStart0 = size("p0"), bStart1 = size("p1");
        byte[] p0Tail = bytes("p0", bStart0 - 100, bStart0);
        history.executionStarted(test("b"));
        assertEquals(List.of("p0:0:" + bStart0), calls(), "p1 holds no whole block past its header: not asked for");
        assertTrue(allocated("p0") <= 4 * 4096, "test a's frames gave their blocks back: " + allocated("p0") + " B left");
        assertEquals(bStart0, size("p0"), "the pcap keeps its size: every offset a test took still holds");
        assertArrayEquals(p0Tail, bytes("p0", bStart0 - 100, bStart0), "the last partial block is not touched");
        assertArrayEquals(new byte[4096], bytes("p0", bStart0 - 4196, bStart0 - 100), "a hole reads as zeros");
        append("p1", 2 * MIB);
        history.executionFinished(test("b"), TestExecutionResult.failed(new AssertionError("b")));

        byte[] failed = bytes("p1", bStart1, size("p1"));
        history.executionStarted(test("c"));
        append("p0", 2 * MIB);
        append("p1", 4096);
        long cEnd0 = size("p0"), cEnd1 = size("p1");
        history.executionFinished(test("c"), TestExecutionResult.successful());
        history.executionStarted(test("d"));

        assertEquals(2, calls().size(), "the failed test's stretch was never asked for: " + calls());
        assertEquals("p0:" + bStart0 + ":" + cEnd0 + " p1:" + (bStart1 + 2 * MIB) + ":" + cEnd1, calls().get(1),
                "test c's stretch, from where test b ended");
        assertArrayEquals(failed, bytes("p1", bStart1, bStart1 + failed.length), "test b failed: its frames stay");
        assertTrue(allocated("p1") >= 2 * MIB, "test b's blocks stay: " + allocated("p1"));
        assertTrue(allocated("p0") <= 4 * 4096, "test c's frames gave their blocks back: " + allocated("p0") + " B left");
    }
}
