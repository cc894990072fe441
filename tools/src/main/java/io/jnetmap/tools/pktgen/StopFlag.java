package io.jnetmap.tools.pktgen;

/** A stop request shared by the threads of a run: raised by Ctrl-C, a time limit, or a failure. */
public final class StopFlag {
    private volatile boolean raised;
    private volatile String reason;

    public boolean raised() { return raised; }

    public void raise(String why) {
        if (!raised) reason = why;
        raised = true;
    }

    public String reason() { return reason; }
}
