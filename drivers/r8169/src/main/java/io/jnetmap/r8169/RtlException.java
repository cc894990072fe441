package io.jnetmap.r8169;

/** The r8169 driver refused a device or an operation: the message says why and what to do. */
public final class RtlException extends RuntimeException {
    public RtlException(String message) { super(message); }
}
