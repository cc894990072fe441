package io.jnetmap.rings;

import io.jnetmap.sys.Libc;
import io.jnetmap.sys.NativeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The full fence of a wake-up handshake moved from the fast side to the slow one (issue #17).
 *
 * <p>A waker publishes its index and then looks for a sleeper; a sleeper announces itself and
 * then looks at the index. Each side needs a store-load fence between its store and its load, or
 * both can read the other's old value and the sleeper misses its wake-up. On x86 that fence is a
 * locked instruction, and the waker's one also waits until the stores of the whole batch (the slot
 * copies, whose cache lines the peer holds) have left the store buffer: in a two-thread pipe run
 * it was the sender's single costliest instruction. The waker syncs every batch; the sleeper
 * sleeps rarely and pays a futex system call when it does.
 *
 * <p>So, where the kernel has membarrier(2)'s GLOBAL_EXPEDITED command, the sleeper calls it
 * after announcing itself, and the waker needs no fence: every thread of every registered process
 * then runs a full barrier, so either the waker's load of the sleeper count comes after the
 * sleeper's announcement, or the waker's earlier store of the index has reached memory before the
 * sleeper reads it (the pattern of membarrier(2)'s manual page). The waker's store and load must
 * stay in program order in the compiled code: both are accesses to off-heap memory, which the JIT
 * never reorders with each other. A waker may skip its fence only when its own process is
 * registered (only registered processes take part) and the sleeper's end says it sleeps this way;
 * a process where the kernel refuses keeps both fences, and so do its peers when they wake it.
 *
 * <p>{@code -Djnetmap.membarrier=false} keeps the fences on both sides in this process.
 */
final class AsymmetricFence {
    private static final Logger LOG = LoggerFactory.getLogger(AsymmetricFence.class);

    /** This process is registered: its sleepers call {@link #heavy} and its wakers may skip their fence. */
    static final boolean REGISTERED = register();

    private AsymmetricFence() { }

    private static boolean register() {
        if (!Kring.flag(System.getProperty("jnetmap.membarrier", "1"))) return false; // as jnetmap.no_timestamp: 0/false off, 1/true on
        int supported = Libc.membarrier(Libc.MEMBARRIER_CMD_QUERY);
        int need = Libc.MEMBARRIER_CMD_GLOBAL_EXPEDITED | Libc.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;
        if (supported < 0 || (supported & need) != need) {
            LOG.debug("membarrier GLOBAL_EXPEDITED not available ({}): wake-ups keep a fence on both sides", supported);
            return false;
        }
        int rc = Libc.membarrier(Libc.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED);
        if (rc != 0) {
            LOG.debug("membarrier registration refused ({}): wake-ups keep a fence on both sides", rc);
            return false;
        }
        return true;
    }

    /** The sleeper's side: a full barrier on every CPU running a registered process. Only when {@link #REGISTERED}. */
    static void heavy() {
        int rc = Libc.membarrier(Libc.MEMBARRIER_CMD_GLOBAL_EXPEDITED);
        if (rc != 0) throw new NativeException("membarrier", "GLOBAL_EXPEDITED after a successful registration", -rc,
                "start this JVM with -Djnetmap.membarrier=0: its pipe ends then sleep without it and their peers fence when waking them");
    }
}
