package io.jnetmap.hwtests.tools;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a pkt-gen run printed on stdout: its summary lines, as netmap's pkt-gen prints them. */
record PktGenOutput(String out) {
    private static final Pattern COUNT = Pattern.compile("(?m)^(Sent|Received|Echoed) (\\d+) packets (\\d+) bytes .* in ([\\d.]+) seconds\\.$");
    private static final Pattern SPEED = Pattern.compile("(?m)^Speed: (.*pps) Bandwidth: (.*bps) \\(raw");
    private static final Pattern RTT = Pattern.compile("(?m)^RTT over (\\d+) packets: (.*), (\\d+) lost$");

    /** Packets of the "Sent/Received/Echoed N packets" line, 0 for "... nothing.", -1 without a summary. */
    long packets() {
        Matcher m = COUNT.matcher(out);
        if (m.find()) return Long.parseLong(m.group(2));
        return out.matches("(?s).*(Sent|Received|Echoed) nothing\\..*") ? 0 : -1;
    }

    long bytes() {
        Matcher m = COUNT.matcher(out);
        return m.find() ? Long.parseLong(m.group(3)) : -1;
    }

    /** "1.234 Kpps 5.678 Mbps", or "?" without a speed line. */
    String speed() {
        Matcher m = SPEED.matcher(out);
        return m.find() ? m.group(1) + " " + m.group(2) : "?";
    }

    /** The ping summary's times ("min .. av .. max .. ns, p50 .. p90 .. p99 .. p99.9 .. ns"), or null. */
    String rtt() {
        Matcher m = RTT.matcher(out);
        return m.find() ? m.group(2) : null;
    }

    long rttPackets() {
        Matcher m = RTT.matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    long lost() {
        Matcher m = RTT.matcher(out);
        return m.find() ? Long.parseLong(m.group(3)) : -1;
    }
}
