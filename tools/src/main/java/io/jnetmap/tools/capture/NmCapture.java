package io.jnetmap.tools.capture;

import io.jnetmap.rings.MonitoredPorts;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.PortName;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * nm-capture: tcpdump's job on a port jnetmap drives. Opens a copy monitor on the port (which
 * another process owns and keeps using), writes what it sees as pcap (nanosecond timestamps) or
 * pcapng (with each frame's direction) to a file, a FIFO or standard output, optionally into a ring
 * of files, and reports frames, drops and rate on stderr. Also Wireshark's extcap interface
 * ({@link Extcap}).
 *
 * <p>Exit codes: 0 done (count reached, interrupted, the owner closed the port, the reader of
 * standard output left), 1 failure at run time, 2 bad command line; every error is one line on stderr.
 */
@Command(name = "nm-capture", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 100, separator = " ",
        version = {"nm-capture (jnetmap) 0.1.0"},
        description = {
                "Captures the frames a jnetmap port sends and receives, through a netmap monitor port, while the process "
                        + "that owns the port keeps running at full speed (a monitor that cannot keep up loses frames; "
                        + "they are counted, the owner never waits).",
                "Writes pcap (nanosecond timestamps, the time the owner synced the ring) or pcapng (with each frame's "
                        + "direction) to a file or to standard output, for tcpdump, tshark and Wireshark.", ""},
        footer = {"", "Examples:",
                "  nm-capture -D                                         ports jnetmap processes have open",
                "  nm-capture -i netmap:0000:03:00.0/rt -w - | tcpdump -n -r -",
                "  nm-capture -i netmap:0000:03:00.0/rt -w - | wireshark -k -i -",
                "  nm-capture -i netmap:x{1/t -w tx.pcapng --pcapng -c 1000",
                "  nm-capture -i netmap:x{1 -w x.pcap --wait 60 & pkt-gen -i netmap:x{1   capture from the first frame",
                "  nm-capture -i 0000:03:00.0 -w ring.pcap -C 100 -W 10  10 files of 100 MB, the oldest overwritten",
                "  nm-capture --install-extcap                           Wireshark and tshark -D list jnetmap ports",
                "",
                "PORT is a monitor: netmap:NAME/r (frames the port receives), /t (frames it sends), /rt (both; the default",
                "when no /r or /t is given). NAME-K, NAME^, NAME* watch ring pair K, the host rings, or both, as in netmap.",
                "Exit status: 0 done or interrupted, 1 failure while running, 2 bad usage."})
public final class NmCapture implements Callable<Integer> {
    static final int DEFAULT_SNAPLEN = 262144;

    @Option(names = {"-i", "--interface"}, paramLabel = "PORT", description = "monitor port to capture from, e.g. netmap:0000:03:00.0/rt")
    String port;

    @Option(names = "-w", paramLabel = "FILE", description = "write to FILE, or - for standard output (default -)")
    String output = "-";

    @Option(names = "-c", paramLabel = "COUNT", description = "stop after COUNT frames (default: until interrupted or the port closes)")
    long count;

    @Option(names = {"-s", "--snaplen"}, paramLabel = "SNAPLEN", description = "bytes of each frame to keep (default " + DEFAULT_SNAPLEN + ")")
    int snaplen = DEFAULT_SNAPLEN;

    @Option(names = "--pcapng", description = "write pcapng (frames flagged inbound/outbound) instead of pcap")
    boolean pcapng;

    @Option(names = "-C", paramLabel = "SIZE", description = "start a new file when this one would exceed SIZE million bytes "
            + "(or SIZE with a k, m, g suffix: KiB, MiB, GiB), as tcpdump -C: FILE, FILE1, FILE2, ...")
    String fileSize;

    @Option(names = "-W", paramLabel = "COUNT", description = "with -C: keep a ring of COUNT files, FILE0 .. FILE(COUNT-1), overwriting the oldest")
    int ringFiles;

    @Option(names = "-q", description = "no periodic statistics line on stderr")
    boolean quiet;

    @Option(names = "--stats-interval", paramLabel = "SECONDS", description = "seconds between statistics lines (default 1)")
    double statsSeconds = 1;

    @Option(names = "--wait", paramLabel = "SECONDS", description = "if no process has the port open yet, wait up to SECONDS for one "
            + "to open it (start the capture before the program)")
    double waitSeconds;

    @Option(names = {"-D", "--list-interfaces"}, description = "list the ports jnetmap processes have open, and exit")
    boolean list;

    @Option(names = "--install-extcap", arity = "0..1", fallbackValue = "", paramLabel = "DIR",
            description = "install the Wireshark extcap interface into DIR (default: the personal extcap folder tshark reports) and exit")
    String installExtcap;

    // Wireshark's extcap protocol (see Extcap)
    @Option(names = "--extcap-interfaces", hidden = true) boolean extcapInterfaces;
    @Option(names = "--extcap-version", arity = "0..1", fallbackValue = "", hidden = true) String extcapVersion;
    @Option(names = "--extcap-dlts", hidden = true) boolean extcapDlts;
    @Option(names = "--extcap-config", hidden = true) boolean extcapConfig;
    @Option(names = "--extcap-interface", hidden = true) String extcapInterface;
    @Option(names = "--extcap-capture-filter", hidden = true) String extcapCaptureFilter;
    @Option(names = "--capture", hidden = true) boolean extcapCapture;
    @Option(names = "--fifo", hidden = true) String fifo;
    @Option(names = "--direction", hidden = true, description = "extcap: rt, r or t") String direction = "rt";

    private final PrintStream out, err;
    private final boolean handleSignals;

    NmCapture(PrintStream out, PrintStream err, boolean handleSignals) {
        this.out = out;
        this.err = err;
        this.handleSignals = handleSignals;
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err, true));
    }

    /** Runs nm-capture with these arguments; returns the exit code. */
    static int execute(String[] args, PrintStream out, PrintStream err, boolean handleSignals) {
        CommandLine cl = new CommandLine(new NmCapture(out, err, handleSignals));
        // Wireshark versions add extcap options (logging, controls) we do not use: ignore them there, nowhere else
        cl.setUnmatchedArgumentsAllowed(java.util.Arrays.stream(args).anyMatch(a -> a.startsWith("--extcap")));
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("nm-capture: " + ex.getMessage() + " (nm-capture -h lists the options)");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, p) -> {
            if (ex instanceof UsageException) {
                err.println("nm-capture: " + ex.getMessage());
                return 2;
            }
            err.println("nm-capture: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
            return 1;
        });
        return cl.execute(args);
    }

    /** A bad command line: exit code 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String m) { super(m); }
    }

    @Override
    public Integer call() throws Exception {
        Extcap extcap = new Extcap(out);
        if (installExtcap != null) {
            out.println("installed " + ExtcapInstaller.install(installExtcap));
            return 0;
        }
        if (extcapInterfaces) { extcap.interfaces(); return 0; }
        if (extcapDlts) { extcap.dlts(requireExtcapInterface()); return 0; }
        if (extcapConfig) { extcap.config(requireExtcapInterface()); return 0; }
        if (list) {
            for (MonitoredPorts.Port p : MonitoredPorts.list())
                out.println(p.monitorSpec() + "  (" + describe(p) + ")");
            return 0;
        }
        boolean viaExtcap = extcapCapture;
        String spec;
        if (viaExtcap) {
            if (fifo == null) throw new UsageException("--capture needs --fifo PATH (Wireshark passes it)");
            if (extcapCaptureFilter != null && !extcapCaptureFilter.isBlank())
                throw new UsageException("capture filters are not supported on jnetmap ports; use a display filter");
            if (!direction.matches("rt|tr|r|t")) throw new UsageException("--direction " + direction + ": rt, r or t");
            spec = Extcap.portName(requireExtcapInterface()) + "/" + direction;
            output = fifo;
            pcapng = true;
            quiet = true;
        } else {
            if (port == null) throw new UsageException("no port: give -i netmap:NAME/rt (nm-capture -D lists the ports jnetmap processes have open)");
            spec = port;
        }
        PortName name = PortName.parse(spec);
        if (!name.isMonitor()) name = PortName.parse(spec + "/rt");
        if (snaplen < 1 || snaplen > DEFAULT_SNAPLEN) throw new UsageException("-s " + snaplen + ": the snap length must be 1.." + DEFAULT_SNAPLEN);
        if (count < 0) throw new UsageException("-c " + count + ": the count must be positive");
        long limit = fileSize == null ? 0 : parseSize(fileSize);
        if (ringFiles < 0) throw new UsageException("-W " + ringFiles + ": the file count must be positive");
        if (ringFiles > 0 && limit == 0) throw new UsageException("-W needs -C SIZE (the size of each file in the ring)");
        if (limit > 0 && output.equals("-")) throw new UsageException("-C needs -w FILE (files are named after it)");
        if (output.equals("-") && System.console() != null && !viaExtcap)
            throw new UsageException("standard output is a terminal: write to a file (-w FILE) or pipe into tcpdump -r - / wireshark -k -i -");

        if (waitSeconds < 0) throw new UsageException("--wait " + waitSeconds + ": give the seconds to wait, 0 or more");
        awaitOwner(name.adapterKey());
        try (NetmapPort monitor = NetmapPort.open(name);
             CaptureOutput sink = new CaptureOutput(output, pcapng ? CaptureFile.Format.PCAPNG : CaptureFile.Format.PCAP, snaplen,
                     name.spec(), "jnetmap monitor of " + name.adapterKey(), limit, ringFiles)) {
            Capture capture = new Capture(monitor, sink, count, quiet ? 0 : statsSeconds, err);
            CountDownLatch done = new CountDownLatch(1);
            Thread hook = null;
            if (handleSignals) {
                hook = new Thread(() -> {
                    capture.stop(); // SIGINT, SIGTERM (Wireshark stops an extcap so): finish the file and leave
                    try {
                        done.await(2, TimeUnit.SECONDS);
                    } catch (InterruptedException ignored) {
                        Thread.currentThread().interrupt();
                    }
                }, "nm-capture-stop");
                Runtime.getRuntime().addShutdownHook(hook);
            }
            Capture.End end = null;
            try {
                if (!quiet) err.println("nm-capture: capturing from " + name + (output.equals("-") ? "" : " into " + output));
                end = capture.run();
            } finally {
                try {
                    sink.close();
                } catch (IOException e) {
                    if (!Capture.isBrokenPipe(e)) throw e;
                }
                // the totals before the stop hook may let the JVM exit (Ctrl-C, SIGTERM)
                if (end != null && (!quiet || end == Capture.End.OWNER_CLOSED))
                    err.println(String.format(Locale.ROOT, "nm-capture: %d frames captured, %d dropped by the monitor%s", sink.frames(),
                            ((io.jnetmap.rings.MonitorAdapter) monitor.adapter()).drops(),
                            end == Capture.End.OWNER_CLOSED ? "; " + capture.endReason() : ""));
                done.countDown();
            }
            if (hook != null && end != Capture.End.STOPPED) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the JVM is exiting already
                }
            }
            return 0;
        }
    }

    /** --wait: polls the list of open ports until {@code key} is among them or the time is up (the open then says what is open). */
    private void awaitOwner(String key) throws InterruptedException {
        if (waitSeconds <= 0) return;
        long deadline = System.nanoTime() + (long) (waitSeconds * 1e9);
        boolean said = false;
        while (MonitoredPorts.list().stream().noneMatch(p -> p.name().equals(key) || p.alias().equals(key))) {
            if (System.nanoTime() - deadline > 0) return;
            if (!said && !quiet) err.println("nm-capture: waiting up to " + Math.round(waitSeconds) + " s for a process to open " + key);
            said = true;
            Thread.sleep(100);
        }
    }

    private String requireExtcapInterface() {
        if (extcapInterface == null) throw new UsageException("this extcap call needs --extcap-interface (Wireshark passes it)");
        return extcapInterface;
    }

    static String describe(MonitoredPorts.Port p) {
        return (p.alias().equals(p.name()) ? "" : p.alias() + ", ") + "process " + p.ownerPid() + ", "
                + p.rxRings() + " RX / " + p.txRings() + " TX rings" + (p.hostRxRings() + p.hostTxRings() > 0 ? " + host rings" : "");
    }

    /** -C: millions of bytes, or KiB/MiB/GiB with a k/m/g suffix, as tcpdump. */
    static long parseSize(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        long unit = 1_000_000L;
        if (v.endsWith("k")) unit = 1L << 10;
        else if (v.endsWith("m")) unit = 1L << 20;
        else if (v.endsWith("g")) unit = 1L << 30;
        if (unit != 1_000_000L) v = v.substring(0, v.length() - 1);
        try {
            long n = Long.parseLong(v);
            if (n <= 0) throw new NumberFormatException();
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new UsageException("-C " + s + ": give a positive size in millions of bytes, or with k, m or g");
        }
    }
}
