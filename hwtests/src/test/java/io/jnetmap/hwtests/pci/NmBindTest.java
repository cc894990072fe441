package io.jnetmap.hwtests.pci;

import io.jnetmap.hwtests.Lab;
import io.jnetmap.hwtests.PeerPort;
import io.jnetmap.hwtests.Shell;
import io.jnetmap.pci.HostPaths;
import io.jnetmap.pci.PciAddress;
import io.jnetmap.pci.SysfsPciFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * tools/nm-bind in the lab, on the real sysfs of a machine with an IOMMU: {@code status} lists
 * every lab NIC with its chip and IOMMU group; {@code bind} refuses an interface that has an
 * address unless {@code --force}; bind then restore (through vfio-pci on one cable, through
 * uio_pci_generic on the other) gives back the kernel driver, the interface name and the MAC, and
 * the two ends of the cable ping each other from two network namespaces afterwards; an error is
 * one line on stderr and a non-zero exit. Outside the lab every test is reported skipped.
 */
@Tag("hardware")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NmBindTest {
    static final String NS_A = "nmbind-a", NS_B = "nmbind-b";

    String nmBind;
    List<Lab.Nic> nics = List.of();
    /** The cabled pairs of JNETMAP_PORTS, in table order. */
    final List<Lab.Nic[]> pairs = new ArrayList<>();
    final Set<String> touched = new LinkedHashSet<>();

    @BeforeAll
    void setUp() {
        if (!Lab.present()) return; // each test reports the skip (requireLab)
        nmBind = Lab.repo().resolve("tools/nm-bind").toString();
        nics = Lab.nics();
        List<String> bdfs = nics.stream().map(Lab.Nic::bdf).toList(); // Nic holds a byte[]: compare addresses, not records
        for (int i = 0; i < nics.size(); i++) {
            Lab.Nic a = nics.get(i);
            Lab.Nic b = Lab.peer(a).orElse(null);
            if (b != null && bdfs.indexOf(b.bdf()) > i) pairs.add(new Lab.Nic[] {a, b});
        }
    }

    @BeforeEach
    void requireLab() {
        Lab.require();
    }

    @AfterAll
    void putEverythingBack() {
        if (nmBind == null) return;
        Shell.run(30, "ip", "netns", "del", NS_A);
        Shell.run(30, "ip", "netns", "del", NS_B);
        for (String bdf : touched) {
            if (Files.exists(record(bdf))) Shell.run(180, nmBind, "restore", bdf);
        }
    }

    // ================================================================== errors

    @Test
    @Order(1)
    void anErrorIsOneLineOnStderrAndANonZeroExit() {
        String absent = absentAddress();
        List<List<String>> cases = List.of(List.of("bind", absent), List.of("bind", "nosuchif0"), List.of("restore", absent),
                List.of("bind", nics.get(0).bdf(), "--driver", "e1000"));
        for (List<String> args : cases) {
            Shell.Result r = nmBind(args.toArray(new String[0]));
            String what = "nm-bind " + String.join(" ", args);
            List<String> lines = r.err().lines().toList();
            PciLabChecks.report("%s -> exit %d: %s", what, r.exit(), r.err().strip());
            assertNotEquals(0, r.exit(), what + " must fail");
            assertEquals("", r.out(), what + ": nothing on stdout");
            assertEquals(1, lines.size(), what + ": one line on stderr, got: " + r.err());
            assertTrue(lines.get(0).startsWith("nm-bind: "), what + ": the line starts with the program's name: " + lines.get(0));
        }
        assertEquals(nics.get(0).chip(), driver(nics.get(0).bdf()), "a refused bind changed nothing");
        assertFalse(Files.exists(record(absent)), "no record for a device that does not exist");
    }

    // ================================================================== status

    @Test
    @Order(2)
    void statusListsEveryLabNicWithItsChipAndIommuGroup() {
        Shell.Result r = nmBind("status");
        assertEquals(0, r.exit(), "nm-bind status: " + r.err());
        PciLabChecks.report("nm-bind status:%n%s", r.out().stripTrailing());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).matches("ADDRESS\\s+VENDOR:DEV\\s+CHIP\\s+DRIVER\\s+IFACE\\s+IOMMU\\s+NOTE"), "header: " + lines.get(0));
        Map<String, String[]> rows = new LinkedHashMap<>();
        for (String l : lines) {
            String[] cells = l.split("\\s{2,}"); // columns are at least two spaces apart; "82574L (e1000e)" has one
            if (PciAddress.tryParse(cells[0]).isPresent() && cells[0].length() == 12) rows.put(cells[0], cells);
        }
        boolean anyGroup = false;
        for (Lab.Nic n : nics) {
            String[] row = rows.get(n.bdf());
            assertNotNull(row, "status lists " + n);
            assertTrue(row.length >= 6, "a full row for " + n + ": " + String.join(" | ", row));
            String expectChip = IntelChip.of(n.bdf()).map(IntelChip::displayName).orElse(null);
            if (expectChip != null) assertEquals(expectChip, row[2], "chip name of " + n);
            else assertTrue(row[2].endsWith("(" + n.chip() + ")"), "chip of " + n + ": " + row[2]);
            assertEquals(driver(n.bdf()).isEmpty() ? "-" : driver(n.bdf()), row[3], "driver of " + n);
            assertEquals(iface(n.bdf()), row[4], "interface of " + n);
            String group = iommuGroup(n.bdf());
            anyGroup |= !group.equals("none");
            assertEquals(group, row[5], "IOMMU group of " + n);
        }
        if (anyGroup) assertTrue(r.out().contains("\nIOMMU: active"), "status says the IOMMU is active");
        if (PciLabChecks.underQemu()) assertEquals(nics.size(), rows.size(), "the emulated lab has exactly its NICs: " + rows.keySet());
    }

    // ================================================================== bind refuses an interface with an address

    @Test
    @Order(3)
    void bindRefusesAnInterfaceWithAnAddressUnlessForced() {
        // the last 1 GbE NIC (e1000e/igb): the checks below know those chips' kernel drivers
        Lab.Nic n = nics.stream().filter(x -> x.chip().equals("e1000e") || x.chip().equals("igb"))
                .reduce((a, b) -> b).orElseThrow();
        String kernel = driver(n.bdf());
        assertEquals(n.chip(), kernel, n + " starts on its kernel driver");
        String ifname = PeerPort.kernelInterface(n.bdf());
        Shell.check("ip", "addr", "add", "198.18.70.1/24", "dev", ifname);
        touched.add(n.bdf());
        try {
            Shell.Result r = nmBind("bind", n.bdf());
            PciLabChecks.report("nm-bind bind %s (%s has 198.18.70.1/24) -> exit %d: %s", n.bdf(), ifname, r.exit(), r.err().strip());
            assertEquals(1, r.exit(), "bind of an interface with an address must fail: " + r.out() + r.err());
            assertEquals(1, r.err().lines().count(), "one line: " + r.err());
            assertTrue(r.err().contains(ifname) && r.err().contains("IP addresses") && r.err().contains("--force"),
                    "names the interface, the reason and --force: " + r.err());
            assertEquals(kernel, driver(n.bdf()), "still on " + kernel);
            assertFalse(Files.exists(record(n.bdf())), "nothing remembered");

            r = nmBind("bind", n.bdf(), "--force");
            assertEquals(0, r.exit(), "bind --force: " + r.err());
            String bound = iommuGroup(n.bdf()).equals("none") ? "uio_pci_generic" : "vfio-pci";
            assertEquals(bound, driver(n.bdf()), "--force bound it");
            assertTrue(Files.exists(record(n.bdf())), "nm-bind remembers it");

            r = nmBind("restore", n.bdf());
            assertEquals(0, r.exit(), "restore: " + r.err());
            assertEquals(kernel, driver(n.bdf()));
            assertEquals(ifname, PeerPort.kernelInterface(n.bdf()), "interface name back");
        } finally {
            if (driver(n.bdf()).equals(kernel)) Shell.run(30, "ip", "addr", "flush", "dev", PeerPort.kernelInterface(n.bdf()));
        }
    }

    // ================================================================== round trips

    @Test
    @Order(4)
    void bindToVfioPciAndRestoreThenTheCablePassesTraffic() {
        assumeTrue(!pairs.isEmpty(), "no cabled pair in JNETMAP_PORTS");
        roundTrip(pairs.get(0), "vfio-pci", "198.18.60.");
    }

    @Test
    @Order(5)
    void bindToUioPciGenericAndRestoreThenTheCablePassesTraffic() {
        assumeTrue(!pairs.isEmpty(), "no cabled pair in JNETMAP_PORTS");
        roundTrip(pairs.get(Math.min(1, pairs.size() - 1)), "uio_pci_generic", "198.18.61.");
    }

    void roundTrip(Lab.Nic[] pair, String userDriver, String subnet) {
        Lab.Nic a = pair[0], b = pair[1];
        String kernelA = driver(a.bdf()), kernelB = driver(b.bdf());
        assertEquals(a.chip(), kernelA, a + " starts on its kernel driver");
        assertEquals(b.chip(), kernelB, b + " starts on its kernel driver");
        String ifA = PeerPort.kernelInterface(a.bdf()), ifB = PeerPort.kernelInterface(b.bdf());
        touched.add(a.bdf());
        touched.add(b.bdf());

        Shell.Result r = nmBind("bind", a.bdf(), b.bdf(), "--driver", userDriver);
        PciLabChecks.report("nm-bind bind %s %s --driver %s -> exit %d:%n%s%s", a.bdf(), b.bdf(), userDriver, r.exit(), r.out(),
                r.err());
        assertEquals(0, r.exit(), "bind: " + r.err());
        assertEquals(userDriver, driver(a.bdf()));
        assertEquals(userDriver, driver(b.bdf()));
        Shell.Result status = nmBind("status");
        assertTrue(status.out().contains("nm-bind: was " + ifA + " on " + kernelA), "status remembers " + ifA + ":\n" + status.out());
        assertTrue(status.out().contains("nm-bind: was " + ifB + " on " + kernelB), "status remembers " + ifB + ":\n" + status.out());

        r = nmBind("restore", a.bdf(), b.bdf());
        PciLabChecks.report("nm-bind restore %s %s -> exit %d:%n%s%s", a.bdf(), b.bdf(), r.exit(), r.out(), r.err());
        assertEquals(0, r.exit(), "restore: " + r.err());
        for (Lab.Nic n : pair) {
            String want = n == a ? ifA : ifB;
            assertEquals(n == a ? kernelA : kernelB, driver(n.bdf()), n + " back on its kernel driver");
            assertEquals(want, PeerPort.kernelInterface(n.bdf()), n + ": interface name back");
            assertEquals(n.macString(), read(Path.of("/sys/class/net", want, "address")), n + ": MAC back");
            assertFalse(Files.exists(record(n.bdf())), n + ": nm-bind forgot it");
        }
        ping(ifA, ifB, subnet);
    }

    /** ifA in namespace A as .1, ifB in namespace B as .2; A pings B across the cable. */
    void ping(String ifA, String ifB, String subnet) {
        Shell.run(30, "ip", "netns", "del", NS_A);
        Shell.run(30, "ip", "netns", "del", NS_B);
        Shell.check("ip", "netns", "add", NS_A);
        Shell.check("ip", "netns", "add", NS_B);
        try {
            configure(NS_A, ifA, subnet + "1/24");
            configure(NS_B, ifB, subnet + "2/24");
            waitForCarrier(NS_A, ifA);
            waitForCarrier(NS_B, ifB);
            Shell.Result p = Shell.run(60, "ip", "netns", "exec", NS_A, "ping", "-c", "3", "-i", "0.3", "-W", "3", subnet + "2");
            PciLabChecks.report("ping %s (%s) -> %s (%s): %s", ifA, NS_A, ifB, NS_B,
                    p.out().strip().lines().reduce((x, y) -> y).orElse("") + " " + p.err().strip());
            assertEquals(0, p.exit(), "ping across the cable after restore:\n" + p.out() + p.err());
        } finally {
            Shell.run(30, "ip", "netns", "del", NS_A);
            Shell.run(30, "ip", "netns", "del", NS_B);
            // the physical interfaces fall back into the root namespace
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline
                    && !(Files.exists(Path.of("/sys/class/net", ifA)) && Files.exists(Path.of("/sys/class/net", ifB)))) {
                Shell.sleep(50);
            }
        }
    }

    static void configure(String ns, String ifname, String cidr) {
        Shell.check("ip", "link", "set", ifname, "netns", ns);
        Shell.check("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
        Shell.check("ip", "netns", "exec", ns, "ip", "addr", "add", cidr, "dev", ifname);
        Shell.check("ip", "netns", "exec", ns, "ip", "link", "set", ifname, "up");
    }

    static void waitForCarrier(String ns, String ifname) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            Shell.Result r = Shell.run(10, "ip", "netns", "exec", ns, "cat", "/sys/class/net/" + ifname + "/carrier");
            if (r.ok() && r.out().strip().equals("1")) return;
            if (System.nanoTime() > deadline) fail(ifname + " in " + ns + " has no carrier after 20 s");
            Shell.sleep(100);
        }
    }

    // ================================================================== helpers

    Shell.Result nmBind(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = nmBind;
        System.arraycopy(args, 0, cmd, 1, args.length);
        return Shell.run(180, cmd);
    }

    static Path record(String bdf) {
        return HostPaths.system().stateDir().resolve("bound").resolve(bdf);
    }

    static String driver(String bdf) {
        Path d = Path.of("/sys/bus/pci/devices", bdf, "driver");
        try {
            return Files.exists(d) ? d.toRealPath().getFileName().toString() : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The device's kernel interface, "-" if it has none (what status prints). */
    static String iface(String bdf) {
        List<String> l = new SysfsPciFunction(PciAddress.parse(bdf), HostPaths.system()).netInterfaces();
        return l.isEmpty() ? "-" : l.get(0);
    }

    static String iommuGroup(String bdf) {
        Path g = Path.of("/sys/bus/pci/devices", bdf, "iommu_group");
        try {
            return Files.exists(g) ? g.toRealPath().getFileName().toString() : "none";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A well-formed PCI address no device has on this machine. */
    static String absentAddress() {
        for (String a : List.of("0000:00:1e.6", "0000:00:1d.5", "0000:fe:1f.6", "0000:fd:1e.5")) {
            if (!Files.exists(Path.of("/sys/bus/pci/devices", a))) return a;
        }
        throw new IllegalStateException("every candidate address exists here");
    }
}
