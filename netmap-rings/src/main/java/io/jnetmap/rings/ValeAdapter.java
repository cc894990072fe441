package io.jnetmap.rings;

import io.jnetmap.sys.Libc;
import io.jnetmap.sys.OffHeapBuffer;

import java.util.HashMap;
import java.util.Map;

import static io.jnetmap.rings.NetmapLayout.*;

/**
 * A VALE port ({@code netmap:vale0:a}): one TX and one RX ring with their own buffers in the
 * switch's region. txsync forwards the new TX slots through the switch ({@link ValeForwarder})
 * and returns them all at once, as netmap_vale_vp_txsync does (tail = head - 1); rxsync gives
 * released slots back to the senders and shows what they published. Wake-ups are a futex on the
 * port's word in the switch state, as for pipes, so a receiver sleeps in poll while senders in
 * other processes fill its ring.
 */
final class ValeAdapter extends NetmapAdapter {
    private static final Map<String, ValeAdapter> OPEN = new HashMap<>();

    private final String key;
    private final boolean attached;
    private final ValeSwitch sw;
    private final int port;
    private final Kring tx, rx;
    private final ValeDest self;
    private final ValeForwarder forwarder;
    private final OffHeapBuffer shared;
    private final int wordOffset;
    private final long wordAddress;
    private final OffHeapBuffer timespec = OffHeapBuffer.allocate(16);

    private ValeAdapter(String key, ValeSwitch sw, int port, boolean attached) {
        super(key, sw.region());
        this.attached = attached;
        this.key = key;
        this.sw = sw;
        this.port = port;
        this.tx = new Kring(this, region, sw.txObject(port), true, false, 0);
        this.rx = new Kring(this, region, sw.rxObject(port), false, false, 0);
        this.txKrings = new Kring[] {tx};
        this.rxKrings = new Kring[] {rx};
        this.numTxRings = 1;
        this.numRxRings = 1;
        this.self = sw.dest(port);
        this.forwarder = new ValeForwarder(sw, port);
        this.shared = sw.shared();
        this.wordOffset = ValeSwitch.entry(port) + ValeSwitch.E_WAKE;
        this.wordAddress = sw.sharedAddress() + wordOffset;
    }

    /** The adapter of a VALE port, shared by every NetmapPort of this process bound to it; makes the switch and port if needed. */
    static ValeAdapter open(PortName n) {
        return open(n.valeSwitch(), n.valePort(), n.conf("slots", ValeSwitch.DEFAULT_SLOTS), false);
    }

    /** As {@link #open(PortName)}; {@code attached} marks a port that a NIC's owner (vale-ctl's daemon) drives. */
    static ValeAdapter open(String switchName, String portName, int slots, boolean attached) {
        String key = switchName + ":" + portName;
        synchronized (OPEN) {
            ValeAdapter a = OPEN.get(key);
            if (a != null && (a.attached || attached))
                throw new IllegalStateException(key + (a.attached ? " is a NIC attached to the switch (vale-ctl -a/-h); detach it first with vale-ctl -d " + key
                        : " already exists"));
            if (a != null) return a;
            ValeSwitch sw = ValeSwitch.attach(switchName);
            try {
                int port = sw.openPort(portName, slots, false, attached);
                try {
                    a = new ValeAdapter(key, sw, port, attached);
                } catch (RuntimeException e) {
                    sw.releasePort(port);
                    throw e;
                }
            } catch (RuntimeException e) {
                sw.close();
                throw e;
            }
            OPEN.put(key, a);
            return a;
        }
    }

    ValeSwitch valeSwitch() { return sw; }
    int portIndex() { return port; }
    /** Frames this port's sends could not deliver (lookup drops and full destinations), counted in this process. */
    long sendDrops() { return forwarder.dropped; }
    long sendForwarded() { return forwarder.forwarded; }

    @Override
    public int txsync(Kring k, int flags) {
        final NetmapRing r = tx.ring();
        final int head = tx.rhead(), lim = tx.lim();
        int cur = tx.hwcur();
        if (head == cur) return 0;
        boolean frags = (tx.checkedFlags() & NS_MOREFRAG) != 0;
        int done = cur; // slot after the last whole frame forwarded
        while (cur != head) {
            // up to BATCH slots, ending on a frame boundary; a frame still open at head waits for the rest
            int end = cur, n = 0, lastWhole = -1;
            while (end != head && n < ValeForwarder.BATCH) {
                int fl = frags ? r.slotFlags(end) : 0;
                end = end == lim ? 0 : end + 1;
                n++;
                if ((fl & NS_MOREFRAG) == 0) lastWhole = end;
            }
            if (lastWhole < 0) {
                if (n == ValeForwarder.BATCH) { // a frame longer than a batch: more than 64 fragments, dropped by the forwarder anyway
                    forwarder.dropped++;
                    done = end;
                    cur = end;
                    continue;
                }
                break;
            }
            forwarder.forward(r, cur, lastWhole);
            done = lastWhole;
            cur = lastWhole;
        }
        if ((tx.checkedFlags() & (NS_BUF_CHANGED | NS_REPORT)) != 0)
            for (int i = tx.hwcur(); i != done; i = i == lim ? 0 : i + 1)
                r.slotFlags(i, r.slotFlags(i) & ~(NS_BUF_CHANGED | NS_REPORT));
        tx.hwcur(done);
        tx.hwtail(done == 0 ? lim : done - 1); // software port: every slot comes back at once
        return 0;
    }

    @Override
    public int rxsync(Kring k, int flags) {
        final int head = rx.rhead(), hwcur = rx.hwcur(), lim = rx.lim();
        if (head != hwcur) {
            if ((rx.checkedFlags() & NS_BUF_CHANGED) != 0) {
                NetmapRing r = rx.ring();
                for (int i = hwcur; i != head; i = i == lim ? 0 : i + 1) r.slotFlags(i, r.slotFlags(i) & ~NS_BUF_CHANGED);
            }
            rx.hwcur(head);
            self.receiverReleased(head);
        }
        int tail = self.publishedTail();
        if (tail == rx.hwtail() && self.outstanding()) { // nothing new while senders hold leases: one may have died
            self.publish();
            self.recover();
            tail = self.publishedTail();
        }
        rx.hwtail(tail);
        return 0;
    }

    // ---- wake-ups (as PipeAdapter: a futex on this port's word, armed only while someone waits)

    @Override
    protected long prepareWait(NetmapPort p, boolean wantTx, boolean wantRx) {
        shared.getAndAddInt(wordOffset + 4, 1);
        return shared.getIntVolatile(wordOffset);
    }

    @Override
    protected void awaitEvents(NetmapPort p, long token, long timeoutNanos, int round) {
        // bounded slices: a sender that died holding a lease is found by the rxsync after each
        Libc.futexWait(wordAddress, (int) token, Math.min(timeoutNanos, 200_000_000L), timespec);
    }

    @Override
    protected void endWait(NetmapPort p, long token, boolean wantTx, boolean wantRx) {
        shared.getAndAddInt(wordOffset + 4, -1);
    }

    @Override
    protected void wakeWaiters() { Futex.bumpAndWake(shared, wordOffset); }

    @Override
    protected void register(boolean on) { }

    @Override
    protected void destroy() {
        synchronized (OPEN) {
            OPEN.remove(key, this);
            try {
                sw.releasePort(port);
            } finally {
                timespec.close();
                sw.close();
            }
        }
    }
}
