package io.jnetmap.tools.capture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code nm-capture --install-extcap}: writes a small launcher called {@code nm-capture} into the
 * user's personal extcap folder, so Wireshark and tshark list jnetmap's ports. The folder is the
 * one {@code tshark -G folders} reports as "Personal Extcap path" (Wireshark 4.2 and later), else
 * the personal configuration folder's {@code extcap} (Wireshark 4.0 and earlier), else
 * {@code ~/.config/wireshark/extcap}. The launcher runs this checkout's {@code tools/bin/nm-capture}
 * (when nm-capture was started through it), else the same Java and class path as this process.
 */
final class ExtcapInstaller {
    static final String FILE_NAME = "nm-capture";
    /** Set by tools/bin/nm-capture to its own path. */
    static final String LAUNCHER_ENV = "NM_CAPTURE_LAUNCHER";

    private ExtcapInstaller() { }

    /** Installs into {@code dir} (empty: the folder tshark reports); returns the launcher's path. */
    static Path install(String dir) {
        Path target = dir.isEmpty() ? personalExtcapDir() : Path.of(dir);
        try {
            Files.createDirectories(target);
            Path f = target.resolve(FILE_NAME);
            Path tmp = target.resolve("." + FILE_NAME + ".tmp");
            Files.writeString(tmp, script(), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install the extcap launcher in " + target + ": " + e.getMessage()
                    + "; give a writable folder: nm-capture --install-extcap DIR", e);
        }
    }

    /**
     * JVM options for the short calls (listing interfaces): no C2 compiler, serial GC, no perf
     * data file; a JVM starts noticeably faster so, which Wireshark's start-up waits for.
     */
    static final String QUICK_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData";

    /**
     * The launcher. Wireshark and tshark run an extcap for its options (--extcap-config) at every
     * start and twice before each capture, and may ask for its link types (--extcap-dlts): those
     * answers never change, so they are written into the script here and no JVM starts for them
     * (under an emulator a JVM start takes many seconds). The interface list (which ports are open
     * now) and the capture run nm-capture; the list with {@link #QUICK_JVM}.
     */
    static String script() {
        String launcher = System.getenv(LAUNCHER_ENV);
        String cmd;
        if (launcher != null && Files.isExecutable(Path.of(launcher))) {
            cmd = "JNETMAP_JAVA_OPTS=\"$quick ${JNETMAP_JAVA_OPTS:-}\" exec " + quote(launcher) + " \"$@\"";
        } else {
            String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
            String logging = System.getProperty("logback.configurationFile"); // stdout is the extcap protocol's: keep logs off it
            cmd = "exec " + quote(java) + " --enable-native-access=ALL-UNNAMED $quick"
                    + (logging == null ? "" : " " + quote("-Dlogback.configurationFile=" + logging))
                    + " -cp " + quote(System.getProperty("java.class.path"))
                    + " " + NmCapture.class.getName() + " \"$@\"";
        }
        return "#!/bin/sh\n# Wireshark extcap interface for ports jnetmap processes own; installed by nm-capture --install-extcap\n"
                + "# (run it again after updating jnetmap: the fixed answers below are this version's).\n"
                + "answer=; quick='" + QUICK_JVM + "'\n"
                + "for a in \"$@\"; do\n"
                + "  case $a in --extcap-config) answer=config ;; --extcap-dlts) answer=dlts ;; --capture) quick= ;; esac\n"
                + "done\n"
                + "if [ \"$answer\" = config ]; then\n" + heredoc(render(Extcap::config)) + "  exit 0\nfi\n"
                + "if [ \"$answer\" = dlts ]; then\n" + heredoc(render(Extcap::dlts)) + "  exit 0\nfi\n"
                + cmd + "\n";
    }

    /** What an {@link Extcap} call prints (it does not depend on the interface). */
    private static String render(java.util.function.BiConsumer<Extcap, String> call) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        java.io.PrintStream ps = new java.io.PrintStream(b, true, StandardCharsets.UTF_8);
        call.accept(new Extcap(ps), "");
        ps.flush();
        return b.toString(StandardCharsets.UTF_8);
    }

    private static String heredoc(String text) {
        return "  cat <<'NM_CAPTURE_EOF'\n" + text + (text.endsWith("\n") ? "" : "\n") + "NM_CAPTURE_EOF\n";
    }

    private static String quote(String s) { return "'" + s.replace("'", "'\\''") + "'"; }

    /** The personal extcap folder, as tshark reports it. */
    static Path personalExtcapDir() {
        String home = System.getProperty("user.home");
        try {
            Process p = new ProcessBuilder("tshark", "-G", "folders").redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            p.waitFor(10, TimeUnit.SECONDS);
            String personalConfig = null;
            for (String l : lines) {
                int colon = l.indexOf(':');
                if (colon < 0) continue;
                String key = l.substring(0, colon).trim(), value = l.substring(colon + 1).trim();
                if (key.equals("Personal Extcap path")) return Path.of(value);
                if (key.equals("Personal configuration")) personalConfig = value;
            }
            if (personalConfig != null) return Path.of(personalConfig, "extcap");
        } catch (IOException e) {
            // no tshark: Wireshark 4.0's default below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Path.of(home, ".config", "wireshark", "extcap");
    }
}
