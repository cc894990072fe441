package io.jnetmap.tools.pktgen;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs pkt-gen in this JVM with captured output, as a test would run it from a shell. */
final class Cli {
    private static final AtomicInteger PIPES = new AtomicInteger();

    record Result(int rc, String out, String err) {
        String[] errLines() { return err.isEmpty() ? new String[0] : err.split("\n"); }
        @Override public String toString() { return "rc " + rc + "\n--- stdout\n" + out + "--- stderr\n" + err; }
    }

    /** A running pkt-gen. */
    static final class Running {
        final PktGen cmd;
        final CompletableFuture<Result> result;
        Running(PktGen cmd, CompletableFuture<Result> result) { this.cmd = cmd; this.result = result; }
        Result await() throws Exception { return result.get(120, TimeUnit.SECONDS); }
    }

    private Cli() { }

    static Result run(String... args) {
        return run(PortOpener.NETMAP, args);
    }

    static Result run(PortOpener opener, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(o, true, StandardCharsets.UTF_8), err = new PrintStream(e, true, StandardCharsets.UTF_8);
        PktGen cmd = new PktGen(out, err, opener, false);
        int rc = PktGen.commandLine(cmd, out, err).execute(args);
        return new Result(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static Running start(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(o, true, StandardCharsets.UTF_8), err = new PrintStream(e, true, StandardCharsets.UTF_8);
        PktGen cmd = new PktGen(out, err, PortOpener.NETMAP, false);
        CompletableFuture<Result> f = CompletableFuture.supplyAsync(() -> {
            int rc = PktGen.commandLine(cmd, out, err).execute(args);
            return new Result(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        }, r -> { Thread t = new Thread(r, "cli-" + String.join(" ", args)); t.setDaemon(true); t.start(); });
        return new Running(cmd, f);
    }

    /** A pipe name no other test uses. */
    static String pipe() {
        return "pgt" + ProcessHandle.current().pid() + "x" + PIPES.incrementAndGet();
    }

    /** The region file of a pipe, which must be gone once both ends closed. */
    static boolean regionLeft(String name) {
        return Files.exists(Path.of("/dev/shm/jnetmap." + name));
    }
}
