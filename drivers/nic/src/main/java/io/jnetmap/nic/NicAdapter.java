package io.jnetmap.nic;

import io.jnetmap.pci.PciId;
import io.jnetmap.rings.HostStack;
import io.jnetmap.rings.Kring;
import io.jnetmap.rings.NetmapAdapter;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.sys.Libc;
import io.jnetmap.sys.PollSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * A netmap adapter backed by a NIC: the plumbing every NIC driver shares. A chip driver extends
 * it with its init sequence, its descriptor rings ({@link #txsync}/{@link #rxsync}) and a few hooks
 * about its interrupt causes; this class does the rest:
 * <ul>
 * <li>the device and the process's NIC memory region ({@link NicRegion.Lease}): descriptors point
 *     at netmap buffers through {@link #bufferIova};</li>
 * <li>poll(): {@link #prepareWait} arms the wake-up causes of the port's rings (the chip unmasks
 *     them), {@link #awaitEvents} polls the interrupt vectors' fds, lets the chip service the ones
 *     that fired and acknowledges them, {@link #endWait} masks the causes no other waiter needs;</li>
 * <li>statistics: the chip's clear-on-read {@link Counters}, refreshed slowly in the background so
 *     32-bit counters never wrap between two reads;</li>
 * <li>the lifecycle: {@link #register} starts and stops the rings, {@link #destroy} (after the
 *     last port closed) stops the chip, frees rings and buffers, resets and closes the device and
 *     gives the region back.</li>
 * </ul>
 * The data path (txsync/rxsync) takes no lock and allocates nothing; waiting allocates nothing
 * either once a thread has its poll set.
 *
 * <p>Wake-up causes are a chip-defined mask of up to 64 bits (Intel: bits of ICR/IMS, of
 * EICR/EIMS, or the 82599's 64 queue causes of EICS_EX(0..1)/EIMS_EX(0..1)); this class only
 * counts waiters per bit, so a cause stays unmasked while any thread waits on it. A chip may
 * use up to {@value #MAX_VECTORS} interrupt vectors (one per queue pair on the 82599).
 */
public abstract class NicAdapter extends NetmapAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(NicAdapter.class);

    /** Longest single sleep in poll(2); a wake-up another thread consumed costs at most this much. */
    static final int MAX_SLICE_MS = 250;
    /** MTU of the host stack's TAP (system property jnetmap.nic.hostMtu, e.g. 9000 when the NIC carries jumbo frames). */
    public static final String HOST_MTU_PROPERTY = "jnetmap.nic.hostMtu";
    /** Most interrupt vectors a NIC adapter polls (the bits of a {@code long}); more are never asked for. */
    public static final int MAX_VECTORS = 64;
    /** Most wake-up cause bits (the bits of a {@code long}). */
    public static final int MAX_CAUSES = 64;
    /** Background counter refresh period, seconds (system property jnetmap.nic.counterRefreshSeconds). */
    static final long REFRESH_SECONDS = Long.getLong("jnetmap.nic.counterRefreshSeconds", 10);
    /**
     * Link watchdog period, ms (system property jnetmap.nic.linkWatchdogMillis; 0: off): the link
     * state is read this often even when no interrupt reports a change (interrupts off, or nobody
     * in poll()), as Linux's e1000e/igb watchdog does every 2 s.
     */
    static final long WATCHDOG_MILLIS = Long.getLong("jnetmap.nic.linkWatchdogMillis", 1000);

    private static ScheduledExecutorService refresher;

    protected final NicDevice device;
    protected final NicRegion.Lease lease;
    /** Device address of each region buffer, by buffer index (shared, read-only). */
    protected final long[] bufferIova;
    protected final Registers regs;
    private final Counters counters;
    private final Object controlLock = new Object();

    /** The vectors the chip was given, or null: then poll() spins and parks (no interrupts). */
    private volatile NicInterrupts interrupts;
    private final AtomicIntegerArray waiters = new AtomicIntegerArray(MAX_CAUSES);
    /** Each polling thread's wait: its poll set and what {@link #prepareWait} chose to poll. */
    private final ThreadLocal<Wait> waits = new ThreadLocal<>();
    private final List<PollSet> allPollSets = new ArrayList<>();

    /** The chip driver's own logger (named for its class): shared code logs through it on the driver's behalf. */
    private final Logger driverLog = LoggerFactory.getLogger(getClass());

    private volatile boolean destroyed;
    /** The port's MAC address as the driver read it from the chip at open (null before). */
    protected byte[] mac;
    /** The receive filter the application asked for ({@link #setReceiveFilter}); broadcast accepted by default. */
    private boolean promiscuous, allMulticast, broadcast = true;
    private ScheduledFuture<?> refresh, watchdog;
    private Runnable onDestroy;
    private volatile boolean linkWasUp;
    private final Object linkLock = new Object();
    private volatile long linkChanges;

    protected NicAdapter(String name, NicDevice device, NicRegion.Lease lease, Registers regs, Counters counters) {
        super(name, lease.region());
        this.device = device;
        this.lease = lease;
        this.bufferIova = lease.bufferIovas();
        this.regs = regs;
        this.counters = counters;
    }

    // ------------------------------------------------------------------ opening

    /** Makes a chip driver's adapter once the common part of opening is done (its private constructor). */
    @FunctionalInterface
    protected interface Constructor<C extends NicChip, A extends NicAdapter> {
        A create(NicRegion.Lease lease, Registers regs, C chip, int queues);
    }

    /**
     * The open sequence every chip driver shares; the chip's differences come as parameters. Takes
     * {@code device} (the adapter then owns and closes it): identifies the chip by its PCI ID before
     * touching a register ({@code identify} throws for a chip the driver does not support), maps
     * {@code registerBarSize} bytes of registers from the chip's register BAR ({@link NicChip#registerBar}), uses at most the chip's queue pairs (a warning if
     * fewer than {@code wantedQueues}), leases buffers from the process's NIC region for every
     * queue pair and one host ring pair ({@code slotsPerQueuePair}: TX + RX slots), makes the
     * adapter and runs its {@code initialize} (reset, link, rings). On failure before the adapter
     * exists the lease and the device are closed; after, the adapter is destroyed (which closes
     * them); either way the error is rethrown.
     */
    protected static <C extends NicChip, A extends NicAdapter> A openDevice(
            NicDevice device, BiFunction<PciId, String, C> identify, long registerBarSize, int wantedQueues,
            int slotsPerQueuePair, Constructor<C, A> constructor, Consumer<? super A> initialize) {
        return openDevice(device, d -> {
            C chip = identify.apply(d.id(), d.address());
            return new Probed<>(chip, d.registers(chip.registerBar(), registerBarSize));
        }, wantedQueues, slotsPerQueuePair, constructor, initialize);
    }

    /** A chip identified and its register window mapped ({@link ChipProbe}). */
    public record Probed<C extends NicChip>(C chip, Registers regs) { }

    /**
     * Identifies the chip behind a device and maps its registers, throwing for a chip the driver
     * does not support. For chips that are told apart by a register rather than by their PCI ID
     * (Realtek: the XID in TxConfig), and whose registers are not in BAR0.
     */
    @FunctionalInterface
    protected interface ChipProbe<C extends NicChip> {
        Probed<C> probe(NicDevice device);
    }

    /** {@link #openDevice(NicDevice, BiFunction, long, int, int, Constructor, Consumer)} with the chip identified by {@code probe}. */
    protected static <C extends NicChip, A extends NicAdapter> A openDevice(
            NicDevice device, ChipProbe<C> probe, int wantedQueues,
            int slotsPerQueuePair, Constructor<C, A> constructor, Consumer<? super A> initialize) {
        NicRegion.Lease lease = null;
        A a;
        try {
            Probed<C> probed = probe.probe(device);
            C chip = probed.chip();
            Registers regs = probed.regs();
            int queues = Math.min(wantedQueues, chip.queues());
            if (queues < wantedQueues)
                LOG.warn("{}: the {} has {} queue pair(s); using {}", device.address(), chip.model(), chip.queues(), queues);
            lease = NicRegion.acquire(device, (queues + 1) * slotsPerQueuePair, 2 * (queues + 1)); // + the host ring pair
            a = constructor.create(lease, regs, chip, queues);
        } catch (RuntimeException e) {
            if (lease != null) lease.close();
            try {
                device.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        try {
            initialize.accept(a);
            return a;
        } catch (RuntimeException e) {
            a.destroy();
            throw e;
        }
    }

    public NicDevice device() { return device; }

    /** The chip's registers (tools and tests). */
    public Registers registers() { return regs; }

    /** The interrupt vectors in use, or null when poll() runs without interrupts. */
    public NicInterrupts interrupts() { return interrupts; }

    public boolean isDestroyed() { return destroyed; }

    @Override
    public byte[] macAddress() { return mac == null ? null : mac.clone(); }

    /**
     * Promiscuous, all-multicast and broadcast accept: recorded, and applied at once
     * ({@link #applyReceiveFilter}) unless the adapter is closed; a chip's RX start applies them too.
     */
    @Override
    public synchronized void setReceiveFilter(boolean promiscuous, boolean allMulticast, boolean broadcast) {
        this.promiscuous = promiscuous;
        this.allMulticast = allMulticast;
        this.broadcast = broadcast;
        if (!isDestroyed()) applyReceiveFilter();
        driverLog.debug("{}: receive filter promiscuous={} all-multicast={} broadcast={}", name(), promiscuous, allMulticast, broadcast);
    }

    /** Writes the recorded receive filter into the chip (called holding the adapter's lock); nothing for a chip without one. */
    protected void applyReceiveFilter() { }

    protected final synchronized boolean promiscuous() { return promiscuous; }
    protected final synchronized boolean allMulticast() { return allMulticast; }
    protected final synchronized boolean broadcast() { return broadcast; }

    /** The chip driver's logger, named for its class (what shared code logs reads as the driver's). */
    protected final Logger driverLog() { return driverLog; }

    /** Called once after {@link #destroy}, by the provider to forget this adapter. */
    public final void onDestroy(Runnable r) { this.onDestroy = r; }

    // ------------------------------------------------------------------ chip hooks

    /** Starts the rings: called at the first binding (netmap's nm_register on). */
    protected abstract void startRings();

    /** Stops the rings: called after the last binding (nm_register off). */
    protected abstract void stopRings();

    /** Stops the chip for good (RX and TX off, interrupts masked, chip reset): the device is about to close. */
    protected abstract void shutdownHardware();

    /** Frees what the chip driver allocated (descriptor rings). */
    protected abstract void freeRings();

    /** The cause bits (0..{@value #MAX_CAUSES} - 1) that signal progress on ring {@code k} (a TX completion, an RX arrival). */
    protected abstract long wakeCauses(Kring k);

    /** The interrupt vector (0..{@value #MAX_VECTORS} - 1) those causes are delivered on. */
    protected abstract int wakeVector(Kring k);

    /** Vectors every waiter also polls (the link-change vector), as a bit mask (bit v: vector v). */
    protected long alwaysPolledVectors() { return 0; }

    /** Clears stale {@code causes} and unmasks them (they may fire at once if pending). */
    protected abstract void armWakeCauses(long causes);

    /** Masks {@code causes}: no thread waits for them any more. */
    protected abstract void disarmWakeCauses(long causes);

    /**
     * Vector {@code vector} fired: read and clear what the chip needs to (a shared vector's cause
     * register, a link change). Called before the vector is acknowledged.
     */
    protected abstract void serviceVector(int vector);

    // ------------------------------------------------------------------ interrupts

    /**
     * The device's interrupt vectors for poll(): up to {@code wanted} of them, MSI-X if the device
     * has it, else MSI, else INTx (one vector; {@link NicDevice#enableInterrupts}). Null when the
     * driver's configuration turned interrupts off ({@code configured} false) or the device gives
     * none: poll() then spins and parks. The chip routes its causes, then {@link #useInterrupts}.
     */
    protected final NicInterrupts enableInterrupts(boolean configured, int wanted) {
        if (!configured) {
            driverLog.info("{}: interrupts disabled by configuration; poll() spins and parks", name());
            return null;
        }
        try {
            return device.enableInterrupts(Math.min(wanted, MAX_VECTORS));
        } catch (RuntimeException e) {
            driverLog.warn("{}: no interrupts ({}); poll() spins and parks instead", name(), e.getMessage());
            return null;
        }
    }

    /** Installs the vectors the chip routed its causes to; {@link #destroy} closes them. */
    protected final void useInterrupts(NicInterrupts irqs) {
        if (irqs != null && irqs.count() > MAX_VECTORS)
            throw new IllegalArgumentException(name() + ": " + irqs.count() + " interrupt vectors; a NIC adapter polls at most " + MAX_VECTORS);
        this.interrupts = irqs;
    }

    /** A polling thread's state between {@link #prepareWait} and {@link #endWait} (one per thread, reused). */
    private static final class Wait {
        final PollSet pollSet;
        /** Vectors to poll (bit v: vector v) and whether the host stack's TAP is polled too. */
        long vectors;
        boolean host;

        Wait(PollSet pollSet) { this.pollSet = pollSet; }
    }

    /**
     * Arms the wake-up causes of the port's rings and records, for this thread, which vectors
     * {@link #awaitEvents} polls. The token is the armed cause mask, which {@link #endWait} undoes.
     */
    @Override
    protected long prepareWait(NetmapPort port, boolean tx, boolean rx) {
        NicInterrupts irq = interrupts;
        if (irq == null || destroyed) return 0;
        long causes = 0, vectors = alwaysPolledVectors();
        boolean host = false;
        if (tx) {
            for (Kring k : port.boundTxKrings()) {
                if (k.isHost()) continue;
                causes |= wakeCauses(k);
                vectors |= 1L << wakeVector(k);
            }
        }
        if (rx) {
            for (Kring k : port.boundRxKrings()) {
                if (k.isHost()) {
                    host = true; // the kernel's frames arrive on the TAP, not through the chip
                    continue;
                }
                causes |= wakeCauses(k);
                vectors |= 1L << wakeVector(k);
            }
        }
        Wait w = waitState(irq);
        w.vectors = vectors;
        w.host = host;
        for (long c = causes; c != 0; c &= c - 1) waiters.getAndIncrement(Long.numberOfTrailingZeros(c));
        // Arm every wanted cause, not only those without a waiter yet: the chip may have
        // auto-masked one when it fired for another thread.
        armWakeCauses(causes);
        return causes;
    }

    @Override
    protected void awaitEvents(NetmapPort port, long token, long timeoutNanos, int round) {
        NicInterrupts irq = interrupts;
        Wait w = waits.get();
        if (irq == null || destroyed || w == null) {
            super.awaitEvents(port, token, timeoutNanos, round);
            return;
        }
        long vectors = w.vectors;
        PollSet ps = w.pollSet;
        int n = irq.count();
        for (int v = 0; v < n; v++) ps.set(v, ((vectors >>> v) & 1) != 0 ? irq.fd(v) : -1, Libc.POLLIN);
        HostStack h = hostStack();
        ps.set(n, w.host && h != null ? h.fd() : -1, Libc.POLLIN);
        long ms = timeoutNanos >= MAX_SLICE_MS * 1_000_000L ? MAX_SLICE_MS : Math.max(1, (timeoutNanos + 999_999) / 1_000_000);
        if (ps.poll((int) ms) <= 0) return;
        for (int v = 0; v < n; v++) {
            if ((ps.revents(v) & Libc.POLLIN) == 0) continue;
            serviceVector(v);
            irq.acknowledge(v);
        }
    }

    @Override
    protected void endWait(NetmapPort port, long token, boolean tx, boolean rx) {
        long causes = token, idle = 0;
        for (long c = causes; c != 0; c &= c - 1) {
            int b = Long.numberOfTrailingZeros(c);
            if (waiters.decrementAndGet(b) == 0) idle |= 1L << b;
        }
        if (idle != 0 && !destroyed) disarmWakeCauses(idle);
    }

    /** How many threads wait on cause bit {@code bit} now (tests). */
    public final int waitersOn(int bit) { return waiters.get(bit); }

    private Wait waitState(NicInterrupts irq) {
        Wait w = waits.get();
        if (w == null) {
            PollSet ps = new PollSet(irq.count() + 1); // the vectors, then the host stack's TAP
            synchronized (allPollSets) {
                allPollSets.add(ps);
            }
            w = new Wait(ps);
            waits.set(w);
        }
        return w;
    }

    // ------------------------------------------------------------------ host rings

    /**
     * The NIC's host rings go to a TAP that takes the interface name and MAC the NIC had before
     * nm-bind took it (else a name from its PCI address and its own MAC), so the kernel keeps
     * talking as "eth0" through the host rings. No offloads on the TAP: frames carry complete checksums.
     */
    @Override
    protected HostStack createHostStack() {
        HostIdentity id = HostIdentity.of(device.address(), macAddress());
        LOG.info("{}: host rings on TAP {}", name(), id.ifname());
        return HostStack.open(id.ifname(), id.mac(), hostMtu());
    }

    /** The TAP's MTU: 1500, as the kernel gives a new Ethernet interface, unless {@value #HOST_MTU_PROPERTY} says otherwise. */
    protected int hostMtu() {
        return Integer.getInteger(HOST_MTU_PROPERTY, 1500);
    }

    // ------------------------------------------------------------------ link

    /**
     * Records the link state the chip reports (called from the link-change interrupt and from
     * {@link #linkUp()}); logs changes. The status read that gave {@code up} must happen under
     * {@link #linkLock()} too: otherwise a watchdog's stale "down" could be recorded after an
     * application thread's newer "up", and the driver would drop frames on a live link.
     * {@link #linkChanged} runs under the same lock, so handlers see the changes in order.
     */
    protected final void noteLink(boolean up, long mbps) {
        synchronized (linkLock) {
            if (up == linkWasUp) return;
            linkWasUp = up;
            linkChanges++;
            if (up) LOG.info("{}: link up, {} Mb/s", name(), mbps);
            else LOG.info("{}: link down", name());
            linkChanged(up);
        }
    }

    /** The lock a chip's {@link #linkUp()} holds around its status read and {@link #noteLink}. */
    protected final Object linkLock() { return linkLock; }

    /** "02:00:00:00:00:01" (a MAC address in messages). */
    public static String formatMac(byte[] m) {
        if (m == null) return "unknown";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < m.length; i++) b.append(i == 0 ? "" : ":").append(String.format("%02x", m[i] & 0xff));
        return b.toString();
    }

    /**
     * The link went up or down (once per change, from the thread that saw it: an interrupt's
     * service in poll(), a STATUS read, the watchdog). A chip driver stops or recovers its TX
     * queues here; nothing by default.
     */
    protected void linkChanged(boolean up) { }

    /** The link state last recorded. */
    protected final boolean linkRecordedUp() { return linkWasUp; }

    /** Link state changes seen since the adapter was created (interrupts and reads). */
    public final long linkChanges() { return linkChanges; }

    // ------------------------------------------------------------------ statistics

    @Override
    public Map<String, Long> statistics() {
        synchronized (controlLock) {
            if (!destroyed) refreshCounters();
        }
        return counters.snapshot();
    }

    /**
     * Brings the totals up to date: reads the chip's clear-on-read counter registers by default; a
     * chip whose counters come another way (Realtek's DMA'd tally block) reads them here. Called
     * with the control lock held, never after {@link #destroy}.
     */
    protected void refreshCounters() {
        counters.accumulate(regs);
    }

    /** The counters (tests, chip code clearing them after link setup). */
    protected final Counters counters() { return counters; }

    /**
     * Starts the background refresh that keeps clear-on-read counters from wrapping, and the link
     * watchdog ({@link #WATCHDOG_MILLIS}): a link lost with nobody in poll() is still noticed.
     */
    protected final void startCounterRefresh() {
        synchronized (NicAdapter.class) {
            if (refresher == null) {
                refresher = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "jnetmap-nic-counters");
                    t.setDaemon(true);
                    return t;
                });
            }
            if (REFRESH_SECONDS > 0) {
                refresh = refresher.scheduleWithFixedDelay(() -> background("counter refresh", this::refreshCounters),
                        REFRESH_SECONDS, REFRESH_SECONDS, TimeUnit.SECONDS);
            }
            if (WATCHDOG_MILLIS > 0) {
                watchdog = refresher.scheduleWithFixedDelay(() -> background("link watchdog", this::linkUp),
                        WATCHDOG_MILLIS, WATCHDOG_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void background(String what, Runnable r) {
        try {
            synchronized (controlLock) {
                if (!destroyed) r.run();
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: {} failed: {}", name(), what, e.toString());
        }
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    protected void register(boolean on) {
        if (destroyed) throw new IllegalStateException(name() + " was closed while being opened; open it again");
        if (on) startRings();
        else stopRings();
    }

    /**
     * After the last port closed: stop the chip, free descriptor rings and netmap rings, close the
     * interrupts, give the region back, close the device (which resets it and unmaps its BARs).
     * Every step runs even if an earlier one failed.
     */
    @Override
    protected final void destroy() {
        synchronized (controlLock) {
            if (destroyed) return;
            destroyed = true;
        }
        if (refresh != null) refresh.cancel(false);
        if (watchdog != null) watchdog.cancel(false);
        step("stopping the chip", this::shutdownHardware);
        NicInterrupts irq = interrupts;
        interrupts = null;
        if (irq != null) step("closing interrupts", irq::close);
        step("freeing descriptor rings", this::freeRings);
        step("freeing netmap rings", this::freeKrings);
        // the region's DMA mapping goes before the device: the chip is reset already, and the
        // device's address space may close with the device (the last VFIO device of the process)
        step("releasing the memory region", lease::close);
        step("closing the device", device::close);
        synchronized (allPollSets) {
            for (PollSet p : allPollSets) p.close();
            allPollSets.clear();
        }
        LOG.info("{}: closed", name());
        if (onDestroy != null) onDestroy.run();
    }

    private void step(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("{}: {} failed: {}", name(), what, e.toString());
        }
    }
}
