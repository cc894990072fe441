package io.jnetmap.hwtests;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Commands for hardware tests: run one and wait (with a timeout), or start one in the background. */
public final class Shell {
    private static final Logger LOG = LoggerFactory.getLogger(Shell.class);

    private Shell() { }

    public record Result(int exit, String out, String err) {
        public boolean ok() { return exit == 0; }
    }

    /** Runs {@code cmd}, waiting at most {@code timeoutSeconds}; never throws for a non-zero exit. */
    public static Result run(long timeoutSeconds, String... cmd) {
        LOG.debug("run: {}", String.join(" ", cmd));
        try {
            Process p = new ProcessBuilder(cmd).start();
            p.getOutputStream().close();
            Drain out = new Drain(p.getInputStream()), err = new Drain(p.getErrorStream());
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("'" + String.join(" ", cmd) + "' did not finish in " + timeoutSeconds + " s");
            }
            out.finish();
            err.finish();
            return new Result(p.exitValue(), out.text(), err.text());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
        }
    }

    /** Runs {@code cmd} and returns its output; throws with the output if it fails. */
    public static String check(long timeoutSeconds, String... cmd) {
        Result r = run(timeoutSeconds, cmd);
        if (!r.ok()) {
            throw new IllegalStateException("'" + String.join(" ", cmd) + "' exited " + r.exit() + ": " + r.err().strip()
                    + (r.out().isBlank() ? "" : " / " + r.out().strip()));
        }
        return r.out();
    }

    public static String check(String... cmd) { return check(60, cmd); }

    /** A command running in the background, its output collected. */
    public static final class Background implements AutoCloseable {
        private final Process process;
        private final Drain out, err;
        private final String what;
        private final java.io.Writer in;

        private Background(Process p, String what, boolean keepInput) {
            this.process = p;
            this.what = what;
            this.in = keepInput ? new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.US_ASCII) : null;
            this.out = new Drain(p.getInputStream());
            this.err = new Drain(p.getErrorStream());
        }

        public Process process() { return process; }

        /** Writes a line to its standard input (started with {@link #startWithInput}). */
        public void writeLine(String line) {
            try {
                in.write(line);
                in.write('\n');
                in.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("writing to " + what, e);
            }
        }
        public String out() { return out.text(); }
        public String err() { return err.text(); }
        /** The last complete line of standard output so far. */
        public String lastOutLine() { return out.lastLine(); }
        public boolean alive() { return process.isAlive(); }

        /** Waits until its stderr or stdout contains {@code text} (false after {@code timeoutMillis} or if it exited). */
        public boolean awaitOutput(String text, long timeoutMillis) {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
            while (System.nanoTime() < deadline) {
                if (out.text().contains(text) || err.text().contains(text)) return true;
                if (!process.isAlive()) return out.text().contains(text) || err.text().contains(text);
                sleep(20);
            }
            return false;
        }

        /** Sends SIGINT (tcpdump then writes its summary and flushes) and waits for the exit. */
        public int interrupt(long timeoutSeconds) {
            Shell.run(10, "kill", "-INT", Long.toString(process.pid()));
            try {
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
                out.finish();
                err.finish();
                return process.exitValue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        /** Waits up to {@code timeoutSeconds} for it to exit by itself; true if it did. */
        public boolean awaitExit(long timeoutSeconds) {
            try {
                boolean done = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
                if (done) {
                    out.finish();
                    err.finish();
                }
                return done;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        @Override
        public void close() {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // it exited
                }
            }
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroy);
                process.destroy();
                try {
                    if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public String toString() { return what; }
    }

    public static Background start(String... cmd) {
        return start(false, cmd);
    }

    /** Starts {@code cmd} with its standard input kept open for {@link Background#writeLine}. */
    public static Background startWithInput(String... cmd) {
        return start(true, cmd);
    }

    private static Background start(boolean keepInput, String... cmd) {
        LOG.debug("start: {}", String.join(" ", cmd));
        try {
            Process p = new ProcessBuilder(cmd).start();
            if (!keepInput) p.getOutputStream().close();
            return new Background(p, String.join(" ", cmd), keepInput);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", cmd), e);
        }
    }

    public static Background start(List<String> cmd) { return start(cmd.toArray(new String[0])); }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Collects a stream on a daemon thread. */
    static final class Drain extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final StringBuilder partial = new StringBuilder();
        private volatile String lastLine = "";

        Drain(InputStream in) {
            this.in = in;
            setDaemon(true);
            start();
        }

        @Override
        public void run() {
            byte[] b = new byte[8192];
            try {
                int n;
                while ((n = in.read(b)) > 0) {
                    synchronized (buf) {
                        buf.write(b, 0, n);
                    }
                    for (int i = 0; i < n; i++) {
                        if (b[i] == '\n') {
                            lastLine = partial.toString();
                            partial.setLength(0);
                        } else {
                            partial.append((char) b[i]);
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process went away
            }
        }

        /** The last complete line written so far (cheap: no copy of the whole output). */
        String lastLine() { return lastLine; }

        String text() {
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }

        /** Waits (at most 5 s) for the stream to end. */
        void finish() throws InterruptedException {
            join(5000);
        }
    }
}
