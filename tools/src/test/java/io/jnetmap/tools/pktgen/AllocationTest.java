package io.jnetmap.tools.pktgen;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The data path allocates nothing per packet: worker threads' allocation stays flat while millions of packets pass. */
class AllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static Map<String, Long> workerAllocations() {
        Map<String, Long> m = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet())
            if (t.getName().startsWith("pkt-gen-")) m.put(t.getName(), THREADS.getThreadAllocatedBytes(t.getId()));
        return m;
    }

    private static void assertFlat(String... args) throws Exception {
        Cli.Running run = Cli.start(args);
        // a loaded machine (a lab build beside the tests) can take seconds to open the ports and start the workers
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (workerAllocations().isEmpty() && !run.result.isDone() && System.nanoTime() < deadline) Thread.sleep(20);
        assertFalse(workerAllocations().isEmpty(), "worker threads found");
        Thread.sleep(1500); // warmed up and JIT-compiled
        Map<String, Long> a = workerAllocations();
        Thread.sleep(1500);
        Map<String, Long> b = workerAllocations();
        Cli.Result r = run.await();
        assertEquals(0, r.rc(), r.toString());
        int measured = 0;
        for (Map.Entry<String, Long> e : a.entrySet()) {
            Long later = b.get(e.getKey());
            if (later == null || later < 0 || e.getValue() < 0) continue; // ended, or not measurable
            measured++;
            assertTrue(later - e.getValue() < 16 * 1024, e.getKey() + " allocated " + (later - e.getValue())
                    + " bytes in 1.5 s of " + String.join(" ", args) + "\n" + r.out());
        }
        assertTrue(measured > 0, "no worker thread ran through the 1.5 s window: " + a.keySet() + " then " + b.keySet());
    }

    @Test
    void txAndRx() throws Exception {
        assertFlat("--duration", "8");
    }

    @Test
    void txseqAndRxseqWithRangesAndRandomLengths() throws Exception {
        assertFlat("-f", "txseq", "--duration", "8", "-s", "198.18.0.1:1000-198.18.0.200:1100", "-z", "-l", "1000", "-l", "60");
    }

    @Test
    void pingAndPong() throws Exception {
        assertFlat("-f", "ping", "--duration", "8");
    }

    @Test
    void pacedTx() throws Exception {
        assertFlat("--duration", "8", "-R", "200000");
    }
}
