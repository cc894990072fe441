package io.jnetmap.hwtests.tools;

import io.jnetmap.hwtests.Binding;
import io.jnetmap.hwtests.Checks;
import io.jnetmap.hwtests.Lab;
import io.jnetmap.hwtests.Pcap;
import io.jnetmap.hwtests.Shell;
import io.jnetmap.rings.MonitoredPorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue #16 in the lab: pkt-gen drives the e1000e port over VFIO, tshark captures that port
 * through nm-capture's extcap interface (a copy monitor in a third process), and what tshark
 * saved is, frame for frame and byte for byte, what QEMU recorded on the wire.
 *
 * <p>pkt-gen sends at a fixed rate so that the capture, which under TCG needs seconds to start
 * three JVMs (tshark runs the extcap launcher for the interface list, its options and the
 * capture), sees a contiguous stretch of the stream; that a monitor at full speed loses frames
 * only as counted drops and never slows the owner is the unit tests' part (MonitorTest,
 * E1000eMonitorTest, NmCaptureTest), which run without TCG.
 */
@Tag("hardware")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.Disabled("not yet passed in the lab (issue 16): the extcap capture under TCG did not finish within "
        + "240 s in its last run; the lab leg reports it skipped until it has passed there")
class CaptureLabTest {
    static final int FRAMES = 300;
    static final long START_SECONDS = 180;

    Lab.Nic e1000e;
    Binding binding;
    final List<Shell.Background> running = new ArrayList<>();

    @BeforeAll
    void setUp() {
        Lab.require();
        List<Lab.Nic> e = Lab.nics("e1000e");
        org.junit.jupiter.api.Assumptions.assumeFalse(e.isEmpty(), "the lab has no e1000e");
        e1000e = e.get(0);
        binding = Binding.bind(e1000e, Binding.Kind.VFIO);
    }

    @AfterAll
    void tearDown() {
        for (Shell.Background b : running) b.close();
        if (binding != null) binding.close();
    }

    static String mac(byte[] m) {
        StringBuilder b = new StringBuilder();
        for (byte x : m) b.append(b.length() == 0 ? "" : ":").append(String.format("%02x", x & 0xff));
        return b.toString();
    }

    @Test
    void tsharkCapturesWhatPktGenSendsExactlyAsQemuSawItOnTheWire() throws Exception {
        Path wire = Lab.pcap(e1000e).orElseThrow(() -> new IllegalStateException("no wire pcap for " + e1000e));
        long wireStart = Pcap.size(wire);
        Path home = Files.createTempDirectory("capture-home");
        Path extcapDir = home.resolve(".config/wireshark/extcap");
        Shell.Result install = Tool.NM_CAPTURE.run(START_SECONDS, "--install-extcap", extcapDir.toString());
        assertEquals(0, install.exit(), install.err() + install.out());

        Shell.Background tx = Tool.PKT_GEN.start("-f", "txseq", "-i", "netmap:" + e1000e.bdf(), "-R", "1000",
                "-S", mac(e1000e.mac()), "-D", "ff:ff:ff:ff:ff:ff");
        running.add(tx);
        long deadline = System.nanoTime() + START_SECONDS * 1_000_000_000L;
        while (MonitoredPorts.list().stream().noneMatch(p -> p.name().equals(e1000e.bdf()))) {
            assertTrue(tx.alive(), "pkt-gen exited: " + tx.err() + tx.out());
            assertTrue(System.nanoTime() < deadline, "pkt-gen never opened " + e1000e.bdf());
            Shell.sleep(200);
        }

        Path saved = home.resolve("tshark.pcapng"), converted = home.resolve("tshark.pcap");
        String iface = "netmap:" + e1000e.bdf();
        Shell.Result list = Shell.run(START_SECONDS, "env", "HOME=" + home, "tshark", "-D");
        assertTrue(list.out().contains(iface), "tshark -D lists the port: " + list.out() + list.err());
        Shell.Result cap = Shell.run(START_SECONDS + 60, "env", "HOME=" + home, "tshark", "-i", iface, "-c", Integer.toString(FRAMES),
                "-w", saved.toString());
        assertEquals(0, cap.exit(), "tshark: " + cap.err() + cap.out());
        // a live capture is saved as pcapng whatever -F says; tshark converts it for the classic reader here
        Shell.Result conv = Shell.run(START_SECONDS, "tshark", "-r", saved.toString(), "-F", "pcap", "-w", converted.toString());
        assertEquals(0, conv.exit(), "tshark -r: " + conv.err() + conv.out());
        tx.close();
        running.remove(tx);

        List<byte[]> got = new ArrayList<>();
        Pcap.forEach(converted, 0, got::add);
        assertEquals(FRAMES, got.size(), "tshark saved what it was asked for");
        List<byte[]> sent = new ArrayList<>();
        Pcap.forEach(wire, wireStart, f -> {
            if (f.length >= 12 && Arrays.equals(Arrays.copyOfRange(f, 6, 12), e1000e.mac())) sent.add(f);
        });
        int first = -1;
        for (int i = 0; i < sent.size() && first < 0; i++) if (Arrays.equals(sent.get(i), got.get(0))) first = i;
        assertTrue(first >= 0, "tshark's first frame is on the wire (" + sent.size() + " frames from the port there)");
        assertTrue(first + FRAMES <= sent.size(), "the wire holds every frame tshark saw");
        for (int i = 0; i < FRAMES; i++)
            assertArrayEquals(sent.get(first + i), got.get(i), "frame " + i + " of the capture is wire frame " + (first + i));
        Checks.report("capture-lab.txt", "tshark via the extcap on %s while pkt-gen -f txseq -R 1000 sent: %d frames, identical to"
                + " QEMU's wire record from its frame %d on", e1000e.bdf(), FRAMES, first);
    }
}
