package io.jnetmap.rings;

import java.util.ArrayList;
import java.util.List;

/** The command line of a second JVM for the cross-process tests: this JVM's java and class path, a main class, its arguments. */
final class ChildJvm {
    private ChildJvm() { }

    static List<String> command(Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }
}
