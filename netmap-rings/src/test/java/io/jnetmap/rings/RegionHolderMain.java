package io.jnetmap.rings;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Runs in a second JVM for {@link RegionTest}: opens the master end of pipe 1 of region
 * {@code args[0]}, sends one frame numbered 4242, says {@code OPEN}; on the line {@code lock} it
 * takes the region's lock and says {@code LOCKED}; then it waits to be killed, as a process that
 * crashes at the worst moment.
 */
public final class RegionHolderMain {
    public static void main(String[] args) throws Exception {
        NetmapPort m = NetmapPort.open("netmap:" + args[0] + "{1@conf:slots=8");
        NetmapRing tx = m.txRing(0);
        RingOps.send(tx, 1, 4242, 60);
        m.txsync();
        System.out.println("OPEN");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if ("lock".equals(in.readLine())) {
            m.region().lock();
            System.out.println("LOCKED");
            System.out.flush();
        }
        Thread.sleep(120_000);
    }
}
