package io.jnetmap.tools.pktgen;

import io.jnetmap.rings.PortName;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * pkt-gen: netmap's packet generator and sink on jnetmap ports. The options, the default frame
 * (but from 198.18.0.1 to 198.19.0.1, the RFC 2544 benchmarking range) and the output follow
 * netmap's apps/pkt-gen. Without {@code -i} it tests a netmap pipe with two threads in this process.
 *
 * <p>Exit codes: 0 done, 1 failure at run time (no such port, no link, unreadable file, a ring
 * error), 2 bad command line; every error is one line on stderr.
 */
@Command(name = "pkt-gen", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 100, separator = " ",
        version = {"pkt-gen (jnetmap) 0.1.0", "netmap's pkt-gen on jnetmap ports: NICs over VFIO/UIO, netmap pipes, VALE ports"},
        description = {
                "Sends, receives or bounces packets on a netmap port as fast as it goes, or at a given rate, "
                        + "and reports packets and bits per second (one line per interval on stderr, the summary on stdout).",
                "Without -i it runs a sender and a receiver over a netmap pipe in this process for 5 s.", ""},
        footer = {"", "Examples:",
                "  pkt-gen                                   self-test: tx and rx over a pipe in one process",
                "  pkt-gen -f rx -i netmap:x}1 & pkt-gen -f tx -i netmap:x{1 -R 1000000   two processes, 1 Mpps",
                "  pkt-gen -f ping -i 0000:03:00.0           round trips to pkt-gen -f pong on the link partner",
                "  pkt-gen -f txseq -i enp3s0 -n 1000000     numbered frames for -f rxseq (gaps, reordering)",
                "  pkt-gen -f rx -i vale0:b & pkt-gen -f tx -i vale0:a   through a VALE switch (frames are copied)",
                "  pkt-gen -f rx -i netmap:x}1 -o rx.pcap    record what arrives (tcpdump -r rx.pcap)",
                "  pkt-gen -f tx -i netmap:x{1 -P in.pcap    send the frames of a capture",
                "",
                "Ports: netmap:NAME (all rings; NAME = PCI address or interface name), NAME-K (ring pair K),",
                "NAME^ (host rings), NAME* (NIC and host rings), NAME{ID and NAME}ID (the two ends of a pipe),",
                "valeX:PORT (port PORT of VALE switch valeX, made on first use; see vale-ctl).",
                "The netmap: prefix is optional. Exit status: 0 done, 1 failure while running, 2 bad usage."})
public final class PktGen implements Callable<Integer> {
    static final String NAME = "pkt-gen";
    /** Default length of a self-test without -n. */
    static final double SELF_TEST_SECONDS = 5;

    @Option(names = "-f", paramLabel = "FUNCTION", description = "tx, rx, ping, pong, txseq or rxseq (default: rx with -i; tx and rx over a pipe without)")
    String function;

    @Option(names = "-i", paramLabel = "PORT", description = "port to use, netmap-style (see below); none: pipe self-test")
    String port;

    @Option(names = "-l", paramLabel = "LEN", description = "frame length without CRC: 60 (default) to the buffer size (2048 on pipes); "
            + "given twice (-l MAX -l MIN): random lengths in [MIN, MAX)")
    List<Integer> lengths;

    @Option(names = "-n", paramLabel = "COUNT", description = "packets (tx, rx, txseq, rxseq) or round trips (ping, pong) before stopping; 0 = no limit (default)")
    Long count;

    @Option(names = "-R", paramLabel = "PPS", description = "send at this many packets per second (all threads together), in bursts of rate/300; 0 = as fast as possible")
    long rate;

    @Option(names = "-b", paramLabel = "BATCH", description = "packets per batch: 512 for tx/rx, 1 for ping/pong")
    Integer batch;

    @Option(names = "-p", paramLabel = "THREADS", description = "threads, each on its own ring (thread i opens PORT-i); default 1 (all rings)")
    int threads = 1;

    @Option(names = "-a", paramLabel = "CPU", description = "pin each thread to a CPU, as netmap's pkt-gen: thread i runs on CPU (CPU + i) mod the "
            + "number of CPUs (the self-test's sender on CPU, its receiver on the next); default: not pinned")
    Integer affinity;

    @Option(names = "-w", paramLabel = "SECONDS", description = "wait up to this long for a NIC's link to come up (default 5; "
            + "no wait when it is up, and pipes have no link)")
    double waitSeconds = 5;

    @Option(names = "-s", paramLabel = "ADDR[:PORT[-PORT]]", description = "source IPv4 address and UDP port, or ranges ADDR[:PORT]-ADDR[:PORT] walked packet by packet (default 198.18.0.1:1234)")
    String source;

    @Option(names = "-d", paramLabel = "ADDR[:PORT[-PORT]]", description = "destination, as -s (default 198.19.0.1:1234)")
    String destination;

    @Option(names = "-S", paramLabel = "MAC", description = "source MAC (default 00:00:00:00:00:00)")
    String sourceMac;

    @Option(names = "-D", paramLabel = "MAC", description = "destination MAC (default ff:ff:ff:ff:ff:ff)")
    String destinationMac;

    @Option(names = "-z", description = "random source port (in the -s port range, else 1..65535) and address (in the -s range)")
    boolean randomSource;

    @Option(names = "-Z", description = "random destination port and address, as -z")
    boolean randomDestination;

    @Option(names = "-T", paramLabel = "MS", description = "milliseconds between report lines (default 1000)")
    int intervalMs = 1000;

    @Option(names = "-o", paramLabel = "FILE.pcap", description = "rx, rxseq: record the received frames in a pcap file")
    Path pcapOut;

    @Option(names = "-P", paramLabel = "FILE.pcap", description = "tx: send the frames of a pcap file in order (once, or -n frames looping over the file)")
    Path pcapIn;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "stop after this long (default: no limit; 5 s for the pipe self-test without -n)")
    Double duration;

    @Option(names = "--json", description = "print the summary as one JSON object on stdout (start lines go to stderr)")
    boolean json;

    @Option(names = "-B", description = "count 24 bytes of framing (preamble, gap, CRC) per packet in the raw bandwidth")
    boolean framing;

    @Option(names = "-N", description = "plain numbers: pps and bps, no K/M/G scaling")
    boolean noNormalize;

    @Option(names = "-v", description = "more log output (-v info, -vv debug)")
    boolean[] verbose = new boolean[0];

    private final PrintStream out, err;
    private final PortOpener opener;
    private final boolean handleSignals;
    private volatile Session session;
    private final CountDownLatch done = new CountDownLatch(1);

    PktGen(PrintStream out, PrintStream err, PortOpener opener, boolean handleSignals) {
        this.out = out;
        this.err = err;
        this.opener = opener;
        this.handleSignals = handleSignals;
    }

    public static void main(String[] args) {
        int rc = execute(args, System.out, System.err, PortOpener.NETMAP, true);
        System.out.flush();
        System.exit(rc);
    }

    /** Runs pkt-gen with these arguments and streams; returns the exit code (no System.exit, no signal hook). */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        return execute(args, out, err, PortOpener.NETMAP, false);
    }

    static int execute(String[] args, PrintStream out, PrintStream err, PortOpener opener, boolean handleSignals) {
        return commandLine(new PktGen(out, err, opener, handleSignals), out, err).execute(args);
    }

    /** picocli around a command: help and version on {@code out}, every error as one line on {@code err}. */
    static CommandLine commandLine(PktGen cmd, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println(NAME + ": " + oneLine(ex.getMessage()) + " (pkt-gen -h lists the options)");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, pr) -> {
            boolean usage = ex instanceof UsageException;
            err.println(NAME + ": " + oneLine(Session.message(ex)) + (usage ? " (pkt-gen -h lists the options)" : ""));
            if (!usage) LoggerFactory.getLogger(PktGen.class).debug("failure", ex);
            return usage ? 2 : 1;
        });
        return cl;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*[\\r\\n]+\\s*", "; ");
    }

    @Override
    public Integer call() throws Exception {
        setLogLevel(verbose.length);
        RunConfig cfg = config();
        Session s = new Session(cfg, out, err, opener);
        session = s;
        Thread hook = null;
        if (handleSignals) {
            hook = new Thread(() -> {
                s.interrupt();
                try {
                    done.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "pkt-gen-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        try {
            return s.run();
        } finally {
            out.flush();
            err.flush();
            done.countDown();
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // shutting down: the hook is running and has just been released
                }
            }
        }
    }

    /** Stops a running session as Ctrl-C does (tests). */
    void interrupt() {
        Session s = session;
        if (s != null) s.interrupt();
    }

    /** Checks the options and fills in defaults; a bad value is a {@link UsageException}. */
    RunConfig config() {
        Mode mode;
        try {
            mode = function == null ? (port == null ? Mode.TX : Mode.RX) : Mode.parse(function);
        } catch (IllegalArgumentException e) {
            throw new UsageException("-f: " + e.getMessage());
        }
        boolean selfTest = port == null;
        Mode sender = selfTest ? mode.leader() : mode;
        if (port != null) {
            try {
                PortName.parse(port);
            } catch (IllegalArgumentException e) {
                throw new UsageException("-i: " + e.getMessage());
            }
        }
        int length = 60, minLength;
        if (lengths != null && lengths.size() > 2) throw new UsageException("-l is given at most twice (-l MAX -l MIN)");
        if (lengths != null && !lengths.isEmpty()) length = lengths.get(0);
        if (length < FrameTemplate.MIN_LENGTH || length > 65535)
            throw new UsageException("-l " + length + ": an Ethernet frame (without CRC) is at least " + FrameTemplate.MIN_LENGTH
                    + " bytes and at most the buffer size (2048 on pipes); use -l 60..2048");
        minLength = length;
        if (lengths != null && lengths.size() == 2) {
            minLength = lengths.get(1);
            if (minLength < FrameTemplate.MIN_LENGTH || minLength >= length)
                throw new UsageException("-l " + length + " -l " + minLength + ": random lengths need " + FrameTemplate.MIN_LENGTH
                        + " <= MIN < MAX (the first -l is MAX)");
        }
        long n = count == null ? 0 : count;
        if (n < 0) throw new UsageException("-n " + n + ": the count is 0 (no limit) or more");
        if (rate < 0 || rate > 1_000_000_000L) throw new UsageException("-R " + rate + ": the rate is 0 (no limit) to 1000000000 pps");
        int b = batch == null ? sender.defaultBatch : batch;
        if (b < 1 || b > 65536) throw new UsageException("-b " + b + ": the batch is 1..65536 packets");
        if (threads < 1) throw new UsageException("-p " + threads + ": at least one thread");
        if (threads > 1) {
            if (selfTest) throw new UsageException("-p " + threads + " needs -i PORT with several rings (the self-test pipe has one ring pair)");
            if (mode == Mode.PING || mode == Mode.PONG || mode == Mode.TXSEQ)
                throw new UsageException("-f " + mode + " runs one thread, as in netmap's pkt-gen; use -p 1");
            if (n > 0 && n < threads) throw new UsageException("-n " + n + " is fewer packets than the " + threads + " threads of -p");
            if (rate > 0 && rate < threads) throw new UsageException("-R " + rate + " is less than one packet per second per thread");
        }
        int cpu = -1;
        if (affinity != null) {
            int cpus = Runtime.getRuntime().availableProcessors();
            if (affinity < 0 || affinity >= cpus)
                throw new UsageException("-a " + affinity + ": CPUs are numbered 0.." + (cpus - 1) + " here");
            cpu = affinity;
        }
        if (waitSeconds < 0 || waitSeconds > 86400) throw new UsageException("-w " + waitSeconds + ": wait 0..86400 seconds");
        if (intervalMs < 10) throw new UsageException("-T " + intervalMs + ": report at most every 10 ms");
        Ipv4Range src = source == null ? FrameTemplate.DEFAULT_SOURCE : parse("-s", source, Ipv4Range::parse);
        Ipv4Range dst = destination == null ? FrameTemplate.DEFAULT_DESTINATION : parse("-d", destination, Ipv4Range::parse);
        MacAddress smac = sourceMac == null ? null : parse("-S", sourceMac, MacAddress::parse);
        MacAddress dmac = destinationMac == null ? MacAddress.BROADCAST : parse("-D", destinationMac, MacAddress::parse);
        Mode receiver = selfTest ? sender.peer() : mode;
        if (pcapOut != null) {
            if (receiver != Mode.RX && receiver != Mode.RXSEQ)
                throw new UsageException("-o records received frames: use it with -f rx or -f rxseq");
            if (threads > 1) throw new UsageException("-o writes one file from one thread; use -p 1");
        }
        if (pcapIn != null) {
            if (sender != Mode.TX) throw new UsageException("-P sends the frames of a pcap file: use it with -f tx");
            if (lengths != null || source != null || destination != null || sourceMac != null || destinationMac != null
                    || randomSource || randomDestination)
                throw new UsageException("-P sends the file's frames as they are; -l, -s, -d, -S, -D, -z and -Z do not apply");
        }
        if (duration != null && (duration < 0 || duration > 1e9)) throw new UsageException("--duration " + duration + ": 0 (no limit) or more seconds");
        double seconds = duration != null ? duration : selfTest && count == null ? SELF_TEST_SECONDS : 0;
        if (pcapIn != null && count == null) {
            n = -1; // once through the file
            if (selfTest && duration == null) seconds = 0;
        }
        return new RunConfig(mode, selfTest ? null : PortName.parse(port).spec(), length, minLength, n, rate, b, threads, cpu,
                (long) (waitSeconds * 1e9), src, dst, smac, dmac, randomSource, randomDestination, intervalMs,
                pcapOut, pcapIn, json, (long) (seconds * 1e9), framing ? 24 * 8 : 0, !noNormalize);
    }

    private static <T> T parse(String option, String value, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + ": " + e.getMessage());
        }
    }

    private static void setLogLevel(int verbosity) {
        if (verbosity == 0) return;
        org.slf4j.Logger root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger l)
            l.setLevel(verbosity == 1 ? ch.qos.logback.classic.Level.INFO : ch.qos.logback.classic.Level.DEBUG);
    }
}
