package io.jnetmap.pci;

import java.util.Objects;

/**
 * How {@link PciDevice#open} opens a device. Immutable; each {@code with} returns a copy.
 * Defaults: access from {@link AccessMethod#fromSettings()} (AUTO unless configured), reset on open
 * and on close, this machine's {@link HostPaths}.
 */
public final class OpenOptions {
    private final AccessMethod access;
    private final boolean resetOnOpen, resetOnClose;
    private final HostPaths paths;

    private OpenOptions(AccessMethod access, boolean resetOnOpen, boolean resetOnClose, HostPaths paths) {
        this.access = Objects.requireNonNull(access);
        this.resetOnOpen = resetOnOpen;
        this.resetOnClose = resetOnClose;
        this.paths = Objects.requireNonNull(paths);
    }

    public static OpenOptions defaults() {
        return new OpenOptions(AccessMethod.fromSettings(), true, true, HostPaths.system());
    }

    /** Forces VFIO or UIO (or AUTO). */
    public OpenOptions access(AccessMethod a) { return new OpenOptions(a, resetOnOpen, resetOnClose, paths); }
    public OpenOptions resetOnOpen(boolean b) { return new OpenOptions(access, b, resetOnClose, paths); }
    public OpenOptions resetOnClose(boolean b) { return new OpenOptions(access, resetOnOpen, b, paths); }
    public OpenOptions paths(HostPaths p) { return new OpenOptions(access, resetOnOpen, resetOnClose, p); }

    public AccessMethod access() { return access; }
    public boolean resetOnOpen() { return resetOnOpen; }
    public boolean resetOnClose() { return resetOnClose; }
    public HostPaths paths() { return paths; }

    @Override
    public String toString() {
        return "OpenOptions[" + access + ", reset " + (resetOnOpen ? "on open" : "") + (resetOnClose ? " on close" : "") + "]";
    }
}
