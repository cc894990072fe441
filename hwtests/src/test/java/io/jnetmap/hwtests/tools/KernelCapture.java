package io.jnetmap.hwtests.tools;

import io.jnetmap.hwtests.Frames;
import io.jnetmap.hwtests.Shell;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A pcap file written by tcpdump of real kernel traffic, for pkt-gen -P: two network namespaces
 * joined by a veth pair, ARP, pings of several sizes and UDP datagrams from one to the other,
 * captured on the sender's end. The receiving end takes {@code dstMac} and the capture keeps only
 * frames to it or to everyone, so a NIC with that address accepts every frame of the file.
 */
final class KernelCapture {
    private KernelCapture() { }

    static final int[] PING_SIZES = {0, 56, 200, 1000, 1472};

    /** Writes the capture to {@code file}; returns how many frames tcpdump wrote. */
    static long write(Path file, byte[] dstMac) {
        String a = "jnmcap-a", b = "jnmcap-b";
        List<String> cleanup = List.of(a, b);
        for (String ns : cleanup) Shell.run(30, "ip", "netns", "del", ns);
        try {
            for (String ns : cleanup) {
                Shell.check(30, "ip", "netns", "add", ns);
                Shell.check(30, "ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                        "net.ipv6.conf.default.disable_ipv6=1");
            }
            Shell.check(30, "ip", "-n", a, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b);
            Shell.check(30, "ip", "-n", b, "link", "set", "vb", "address", Frames.macString(dstMac));
            Shell.check(30, "ip", "-n", a, "addr", "add", "198.18.77.1/24", "dev", "va");
            Shell.check(30, "ip", "-n", b, "addr", "add", "198.18.77.2/24", "dev", "vb");
            Shell.check(30, "ip", "-n", a, "link", "set", "va", "up");
            Shell.check(30, "ip", "-n", b, "link", "set", "vb", "up");
            List<String> dump = new ArrayList<>(List.of("ip", "netns", "exec", a, "tcpdump", "-i", "va", "-n", "-U", "--immediate-mode", "-s", "0",
                    "-w", file.toString(), "ether dst " + Frames.macString(dstMac) + " or ether broadcast"));
            try (Shell.Background td = Shell.start(dump)) {
                if (!td.awaitOutput("listening on", 60_000)) throw new IllegalStateException("tcpdump did not start: " + td.err());
                for (int size : PING_SIZES)
                    Shell.check(60, "ip", "netns", "exec", a, "ping", "-c", "2", "-i", "0.2", "-W", "5", "-s", Integer.toString(size), "198.18.77.2");
                for (int i = 0; i < 3; i++)
                    Shell.check(30, "ip", "netns", "exec", a, "bash", "-c", "printf 'datagram %0" + (100 * i + 1) + "d' " + i
                            + " > /dev/udp/198.18.77.2/" + (5000 + i));
                Shell.sleep(1500); // tcpdump writes what it has seen; give it what is in flight
                td.interrupt(30);
                return capturedCount(td.err());
            }
        } finally {
            for (String ns : cleanup) Shell.run(30, "ip", "netns", "del", ns);
        }
    }

    /** tcpdump's "N packets captured" line. */
    private static long capturedCount(String err) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) packets? captured").matcher(err);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
