package io.jnetmap.intel;

/** An Intel NIC did not do what the driver asked (a timeout, an error bit); the message names the register. */
public class IntelException extends RuntimeException {
    public IntelException(String message) {
        super(message);
    }
}
