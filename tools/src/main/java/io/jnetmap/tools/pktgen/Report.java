package io.jnetmap.tools.pktgen;

import org.HdrHistogram.Histogram;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** pkt-gen's report lines, as netmap prints them (main_thread, tx_output, ping_body), and --json. */
public final class Report {
    private Report() { }

    /** netmap's D() prefix: seconds (mod 1000) and microseconds of the wall clock. */
    public static String stamp(Instant now) {
        return String.format(Locale.ROOT, "%03d.%06d", now.getEpochSecond() % 1000, now.getNano() / 1000);
    }

    /** The periodic line: {@code 14.880 Mpps (14.895 Mpkts 7.142 Gbps in 1001002 usec) 512.00 avg_batch 99999 min_space}. */
    public static String interval(long packets, long bytes, long events, long usec, int framingBits, int minSpace, boolean normalize) {
        long pps = (packets * 1_000_000L + usec / 2) / usec;
        double bps = 1e6 * (8.0 * bytes + (double) packets * framingBits) / usec;
        double avgBatch = events > 0 ? packets / (double) events : 0;
        return String.format(Locale.ROOT, "%spps (%spkts %sbps in %d usec) %.2f avg_batch %d min_space",
                Units.norm(pps, normalize), Units.norm(packets, normalize), Units.norm(bps, normalize), usec, avgBatch, minSpace);
    }

    /** netmap's tx_output: the two summary lines ("Sent ..." / "Speed: ..."), or "Sent nothing.". */
    public static List<String> summary(String verb, long packets, long bytes, long events, double seconds, int framingBits, boolean normalize) {
        List<String> l = new ArrayList<>();
        if (packets == 0) {
            l.add(verb + " nothing.");
            return l;
        }
        long size = bytes / packets;
        l.add(String.format(Locale.ROOT, "%s %d packets %d bytes %d events %d bytes each in %.2f seconds.",
                verb, packets, bytes, events, size, seconds));
        double d = seconds == 0 ? 1e-6 : seconds;
        double pps = packets / d, bw = 8.0 * bytes / d, raw = (8.0 * bytes + (double) packets * framingBits) / d;
        double avgBatch = events > 0 ? packets / (double) events : 0;
        l.add(String.format(Locale.ROOT, "Speed: %spps Bandwidth: %sbps (raw %sbps). Average batch: %.2f pkts",
                Units.norm(pps, normalize), Units.norm(bw, normalize), Units.norm(raw, normalize), avgBatch));
        return l;
    }

    /** Round-trip times of a histogram, in ns: {@code min X av Y max Z ns, p50 .. p90 .. p99 .. p99.9 .. ns}. */
    public static String rtt(Histogram h) {
        return String.format(Locale.ROOT, "min %d av %d max %d ns, p50 %d p90 %d p99 %d p99.9 %d ns",
                h.getMinValue(), Math.round(h.getMean()), h.getMaxValue(),
                h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9));
    }

    public static Json rttJson(Histogram h) {
        return new Json().put("min", h.getMinValue()).put("avg", Math.round(h.getMean())).put("max", h.getMaxValue())
                .put("p50", h.getValueAtPercentile(50)).put("p90", h.getValueAtPercentile(90))
                .put("p99", h.getValueAtPercentile(99)).put("p999", h.getValueAtPercentile(99.9));
    }

    /** The summary of a run as JSON fields. */
    public static Json json(String mode, String port, long packets, long bytes, long events, double seconds, int framingBits) {
        double d = seconds == 0 ? 0 : seconds;
        return new Json().put("mode", mode).put("port", port).put("packets", packets).put("bytes", bytes).put("events", events)
                .put("seconds", seconds)
                .put("pps", d == 0 ? 0.0 : packets / d)
                .put("bps", d == 0 ? 0.0 : 8.0 * bytes / d)
                .put("raw_bps", d == 0 ? 0.0 : (8.0 * bytes + (double) packets * framingBits) / d)
                .put("avg_batch", events == 0 ? 0.0 : packets / (double) events);
    }
}
