package io.jnetmap.hwtests.tools;

import io.jnetmap.hwtests.Lab;
import io.jnetmap.hwtests.Shell;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A jnetmap tool run as a user runs it: its own process, command-line arguments, stdout and
 * stderr. Three ways, same main class:
 * <ul>
 * <li>{@link Way#CLASSPATH}: {@code java -cp <this test's class path> MAIN}, the tools'
 *     classes as hwtests/lab/suite prepare compiled them on the host;</li>
 * <li>{@link Way#LAUNCHER} ({@code JNETMAP_TOOLS_WAY=launcher}): tools/bin/pkt-gen and tools/bin/bridge
 *     with JNETMAP_NO_BUILD=1, so a stale build fails instead of running Maven under TCG.</li>
 * <li>{@link Way#ARCHIVED} ({@code JNETMAP_TOOLS_WAY=archived}): the launcher's java command (its jars,
 *     tools/target/jnetmap.classpath) with a class-data-sharing archive of the tools' classes that
 *     hwtests/lab/suite prepare dumped on the host ({@code -XX:SharedArchiveFile}: JVM start-up only, the
 *     same classes, code and JIT). Under TCG it saves the parsing and verification of some 2,700 classes
 *     a start. {@link #fastestWay()} picks it when the archive was made for this JDK.</li>
 * </ul>
 * {@code start} and {@code run} without a way use {@link #fastestWay()}: by the class path a tool
 * under TCG spends 20-40 s loading and verifying classes before it opens a port (nm-capture attached
 * 114-181 s after it started beside an unpaced sender on the guest's other vCPU). A way given
 * explicitly is for tests of the ways themselves; {@link PktGenLabTest} times them in the guest.
 */
enum Tool {
    PKT_GEN("pkt-gen", "io.jnetmap.tools.pktgen.PktGen"),
    BRIDGE("bridge", "io.jnetmap.tools.bridge.Bridge"),
    VALE_CTL("vale-ctl", "io.jnetmap.tools.valectl.ValeCtl"),
    NM_CAPTURE("nm-capture", "io.jnetmap.tools.capture.NmCapture");

    enum Way { CLASSPATH, LAUNCHER, ARCHIVED }

    /** The way JNETMAP_TOOLS_WAY names, if it names one. */
    static final Optional<Way> CHOSEN_WAY = chosenWay();

    /** The way when JNETMAP_TOOLS_WAY names none and suite prepare made no archive for this JDK. */
    static final Way FALLBACK_WAY = CHOSEN_WAY.orElse(Way.CLASSPATH);

    private static Optional<Way> chosenWay() {
        String w = System.getenv("JNETMAP_TOOLS_WAY");
        for (Way way : Way.values()) if (way.name().equalsIgnoreCase(w)) return Optional.of(way);
        return Optional.empty();
    }

    /**
     * The way {@code start} and {@code run} take when none is given: the one JNETMAP_TOOLS_WAY names,
     * else {@link Way#ARCHIVED} when suite prepare made the archive for this JDK, else {@link #FALLBACK_WAY}.
     */
    static Way fastestWay() {
        return CHOSEN_WAY.orElse(Archive.get().isPresent() ? Way.ARCHIVED : FALLBACK_WAY);
    }

    /**
     * hwtests/lab/suite prepare's CDS archive (hwtests/target/tools-cds: tools.jsa, the class path and
     * the JDK it was dumped for), copied once to java.io.tmpdir: the repository's share is mounted
     * with cache=none in the lab guest, where the JVM's page faults on the 22 MB archive mapped from it
     * cost 12 s a start (measured), against nothing from the guest's tmpfs. {@code copyMillis}: how long
     * that copy took.
     */
    record Archive(Path file, String classPath, long copyMillis) {
        private static Optional<Archive> archive;

        static synchronized Optional<Archive> get() {
            if (archive == null) archive = find();
            return archive;
        }

        private static Optional<Archive> find() {
            Path dir = Lab.repo().resolve("hwtests/target/tools-cds");
            Path jsa = dir.resolve("tools.jsa"), cp = dir.resolve("classpath"), home = dir.resolve("java-home");
            try {
                if (!Files.isReadable(jsa) || !Files.isReadable(cp) || !Files.isReadable(home)) return Optional.empty();
                Path dumpedBy = Path.of(Files.readString(home).trim()).toRealPath();
                if (!dumpedBy.equals(Path.of(System.getProperty("java.home")).toRealPath())) return Optional.empty();
                Path local = Path.of(System.getProperty("java.io.tmpdir"), "jnetmap-tools-" + ProcessHandle.current().pid() + ".jsa");
                long t0 = System.nanoTime();
                copy(jsa, local);
                local.toFile().deleteOnExit();
                return Optional.of(new Archive(local, Files.readString(cp).trim(), (System.nanoTime() - t0) / 1_000_000));
            } catch (IOException e) {
                throw new UncheckedIOException("reading the tools' CDS archive in " + dir, e);
            }
        }

        /** Copies in 1 MiB reads: over 9p with cache=none each read is a round trip to the host. */
        private static void copy(Path from, Path to) throws IOException {
            try (FileChannel in = FileChannel.open(from);
                 FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                         StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
                while (in.read(buf) >= 0) {
                    buf.flip();
                    while (buf.hasRemaining()) out.write(buf);
                    buf.clear();
                }
            }
        }
    }

    final String script;
    final String mainClass;

    Tool(String script, String mainClass) {
        this.script = script;
        this.mainClass = mainClass;
    }

    /** The command line that runs this tool with {@code args}. */
    List<String> command(Way way, String... args) {
        return command(way, List.of(), args);
    }

    /**
     * The command line that runs this tool with {@code args}, its JVM given {@code jvmOptions}
     * besides the caller's JNETMAP_JAVA_OPTS (as a user sets driver properties, e.g.
     * {@code -Djnetmap.igb.interrupts=false}).
     */
    List<String> command(Way way, List<String> jvmOptions, String... args) {
        List<String> c = new ArrayList<>();
        if (way == Way.LAUNCHER) {
            String opts = (System.getenv().getOrDefault("JNETMAP_JAVA_OPTS", "") + " " + String.join(" ", jvmOptions)).trim();
            c.addAll(List.of("env", "JNETMAP_NO_BUILD=1", "JNETMAP_JAVA_OPTS=" + opts, Lab.repo().resolve("tools/bin/" + script).toString()));
        } else {
            Optional<Archive> archive = way == Way.ARCHIVED ? Optional.of(Archive.get().orElseThrow(() -> new IllegalStateException(
                    "no CDS archive of the tools for this JDK: run hwtests/lab/suite prepare on the host"))) : Optional.empty();
            c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            c.add("--enable-native-access=ALL-UNNAMED");
            archive.ifPresent(a -> c.add("-XX:SharedArchiveFile=" + a.file()));
            // the tools' own logging set-up, not hwtests' logback-test.xml (which is first on this class path)
            c.add("-Dlogback.configurationFile=" + toolsLogback());
            String opts = System.getenv("JNETMAP_JAVA_OPTS");
            if (opts != null && !opts.isBlank()) c.addAll(List.of(opts.trim().split("\\s+")));
            c.addAll(jvmOptions);
            c.add("-cp");
            c.add(archive.map(Archive::classPath).orElse(System.getProperty("java.class.path")));
            c.add(mainClass);
        }
        c.addAll(List.of(args));
        return c;
    }

    Shell.Background start(String... args) {
        return Shell.start(command(fastestWay(), args));
    }

    Shell.Background start(Way way, String... args) {
        return Shell.start(command(way, args));
    }

    /** {@link #start(String...)} with extra JVM options ({@link #command(Way, List, String...)}). */
    Shell.Background start(List<String> jvmOptions, String... args) {
        return Shell.start(command(fastestWay(), jvmOptions, args));
    }

    Shell.Result run(long timeoutSeconds, String... args) {
        return run(fastestWay(), timeoutSeconds, args);
    }

    Shell.Result run(Way way, long timeoutSeconds, String... args) {
        return run(way, List.of(), timeoutSeconds, args);
    }

    Shell.Result run(Way way, List<String> jvmOptions, long timeoutSeconds, String... args) {
        return Shell.run(timeoutSeconds, command(way, jvmOptions, args).toArray(new String[0]));
    }

    private static String toolsLogback() {
        Path p = Lab.repo().resolve("tools/src/main/resources/logback.xml");
        return Files.exists(p) ? p.toString() : "logback.xml";
    }
}
