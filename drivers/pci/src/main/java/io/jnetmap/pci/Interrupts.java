package io.jnetmap.pci;

import java.util.List;

/**
 * The interrupt vectors a device was given ({@link PciDevice#enableInterrupts}): all of one mode.
 * Vector i corresponds to MSI-X table entry i, which the driver routes its causes to (IVAR etc.).
 * Closing disables delivery and releases the file descriptors.
 */
public final class Interrupts implements AutoCloseable {
    private final InterruptMode mode;
    private final List<InterruptVector> vectors;
    private final Runnable disable;
    private boolean closed;

    Interrupts(InterruptMode mode, List<InterruptVector> vectors, Runnable disable) {
        this.mode = mode;
        this.vectors = List.copyOf(vectors);
        this.disable = disable;
    }

    public InterruptMode mode() { return mode; }
    public int count() { return vectors.size(); }
    public InterruptVector vector(int i) { return vectors.get(i); }
    public List<InterruptVector> vectors() { return vectors; }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            disable.run();
        } finally {
            for (InterruptVector v : vectors) v.close();
        }
    }

    boolean isClosed() { return closed; }

    @Override
    public String toString() { return "Interrupts[" + mode + " x" + vectors.size() + "]"; }
}
