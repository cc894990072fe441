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
    /** A process parked in the namespace: its /proc/PID/root/sys is the namespace's sysfs, read without spawning anything. */
    private Shell.Background anchor;

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
            p.anchor = p.startIn("sleep", "infinity");
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

    /**
     * One of the interface's counters (/sys/class/net/IF/statistics/NAME), read now through the
     * namespace's sysfs as the anchor process sees it: a file read, cheap enough to pace a sender.
     */
    public long counter(String name) {
        Path f = Path.of("/proc", Long.toString(anchor.process().pid()), "root/sys/class/net", ifname, "statistics", name);
        try {
            return Long.parseLong(Files.readString(f).strip());
        } catch (IOException e) {
            // the anchor is gone? read it the slow way
            return Long.parseLong(exec(30, "cat", "/sys/class/net/" + ifname + "/statistics/" + name).strip());
        }
    }

    /** rx_packets, rx_dropped, rx_missed_errors, rx_fifo_errors, rx_errors, tx_packets: for failure messages. */
    public String counters() {
        StringBuilder b = new StringBuilder(ifname).append(':');
        for (String c : new String[] {"rx_packets", "rx_dropped", "rx_missed_errors", "rx_fifo_errors", "rx_over_errors",
                "rx_errors", "tx_packets", "tx_dropped", "tx_errors"}) {
            try {
                b.append(' ').append(c).append('=').append(counter(c));
            } catch (RuntimeException e) {
                b.append(' ').append(c).append("=?");
            }
        }
        return b.toString();
    }

    public boolean carrier() {
        Shell.Result r = Shell.run(30, "ip", "netns", "exec", ns, "cat", "/sys/class/net/" + ifname + "/carrier");
        return r.ok() && r.out().strip().equals("1");
    }

    public void setMtu(int mtu) { exec(30, "ip", "link", "set", ifname, "mtu", Integer.toString(mtu)); }

    /**
     * Points the kernel's RSS redirection table at RX queue 0 until closed ({@code ethtool -X equal 1},
     * then {@code default}). The kernel hands tcpdump each RX queue's frames from that queue's own
     * interrupt and NAPI context (the lab's igb: one queue per vCPU, each vector on its own CPU), so
     * frames of flows hashed to different queues reach a capture in whichever order the contexts ran,
     * not in wire order; on one queue they keep it.
     */
    public AutoCloseable oneRxQueue() {
        exec(30, "ethtool", "-X", ifname, "equal", "1");
        return () -> Shell.run(30, "ip", "netns", "exec", ns, "ethtool", "-X", ifname, "default");
    }

    /** The kernel's per-queue RX packet counts ({@code ethtool -S}: {@code rx_queue_N_packets}), keyed {@code rx_queue_N}. */
    public java.util.Map<String, Long> rxQueuePackets() {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        ethtoolStatistics().forEach((k, v) -> { if (k.matches("rx_queue_\\d+_packets")) m.put(k.replace("_packets", ""), v); });
        return m;
    }

    /** Every counter {@code ethtool -S} shows for the interface (the driver's names: ixgbe's {@code rx_pkts_nic}, r8169's tally {@code rx_missed}, ...). */
    public java.util.Map<String, Long> ethtoolStatistics() {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        for (String l : exec(30, "ethtool", "-S", ifname).lines().toList()) {
            String[] kv = l.strip().split(":\\s*");
            if (kv.length == 2 && kv[1].strip().matches("-?\\d+")) m.put(kv[0], Long.parseLong(kv[1].strip()));
        }
        return m;
    }

    /** The capture ring each tcpdump here asks for ({@code -B}, in KiB): 64 MiB. */
    public static final int TCPDUMP_BUFFER_KIB = 65536;

    /**
     * Starts tcpdump on the interface writing {@code file} (whole frames, a big buffer); it exits
     * by itself after {@code count} frames, flushing the file then. No {@code -U}: a write(2) per
     * frame made the guest's tcpdump (TCG) fall behind a 200,000-frame burst, its ring overflowed
     * and it never reached the count (the peer's kernel had them all).
     */
    public Shell.Background tcpdump(Path file, String filter, long count) {
        Shell.Background b = startIn("tcpdump", "-i", ifname, "-w", file.toString(), "-s", "0",
                "-B", Integer.toString(TCPDUMP_BUFFER_KIB), "-n", "-c", Long.toString(count), filter);
        if (!b.awaitOutput("listening on", 30_000))
            throw new IllegalStateException("tcpdump did not start: " + b.err());
        return b;
    }

    /**
     * Waits up to {@code seconds} for a tcpdump started with a frame count to exit by itself; if it
     * has not, stops it and says how far it got (its "captured" and "dropped by kernel" lines), so a
     * witness that fell behind is told apart from frames that never came.
     */
    public static void awaitCapture(Shell.Background dump, long count, long seconds) {
        if (dump.awaitExit(seconds)) return;
        dump.interrupt(30);
        throw new AssertionError("tcpdump had not captured " + count + " frames after " + seconds + " s; stopped, it said: "
                + dump.err().strip().replace('\n', ' '));
    }

    /** tcpdump as {@link #tcpdump(Path, String, long)} without a frame limit: stop it with {@link Shell.Background#interrupt}. */
    public Shell.Background tcpdump(Path file, String filter) {
        Shell.Background b = startIn("tcpdump", "-i", ifname, "-w", file.toString(), "-s", "0",
                "-B", Integer.toString(TCPDUMP_BUFFER_KIB), "-U", "-n", filter);
        if (!b.awaitOutput("listening on", 30_000))
            throw new IllegalStateException("tcpdump did not start: " + b.err());
        return b;
    }

    private String[] watched = new String[0];

    /** Names counters for {@link #watched(int)} (kept for callers of the first version; reads are cheap now). */
    public void watch(String... counters) { watched = counters.clone(); }

    /** Counter {@code i} of {@link #watch}, read now. */
    public long watched(int i) { return i < watched.length ? counter(watched[i]) : -1; }

    /** No-op: nothing runs in the background for {@link #watch} any more. */
    public void stopWatching() { }

    /** A flow-controlled sender of numbered frames (peer-sender.py over an AF_PACKET socket). */
    public final class Sender implements AutoCloseable {
        private final Shell.Background proc;
        private long credit;

        private Sender(Shell.Background proc) { this.proc = proc; }

        /** Allows frames with sequence numbers below {@code upTo}. */
        public void credit(long upTo) {
            if (upTo > credit) {
                credit = upTo;
                proc.writeLine(Long.toString(upTo));
            }
        }

        public boolean done() { return !proc.alive(); }

        public String output() { return (proc.out() + proc.err()).strip(); }

        @Override
        public void close() { proc.close(); }
    }

    /**
     * Starts sending {@code count} frames (Frames.fillPeer layout) from this interface to
     * {@code dstMac}, sizes cycling 60..1514 ({@code size} 0) or all {@code size} bytes, as far as
     * {@link Sender#credit} allows.
     */
    public Sender sender(long count, int size, byte[] dstMac) {
        Path script = extract("peer-sender.py");
        Shell.Background b = startWithInputIn("python3", script.toString(), ifname, Frames.macString(dstMac),
                Frames.macString(nic.mac()), Long.toString(count), size == 0 ? "cycle" : Integer.toString(size));
        if (!b.awaitOutput("ready", 60_000)) {
            b.close();
            throw new IllegalStateException("peer-sender.py did not start: " + b.err() + b.out());
        }
        return new Sender(b);
    }

    private Shell.Background startWithInputIn(String... cmd) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(cmd));
        return Shell.startWithInput(c.toArray(new String[0]));
    }

    private static Path extract(String resource) {
        try (java.io.InputStream in = PeerPort.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("resource " + resource + " missing from the test classpath");
            Path p = Files.createTempFile("jnetmap-", "-" + resource);
            Files.write(p, in.readAllBytes());
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
     * device before the start, e.g. "udp_src_min 1000", "udp_src_max 1064" for 64 flows (pktgen
     * steps the source port by one per frame from min up to, not including, max).
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
        if (anchor != null) anchor.close();
        Shell.run(30, "ip", "netns", "del", ns);
        // a physical interface returns to the root namespace when its namespace goes away
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && !Files.exists(Path.of("/sys/class/net", ifname))) Shell.sleep(50);
        LOG.info("peer {} back in the root namespace", nic);
    }
}
