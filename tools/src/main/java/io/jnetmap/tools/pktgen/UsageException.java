package io.jnetmap.tools.pktgen;

/** Bad input found after parsing (e.g. a length the port's buffers cannot hold): exit code 2. */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
