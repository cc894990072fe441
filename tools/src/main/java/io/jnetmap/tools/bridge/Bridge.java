package io.jnetmap.tools.bridge;

import io.jnetmap.rings.NetmapLayout;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.PortName;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * netmap's bridge: forwards both ways between two ports, or between a NIC and its host rings when
 * given one port. Zero copy when the ports share a memory region.
 */
@Command(name = "bridge", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Forward packets both ways between two netmap ports (netmap's bridge).",
                "With one port P: bridges the NIC P with its host rings P^ (the kernel's stack)."})
public final class Bridge implements Callable<Integer> {
    @Option(names = "-i", required = true, paramLabel = "PORT", description = "port; give it once or twice")
    List<String> ports;
    @Option(names = "-b", paramLabel = "BURST", defaultValue = "1024", description = "packets moved per ring pair and round (1..8192, default ${DEFAULT-VALUE})")
    int burst;
    @Option(names = "-w", paramLabel = "SECONDS", defaultValue = "4", description = "wait this long for links to come up (default ${DEFAULT-VALUE})")
    int waitSeconds;
    @Option(names = "-c", description = "copy packets even when zero copy is possible")
    boolean copy;
    @Option(names = "-T", paramLabel = "MS", defaultValue = "1000", description = "counter report interval (default ${DEFAULT-VALUE})")
    int reportMillis;
    @Option(names = "-n", paramLabel = "SECONDS", defaultValue = "0", description = "stop after this many seconds (default 0: until SIGINT/SIGTERM)")
    int seconds;
    @Option(names = "-v", description = "verbose")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean stopping;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (ports.size() > 2) throw new CommandLine.ParameterException(spec.commandLine(), "give one or two ports (-i A [-i B])");
        if (burst < 1 || burst > 8192) throw new CommandLine.ParameterException(spec.commandLine(), "burst must be 1..8192, not " + burst);
        String a = ports.get(0), b;
        if (ports.size() == 1 || PortName.parse(ports.get(0)).equals(PortName.parse(ports.get(1)))) {
            PortName n = PortName.parse(a);
            if (n.isVale())
                throw new CommandLine.ParameterException(spec.commandLine(), n.name() + " is a VALE port, which has no host rings: give a second port (-i A -i B)");
            if (n.mode() != PortName.Mode.ALL_NIC)
                throw new CommandLine.ParameterException(spec.commandLine(), "with one port, give the NIC itself (e.g. netmap:eth0): it is bridged with its host rings");
            b = n.spec() + "^";
        } else {
            b = ports.get(1);
        }
        try (NetmapPort pa = NetmapPort.open(noTxPoll(a)); NetmapPort pb = NetmapPort.open(noTxPoll(b))) {
            waitForLinks(pa, pb);
            pa.adapter().setReceiveFilter(true, true, true); // a bridge forwards everything, as netmap asks of NICs
            pb.adapter().setReceiveFilter(true, true, true);
            Forwarder ab = new Forwarder(pa, pb, burst, copy), ba = new Forwarder(pb, pa, burst, copy);
            out.printf("bridge %s <-> %s, burst %d, %s%n", pa.name(), pb.name(), burst, ab.zeroCopy() ? "zero copy" : "copying");
            out.flush();
            Thread t1 = new Thread(ab, "bridge " + pa.name() + " -> " + pb.name());
            Thread t2 = new Thread(ba, "bridge " + pb.name() + " -> " + pa.name());
            Thread hook = new Thread(() -> { stopping = true; try { done.await(5, TimeUnit.SECONDS); } catch (InterruptedException e) { Thread.currentThread().interrupt(); } });
            Runtime.getRuntime().addShutdownHook(hook);
            t1.start();
            t2.start();
            long start = System.nanoTime(), last = start;
            long pAB = 0, bAB = 0, pBA = 0, bBA = 0;
            try {
                while (!stopping && ab.failure() == null && ba.failure() == null
                        && (seconds == 0 || System.nanoTime() - start < seconds * 1_000_000_000L)) {
                    Thread.sleep(Math.min(reportMillis, 100));
                    long now = System.nanoTime();
                    if (now - last >= reportMillis * 1_000_000L) {
                        double s = (now - last) / 1e9;
                        out.printf(Locale.ROOT, "%s -> %s: %s %s | %s -> %s: %s %s%n",
                                pa.name(), pb.name(), rate(ab.packets() - pAB, s, "pps"), rate(8 * (ab.bytes() - bAB), s, "bps"),
                                pb.name(), pa.name(), rate(ba.packets() - pBA, s, "pps"), rate(8 * (ba.bytes() - bBA), s, "bps"));
                        out.flush();
                        pAB = ab.packets(); bAB = ab.bytes(); pBA = ba.packets(); bBA = ba.bytes();
                        last = now;
                    }
                }
            } finally {
                ab.stop();
                ba.stop();
                t1.join();
                t2.join();
            }
            out.printf("forwarded %d packets %s -> %s and %d packets %s -> %s%n", ab.packets(), pa.name(), pb.name(),
                    ba.packets(), pb.name(), pa.name());
            out.flush();
            Throwable f = ab.failure() != null ? ab.failure() : ba.failure();
            if (f != null) {
                spec.commandLine().getErr().println("bridge: " + f.getMessage());
                return 1;
            }
            try { Runtime.getRuntime().removeShutdownHook(hook); } catch (IllegalStateException e) { /* shutting down */ }
            return 0;
        } finally {
            done.countDown();
        }
    }

    /** Each direction syncs only its own rings: NR_NO_TX_POLL keeps an RX poll off the other thread's TX rings. */
    private static PortName noTxPoll(String port) {
        return PortName.parse(port).withFlags(NetmapLayout.NR_NO_TX_POLL);
    }

    private void waitForLinks(NetmapPort a, NetmapPort b) throws InterruptedException {
        long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
        while (!(a.adapter().linkUp() && b.adapter().linkUp())) {
            if (System.nanoTime() > deadline)
                throw new IllegalStateException("no link on " + (a.adapter().linkUp() ? b.name() : a.name())
                        + " after " + waitSeconds + " s: check the cable, or wait longer with -w");
            Thread.sleep(50);
        }
    }

    static String rate(long units, double seconds, String unit) {
        double v = units / seconds;
        String[] prefix = {"", "K", "M", "G", "T"};
        int k = 0;
        while (v >= 1000 && k < prefix.length - 1) { v /= 1000; k++; }
        return String.format(Locale.ROOT, "%.3f %s%s", v, prefix[k], unit);
    }

    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Bridge());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, line, result) -> {
            line.getErr().println("bridge: " + e.getMessage());
            return 1;
        });
        cl.setParameterExceptionHandler((e, args2) -> {
            e.getCommandLine().getErr().println("bridge: " + e.getMessage() + " (see bridge --help)");
            return 2;
        });
        return cl.execute(args);
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true), err = new PrintWriter(System.err, true);
        System.exit(run(out, err, args));
    }
}
