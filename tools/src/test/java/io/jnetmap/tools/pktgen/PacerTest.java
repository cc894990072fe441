package io.jnetmap.tools.pktgen;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The pacing schedule, checked on a simulated clock: no sleeping, no timing flakiness. */
class PacerTest {
    private static final long SEC = 1_000_000_000L;

    /** A clock the test moves. */
    static final class FakeClock implements NanoClock {
        long now = 123_456_789L;
        @Override public long nanoTime() { return now; }
    }

    @Test
    void burstsAreClippedToRateOver300LikeNetmap() {
        assertEquals(512, Pacer.burstFor(14_880_000, 512));
        assertEquals(3, Pacer.burstFor(1000, 512));
        assertEquals(1, Pacer.burstFor(100, 512), "at least one packet");
        assertEquals(1, Pacer.burstFor(1_000_000, 1), "never more than the batch");
        Pacer p = new Pacer(1000, 512, new FakeClock());
        assertEquals(3_000_000.0, p.periodNanos(), 1e-6, "3 packets every 3 ms");
    }

    @Test
    void theScheduleHasNoDriftEvenWhenThePeriodIsNotWholeNanoseconds() {
        FakeClock c = new FakeClock();
        Pacer p = new Pacer(3_000_000, 512, c); // 512 packets every 170666.67 ns
        p.start(0);
        long k = 3_000_000L / 512 * 1000; // bursts in ~1000 s
        long due = p.dueTime(k);
        double exact = (double) k * 512 * SEC / 3_000_000;
        assertTrue(Math.abs(due - exact) < 1.0, "burst " + k + " due at " + due + ", exactly " + exact);
        assertEquals(0, p.dueTime(0));
        assertTrue(p.dueTime(1) > 0);
    }

    /** A sender that sleeps until each burst is due (waking up late by a random amount) and sends it at once. */
    private static long[] simulate(long rate, int batch, long seconds, long maxLateNanos, long seed) {
        FakeClock c = new FakeClock();
        Pacer p = new Pacer(rate, batch, c);
        p.start(c.now);
        long t0 = c.now;
        long[] perSecond = new long[(int) seconds];
        Random rnd = new Random(seed);
        while (true) {
            long d = p.delay(c.now);
            if (d > 0) c.now += d + (maxLateNanos > 0 ? (long) (rnd.nextDouble() * maxLateNanos) : 0);
            int n = p.tryAcquire(c.now);
            assertTrue(n > 0, "a burst is due after waiting for it");
            long s = (c.now - t0) / SEC;
            if (s >= seconds) break;
            perSecond[(int) s] += n;
        }
        return perSecond;
    }

    @Test
    void tenSecondsAtEachRateAreWithinOnePercentEverySecond() {
        for (long rate : new long[] {1_000, 12_345, 100_000, 1_000_000, 14_880_000}) {
            long[] perSecond = simulate(rate, 512, 10, 50_000, rate);
            long total = 0;
            for (int s = 0; s < perSecond.length; s++) {
                total += perSecond[s];
                assertEquals(rate, perSecond[s], rate * 0.01, "rate " + rate + ", second " + s);
            }
            assertEquals(rate * 10, total, rate * 10 * 0.001, "rate " + rate + " over 10 s");
        }
    }

    @Test
    void lowRatesSendSinglePacketsEvenlySpaced() {
        FakeClock c = new FakeClock();
        Pacer p = new Pacer(100, 512, c);
        p.start(0);
        for (int k = 0; k < 1000; k++) assertEquals(k * 10_000_000L, p.dueTime(k), "one packet every 10 ms");
        assertEquals(1, p.burst());
    }

    @Test
    void aSenderThatFellBehindCatchesUpSoTheAverageHolds() {
        FakeClock c = new FakeClock();
        Pacer p = new Pacer(100_000, 512, c);
        p.start(c.now);
        long t0 = c.now, sent = 0;
        while (c.now - t0 < 10 * SEC) {
            if (c.now - t0 > 3 * SEC && c.now - t0 < 3 * SEC + 1000) c.now += 200_000_000L; // a 200 ms stall
            long d = p.delay(c.now);
            if (d > 0) c.now += d;
            sent += p.tryAcquire(c.now);
        }
        assertEquals(1_000_000, sent, 1_000_000 * 0.001);
    }

    @Test
    void awaitStopsWhenAskedAndWaitsOnTheClock() {
        FakeClock c = new FakeClock();
        Pacer p = new Pacer(10, 512, c);
        p.start(c.now);
        StopFlag stop = new StopFlag();
        assertEquals(1, p.awaitNextBurst(stop), "burst 0 is due at once");
        stop.raise("test");
        assertEquals(0, p.awaitNextBurst(stop), "the next burst is 100 ms away and the sender was stopped");
        c.now += 100_000_000L;
        assertEquals(1, p.awaitNextBurst(new StopFlag()));
    }
}
