package io.jnetmap.hwtests.tools;

import io.jnetmap.hwtests.Lab;
import io.jnetmap.hwtests.Shell;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A jnetmap tool run as a user runs it: its own process, command-line arguments, stdout and
 * stderr. Two ways, same main class:
 * <ul>
 * <li>{@link Way#CLASSPATH} (default): {@code java -cp <this test's class path> MAIN}, the tools'
 *     classes as hwtests/lab/suite prepare compiled them on the host;</li>
 * <li>{@link Way#LAUNCHER} ({@code JNETMAP_TOOLS_WAY=launcher}): tools/bin/pkt-gen and tools/bin/bridge
 *     with JNETMAP_NO_BUILD=1, so a stale build fails instead of running Maven under TCG.</li>
 * </ul>
 * {@link PktGenLabTest} times both in the guest.
 */
enum Tool {
    PKT_GEN("pkt-gen", "io.jnetmap.tools.pktgen.PktGen"),
    BRIDGE("bridge", "io.jnetmap.tools.bridge.Bridge"),
    VALE_CTL("vale-ctl", "io.jnetmap.tools.valectl.ValeCtl"),
    NM_CAPTURE("nm-capture", "io.jnetmap.tools.capture.NmCapture");

    enum Way { CLASSPATH, LAUNCHER }

    static final Way DEFAULT_WAY = "launcher".equalsIgnoreCase(System.getenv("JNETMAP_TOOLS_WAY")) ? Way.LAUNCHER : Way.CLASSPATH;

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
            c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            c.add("--enable-native-access=ALL-UNNAMED");
            // the tools' own logging set-up, not hwtests' logback-test.xml (which is first on this class path)
            c.add("-Dlogback.configurationFile=" + toolsLogback());
            String opts = System.getenv("JNETMAP_JAVA_OPTS");
            if (opts != null && !opts.isBlank()) c.addAll(List.of(opts.trim().split("\\s+")));
            c.addAll(jvmOptions);
            c.add("-cp");
            c.add(System.getProperty("java.class.path"));
            c.add(mainClass);
        }
        c.addAll(List.of(args));
        return c;
    }

    Shell.Background start(String... args) {
        return Shell.start(command(DEFAULT_WAY, args));
    }

    /** {@link #start(String...)} with extra JVM options ({@link #command(Way, List, String...)}). */
    Shell.Background start(List<String> jvmOptions, String... args) {
        return Shell.start(command(DEFAULT_WAY, jvmOptions, args));
    }

    Shell.Result run(long timeoutSeconds, String... args) {
        return run(DEFAULT_WAY, timeoutSeconds, args);
    }

    Shell.Result run(Way way, long timeoutSeconds, String... args) {
        return Shell.run(timeoutSeconds, command(way, args).toArray(new String[0]));
    }

    private static String toolsLogback() {
        Path p = Lab.repo().resolve("tools/src/main/resources/logback.xml");
        return Files.exists(p) ? p.toString() : "logback.xml";
    }
}
