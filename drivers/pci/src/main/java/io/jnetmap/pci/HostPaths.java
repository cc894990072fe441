package io.jnetmap.pci;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where this layer finds sysfs, procfs, /dev and nm-bind's state directory. Every path the package
 * touches goes through here, so tests can point it at a fake sysfs tree.
 *
 * <p>The process-wide default ({@link #system()}) reads, in order, a system property and then an
 * environment variable:
 * <ul>
 * <li>{@value #ROOT_PROPERTY} / {@value #ROOT_ENV}: a directory standing in for "/" (default "/");</li>
 * <li>{@value #PAGEMAP_PROPERTY} / {@value #PAGEMAP_ENV}: the pagemap file (default
 *     {@code <root>/proc/self/pagemap});</li>
 * <li>{@value #STATE_PROPERTY} / {@value #STATE_ENV}: nm-bind's state directory (default
 *     {@code <root>/run/jnetmap}; the same variable nm-bind reads).</li>
 * </ul>
 */
public final class HostPaths {
    public static final String ROOT_PROPERTY = "jnetmap.host.root", ROOT_ENV = "JNETMAP_HOST_ROOT";
    public static final String PAGEMAP_PROPERTY = "jnetmap.pagemap", PAGEMAP_ENV = "JNETMAP_PAGEMAP";
    public static final String STATE_PROPERTY = "jnetmap.state.dir", STATE_ENV = "JNETMAP_STATE_DIR";

    private final Path root;
    private final Path pagemap;
    private final Path stateDir;

    private HostPaths(Path root, Path pagemap, Path stateDir) {
        this.root = root;
        this.pagemap = pagemap;
        this.stateDir = stateDir;
    }

    /** The paths of this process, from the properties/environment above (read on every call: cheap, and tests may change them). */
    public static HostPaths system() {
        HostPaths p = rootedAt(Path.of(setting(ROOT_PROPERTY, ROOT_ENV, "/")));
        String pm = setting(PAGEMAP_PROPERTY, PAGEMAP_ENV, null);
        String st = setting(STATE_PROPERTY, STATE_ENV, null);
        if (pm != null) p = p.withPagemap(Path.of(pm));
        if (st != null) p = p.withStateDir(Path.of(st));
        return p;
    }

    /** Everything under {@code root} (a fake tree in tests; "/" for the real machine). */
    public static HostPaths rootedAt(Path root) {
        Path r = root.toAbsolutePath();
        return new HostPaths(r, r.resolve("proc/self/pagemap"), r.resolve("run/jnetmap"));
    }

    public HostPaths withPagemap(Path file) { return new HostPaths(root, Objects.requireNonNull(file), stateDir); }

    public HostPaths withStateDir(Path dir) { return new HostPaths(root, pagemap, Objects.requireNonNull(dir)); }

    private static String setting(String property, String env, String dflt) {
        String v = System.getProperty(property);
        if (v == null || v.isEmpty()) v = System.getenv(env);
        return v == null || v.isEmpty() ? dflt : v;
    }

    public Path root() { return root; }

    /** A path under the root, e.g. {@code path("sys/bus/pci/devices")}. */
    public Path path(String relative) { return root.resolve(relative); }

    /** {@code /sys/bus/pci/devices/<address>} */
    public Path pciDevice(PciAddress a) { return path("sys/bus/pci/devices").resolve(a.toString()); }

    /** {@code /sys/bus/pci/devices} */
    public Path pciDevices() { return path("sys/bus/pci/devices"); }

    /** {@code /sys/class/net/<ifname>} */
    public Path netInterface(String ifname) { return path("sys/class/net").resolve(ifname); }

    /** {@code /sys/kernel/iommu_groups/<n>} */
    public Path iommuGroup(int group) { return path("sys/kernel/iommu_groups").resolve(Integer.toString(group)); }

    /** {@code /sys/class/iommu}: empty when the kernel runs without an IOMMU. */
    public Path iommuClass() { return path("sys/class/iommu"); }

    /** {@code /dev/<name>}, e.g. {@code dev("vfio/vfio")}. */
    public Path dev(String name) { return path("dev").resolve(name); }

    /** {@code /sys/kernel/mm/hugepages} */
    public Path hugepages() { return path("sys/kernel/mm/hugepages"); }

    public Path pagemap() { return pagemap; }

    public Path stateDir() { return stateDir; }

    /** nm-bind's record of a device it bound: {@code <state dir>/bound/<address>}. */
    public Path bindRecord(PciAddress a) { return stateDir.resolve("bound").resolve(a.toString()); }

    @Override
    public String toString() {
        return "HostPaths[root=" + root + ", pagemap=" + pagemap + ", state=" + stateDir + "]";
    }
}
