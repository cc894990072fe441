package io.jnetmap.tools.valectl;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** vale-ctl's side of the {@link SwitchDaemon} socket: one request, one answer; starts the daemon when asked to. */
final class DaemonClient {
    static final long START_SECONDS = 300;
    private DaemonClient() { }

    static boolean reachable(Path sock) {
        if (!Files.exists(sock)) return false;
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(sock));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends {@code request}; returns the daemon's answer line. */
    static String request(Path sock, String request) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(sock));
            c.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
            ByteBuffer b = ByteBuffer.allocate(4096);
            while (c.read(b) >= 0 && b.hasRemaining()) { /* until the daemon closes */ }
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).trim();
        }
    }

    /**
     * Starts a daemon in its own session (it outlives this vale-ctl), with this JVM's java, class
     * path and jnetmap properties, logging to {@code log}; waits until it listens.
     */
    static void start(Path sock, Path log) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) cmd.add("/usr/bin/setsid");
        cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        for (String k : System.getProperties().stringPropertyNames())
            if (k.startsWith("jnetmap.")) cmd.add("-D" + k + "=" + System.getProperty(k));
        cmd.add("-Djnetmap.vale.ctl.socket=" + sock);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ValeCtl.class.getName());
        cmd.add("--daemon");
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        // generous: a JVM loading the drivers takes minutes on an emulated CPU (the lab's TCG); a daemon that died is seen at once
        long deadline = System.nanoTime() + START_SECONDS * 1_000_000_000L;
        while (!reachable(sock)) {
            if (!p.isAlive())
                throw new IOException("the vale-ctl daemon exited at start (status " + p.exitValue() + "); see " + log);
            if (System.nanoTime() > deadline) {
                p.destroy(); // not left behind without a NIC to drive
                throw new IOException("the vale-ctl daemon did not start listening within " + START_SECONDS + " s; see " + log);
            }
            Thread.sleep(50);
        }
    }
}
