package io.jnetmap.rings;

import io.jnetmap.sys.Libc;
import io.jnetmap.sys.OffHeapBuffer;

/**
 * The wake-up words of pipes, VALE ports and monitors: a waiter reads the sequence word, checks
 * its rings, then sleeps in FUTEX_WAIT while the word still holds what it read; a waker bumps the
 * word and wakes every sleeper. The words live in shared memory, so the sleeper may be in another
 * process.
 */
final class Futex {
    private Futex() { }

    /** Bumps the sequence word at {@code offset} of {@code words} and wakes every thread asleep on it. */
    static void bumpAndWake(OffHeapBuffer words, int offset) {
        words.getAndAddInt(offset, 1);
        Libc.futexWake(words.address() + offset, Integer.MAX_VALUE);
    }
}
