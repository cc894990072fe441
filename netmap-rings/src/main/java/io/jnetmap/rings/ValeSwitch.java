package io.jnetmap.rings;

import io.jnetmap.sys.Libc;
import io.jnetmap.sys.OffHeapBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A VALE switch (netmap_vale.c / netmap_bdg.c): a memory region named after the switch
 * ({@code /dev/shm/jnetmap.vale0}) holding every port's rings and buffers, and one extension
 * object with the switch's shared state, so that ports of one switch can live in different
 * processes:
 *
 * <pre>
 * [switch header: magic, topology generation, lookup spec]
 * [MAC table: 1024 x 8 B, (mac << 16) | (port + 1)]
 * [port table: 254 x 256 B: state, flags, owner pid, generation, ring objects, name,
 *  the RX ring's lease words (reserve, publish, receiver's hwcur, stall watch), wake word, counters]
 * </pre>
 *
 * This class is this process's handle on one switch (shared by its ports, counted); its static
 * methods are vale-ctl's operations: {@link #list}, {@link #createPersistentPort} ({@code -n}),
 * {@link #deletePersistentPort} ({@code -r}), {@link #setLookup}.
 *
 * <p>Port life cycle as in netmap: the switch appears with its first port; an ephemeral port is
 * made when a process opens {@code valeX:p} and removed when it closes it (or after it died, at
 * the next open or list of the switch); a persistent port stays until removed; the region file
 * is removed when no port and no process is left.
 */
public final class ValeSwitch {
    private static final Logger LOG = LoggerFactory.getLogger(ValeSwitch.class);

    /** netmap's NM_BDG_MAXPORTS. */
    public static final int MAX_PORTS = 254;
    /** Default slots per VALE ring (NM_BRIDGE_RINGSIZE). */
    public static final int DEFAULT_SLOTS = 1024;
    static final int MAGIC = 0x454C4156; // "VALE"

    // switch header
    static final int S_MAGIC = 0, S_TOPOLOGY = 4, S_LOOKUP_LEN = 8, S_LOOKUP = 64, LOOKUP_MAX = 440,
            S_MACS = 512, MAC_ENTRIES = 1024, S_PORTS = S_MACS + 8 * MAC_ENTRIES, PORT_SIZE = 256;
    static final int STATE_FREE = 0, STATE_ACTIVE = 1, STATE_CLOSING = 2;
    static final int FLAG_PERSISTENT = 1, FLAG_ATTACHED = 2;
    // port entry
    static final int E_STATE = 0, E_FLAGS = 4, E_PID = 8, E_GEN = 12, E_TX = 16, E_RX = 20, E_LEASES = 24,
            E_SLOTS = 28, E_NAME = 32, NAME_MAX = 64,
            E_RESERVE = 128, E_PUBLISH = 136, E_RXCUR = 144, E_STUCK = 152,
            E_WAKE = 192, E_WAITERS = 196, E_DROPS = 200, E_FORWARDED = 208, E_RECOVERED = 216;

    private static final Map<String, ValeSwitch> OPEN = new HashMap<>();

    private final String name;
    private final MemoryRegion region;
    private final OffHeapBuffer sw;
    private final long swAddress;
    private final int pid = Libc.getpid();
    /** This process's views of destination ports, by index; rebuilt when a port's generation changes. */
    private final ValeDest[] dests = new ValeDest[MAX_PORTS];
    private int refs;

    private ValeSwitch(String name, MemoryRegion region, int extObject) {
        this.name = name;
        this.region = region;
        long off = region.ringObjectOffset(extObject);
        this.sw = region.memory().slice(off, region.ringObjectSize());
        this.swAddress = region.address() + off;
    }

    /** The region sizes of a switch: room for {@link #MAX_PORTS} ports' rings; buffers for 128 ports of 1024 slots. */
    static RegionConfig regionConfig() {
        RegionConfig d = RegionConfig.fromSystemProperties();
        return new RegionConfig(d.bufSize(), Integer.getInteger("jnetmap.vale.buffers", 2 * 128 * DEFAULT_SLOTS + 2),
                4096, 3 * MAX_PORTS + 1, 2 * MAX_PORTS + 2, d.directory());
    }

    /** This process's handle on switch {@code name}, created (with its region) if it does not exist. Pair with {@link #close}. */
    static ValeSwitch attach(String name) {
        synchronized (OPEN) {
            ValeSwitch s = OPEN.get(name);
            if (s == null) {
                MemoryRegion r = MemoryRegion.attach(name, regionConfig());
                try {
                    s = new ValeSwitch(name, r, formatIfNew(r));
                } catch (RuntimeException e) {
                    r.close();
                    throw e;
                }
                OPEN.put(name, s);
            }
            s.refs++;
            return s;
        }
    }

    private static int formatIfNew(MemoryRegion r) {
        int need = S_PORTS + MAX_PORTS * PORT_SIZE;
        if (r.ringObjectSize() < need)
            throw new IllegalStateException("region " + r.name() + " has ring objects of " + r.ringObjectSize()
                    + " bytes; a VALE switch needs " + need + " (remove " + r.file() + " if it is left over)");
        r.lock();
        try {
            int ext = r.extObject();
            if (ext >= 0) return ext;
            ext = r.allocateRingObject(2);
            OffHeapBuffer s = r.memory().slice(r.ringObjectOffset(ext), r.ringObjectSize());
            s.putInt(S_MAGIC, MAGIC);
            r.extObject(ext);
            return ext;
        } finally {
            r.unlock();
        }
    }

    void close() {
        synchronized (OPEN) {
            if (--refs > 0) return;
            OPEN.remove(name, this);
            region.close();
        }
    }

    public String name() { return name; }
    MemoryRegion region() { return region; }
    OffHeapBuffer shared() { return sw; }
    long sharedAddress() { return swAddress; }
    static int entry(int port) { return S_PORTS + port * PORT_SIZE; }

    /** Bumped whenever a port comes or goes or the lookup changes: senders re-read the port table then. */
    int topology() { return sw.getIntVolatile(S_TOPOLOGY); }
    private void bumpTopology() { sw.getAndAddInt(S_TOPOLOGY, 1); }

    // ------------------------------------------------------------------ ports (under the region lock)

    /** The index of the active port called {@code port}, or -1. */
    public int portIndex(String port) {
        byte[] n = port.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < MAX_PORTS; i++)
            if (sw.getIntVolatile(entry(i) + E_STATE) == STATE_ACTIVE && nameIs(i, n)) return i;
        return -1;
    }

    boolean active(int port) { return port >= 0 && port < MAX_PORTS && sw.getIntAcquire(entry(port) + E_STATE) == STATE_ACTIVE; }

    String portName(int i) {
        int e = entry(i);
        byte[] b = new byte[NAME_MAX];
        sw.getBytes(e + E_NAME, b, 0, NAME_MAX);
        int n = 0;
        while (n < NAME_MAX && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    private boolean nameIs(int i, byte[] n) {
        int e = entry(i) + E_NAME;
        for (int j = 0; j < NAME_MAX; j++) {
            byte want = j < n.length ? n[j] : 0;
            if (sw.getByte(e + j) != want) return false;
            if (want == 0) return true;
        }
        return true;
    }

    /**
     * Opens port {@code port} for this process: an existing persistent port is taken, a missing
     * one is made (ephemeral unless {@code persistent}). Fails if another live process has it open.
     */
    int openPort(String port, int slots, boolean persistent, boolean attached) {
        byte[] n = port.getBytes(StandardCharsets.UTF_8);
        if (n.length >= NAME_MAX) throw new IllegalArgumentException("VALE port name '" + port + "' is longer than " + (NAME_MAX - 1) + " bytes");
        sweepDead();
        region.lock();
        try {
            int i = -1;
            for (int j = 0; j < MAX_PORTS && i < 0; j++) {
                int st = sw.getInt(entry(j) + E_STATE);
                if (st != STATE_FREE && nameIs(j, n)) i = j;
            }
            if (i >= 0) {
                int e = entry(i);
                int flags = sw.getInt(e + E_FLAGS), holder = sw.getInt(e + E_PID);
                if (sw.getInt(e + E_STATE) != STATE_ACTIVE)
                    throw new IllegalStateException(name + ":" + port + " is being removed; try again");
                if ((flags & FLAG_ATTACHED) != 0)
                    throw new IllegalStateException(name + ":" + port + " is a NIC attached to the switch (vale-ctl -a/-h); "
                            + "detach it first with vale-ctl -d " + name + ":" + port);
                if (holder != 0 && holder != pid && MemoryRegion.pidAlive(holder))
                    throw new IllegalStateException(name + ":" + port + " is already open in process " + holder
                            + "; a VALE port can be open in one process at a time");
                if (persistent || attached)
                    throw new IllegalStateException(name + ":" + port + " already exists");
                if (!persistent) sw.putInt(e + E_PID, pid);
                return i;
            }
            for (int j = 0; j < MAX_PORTS && i < 0; j++) if (sw.getInt(entry(j) + E_STATE) == STATE_FREE) i = j;
            if (i < 0) throw new IllegalStateException("switch " + name + " already has " + MAX_PORTS + " ports (netmap's limit)");
            if (slots < 2 || slots > 4096) throw new IllegalArgumentException("a VALE ring has 2..4096 slots, asked for " + slots);
            createPort(i, n, slots, (persistent ? FLAG_PERSISTENT : 0) | (attached ? FLAG_ATTACHED : 0), persistent ? 0 : pid);
            return i;
        } finally {
            region.unlock();
        }
    }

    private void createPort(int i, byte[] n, int slots, int flags, int owner) {
        int tx = -1, rx = -1, leases = -1;
        try {
            tx = Kring.format(region, slots, true, 0, true);
            rx = Kring.format(region, slots, false, 0, true);
            leases = region.allocateRingObject(2);
        } catch (RuntimeException ex) {
            if (tx >= 0) new Kring(null, region, tx, true, false, 0).free(true);
            if (rx >= 0) new Kring(null, region, rx, false, false, 0).free(true);
            throw new IllegalStateException("switch " + name + " has no room for another port of " + slots + " slots: "
                    + ex.getMessage() + " (fewer slots: @conf:slots=N; more buffers: -Djnetmap.vale.buffers)", ex);
        }
        int e = entry(i);
        int gen = sw.getInt(e + E_GEN) + 1;
        sw.fill(e, PORT_SIZE, (byte) 0);
        sw.putInt(e + E_GEN, gen);
        sw.putInt(e + E_FLAGS, flags);
        sw.putInt(e + E_PID, owner);
        sw.putInt(e + E_TX, tx);
        sw.putInt(e + E_RX, rx);
        sw.putInt(e + E_LEASES, leases);
        sw.putInt(e + E_SLOTS, slots);
        sw.putBytes(e + E_NAME, n, 0, n.length);
        sw.putLongVolatile(e + E_RESERVE, ValeDest.reserveWord(0, 0, 0, gen, false));
        sw.putIntRelease(e + E_STATE, STATE_ACTIVE);
        if ((flags & FLAG_PERSISTENT) != 0) region.keep(true);
        bumpTopology();
        LOG.debug("switch {}: port {} is #{} ({} slots{})", name, new String(n, StandardCharsets.UTF_8), i, slots,
                (flags & FLAG_PERSISTENT) != 0 ? ", persistent" : "");
    }

    /** This process closes port {@code i}: an ephemeral port goes away, a persistent one stays for the next opener. */
    void releasePort(int i) {
        int e = entry(i);
        boolean remove;
        region.lock();
        try {
            remove = (sw.getInt(e + E_FLAGS) & FLAG_PERSISTENT) == 0;
            if (!remove) sw.putInt(e + E_PID, 0);
        } finally {
            region.unlock();
        }
        if (remove) removePort(i);
    }

    /**
     * Removes a port: no new reservations, then the senders' outstanding leases finish (or are
     * recovered from dead senders), then its rings, buffers and MAC entries go.
     */
    void removePort(int i) {
        int e = entry(i);
        region.lock();
        try {
            if (sw.getInt(e + E_STATE) != STATE_ACTIVE) return;
            sw.putIntVolatile(e + E_STATE, STATE_CLOSING);
            bumpTopology();
        } finally {
            region.unlock();
        }
        ValeDest d = dest(i);
        if (d != null && !d.closeAndDrain(2_000))
            LOG.warn("switch {}: port {} removed while a sender still held a lease on it", name, portName(i));
        region.lock();
        try {
            int slots = sw.getInt(e + E_SLOTS);
            new Kring(null, region, sw.getInt(e + E_TX), true, false, 0).free(true);
            new Kring(null, region, sw.getInt(e + E_RX), false, false, 0).free(true);
            region.freeRingObject(sw.getInt(e + E_LEASES));
            for (int m = 0; m < MAC_ENTRIES; m++) {
                long v = sw.getLongVolatile(S_MACS + 8 * m);
                if (v != 0 && (int) (v & 0xffff) - 1 == i) sw.compareAndSetLong(S_MACS + 8 * m, v, 0);
            }
            int gen = sw.getInt(e + E_GEN);
            sw.fill(e, PORT_SIZE, (byte) 0);
            sw.putInt(e + E_GEN, gen);
            sw.putIntVolatile(e + E_STATE, STATE_FREE);
            boolean persistentLeft = false;
            for (int j = 0; j < MAX_PORTS; j++)
                if (sw.getInt(entry(j) + E_STATE) != STATE_FREE && (sw.getInt(entry(j) + E_FLAGS) & FLAG_PERSISTENT) != 0)
                    persistentLeft = true;
            region.keep(persistentLeft);
            bumpTopology();
            LOG.debug("switch {}: port #{} ({} slots) removed", name, i, slots);
        } finally {
            region.unlock();
        }
        synchronized (dests) {
            dests[i] = null;
        }
    }

    /** Ephemeral ports whose process died go; persistent ones a dead process held become free to open. */
    void sweepDead() {
        List<Integer> dead = new ArrayList<>();
        region.lock();
        try {
            for (int i = 0; i < MAX_PORTS; i++) {
                int e = entry(i);
                if (sw.getInt(e + E_STATE) != STATE_ACTIVE) continue;
                int holder = sw.getInt(e + E_PID);
                if (holder == 0 || holder == pid || MemoryRegion.pidAlive(holder)) continue;
                if ((sw.getInt(e + E_FLAGS) & FLAG_PERSISTENT) != 0) sw.putInt(e + E_PID, 0);
                else dead.add(i);
            }
        } finally {
            region.unlock();
        }
        for (int i : dead) {
            LOG.info("switch {}: removing port {}, whose process exited without closing it", name, portName(i));
            removePort(i);
        }
    }

    /** This process's view of port {@code i} as a destination, or null if it is not active. */
    ValeDest dest(int i) {
        int e = entry(i);
        synchronized (dests) {
            int gen = sw.getIntVolatile(e + E_GEN);
            ValeDest d = dests[i];
            if (d != null && d.gen == gen) return d;
            if (sw.getIntAcquire(e + E_STATE) == STATE_FREE) return null;
            d = new ValeDest(this, i, gen, new Kring(null, region, sw.getInt(e + E_RX), false, false, 0),
                    sw.getInt(e + E_LEASES));
            dests[i] = d;
            return d;
        }
    }

    /** Kring views of port {@code i}'s TX and RX rings, for the adapter of the process that opened it. */
    int txObject(int i) { return sw.getInt(entry(i) + E_TX); }
    int rxObject(int i) { return sw.getInt(entry(i) + E_RX); }

    // ------------------------------------------------------------------ MAC table (the learning bridge's)

    static int macSlot(long mac) {
        return S_MACS + 8 * (int) ((mac * 0x9E3779B97F4A7C15L) >>> 54);
    }

    /** Records that {@code mac} is behind {@code port}; writes only on change, so steady traffic does not bounce the line. */
    void learn(long mac, int port) {
        int s = macSlot(mac);
        long v = (mac << 16) | (port + 1);
        if (sw.getLong(s) != v) sw.putLongVolatile(s, v);
    }

    /** The port {@code mac} was learned on, or -1. */
    int learnedPort(long mac) {
        long v = sw.getLong(macSlot(mac));
        return (v >>> 16) == mac && v != 0 ? (int) (v & 0xffff) - 1 : -1;
    }

    // ------------------------------------------------------------------ lookup

    /** The switch's lookup spec, {@code CLASS[:ARGS]}, or "" for the learning bridge. */
    String lookupSpec() {
        int n = sw.getIntVolatile(S_LOOKUP_LEN);
        byte[] b = new byte[n];
        sw.getBytes(S_LOOKUP, b, 0, n);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A fresh instance of the switch's lookup for one sending port. */
    ValeLookup newLookup() {
        return instantiate(this, lookupSpec());
    }

    static ValeLookup instantiate(ValeSwitch s, String spec) {
        if (spec.isEmpty()) return new LearningBridge(s, "");
        int colon = spec.indexOf(':');
        String cls = colon < 0 ? spec : spec.substring(0, colon), args = colon < 0 ? "" : spec.substring(colon + 1);
        try {
            Class<?> c = Class.forName(cls, true, Thread.currentThread().getContextClassLoader() != null
                    ? Thread.currentThread().getContextClassLoader() : ValeSwitch.class.getClassLoader());
            if (!ValeLookup.class.isAssignableFrom(c))
                throw new IllegalArgumentException(cls + " does not implement " + ValeLookup.class.getName());
            Constructor<?> k = c.getConstructor(ValeSwitch.class, String.class);
            return (ValeLookup) k.newInstance(s, args);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("VALE lookup class " + cls + " is not on this program's class path", e);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("VALE lookup " + cls + " needs a public constructor (ValeSwitch, String)", e);
        } catch (InvocationTargetException e) {
            Throwable t = e.getCause();
            if (t instanceof RuntimeException r) throw r;
            throw new IllegalArgumentException("VALE lookup " + spec + " failed to start: " + t, t);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("VALE lookup " + cls + " cannot be made: " + e, e);
        }
    }

    // ------------------------------------------------------------------ vale-ctl's operations

    /** One port as {@code vale-ctl -l} shows it. */
    public record PortInfo(String switchName, int index, String port, boolean persistent, boolean attached, int ownerPid,
                           int slots, long forwarded, long dropped, long recovered) {
        public String fullName() { return switchName + ":" + port; }
    }

    /** Ports of this switch. */
    public List<PortInfo> ports() {
        List<PortInfo> l = new ArrayList<>();
        for (int i = 0; i < MAX_PORTS; i++) {
            int e = entry(i);
            if (sw.getIntVolatile(e + E_STATE) != STATE_ACTIVE) continue;
            int f = sw.getInt(e + E_FLAGS);
            l.add(new PortInfo(name, i, portName(i), (f & FLAG_PERSISTENT) != 0, (f & FLAG_ATTACHED) != 0, sw.getInt(e + E_PID),
                    sw.getInt(e + E_SLOTS), sw.getLongVolatile(e + E_FORWARDED), sw.getLongVolatile(e + E_DROPS),
                    sw.getLongVolatile(e + E_RECOVERED)));
        }
        return l;
    }

    /** Every switch on this machine and its ports (vale-ctl -l); dead processes' ports are cleaned up on the way. */
    public static List<PortInfo> list() {
        List<PortInfo> all = new ArrayList<>();
        for (String s : switchNames()) {
            ValeSwitch sw;
            try {
                sw = attach(s);
            } catch (IllegalStateException e) { // a region of another jnetmap's layout, or not a region: not ours to list
                LOG.warn("skipping switch {}: {}", s, e.getMessage());
                continue;
            }
            try {
                sw.sweepDead();
                all.addAll(sw.ports());
            } finally {
                sw.close();
            }
        }
        return all;
    }

    /** Names of the switches whose region files exist. */
    public static List<String> switchNames() {
        List<String> names = new ArrayList<>();
        Path dir = regionConfig().directory();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "jnetmap.vale*")) {
            for (Path p : ds) {
                String s = p.getFileName().toString().substring("jnetmap.".length());
                if (s.matches("vale[0-9A-Za-z_]*")) names.add(s);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("listing " + dir, e);
        }
        names.sort(null);
        return names;
    }

    /** vale-ctl -n: a persistent port {@code valeX:PORT}, which stays until {@link #deletePersistentPort}. */
    public static void createPersistentPort(String portName, int slots) {
        PortName n = PortName.parse(portName);
        if (!n.isVale()) throw new IllegalArgumentException(portName + " is not a VALE port name (valeX:PORT)");
        ValeSwitch s = attach(n.valeSwitch());
        try {
            s.openPort(n.valePort(), slots, true, false);
        } finally {
            s.close();
        }
    }

    /** vale-ctl -r: removes a persistent port (it must not be open, or attached to a NIC). */
    public static void deletePersistentPort(String portName) {
        PortName n = PortName.parse(portName);
        if (!n.isVale()) throw new IllegalArgumentException(portName + " is not a VALE port name (valeX:PORT)");
        if (!Files.exists(MemoryRegion.fileFor(n.valeSwitch(), regionConfig())))
            throw new IllegalArgumentException("no switch " + n.valeSwitch());
        ValeSwitch s = attach(n.valeSwitch());
        try {
            s.sweepDead();
            int i = s.portIndex(n.valePort());
            if (i < 0) throw new IllegalArgumentException("no port " + n.name());
            int e = entry(i), f = s.sw.getInt(e + E_FLAGS), holder = s.sw.getInt(e + E_PID);
            if ((f & FLAG_ATTACHED) != 0)
                throw new IllegalArgumentException(n.name() + " is an attached NIC: detach it with vale-ctl -d " + n.name());
            if ((f & FLAG_PERSISTENT) == 0)
                throw new IllegalArgumentException(n.name() + " is not persistent: it goes when process " + holder + " closes it");
            if (holder != 0) throw new IllegalStateException(n.name() + " is open in process " + holder + "; close it first");
            s.removePort(i);
        } finally {
            s.close();
        }
    }

    /**
     * Sets the switch's lookup ({@code CLASS[:ARGS]}, "" for the learning bridge): checked here by
     * making one, then recorded; every sender switches to it at its next batch.
     */
    public static void setLookup(String switchName, String spec) {
        if (!switchName.matches("vale[0-9A-Za-z_]*")) throw new IllegalArgumentException("'" + switchName + "' is not a switch name (valeX)");
        byte[] b = spec.getBytes(StandardCharsets.UTF_8);
        if (b.length > LOOKUP_MAX) throw new IllegalArgumentException("lookup spec longer than " + LOOKUP_MAX + " bytes");
        ValeSwitch s = attach(switchName);
        try {
            instantiate(s, spec);
            s.region.lock();
            try {
                s.sw.fill(S_LOOKUP, LOOKUP_MAX, (byte) 0);
                s.sw.putBytes(S_LOOKUP, b, 0, b.length);
                s.sw.putIntVolatile(S_LOOKUP_LEN, b.length);
                s.bumpTopology();
            } finally {
                s.region.unlock();
            }
        } finally {
            s.close();
        }
    }

    /**
     * Opens port {@code port} of switch {@code switchName} for a NIC's owner (vale-ctl's daemon,
     * {@code -a}/{@code -h}): listed as attached, refused to other openers, removed on close. The
     * name may be any NIC name ({@code eth0}, {@code eth0^} for its host rings). The port is bound
     * with NR_NO_TX_POLL, so that a thread polling its RX ring leaves its TX ring to another.
     */
    public static NetmapPort openAttachedPort(String switchName, String port, int slots) {
        if (!switchName.matches("vale[0-9A-Za-z_]*")) throw new IllegalArgumentException("'" + switchName + "' is not a switch name (valeX)");
        ValeAdapter a = ValeAdapter.open(switchName, port, slots, true);
        String full = switchName + ":" + port;
        return NetmapPort.bind(new PortName(PortName.PREFIX + full, full, PortName.Mode.ALL_NIC, -1, null,
                NetmapLayout.NR_NO_TX_POLL, 0, Map.of()), a);
    }

    /** Used by a lookup test or tool that wants a switch's handle while it has ports open in this process. */
    public static ValeSwitch openHandle(String switchName) {
        return attach(switchName);
    }

    /** Releases a handle from {@link #openHandle}. */
    public void release() { close(); }

    @Override
    public String toString() { return "ValeSwitch[" + name + "]"; }
}
