package io.jnetmap.tools.nmbind;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A fake machine for nm-bind: a sysfs/procfs/devfs tree in a temporary directory, fake
 * {@code ip}, {@code modprobe}, {@code mount} and {@code umount} commands, and a fake
 * "kernel" that nm-bind calls (through {@code NM_BIND_WRITE}) for every sysfs write, which
 * reacts the way Linux does: unbinding drops the driver link and the interface, a probe
 * honours driver_override and creates the driver link, the interface or the vfio/uio node.
 *
 * <p>Per-device knobs, as hidden files in the device's directory (nothing in real sysfs
 * starts with a dot): {@code .native} the kernel driver whose ID table matches the device
 * (used when a probe happens without driver_override), {@code .kernel-ifname} the name a
 * fresh probe gives the interface, {@code .perm-mac} its MAC address, {@code .refuse-DRIVER}
 * makes a probe by DRIVER fail.
 */
final class FakeSystem {

    private static final String KERNEL = """
            #!/usr/bin/env bash
            # Plays the kernel for one sysfs write: FILE VALUE.  Real sysfs files are never
            # created by writing, so a missing file is an error, as is unbinding an unbound device.
            file=$1 value=$2
            echo "${file#"$FAKE_SYS"/}=$value" >>"$FAKE_LOG/writes.log"
            [[ -e $file ]] || exit 1
            printf '%s' "$value" >"$file"
            dev_dir() { echo "$FAKE_SYS/bus/pci/devices/$1"; }
            group_of() { local g; g=$(readlink "$1/iommu_group") && echo "${g##*/}"; }
            case $file in
                */bus/pci/drivers/*/unbind)
                    d=$(dev_dir "$value")
                    [[ -L $d/driver ]] || exit 1
                    rm -f "$d/driver"
                    rm -rf "$d/net" "$d/uio"
                    g=$(group_of "$d") && rm -f "$FAKE_DEV/vfio/$g" ;;
                */bus/pci/drivers_probe)
                    d=$(dev_dir "$value")
                    [[ -L $d/driver ]] && exit 0
                    drv=$(cat "$d/driver_override" 2>/dev/null)
                    [[ $drv == "(null)" ]] && drv=
                    [[ -n $drv ]] || drv=$(cat "$d/.native" 2>/dev/null)
                    [[ -n $drv && -d $FAKE_SYS/bus/pci/drivers/$drv && ! -e $d/.refuse-$drv ]] || exit 0
                    ln -s "../../drivers/$drv" "$d/driver"
                    case $drv in
                        vfio-pci) g=$(group_of "$d") && mkdir -p "$FAKE_DEV/vfio" && : >"$FAKE_DEV/vfio/$g" ;;
                        uio_pci_generic) mkdir -p "$d/uio/uio0" ;;
                        *) if [[ -f $d/.kernel-ifname ]]; then
                               name=$(cat "$d/.kernel-ifname")
                               mkdir -p "$d/net/$name"
                               cp "$d/.perm-mac" "$d/net/$name/address"
                           fi ;;
                    esac ;;
                */nr_hugepages)
                    dir=${file%/*}
                    max=$(cat "$dir/.max" 2>/dev/null || echo 1000000)
                    inuse=$(cat "$dir/.inuse" 2>/dev/null || echo 0)
                    n=$value
                    ((n > max)) && n=$max
                    ((n < inuse)) && n=$inuse
                    echo "$n" >"$file"
                    echo $((n - inuse)) >"$dir/free_hugepages" ;;
            esac
            exit 0
            """;

    private static final String IP = """
            #!/usr/bin/env bash
            echo "$*" >>"$FAKE_LOG/ip.log"
            case "$*" in
                "-o route show") cat "$FAKE_NET/routes4" ;;
                "-o -6 route show") cat "$FAKE_NET/routes6" ;;
                "-o addr show") cat "$FAKE_NET/addrs" ;;
                "link set dev "*" name "*)
                    for n in "$FAKE_SYS"/bus/pci/devices/*/net/"$4"; do
                        [[ -e $n ]] && mv "$n" "${n%/*}/$6" && exit 0
                    done
                    exit 1 ;;
                "link set dev "*" address "*)
                    for n in "$FAKE_SYS"/bus/pci/devices/*/net/"$4"; do
                        [[ -e $n ]] && echo "$6" >"$n/address" && exit 0
                    done
                    exit 1 ;;
                *) echo "fake ip: unexpected: $*" >&2; exit 1 ;;
            esac
            """;

    private static final String MODPROBE = """
            #!/usr/bin/env bash
            echo "$*" >>"$FAKE_LOG/modprobe.log"
            if [[ -e $FAKE_NET/.nomod-$1 ]]; then
                echo "modprobe: FATAL: Module $1 not found in directory /lib/modules/6.1.0" >&2
                exit 1
            fi
            d=$FAKE_SYS/bus/pci/drivers/$1
            mkdir -p "$d" && : >"$d/bind" && : >"$d/unbind" && : >"$d/new_id"
            """;

    private static final String MOUNT = """
            #!/usr/bin/env bash
            # mount -t hugetlbfs -o pagesize=2M nodev DIR
            echo "$*" >>"$FAKE_LOG/mount.log"
            echo "nodev $6 $2 rw,relatime,$4 0 0" >>"$FAKE_PROC/mounts"
            """;

    private static final String UMOUNT = """
            #!/usr/bin/env bash
            echo "umount $*" >>"$FAKE_LOG/mount.log"
            grep -v " $1 " "$FAKE_PROC/mounts" >"$FAKE_PROC/mounts.new"
            mv "$FAKE_PROC/mounts.new" "$FAKE_PROC/mounts"
            """;

    final Path root;
    final Path sys;
    final Path proc;
    final Path dev;
    final Path state;
    final Path net;
    final Path log;
    private final Path bin;

    FakeSystem(Path root) {
        this.root = root;
        sys = root.resolve("sys");
        proc = root.resolve("proc");
        dev = root.resolve("dev");
        state = root.resolve("state");
        net = root.resolve("net");
        log = root.resolve("log");
        bin = root.resolve("bin");
        for (Path p : List.of(sys.resolve("bus/pci/devices"), sys.resolve("bus/pci/drivers"),
                sys.resolve("class/iommu"), sys.resolve("kernel/iommu_groups"), proc, dev, net, log, bin)) {
            mkdirs(p);
        }
        write(sys.resolve("bus/pci/drivers_probe"), "");
        for (String f : List.of("routes4", "routes6", "addrs")) {
            write(net.resolve(f), "");
        }
        write(proc.resolve("mounts"), "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n");
        write(proc.resolve("meminfo"), "MemTotal:        4026532 kB\nHugepagesize:       2048 kB\n");
        script("kernel", KERNEL);
        script("ip", IP);
        script("modprobe", MODPROBE);
        script("mount", MOUNT);
        script("umount", UMOUNT);
    }

    // ------------------------------------------------------------------ building the machine

    /** An active IOMMU: a non-empty /sys/class/iommu. */
    FakeSystem iommu() {
        mkdirs(sys.resolve("class/iommu/dmar0"));
        return this;
    }

    /** A registered PCI driver (a loaded module). */
    FakeSystem driver(String name) {
        Path d = sys.resolve("bus/pci/drivers").resolve(name);
        mkdirs(d);
        for (String f : List.of("bind", "unbind", "new_id")) {
            write(d.resolve(f), "");
        }
        return this;
    }

    /** A new PCI function, or a handle on one made before. */
    Device device(String bdf) {
        return new Device(bdf);
    }

    /** Builds one PCI function; every setter writes straight into the fake sysfs. */
    final class Device {
        final String bdf;
        final Path dir;

        Device(String bdf) {
            this.bdf = bdf;
            dir = sys.resolve("bus/pci/devices").resolve(bdf);
            if (!Files.isDirectory(dir)) { // else: a handle on a device made earlier
                mkdirs(dir);
                write(dir.resolve("class"), "0x020000\n");
                write(dir.resolve("driver_override"), "(null)\n");
                write(dir.resolve("subsystem_device"), "0x0000\n");
            }
        }

        Device cls(String cls) {
            write(dir.resolve("class"), cls + "\n");
            return this;
        }

        Device id(String vendor, String device) {
            write(dir.resolve("vendor"), "0x" + vendor + "\n");
            write(dir.resolve("device"), "0x" + device + "\n");
            return this;
        }

        /** Bound to this driver now; also the driver a plain probe would choose. */
        Device driver(String name) {
            FakeSystem.this.driver(name);
            write(dir.resolve(".native"), name);
            symlink(dir.resolve("driver"), "../../drivers/" + name);
            return this;
        }

        /** A network interface, now and after every probe by a network driver. */
        Device iface(String name, String mac) {
            mkdirs(dir.resolve("net").resolve(name));
            write(dir.resolve("net").resolve(name).resolve("address"), mac + "\n");
            write(dir.resolve(".kernel-ifname"), name);
            write(dir.resolve(".perm-mac"), mac + "\n");
            return this;
        }

        /** The name a probe gives the interface from now on (a kernel without udev). */
        Device kernelNamesIt(String name) {
            write(dir.resolve(".kernel-ifname"), name);
            return this;
        }

        /** Joins an IOMMU group, creating it if needed. */
        Device group(int group) {
            Path g = sys.resolve("kernel/iommu_groups").resolve(Integer.toString(group));
            mkdirs(g.resolve("devices"));
            symlink(g.resolve("devices").resolve(bdf), "../../../../bus/pci/devices/" + bdf);
            symlink(dir.resolve("iommu_group"), "../../../../kernel/iommu_groups/" + group);
            return this;
        }

        Device refuses(String driver) {
            write(dir.resolve(".refuse-" + driver), "");
            return this;
        }

        Device accepts(String driver) {
            try {
                Files.deleteIfExists(dir.resolve(".refuse-" + driver));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }
    }

    /** A NIC with the usual attributes. */
    Device nic(String bdf, String vendor, String device, String driver, String ifname, String mac) {
        return device(bdf).id(vendor, device).driver(driver).iface(ifname, mac);
    }

    void routes(String... lines) {
        write(net.resolve("routes4"), String.join("\n", lines) + "\n");
    }

    void addrs(String... lines) {
        write(net.resolve("addrs"), String.join("\n", lines) + "\n");
    }

    /** Makes modprobe fail for a module. */
    void moduleMissing(String module) {
        write(net.resolve(".nomod-" + module), "");
    }

    /** A process holding a device node open, as /proc/PID/fd/N shows it. */
    void processHolding(int pid, String comm, Path node) {
        Path fd = proc.resolve(Integer.toString(pid)).resolve("fd");
        mkdirs(fd);
        write(proc.resolve(Integer.toString(pid)).resolve("comm"), comm + "\n");
        symlink(fd.resolve("7"), node.toString());
    }

    /** A hugepage size directory in /sys/kernel/mm/hugepages. */
    Path hugepages(String dirName, int nr) {
        Path d = sys.resolve("kernel/mm/hugepages").resolve(dirName);
        mkdirs(d);
        write(d.resolve("nr_hugepages"), nr + "\n");
        write(d.resolve("free_hugepages"), nr + "\n");
        write(d.resolve("surplus_hugepages"), "0\n");
        return d;
    }

    // ------------------------------------------------------------------ running nm-bind

    record Result(int exit, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    Result run(String... args) {
        return run(Map.of(), args);
    }

    /** Runs nm-bind with extra environment settings; an empty value removes a variable. */
    Result run(Map<String, String> extraEnv, String... args) {
        List<String> cmd = new ArrayList<>(List.of("bash", script().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile());
        Map<String, String> env = pb.environment();
        env.put("NM_BIND_SYSFS", sys.toString());
        env.put("NM_BIND_PROC", proc.toString());
        env.put("NM_BIND_DEV", dev.toString());
        env.put("JNETMAP_STATE_DIR", state.toString());
        env.put("NM_BIND_IP", bin.resolve("ip").toString());
        env.put("NM_BIND_MODPROBE", bin.resolve("modprobe").toString());
        env.put("NM_BIND_MOUNT", bin.resolve("mount").toString());
        env.put("NM_BIND_UMOUNT", bin.resolve("umount").toString());
        env.put("NM_BIND_WRITE", bin.resolve("kernel").toString());
        env.put("NM_BIND_TIMEOUT", "0.3");
        env.put("FAKE_SYS", sys.toString());
        env.put("FAKE_PROC", proc.toString());
        env.put("FAKE_DEV", dev.toString());
        env.put("FAKE_NET", net.toString());
        env.put("FAKE_LOG", log.toString());
        extraEnv.forEach((k, v) -> {
            if (v.isEmpty()) {
                env.remove(k);
            } else {
                env.put(k, v);
            }
        });
        Path out = root.resolve("stdout.txt");
        Path err = root.resolve("stderr.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        try {
            Process p = pb.start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "nm-bind did not finish in 60 s");
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** tools/nm-bind, wherever the tests are started from. */
    static Path script() {
        for (String base : new String[] {System.getProperty("basedir", ""), "", "tools"}) {
            Path p = Path.of(base).resolve("nm-bind").toAbsolutePath();
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find tools/nm-bind from " + Path.of("").toAbsolutePath());
    }

    // ------------------------------------------------------------------ looking at the result

    Path devDir(String bdf) {
        return sys.resolve("bus/pci/devices").resolve(bdf);
    }

    /** The driver a device is bound to, "" when none. */
    String driverOf(String bdf) {
        Path link = devDir(bdf).resolve("driver");
        if (!Files.isSymbolicLink(link)) {
            return "";
        }
        return readLink(link).getFileName().toString();
    }

    boolean hasInterface(String bdf, String name) {
        return Files.isDirectory(devDir(bdf).resolve("net").resolve(name));
    }

    String driverOverride(String bdf) {
        return read(devDir(bdf).resolve("driver_override"));
    }

    Path stateFile(String bdf) {
        return state.resolve("bound").resolve(bdf);
    }

    /** The state file's key=value lines, in file order. */
    Map<String, String> state(String bdf) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : read(stateFile(bdf)).split("\n")) {
            int eq = line.indexOf('=');
            m.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return m;
    }

    List<String> writes() {
        return logLines("writes.log");
    }

    List<String> logLines(String name) {
        Path p = log.resolve(name);
        return Files.exists(p) ? read(p).lines().toList() : List.of();
    }

    // ------------------------------------------------------------------ file helpers

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path p, String s) {
        try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, s, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void symlink(Path link, String target) {
        try {
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, Path.of(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path readLink(Path link) {
        try {
            return Files.readSymbolicLink(link);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void script(String name, String text) {
        Path p = bin.resolve(name);
        write(p, text);
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
