package io.jnetmap.rings;

import io.jnetmap.sys.OffHeapBuffer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The meeting point of a port's owner and its monitors: a small table in the header of a memory
 * region that the owner creates in /dev/shm when it binds the port ({@link MonitorHub}) and that
 * monitor processes map ({@link MonitorAdapter}). The monitors' rings and buffers are allocated in
 * the same region, so the owner copies frames into them without mapping anything in its data path.
 *
 * <p>The region is called {@code mon.<port>.<owner pid>.<n>} (file {@code /dev/shm/jnetmap.mon.*}),
 * a new one for every time a process binds the port, so a monitor never mistakes a later owner
 * for the one it watched. Listing these files is how tools discover the ports jnetmap processes
 * own ({@link MonitoredPorts}).
 *
 * <pre>
 * control header: magic, state (open / closed), owner pid, the owner's ring counts, the monitor
 *   ring layout (M NIC rings = max(TX, RX), H host rings), slots per monitor ring, names;
 *   per owner kring a mask of the monitors watching it (TX krings, then RX krings)
 * MAX_MONITORS entries: state, pid, flags, wake-up word (sequence, waiters), per monitor ring its
 *   ring object, a busy word (the owner is writing it), and the frames dropped because it was full
 * </pre>
 * The table lives where a pipe region keeps its pipe table (a monitor region holds no pipes).
 */
final class MonitorControl {
    static final String REGION_PREFIX = "mon.";
    static final int MAX_MONITORS = 4, MAX_RINGS = 32, MAX_SLOTS = 4096, NAME_BYTES = 128;
    static final int MAGIC = 0x4e4f4d4a; // "JMON"
    static final int STATE_OPEN = 1, STATE_CLOSED = 2;
    /** A monitor entry's state: free, claimed (rings being set up), watching (the owner copies into it). */
    static final int ENTRY_FREE = 0, ENTRY_CLAIMED = 1, ENTRY_WATCHING = 2;

    // control header
    private static final int C_MAGIC = 0, C_STATE = 4, C_OWNER = 8, C_NTX = 12, C_NRX = 16, C_NHTX = 20, C_NHRX = 24,
            C_SLOTS = 28, C_MON_NIC = 32, C_MON_HOST = 36, C_GENERATION = 40, C_NAME = 64, C_ALIAS = C_NAME + NAME_BYTES,
            C_MASK_TX = C_ALIAS + NAME_BYTES, C_MASK_RX = C_MASK_TX + 4 * MAX_RINGS, C_ENTRIES = C_MASK_RX + 4 * MAX_RINGS;
    // monitor entry
    static final int E_STATE = 0, E_PID = 4, E_FLAGS = 8, E_SEQ = 64, E_WAITERS = 68, E_RING = 128,
            E_BUSY = E_RING + 4 * MAX_RINGS, E_DROPS = E_BUSY + 4 * MAX_RINGS, ENTRY_SIZE = E_DROPS + 8 * MAX_RINGS;
    static final int TABLE_SIZE = C_ENTRIES + MAX_MONITORS * ENTRY_SIZE;

    final MemoryRegion region;
    final OffHeapBuffer table;
    final int base;

    MonitorControl(MemoryRegion region) {
        this.region = region;
        this.table = region.header();
        this.base = region.pipeEntryOffset(0);
        if (TABLE_SIZE > MemoryRegion.MAX_PIPES * MemoryRegion.PIPE_ENTRY_SIZE)
            throw new AssertionError("monitor table does not fit the region header");
    }

    // ---- header
    boolean valid() { return table.getIntAcquire(base + C_MAGIC) == MAGIC; }
    int state() { return table.getIntVolatile(base + C_STATE); }
    boolean open() { return state() == STATE_OPEN && MemoryRegion.pidAlive(ownerPid()); }
    int ownerPid() { return table.getInt(base + C_OWNER); }
    int numTx() { return table.getInt(base + C_NTX); }
    int numRx() { return table.getInt(base + C_NRX); }
    int numHostTx() { return table.getInt(base + C_NHTX); }
    int numHostRx() { return table.getInt(base + C_NHRX); }
    int slots() { return table.getInt(base + C_SLOTS); }
    /** Monitor NIC rings: max(owner TX rings, owner RX rings), as netmap. */
    int monitorNicRings() { return table.getInt(base + C_MON_NIC); }
    int monitorHostRings() { return table.getInt(base + C_MON_HOST); }
    String name() { return string(C_NAME); }
    String alias() { return string(C_ALIAS); }

    void format(int ownerPid, NetmapAdapter a, String alias, int slots) {
        table.fill(base, TABLE_SIZE, (byte) 0);
        table.putInt(base + C_OWNER, ownerPid);
        table.putInt(base + C_NTX, a.numTxRings());
        table.putInt(base + C_NRX, a.numRxRings());
        table.putInt(base + C_NHTX, a.numHostTxRings());
        table.putInt(base + C_NHRX, a.numHostRxRings());
        table.putInt(base + C_SLOTS, slots);
        table.putInt(base + C_MON_NIC, Math.max(a.numTxRings(), a.numRxRings()));
        table.putInt(base + C_MON_HOST, Math.max(a.numHostTxRings(), a.numHostRxRings()));
        putString(C_NAME, a.name());
        putString(C_ALIAS, alias);
        table.putIntVolatile(base + C_STATE, STATE_OPEN);
        table.putIntRelease(base + C_MAGIC, MAGIC);
    }

    /** Changes whenever a monitor attaches or detaches (owners restart what they remember about their monitors). */
    int generation() { return table.getIntVolatile(base + C_GENERATION); }
    void nextGeneration() { table.getAndAddInt(base + C_GENERATION, 1); }

    void markClosed() { table.putIntVolatile(base + C_STATE, STATE_CLOSED); }

    private String string(int off) {
        byte[] b = new byte[NAME_BYTES];
        table.getBytes(base + off, b, 0, NAME_BYTES);
        int n = 0;
        while (n < NAME_BYTES && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    private void putString(int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        table.putBytes(base + off, b, 0, Math.min(b.length, NAME_BYTES - 1));
    }

    // ---- masks: which monitors watch an owner kring
    int maskOffset(boolean tx, int kring) { return base + (tx ? C_MASK_TX : C_MASK_RX) + 4 * kring; }

    /** The monitor ring that owner kring {@code k} of direction {@code tx} feeds: NIC rings by index, host rings after M. */
    int monitorRing(boolean tx, int k) {
        int hw = tx ? numTx() : numRx();
        return k < hw ? k : monitorNicRings() + (k - hw);
    }

    void setMaskBit(int off, int monitor) {
        int v;
        do v = table.getIntVolatile(off); while (!table.compareAndSetInt(off, v, v | (1 << monitor)));
    }

    void clearMaskBit(int off, int monitor) {
        int v;
        do v = table.getIntVolatile(off); while (!table.compareAndSetInt(off, v, v & ~(1 << monitor)));
    }

    // ---- entries
    int entry(int m) { return base + C_ENTRIES + m * ENTRY_SIZE; }

    /** Monitors attached now (watching: every frame from now on reaches them or is counted as dropped). */
    int monitors() {
        int n = 0;
        for (int m = 0; m < MAX_MONITORS; m++) if (table.getIntVolatile(entry(m) + E_STATE) == ENTRY_WATCHING) n++;
        return n;
    }

    // ---- naming and discovery

    /** The region name prefix of a port's monitor regions: characters a region name cannot hold are escaped. */
    static String regionPrefix(String key) {
        StringBuilder b = new StringBuilder(REGION_PREFIX);
        for (char c : key.toCharArray()) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') b.append(c);
            else b.append('-').append(String.format("%02x", (int) c & 0xff));
        }
        // region names have at most 64 characters, and the owner's pid and a number follow
        if (b.length() > 40) {
            b.setLength(30);
            b.append('-').append(Integer.toHexString(key.hashCode()));
        }
        return b.append('.').toString();
    }

    /** Region names of every monitor region in {@code dir} (live or left over by a crashed owner). */
    static List<String> regionNames(Path dir) {
        List<String> names = new ArrayList<>();
        String filePrefix = "jnetmap." + REGION_PREFIX;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, filePrefix + "*")) {
            for (Path p : ds) names.add(p.getFileName().toString().substring("jnetmap.".length()));
        } catch (IOException e) {
            return names;
        }
        names.sort(null);
        return names;
    }
}
