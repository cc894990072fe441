package io.jnetmap.rings;

/**
 * A sync found the user's ring pointers or slots invalid. The ring has already been reset to the
 * port's state (head = cur = hwcur, tail = hwtail, invalid buffer indices restored), as netmap's
 * netmap_ring_reinit does, so the application may catch this and go on.
 */
public class RingStateException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public RingStateException(String message) {
        super(message);
    }
}
