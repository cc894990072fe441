package io.jnetmap.hwtests;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * The hardware lab as the environment describes it (hwtests/lab/README.md): which NICs there are
 * ({@code JNETMAP_LAB_NICS}: BDF/chip/MAC/port), which are cabled back to back
 * ({@code JNETMAP_PORTS}: a=b pairs), where QEMU's pcaps are, how to pull a cable. Tests call
 * {@link #require()} first: outside the lab they are skipped with a message saying how to run them.
 */
public final class Lab {
    private Lab() { }

    /** One lab NIC. {@code port} is QEMU's netdev id (lab-link's argument) and the kernel's interface name at boot. */
    public record Nic(String bdf, String chip, byte[] mac, String port) {
        public String macString() { return Frames.macString(mac); }
        @Override public String toString() { return port + " " + chip + " " + bdf; }
    }

    public static boolean present() {
        String ports = System.getenv("JNETMAP_PORTS");
        return ports != null && !ports.isBlank() && System.getenv("JNETMAP_LAB_NICS") != null;
    }

    /** Skips the calling test (JUnit assumption) unless the lab environment is there. */
    public static void require() {
        Assumptions.assumeTrue(present(), "no hardware lab: JNETMAP_PORTS / JNETMAP_LAB_NICS are not set. Run "
                + "hwtests/lab/run (emulated lab) or set them as hwtests/lab/README.md says for real NICs");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) || Files.isWritable(Path.of("/sys/bus/pci/drivers_probe")),
                "hardware tests bind NICs and need root");
    }

    public static List<Nic> nics() {
        List<Nic> l = new ArrayList<>();
        String v = System.getenv("JNETMAP_LAB_NICS");
        if (v == null) return l;
        for (String e : v.split(",")) {
            if (e.isBlank()) continue;
            String[] f = e.trim().split("/");
            if (f.length < 4) throw new IllegalStateException("JNETMAP_LAB_NICS entry '" + e + "' is not BDF/chip/MAC/port");
            l.add(new Nic(f[0], f[1].toLowerCase(Locale.ROOT), Frames.parseMac(f[2]), f[3]));
        }
        return l;
    }

    /** The lab NICs of one chip family ("e1000e", "igb"), in table order. */
    public static List<Nic> nics(String chip) {
        List<Nic> l = new ArrayList<>();
        for (Nic n : nics()) if (n.chip().equals(chip)) l.add(n);
        return l;
    }

    /** The NIC cabled to {@code nic}, if any. */
    public static Optional<Nic> peer(Nic nic) {
        String v = System.getenv("JNETMAP_PORTS");
        if (v == null) return Optional.empty();
        for (String pair : v.split(",")) {
            String[] ab = pair.trim().split("=");
            if (ab.length != 2) continue;
            String other = ab[0].equals(nic.bdf()) ? ab[1] : ab[1].equals(nic.bdf()) ? ab[0] : null;
            if (other != null) for (Nic n : nics()) if (n.bdf().equals(other)) return Optional.of(n);
        }
        return Optional.empty();
    }

    /** QEMU's record of every frame of {@code nic}'s port, if the lab has one (the emulated lab does). */
    public static Optional<Path> pcap(Nic nic) {
        String dir = System.getenv("JNETMAP_LAB_PCAP_DIR");
        if (dir == null || dir.isBlank()) return Optional.empty();
        Path p = Path.of(dir).resolve(nic.port() + ".pcap");
        return Files.exists(p) ? Optional.of(p) : Optional.empty();
    }

    /**
     * Gives back the disk space of bytes {@code from..to} of {@code nic}'s wire pcap: frames the
     * running test has decided not to read, while it still floods the port (between tests
     * {@link WireHistory} does it for every port). False, with a warning, when the lab could not.
     */
    public static boolean forgetWire(Nic nic, long from, long to) {
        String link = labLink().orElse(null);
        if (link == null || pcap(nic).isEmpty()) return false;
        Shell.Result r = WireHistory.forget(link, List.of(nic.port() + ":" + from + ":" + to));
        if (r.exit() != 0) LoggerFactory.getLogger(Lab.class).warn("lab-link forget-wire {}:{}:{}: {}", nic.port(), from, to, (r.err() + r.out()).strip());
        return r.exit() == 0;
    }

    /** Where tests may leave files for the run's report (the lab's results directory, else target/). */
    public static Path resultsDir() {
        String r = System.getenv("JNETMAP_LAB_RESULTS");
        Path p = r != null && !r.isBlank() ? Path.of(r) : Path.of("target");
        try {
            Files.createDirectories(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return p;
    }

    /** The repository root (hwtests runs in hwtests/). */
    public static Path repo() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) if (Files.isExecutable(p.resolve("tools/nm-bind"))) return p;
        throw new IllegalStateException("cannot find the repository (tools/nm-bind) above " + here);
    }

    /** lab-link, or empty on a lab without cable pulls. */
    public static Optional<String> labLink() {
        String l = System.getenv("JNETMAP_LAB_LINK");
        return l == null || l.isBlank() ? Optional.empty() : Optional.of(l);
    }

    /** Pulls ({@code up} false) or plugs the cable of the given ports (both ends to emulate a real pull). */
    public static void setLink(boolean up, Nic... ports) {
        String link = labLink().orElseThrow(() -> new IllegalStateException("this lab cannot pull cables (JNETMAP_LAB_LINK unset)"));
        List<String> cmd = new ArrayList<>(List.of(link));
        for (Nic n : ports) cmd.add(n.port());
        cmd.add(up ? "on" : "off");
        Shell.check(30, cmd.toArray(new String[0]));
    }
}
