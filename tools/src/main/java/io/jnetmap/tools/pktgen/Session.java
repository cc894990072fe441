package io.jnetmap.tools.pktgen;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.PortName;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One pkt-gen run: opens the ports (one per thread, or both ends of a pipe for the self-test),
 * waits for links, starts the workers, prints a line per interval while they run, then the summary,
 * and closes everything whatever happened. {@link #interrupt()} (Ctrl-C) stops it cleanly.
 */
final class Session {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    private static final AtomicInteger SELF_TESTS = new AtomicInteger();

    private final RunConfig cfg;
    private final PrintStream out, err, info;
    private final PortOpener opener;
    private final NanoClock clock = NanoClock.SYSTEM;
    private final StopFlag abort = new StopFlag();
    private final List<NetmapPort> ports = new CopyOnWriteArrayList<>();
    private final List<WorkerGroup> groups = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private volatile boolean interrupted;
    private String pipe;
    private FrameSource frames;
    private PcapFrames pcapFrames;
    private PcapWriter pcapWriter;
    private long count;
    private MacAddress srcMac;

    Session(RunConfig cfg, PrintStream out, PrintStream err, PortOpener opener) {
        this.cfg = cfg;
        this.out = out;
        this.err = err;
        this.info = cfg.json() ? err : out;
        this.opener = opener;
        this.count = cfg.count();
    }

    /** Ctrl-C or SIGTERM: every worker stops, the summary is printed, ports are closed. */
    void interrupt() {
        interrupted = true;
        abort.raise("interrupted");
        for (WorkerGroup g : groups) g.stop.raise("interrupted");
    }

    int run() throws Exception {
        try {
            prepare();
            if (abort.raised()) return 1;
            printStart();
            for (WorkerGroup g : groups)
                if (g.mode == Mode.RX || g.mode == Mode.RXSEQ) g.statsAtStart = g.ports.get(0).adapter().statistics();
            for (WorkerGroup g : groups)
                for (int i = 0; i < g.workers.size(); i++) {
                    Thread t = new Thread(g.workers.get(i), "pkt-gen-" + g.label + (g.workers.size() > 1 ? "-" + i : ""));
                    t.setDaemon(true);
                    g.threads.add(t);
                }
            // receivers first, so a self-test sender finds its peer polling
            for (int gi = groups.size() - 1; gi >= 0; gi--) for (Thread t : groups.get(gi).threads) t.start();
            monitor();
            join();
            printSummary();
            for (WorkerGroup g : groups) {
                Worker bad = g.failed();
                if (bad != null) throw new IllegalStateException(bad.label() + " on " + bad.port().name() + " failed: " + message(bad.failure()));
            }
            return 0;
        } finally {
            close();
        }
    }

    // ------------------------------------------------------------------ setup

    private void prepare() throws IOException, InterruptedException {
        if (cfg.pcapIn() != null) {
            pcapFrames = PcapFrames.of(PcapReader.read(cfg.pcapIn()));
            resources.add(pcapFrames);
            frames = pcapFrames;
            if (count < 0) count = pcapFrames.count();
        }
        if (cfg.pcapOut() != null) {
            try {
                pcapWriter = PcapWriter.create(cfg.pcapOut());
            } catch (IOException e) {
                throw new IOException("cannot write " + cfg.pcapOut() + ": " + e.getMessage(), e);
            }
            resources.add(0, pcapWriter); // closed (flushed) first
        }
        if (cfg.selfTest()) {
            int n = SELF_TESTS.getAndIncrement();
            pipe = "pktgen" + ProcessHandle.current().pid() + (n == 0 ? "" : "_" + n);
            Mode lead = cfg.mode().leader();
            openPorts(lead, "netmap:" + pipe + "{1", 1);
            openPorts(lead.peer(), "netmap:" + pipe + "}1", 1);
        } else {
            openPorts(cfg.mode(), cfg.port(), cfg.threads());
        }
        for (WorkerGroup g : groups) {
            if (g.mode.sends() && frames == null) frames = template(g);
            for (int i = 0; i < g.ports.size(); i++) g.workers.add(worker(g, g.ports.get(i), i, g.ports.size()));
        }
        if (cfg.affinity() >= 0) { // -a: thread i on CPU (a + i) mod CPUs, netmap's numbering; the self-test's receiver is thread 1
            int threadNo = 0, cpus = Runtime.getRuntime().availableProcessors();
            for (WorkerGroup g : groups) for (Worker w : g.workers) w.pinTo((cfg.affinity() + threadNo++) % cpus);
        }
        awaitLinks();
    }

    /** The sender's frame: -S, else the port's own MAC, else zeros. */
    private FrameRewriter template(WorkerGroup g) {
        srcMac = cfg.srcMac();
        if (srcMac == null) {
            byte[] mac = g.ports.get(0).adapter().macAddress();
            long v = 0;
            if (mac != null && mac.length == 6) for (byte b : mac) v = (v << 8) | (b & 0xff);
            srcMac = new MacAddress(v);
        }
        FrameTemplate t = FrameTemplate.udp(srcMac, cfg.dstMac(), cfg.src(), cfg.dst(), cfg.length());
        FrameRewriter.Payload payload = g.mode == Mode.TXSEQ ? FrameRewriter.Payload.SEQUENCE
                : g.mode == Mode.PING ? FrameRewriter.Payload.PING : FrameRewriter.Payload.FIXED;
        return new FrameRewriter(t, cfg.src(), cfg.dst(), cfg.randomSrc(), cfg.randomDst(), payload, cfg.minLength(), System.nanoTime());
    }

    private void openPorts(Mode mode, String spec, int threads) {
        PortName base = PortName.parse(spec);
        String why = ThreadPorts.refusal(base, threads);
        if (why != null) throw new UsageException(why);
        List<NetmapPort> mine = new ArrayList<>();
        if (threads == 1) {
            mine.add(open(base.spec()));
        } else {
            NetmapPort first = open(ThreadPorts.forThread(base, 0, Integer.MAX_VALUE));
            mine.add(first);
            var a = first.adapter();
            boolean tx = mode.role == Mode.Role.SENDER;
            int hw = tx ? a.numTxRings() : a.numRxRings(), host = tx ? a.numHostTxRings() : a.numHostRxRings();
            int rings = switch (base.mode()) { case SW -> host; case NIC_SW -> hw + host; default -> hw; };
            if (threads > rings)
                throw new UsageException(base + " has " + rings + " " + (tx ? "TX" : "RX") + " rings; -p " + threads + " needs as many (use -p " + rings + ")");
            for (int i = 1; i < threads; i++) mine.add(open(ThreadPorts.forThread(base, i, hw)));
        }
        var a = mine.get(0).adapter();
        int queues = mode.role == Mode.Role.RECEIVER ? a.numRxRings() + a.numHostRxRings() : a.numTxRings() + a.numHostTxRings();
        WorkerGroup g = new WorkerGroup(mode.key(), mode, base.spec(), queues);
        g.ports.addAll(mine);
        if (abort.raised()) g.stop.raise("interrupted");
        groups.add(g);
    }

    private NetmapPort open(String spec) {
        NetmapPort p = opener.open(spec);
        ports.add(p);
        return p;
    }

    private Worker worker(WorkerGroup g, NetmapPort port, int i, int threads) {
        long count = share(this.count, i, threads);
        String label = threads > 1 ? g.label + "-" + i : g.label;
        switch (g.mode) {
            case TX, TXSEQ, PING -> {
                NetmapRing ring = port.txRing(port.firstTxRing());
                if (frames.maxLength() > ring.bufSize())
                    throw new UsageException(pcapFrames != null
                            ? cfg.pcapIn() + " holds a " + frames.maxLength() + "-byte frame, longer than the " + ring.bufSize()
                              + "-byte buffers of " + port.name()
                            : "-l " + frames.maxLength() + " is longer than the " + ring.bufSize() + "-byte buffers of "
                              + port.name() + "; use -l " + FrameTemplate.MIN_LENGTH + ".." + ring.bufSize());
                g.length = frames.maxLength();
                Pacer pacer = cfg.rate() > 0 ? new Pacer(share(cfg.rate(), i, threads), cfg.batch(), clock) : null;
                FrameSource f = i == 0 ? frames : frames.copy(System.nanoTime() + i);
                if (g.mode == Mode.PING)
                    return new Pinger(label, port, g.stop, clock, (FrameRewriter) f, cfg.batch(), count, pacer);
                return new Transmitter(label, port, g.stop, clock, f, cfg.batch(), count, pacer);
            }
            case RX, RXSEQ -> {
                SequenceTracker seq = g.mode == Mode.RXSEQ ? new SequenceTracker(port.lastRxRing() - port.firstRxRing() + 1) : null;
                return new Receiver(label, port, g.stop, clock, cfg.batch(), count, seq, pcapWriter);
            }
            case PONG -> {
                return new Ponger(label, port, g.stop, clock, cfg.selfTest() ? 0 : count);
            }
            default -> throw new IllegalStateException(g.mode.toString());
        }
    }

    /** Thread i's share of a total split among n threads (0 stays 0: no limit). */
    static long share(long total, int i, int n) {
        return total / n + (i < total % n ? 1 : 0);
    }

    private void awaitLinks() throws InterruptedException {
        for (NetmapPort p : ports) {
            LinkState link = LinkState.of(p);
            if (link.linkUp()) continue;
            info.println("Waiting up to " + fmtSeconds(cfg.waitNanos()) + " s for the link on " + p.name() + " ...");
            info.flush();
            if (!LinkState.await(link, cfg.waitNanos(), clock, abort)) {
                if (abort.raised()) return;
                throw new IllegalStateException("no link on " + p.name() + " after " + fmtSeconds(cfg.waitNanos())
                        + " s: check the cable and the link partner, or wait longer with -w SECONDS");
            }
        }
    }

    // ------------------------------------------------------------------ running

    private void monitor() {
        long t0 = clock.nanoTime();
        for (WorkerGroup g : groups) g.prevNanos = t0;
        long interval = cfg.intervalMs() * 1_000_000L;
        long nextReport = t0 + interval;
        boolean timed = cfg.durationNanos() > 0, timeUp = false, leaderDone = false;
        long deadline = t0 + cfg.durationNanos();
        WorkerGroup leader = groups.get(0);
        while (!allFinished()) {
            long now = clock.nanoTime();
            if (timed && !timeUp && now - deadline >= 0) {
                timeUp = true;
                if (cfg.selfTest()) leader.stop.raise("time is up");
                else for (WorkerGroup g : groups) g.stop.raise("time is up");
            }
            for (WorkerGroup g : groups)
                if (g.failed() != null) for (WorkerGroup h : groups) h.stop.raise(g.label + " failed");
            if (cfg.selfTest() && !leaderDone && leader.finished()) {
                leaderDone = true;
                for (WorkerGroup g : groups) if (g != leader) for (Worker w : g.workers) w.finishWhenIdle();
            }
            if (now - nextReport >= 0) {
                report(now);
                nextReport += interval;
                if (nextReport - now <= 0) nextReport = now + interval;
            }
            long wake = nextReport;
            if (timed && !timeUp && deadline - wake < 0) wake = deadline;
            LockSupport.parkNanos(Math.max(100_000L, Math.min(wake - now, 10_000_000L)));
        }
    }

    private boolean allFinished() {
        for (WorkerGroup g : groups) if (!g.finished()) return false;
        return true;
    }

    /** The periodic lines, on stderr, as netmap's main_thread. */
    private void report(long now) {
        String ts = Report.stamp(Instant.now());
        for (WorkerGroup g : groups) {
            long usec = (now - g.prevNanos) / 1000;
            if (usec < 10_000) continue;
            long p = g.packets(), b = g.bytes(), e = g.events();
            err.println(ts + " [" + g.label + "] " + Report.interval(p - g.prevPackets, b - g.prevBytes, e - g.prevEvents,
                    usec, cfg.framingBits(), g.takeMinSpace(), cfg.normalize()));
            g.prevPackets = p;
            g.prevBytes = b;
            g.prevEvents = e;
            g.prevNanos = now;
            Pinger pinger = g.pinger();
            if (pinger != null) {
                Histogram h = pinger.rttRecorder().getIntervalHistogram(g.rttInterval);
                g.rttInterval = h;
                g.rttTotal.add(h);
                if (h.getTotalCount() > 0)
                    err.println(ts + " [" + g.label + "] count " + h.getTotalCount() + " RTT: " + Report.rtt(h));
            }
            if (printSequenceEvents(g, ts))
                err.println(ts + " [" + g.label + "] " + g.seqGaps() + " gaps (" + g.seqMissing() + " packets missing), "
                        + g.seqOutOfOrder() + " out of order so far");
        }
        err.flush();
    }

    /** rxseq: netmap's "Sequence GAP" / "OUT OF ORDER" lines for the events since the last report. */
    private boolean printSequenceEvents(WorkerGroup g, String ts) {
        boolean any = false;
        for (Worker w : g.workers) {
            if (!(w instanceof Receiver r) || r.sequenceTracker() == null) continue;
            SequenceTracker t = r.sequenceTracker();
            long n = t.events();
            if (n == r.seqEventsShown) continue;
            if (n - r.seqEventsShown > SequenceTracker.KEPT)
                err.println(ts + " [" + w.label() + "] ... " + (n - r.seqEventsShown - SequenceTracker.KEPT) + " more");
            for (String line : t.eventsSince(r.seqEventsShown)) err.println(ts + " [" + w.label() + "] " + line);
            r.seqEventsShown = n;
            any = true;
        }
        return any;
    }

    private void join() throws InterruptedException {
        for (WorkerGroup g : groups) for (Thread t : g.threads) t.join();
        for (WorkerGroup g : groups) {
            Pinger pinger = g.pinger();
            if (pinger != null) g.rttTotal.add(pinger.rttRecorder().getIntervalHistogram());
        }
    }

    // ------------------------------------------------------------------ output

    private void printStart() {
        int cpus = Runtime.getRuntime().availableProcessors();
        if (cfg.selfTest()) {
            WorkerGroup a = groups.get(0), b = groups.get(1);
            info.println("pkt-gen: no -i given: testing netmap pipe " + pipe + " in this process, " + a.label + " on " + a.portName
                    + " and " + b.label + " on " + b.portName + " in two threads, "
                    + (cfg.durationNanos() > 0 ? "for " + fmtSeconds(cfg.durationNanos()) + " s" : "")
                    + (cfg.durationNanos() > 0 && count > 0 ? " or " : "")
                    + (count > 0 ? count + (a.mode == Mode.PING ? " pings" : " packets") : "")
                    + (cfg.durationNanos() == 0 && count == 0 ? "until stopped (Ctrl-C)" : "")
                    + " (use -i PORT for a NIC or a pipe shared with another process).");
        }
        for (WorkerGroup g : groups) {
            String verb = switch (g.mode.role) { case SENDER -> "Sending on"; case RECEIVER -> "Receiving from"; default -> "Working on"; };
            info.println(verb + " " + g.portName + ": " + g.queues + " queues, " + g.workers.size() + " threads and " + cpus + " cpus"
                    + (cfg.affinity() >= 0 ? ", on CPU " + cpusOf(g) : "") + ".");
            if (g.mode.sends()) {
                if (pcapFrames != null)
                    info.println("Frames from " + cfg.pcapIn() + ": " + pcapFrames.count() + " frames of "
                            + (pcapFrames.minLength() == pcapFrames.maxLength() ? pcapFrames.maxLength() + "" : pcapFrames.minLength() + ".." + pcapFrames.maxLength())
                            + " bytes, sent in file order" + (count == pcapFrames.count() ? "" : " (again from the start when the file ends)"));
                else {
                    info.println(cfg.src() + " -> " + cfg.dst() + " (" + srcMac + " -> " + cfg.dstMac() + ")");
                    if (cfg.selfTest() || cfg.minLength() < cfg.length())
                        info.println(cfg.minLength() < cfg.length()
                                ? "UDP frames of " + cfg.minLength() + ".." + (cfg.length() - 1) + " bytes (random), batch " + cfg.batch()
                                : cfg.length() + "-byte UDP frames, batch " + cfg.batch()
                                  + (cfg.rate() > 0 ? ", " + cfg.rate() + " pps" : ""));
                }
                if (cfg.rate() > 0)
                    LOG.info("sending {} packets every {} ns", Pacer.burstFor(cfg.rate(), cfg.batch()),
                            (long) (1e9 * Pacer.burstFor(cfg.rate(), cfg.batch()) / cfg.rate()));
            }
        }
        info.flush();
    }

    private static String cpusOf(WorkerGroup g) {
        StringBuilder b = new StringBuilder();
        for (Worker w : g.workers) b.append(b.length() == 0 ? "" : ", ").append(w.cpu());
        return b.toString();
    }

    private void printSummary() {
        List<Json> js = new ArrayList<>();
        for (WorkerGroup g : groups) {
            long p = g.packets(), b = g.bytes(), e = g.events();
            double s = g.seconds();
            String verb = switch (g.mode) { case RX, RXSEQ -> "Received"; case PONG -> "Echoed"; default -> "Sent"; };
            Json j = Report.json(g.mode.key(), g.portName, p, b, e, s, cfg.framingBits()).put("threads", g.workers.size());
            if (g.mode.sends()) {
                j.put("length", g.length);
                if (cfg.minLength() < cfg.length() && pcapFrames == null) j.put("min_length", cfg.minLength());
            }
            if (!cfg.json()) Report.summary(verb, p, b, e, s, cfg.framingBits(), cfg.normalize()).forEach(out::println);
            Pinger pinger = g.pinger();
            if (pinger != null) {
                long replies = pinger.replies(), lost = Math.max(0, p - replies);
                j.put("replies", replies).put("lost", lost);
                if (replies > 0) j.put("rtt_ns", Report.rttJson(g.rttTotal));
                if (!cfg.json()) {
                    if (replies > 0) out.println("RTT over " + replies + " packets: " + Report.rtt(g.rttTotal) + ", " + lost + " lost");
                    else if (p > 0) out.println("No replies: all " + p + " requests lost.");
                }
            }
            NicDrops drops = g.statsAtStart == null ? null : NicDrops.between(g.statsAtStart, g.ports.get(0).adapter().statistics());
            if (drops != null) {
                j.put("nic_drops", drops.total());
                if (!cfg.json()) out.println(drops.line());
            }
            if (g.mode == Mode.RXSEQ) {
                printSequenceEvents(g, Report.stamp(Instant.now()));
                j.put("gaps", g.seqGaps()).put("missing", g.seqMissing()).put("out_of_order", g.seqOutOfOrder());
                if (!cfg.json())
                    out.println("Sequence: " + g.seqGaps() + " gaps (" + g.seqMissing() + " packets missing), "
                            + g.seqOutOfOrder() + " out of order.");
            }
            if (g.mode == Mode.PONG) {
                j.put("dropped", g.dropped());
                if (!cfg.json() && g.dropped() > 0) out.println("Dropped " + g.dropped() + " requests that found no TX room.");
            }
            js.add(j);
        }
        Json top = js.get(0);
        if (cfg.selfTest()) {
            WorkerGroup a = groups.get(0), b = groups.get(1);
            long lost = a.mode == Mode.PING ? Math.max(0, a.packets() - a.pinger().replies()) : Math.max(0, a.packets() - b.packets());
            top.put("pipe", "netmap:" + pipe).put("lost", lost).put("peer", js.get(1));
            if (!cfg.json()) {
                String rates;
                if (a.mode == Mode.PING) {
                    rates = a.packets() + " pings, " + a.pinger().replies() + " replies, " + lost + " lost"
                            + (a.rttTotal.getTotalCount() > 0 ? ", RTT p50 " + a.rttTotal.getValueAtPercentile(50) + " ns" : "");
                } else {
                    rates = Units.norm(rate(a), cfg.normalize()) + "pps sent, " + Units.norm(rate(b), cfg.normalize())
                            + "pps received, " + lost + " lost";
                }
                String frameText = pcapFrames != null ? "frames from " + cfg.pcapIn() : a.length + "-byte frames";
                out.println("Pipe " + pipe + ": " + rates + " (" + frameText + ").");
                out.println("Next: pkt-gen -f " + a.mode.key() + " -i netmap:x{1 and pkt-gen -f " + b.mode.key()
                        + " -i netmap:x}1 in two shells; -i <PCI address or ifname> for a NIC.");
            }
        }
        if (interrupted) top.put("interrupted", true);
        if (cfg.json()) out.println(top);
        out.flush();
    }

    private static double rate(WorkerGroup g) {
        double s = g.seconds();
        return s == 0 ? 0 : g.packets() / s;
    }

    // ------------------------------------------------------------------ teardown

    private void close() {
        boolean running = false;
        for (WorkerGroup g : groups) {
            g.stop.raise("closing");
            for (Thread t : g.threads) {
                try {
                    t.join(TimeUnit.SECONDS.toMillis(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (t.isAlive()) running = true;
            }
        }
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                err.println("pkt-gen: closing " + r + ": " + message(e));
            }
        }
        if (running) {
            LOG.warn("a worker thread did not stop; leaving its ports open");
            return;
        }
        for (int i = ports.size() - 1; i >= 0; i--) {
            try {
                ports.get(i).close();
            } catch (RuntimeException e) {
                err.println("pkt-gen: closing " + ports.get(i).name() + ": " + message(e));
            }
        }
    }

    static String message(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.toString() : m;
    }

    private static String fmtSeconds(long nanos) {
        double s = nanos / 1e9;
        return s == Math.rint(s) ? Long.toString((long) s) : String.format(java.util.Locale.ROOT, "%.1f", s);
    }
}
