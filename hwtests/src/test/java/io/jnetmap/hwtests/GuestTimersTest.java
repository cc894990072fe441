package io.jnetmap.hwtests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * hwtests/lab/bin/lab-timers on /proc/timer_list texts in the guest kernel's (6.1) layout: a CPU
 * whose next timer event is long overdue and that took no timer interrupt between the two samples
 * has lost its timer; a CPU a little late, idle with nothing pending, or with only its hrtimer
 * base behind has not. Not a hardware test: runs in the normal build.
 */
class GuestTimersTest {
    static final long NOW = 2_573_000_000_000L;
    static final long KTIME_MAX = Long.MAX_VALUE;

    @TempDir
    Path dir;

    /** /proc/timer_list of a 2-CPU guest: CPU 0 healthy, CPU 1's hrtimer base and lapic at the given expiries. */
    static String timerList(long cpu1Base, long cpu1Device) {
        return """
                Timer List Version: v0.9
                HRTIMER_MAX_CLOCK_BASES: 8
                now at %d nsecs

                cpu: 0
                 clock 0:
                  .base:       00000000a1b2c3d4
                  .index:      0
                  .resolution: 1 nsecs
                  .get_time:   ktime_get
                  .offset:     0 nsecs
                active timers:
                 #0: <00000000deadbeef>, tick_sched_timer, S:01
                 # expires at %d-%d nsecs [in 4000000 to 4000000 nsecs]
                  .expires_next   : %d nsecs
                  .hres_active    : 1
                  .nr_events      : 636000
                  .nr_retries     : 12
                  .nr_hangs       : 0
                  .max_hang_time  : 0
                cpu: 1
                 clock 0:
                  .base:       00000000a1b2c3d5
                  .index:      0
                active timers:
                  .expires_next   : %d nsecs
                  .hres_active    : 1
                  .nr_events      : 72668
                  .nr_retries     : 3
                  .nr_hangs       : 0

                Tick Device: mode:     1
                Broadcast device
                Clock Event Device: hpet
                 max_delta_ns:   42950013154
                 next_event:     %d nsecs

                Tick Device: mode:     1
                Per CPU device: 0
                Clock Event Device: lapic
                 max_delta_ns:   34359738368
                 mode:           3
                 next_event:     %d nsecs
                 set_next_event: lapic_next_event

                Tick Device: mode:     1
                Per CPU device: 1
                Clock Event Device: lapic
                 max_delta_ns:   34359738368
                 mode:           3
                 next_event:     %d nsecs
                 set_next_event: lapic_next_event
                """.formatted(NOW, NOW + 4_000_000, NOW + 4_000_000, NOW + 4_000_000, cpu1Base, KTIME_MAX,
                NOW + 4_000_000, cpu1Device);
    }

    Optional<String> judge(long cpu1Base, long cpu1Device) throws IOException {
        Path f = dir.resolve("timer_list");
        Files.writeString(f, timerList(cpu1Base, cpu1Device));
        return GuestTimers.lost(f, "0.1", "2");
    }

    @Test
    void aCpuWhoseNextEventIsLongOverdueHasLostItsTimer() throws IOException {
        long stale = NOW - 21_000_000_000L; // RCU's "timer wakeup didn't happen for 5251 jiffies" at HZ=250
        Optional<String> lost = judge(stale, stale);
        assertTrue(lost.isPresent(), "CPU 1, 21 s overdue without a timer interrupt, not reported");
        assertTrue(lost.get().startsWith("CPU 1 lost its timer: its next timer event is 21.0 s overdue"), lost.get());
        assertTrue(!lost.get().contains("CPU 0"), "healthy CPU 0 reported: " + lost.get());
    }

    @Test
    void healthyIdleAndSlightlyLateCpusHaveNot() throws IOException {
        assertEquals(Optional.empty(), judge(NOW + 4_000_000, NOW + 4_000_000), "healthy");
        assertEquals(Optional.empty(), judge(KTIME_MAX, KTIME_MAX), "idle, tick stopped, nothing pending");
        assertEquals(Optional.empty(), judge(NOW - 500_000_000, NOW - 500_000_000), "0.5 s late (a descheduled vCPU)");
        assertEquals(Optional.empty(), judge(NOW - 30_000_000_000L, NOW + 4_000_000), "hrtimer base behind, device armed");
    }
}
