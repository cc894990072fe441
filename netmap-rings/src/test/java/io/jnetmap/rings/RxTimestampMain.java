package io.jnetmap.rings;

import static io.jnetmap.rings.NetmapLayout.NR_TIMESTAMP;

/**
 * Runs in a second JVM for {@link TimestampSettingTest}, whose command line sets (or not)
 * {@code jnetmap.no_timestamp}: receives one frame over pipe {@code args[0]} and prints the RX
 * ring's ts (µs since the epoch) after an rxsync without NR_TIMESTAMP, then after one with it.
 */
public final class RxTimestampMain {
    public static void main(String[] args) {
        String name = args[0];
        try (NetmapPort m = NetmapPort.open("netmap:" + name + "{1"); NetmapPort s = NetmapPort.open("netmap:" + name + "}1")) {
            NetmapRing tx = m.txRing(0), rx = s.rxRing(0);
            int i = tx.head();
            tx.len(i, 60);
            tx.advance(tx.next(i));
            m.txsync();
            long before = System.currentTimeMillis() * 1000;
            s.rxsync();
            System.out.println("plain " + before + " " + micros(rx) + " " + rx.space());
            rx.flags(rx.flags() | NR_TIMESTAMP);
            before = System.currentTimeMillis() * 1000;
            s.rxsync();
            System.out.println("flagged " + before + " " + micros(rx) + " " + rx.space());
        }
    }

    private static long micros(NetmapRing r) { return r.tsSeconds() * 1_000_000 + r.tsMicros(); }
}
