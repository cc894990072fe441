package io.jnetmap.nic.linux;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Linux 6.1's own register definitions for the NICs we drive, read from Debian's
 * {@code linux-source-6.1} package (/usr/src/linux-source-6.1.tar.xz): only the few files named
 * below are extracted (with tar, into a cache under java.io.tmpdir keyed by the tarball's size and
 * date, so the second module's test and the JDK 25 run pay nothing), never kept in the project.
 *
 * <p>Without the package: {@code ./run-tests} passes {@code -D}{@value #REQUIRED_PROPERTY}{@code =required}
 * (and installs the package), so the check fails there with what to install; a plain
 * {@code mvn test} reports it skipped with the same message.
 */
public final class LinuxHeaders {
    /** Where the kernel source tarball is (default /usr/src/linux-source-6.1.tar.xz). */
    public static final String TARBALL_PROPERTY = "jnetmap.linuxSource";
    /** "required": a missing tarball fails the check instead of skipping it (./run-tests sets it). */
    public static final String REQUIRED_PROPERTY = "jnetmap.linuxHeaders";
    public static final String DEFAULT_TARBALL = "/usr/src/linux-source-6.1.tar.xz";

    /** The files each driver's constants come from, inside the tarball's top directory. */
    public static final Map<String, List<String>> FILES = Map.of(
            "e1000e", List.of("drivers/net/ethernet/intel/e1000e/regs.h", "drivers/net/ethernet/intel/e1000e/defines.h"),
            // e1000_82575.h: where igb defines the 82575/82576/I350's own registers (SRRCTL, advanced descriptors, MRQC modes)
            "igb", List.of("drivers/net/ethernet/intel/igb/e1000_regs.h", "drivers/net/ethernet/intel/igb/e1000_defines.h",
                    "drivers/net/ethernet/intel/igb/e1000_82575.h"),
            // ixgbe_phy.h: the SFP+ module (SFF-8472) fields and the I2C address ixgbe reads them at
            "ixgbe", List.of("drivers/net/ethernet/intel/ixgbe/ixgbe_type.h", "drivers/net/ethernet/intel/ixgbe/ixgbe_phy.h"),
            "r8169", List.of("drivers/net/ethernet/realtek/r8169_main.c"));

    private LinuxHeaders() { }

    /** The constants of {@code driver}'s files ("e1000e", "igb", "ixgbe", "r8169"). */
    public static CConstants of(String driver) {
        List<String> files = FILES.get(driver);
        if (files == null) throw new IllegalArgumentException("no Linux headers listed for " + driver + ": " + FILES.keySet());
        Path dir = extracted();
        List<String> texts = new ArrayList<>();
        for (String f : files) {
            try {
                texts.add(Files.readString(dir.resolve(f), StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                throw new IllegalStateException("reading " + dir.resolve(f) + ": " + e, e);
            }
        }
        List<String> names = files.stream().map(f -> f.substring(f.lastIndexOf('/') + 1)).toList();
        return CConstants.parse("Linux 6.1 " + driver + " (" + String.join(", ", names) + ")", texts.toArray(String[]::new));
    }

    /** The directory the files are extracted into (extracting them on first use). */
    static synchronized Path extracted() {
        Path tarball = Path.of(System.getProperty(TARBALL_PROPERTY, DEFAULT_TARBALL));
        if (!Files.isRegularFile(tarball)) {
            String msg = "Linux 6.1's NIC headers are needed to check our register constants against them, and "
                    + tarball + " is missing: install Debian's linux-source-6.1 package (apt-get install linux-source-6.1;"
                    + " ./run-tests does) or point -D" + TARBALL_PROPERTY + " at a copy of the tarball";
            if ("required".equals(System.getProperty(REQUIRED_PROPERTY))) Assertions.fail(msg);
            Assumptions.abort(msg + " (skipped: -D" + REQUIRED_PROPERTY + "=required makes this a failure)");
        }
        try {
            List<String> all = FILES.values().stream().flatMap(List::stream).sorted().toList();
            // keyed by the tarball and the file list: a new list gets a directory of its own
            String key = Files.size(tarball) + "-" + Files.getLastModifiedTime(tarball).toMillis() + "-"
                    + Integer.toHexString(all.hashCode());
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            Path dir = tmp.resolve("jnetmap-linux-6.1-headers-" + key);
            if (all.stream().allMatch(f -> Files.isRegularFile(dir.resolve(f)))) return dir;
            Path work = Files.createTempDirectory(tmp, "jnetmap-linux-headers-");
            try {
                List<String> cmd = new ArrayList<>(List.of("tar", "-xJf", tarball.toString(), "-C", work.toString(),
                        "--strip-components=1"));
                String top = topDirectory(tarball);
                for (String f : all) cmd.add(top + "/" + f);
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0)
                    throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out.strip());
                try {
                    Files.move(work, dir, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException raced) {
                    if (!Files.isDirectory(dir)) throw raced; // another JVM extracted it meanwhile: use theirs
                }
                return dir;
            } finally {
                deleteTree(work);
            }
        } catch (IOException e) {
            throw new IllegalStateException("extracting Linux's NIC headers from " + tarball + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while extracting from " + tarball, e);
        }
    }

    /** Debian's tarball holds linux-source-6.1/...; the name is taken from the file name. */
    private static String topDirectory(Path tarball) {
        String n = tarball.getFileName().toString();
        return n.endsWith(".tar.xz") ? n.substring(0, n.length() - ".tar.xz".length()) : "linux-source-6.1";
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
