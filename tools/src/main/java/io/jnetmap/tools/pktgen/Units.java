package io.jnetmap.tools.pktgen;

import java.util.Locale;

/** Number formatting of netmap's pkt-gen ({@code norm()} in apps/include/ctrs.h). */
public final class Units {
    private static final String[] PREFIX = {"", "K", "M", "G", "T"};

    private Units() { }

    /**
     * {@code v} divided by 1000 while it is at least 1000, as "%.3f " and a prefix: "14.880 M",
     * "123.000 " (a unit follows directly: "14.880 Mpps"). Without normalizing: "%.0f ".
     */
    public static String norm(double v, boolean normalize) {
        if (!normalize) return String.format(Locale.ROOT, "%.0f ", v);
        int i = 0;
        while (v >= 1000 && i < PREFIX.length - 1) {
            v /= 1000;
            i++;
        }
        return String.format(Locale.ROOT, "%.3f %s", v, PREFIX[i]);
    }
}
