package io.jnetmap.hwtests;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The far end of a lab cable, run by the Linux kernel's own driver, in a network namespace of its
 * own (so nothing else on the machine talks through it): IPv6 off, no addresses, so the kernel
 * sends nothing unasked. Commands run in the namespace; counters come from its sysfs; captures
 * with tcpdump; traffic with the kernel's pktgen.
 */
public final class PeerPort implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerPort.class);

    private final Lab.Nic nic;
    private final String ns;
    private final String ifname;
    private Shell.Background watcher;
    private volatile long[] latest = new long[0];
    private String[] watched = new String[0];

    private PeerPort(Lab.Nic nic, String ns, String ifname) {
        this.nic = nic;
        this.ns = ns;
        this.ifname = ifname;
    }

    public Lab.Nic nic() { return nic; }
    public String ifname() { return ifname; }
    public String namespace() { return ns; }

    /** Moves the kernel interface of {@code nic} into a fresh namespace {@code ns} and brings it up. */
    public static PeerPort open(Lab.Nic nic, String ns) {
        String ifname = kernelInterface(nic.bdf());
        Shell.run(30, "ip", "netns", "del", ns); // a leftover from an aborted run
        Shell.check(30, "ip", "netns", "add", ns);
        PeerPort p = new PeerPort(nic, ns, ifname);
        try {
            p.exec(30, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
            Shell.check(30, "ip", "link", "set", ifname, "netns", ns);
            p.exec(30, "ip", "link", "set", "lo", "up");
            p.exec(30, "ip", "link", "set", ifname, "addrgenmode", "none");
            p.exec(30, "ip", "link", "set", ifname, "up");
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
        LOG.info("peer {} is {} in namespace {}", nic, ifname, ns);
        return p;
    }

    /** The kernel interface of PCI device {@code bdf} in this namespace (its driver must own it). */
    public static String kernelInterface(String bdf) {
        Path net = Path.of("/sys/bus/pci/devices", bdf, "net");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try (Stream<Path> s = Files.exists(net) ? Files.list(net) : Stream.empty()) {
                List<Path> l = s.toList();
                if (!l.isEmpty()) return l.get(0).getFileName().toString();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (System.nanoTime() > deadline)
                throw new IllegalStateException(bdf + " has no kernel network interface (is it bound to its kernel driver?)");
            Shell.sleep(100);
        }
    }

    /** Runs a command in the namespace; throws if it fails. */
    public String exec(long timeoutSeconds, String... cmd) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(cmd));
        return Shell.check(timeoutSeconds, c.toArray(new String[0]));
    }

    public Shell.Background startIn(String... cmd) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(cmd));
        return Shell.start(c);
    }

    /** One of the interface's counters (/sys/class/net/IF/statistics/NAME), read now. */
    public long counter(String name) {
        return Long.parseLong(exec(30, "cat", "/sys/class/net/" + ifname + "/statistics/" + name).strip());
    }

    public boolean carrier() {
        Shell.Result r = Shell.run(30, "ip", "netns", "exec", ns, "cat", "/sys/class/net/" + ifname + "/carrier");
        return r.ok() && r.out().strip().equals("1");
    }

    public void setMtu(int mtu) { exec(30, "ip", "link", "set", ifname, "mtu", Integer.toString(mtu)); }

    /**
     * Starts a process in the namespace that prints the given counters every 20 ms, so a test can
     * follow the peer cheaply ({@link #watched}) while it sends: a pacing window for a sender.
     */
    public void watch(String... counters) {
        stopWatching();
        StringBuilder script = new StringBuilder("while :; do echo ");
        for (String c : counters) script.append("$(cat /sys/class/net/").append(ifname).append("/statistics/").append(c).append(") ");
        script.append("; sleep 0.02; done");
        watched = counters.clone();
        watcher = startIn("sh", "-c", script.toString());
    }

    /** The last value the watcher printed for counter {@code i} of {@link #watch}, or -1 before its first line. */
    public long watched(int i) {
        String line = watcher == null ? "" : watcher.lastOutLine();
        if (line.isBlank()) return -1;
        String[] f = line.trim().split("\\s+");
        return i < f.length ? Long.parseLong(f[i]) : -1;
    }

    public void stopWatching() {
        if (watcher != null) watcher.close();
        watcher = null;
    }

    /** Starts tcpdump on the interface writing {@code file} (whole frames, big buffer, unbuffered writes). */
    public Shell.Background tcpdump(Path file, String filter) {
        Shell.Background b = startIn("tcpdump", "-i", ifname, "-w", file.toString(), "-s", "0", "-B", "65536", "-U", "-n", filter);
        if (!b.awaitOutput("listening on", 30_000))
            throw new IllegalStateException("tcpdump did not start: " + b.err());
        return b;
    }

    /**
     * Sends {@code count} UDP frames to {@code dstMac} with the kernel's pktgen (module pktgen),
     * sizes from {@code minSize} to {@code maxSize} (pktgen's pkt_size counts the CRC), one every
     * {@code delayNanos}; returns at once: {@link Shell.Background#process()} ends when all are sent.
     */
    public Shell.Background pktgen(long count, int minSize, int maxSize, long delayNanos, byte[] dstMac) {
        return pktgen(count, minSize, maxSize, delayNanos, dstMac, new String[0]);
    }

    /**
     * {@link #pktgen(long, int, int, long, byte[])} with further pktgen commands written to the
     * device before the start, e.g. "udp_src_min 1000", "udp_src_max 1063" for 64 flows (pktgen
     * steps the source port by one per frame within the range).
     */
    public Shell.Background pktgen(long count, int minSize, int maxSize, long delayNanos, byte[] dstMac, String... extra) {
        Shell.check(60, "modprobe", "pktgen");
        String dev = "/proc/net/pktgen/" + ifname;
        String script = String.join("\n",
                "set -e",
                "pg() { echo \"$2\" > \"$1\"; }",
                "pg /proc/net/pktgen/kpktgend_0 rem_device_all",
                "pg /proc/net/pktgen/kpktgend_0 'add_device " + ifname + "'",
                "pg " + dev + " 'count " + count + "'",
                "pg " + dev + " 'clone_skb 0'",
                "pg " + dev + " 'burst 1'",
                "pg " + dev + " 'min_pkt_size " + minSize + "'",
                "pg " + dev + " 'max_pkt_size " + maxSize + "'",
                "pg " + dev + " 'delay " + delayNanos + "'",
                "pg " + dev + " 'dst_mac " + Frames.macString(dstMac) + "'",
                "pg " + dev + " 'dst 198.18.0.1'",
                "pg " + dev + " 'src_min 198.18.0.2'",
                "pg " + dev + " 'src_max 198.18.0.2'",
                extraCommands(dev, extra),
                "pg /proc/net/pktgen/pgctrl start",
                "cat " + dev);
        return startIn("sh", "-c", script);
    }

    private static String extraCommands(String dev, String[] extra) {
        StringBuilder b = new StringBuilder(":");
        for (String e : extra) b.append("\n").append("pg ").append(dev).append(" '").append(e).append("'");
        return b.toString();
    }

    /** Puts the interface back in the root namespace (deleting the namespace does that) and forgets it. */
    @Override
    public void close() {
        stopWatching();
        Shell.run(30, "ip", "netns", "del", ns);
        // a physical interface returns to the root namespace when its namespace goes away
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && !Files.exists(Path.of("/sys/class/net", ifname))) Shell.sleep(50);
        LOG.info("peer {} back in the root namespace", nic);
    }
}
