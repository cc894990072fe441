package io.jnetmap.nic;

import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * QEMU's net layer between the lab's hub and a NIC model (QEMU 10.0.2: net/net.c, net/queue.c,
 * net/hub.c), so a model receives as the lab's NICs do:
 * <ul>
 * <li>a frame for a NIC that cannot receive (its {@code can_receive}: RX off, link down, or no free
 *     descriptor on any enabled queue) is held, up to {@value #MAX_HELD} frames, and dropped
 *     beyond ({@code qemu_net_queue_append}'s nq_maxlen);</li>
 * <li>a NIC whose receive returns 0 (e1000e: the chosen queue has too few free descriptors) is
 *     latched ({@code receive_disabled = 1} in {@code qemu_deliver_packet_iov}): it gets nothing
 *     until a flush, however many descriptors it has meanwhile;</li>
 * <li>{@link #flush} ({@code qemu_flush_queued_packets}, which the models call where QEMU's do:
 *     an RDT write, an RCTL write with EN, autonegotiation done) clears the latch and delivers the
 *     held frames in order whatever the NIC's state, until one is refused again (a NIC with RX off
 *     returns -1: the frame is gone).</li>
 * </ul>
 * Silicon is allowed the same: its packet buffer holds frames while no descriptor is free and
 * moves them to memory only after a tail write gives it descriptors, and drops (counted) when
 * the buffer is full; frames arriving while RX is off are lost. Simplified: QEMU keeps frames in
 * two queues (the sending hub port's and the NIC's), this one; a frame is never delivered past an
 * older held one. Synchronized on the model, whose register writes call {@link #flush}.
 *
 * <p>A flood ({@link #flood}) is a sender that never lets up: whenever QEMU flushes, its queue is
 * full ({@value #MAX_HELD} frames), as in the lab while testpmd sends.
 */
public final class QemuNetQueue {
    /** net/queue.c: a NIC's and a hub port's incoming queue hold at most this many frames. */
    public static final int MAX_HELD = 10_000;

    private final Object lock;
    private final BooleanSupplier canReceive;
    private final ToIntFunction<byte[]> receive;
    private final ArrayDeque<byte[]> held = new ArrayDeque<>();
    private boolean receiveDisabled;
    private long droppedHeld, lostRxOff, flushes;
    /** The flooding sender's frames by sequence number, and the next one's number (null: no flood). */
    private IntFunction<byte[]> source;
    private int nextSeq;

    /**
     * @param modelLock  the model's monitor (its register writes flush)
     * @param canReceive the model's {@code can_receive}
     * @param receive    the model's receive: &gt; 0 taken (or dropped by the chip), 0 no room (held and
     *                   latched), &lt; 0 refused (RX off: lost)
     */
    public QemuNetQueue(Object modelLock, BooleanSupplier canReceive, ToIntFunction<byte[]> receive) {
        this.lock = modelLock;
        this.canReceive = canReceive;
        this.receive = receive;
    }

    /** A frame from the wire (qemu_send_packet through the hub): delivered, held, or dropped when the queue is full. */
    public void send(byte[] frame) {
        synchronized (lock) {
            if (receiveDisabled || !held.isEmpty() || !canReceive.getAsBoolean()) {
                hold(frame);
                return;
            }
            int r = receive.applyAsInt(frame);
            if (r == 0) {
                receiveDisabled = true;
                hold(frame);
            } else if (r < 0) {
                lostRxOff++;
            }
        }
    }

    private void hold(byte[] frame) {
        if (held.size() >= MAX_HELD) droppedHeld++;
        else held.addLast(frame);
    }

    /** Makes this a flooded queue: frames come from {@code frames} (by sequence number), by {@link #sendNext} and at every flush. */
    public void flood(IntFunction<byte[]> frames) {
        synchronized (lock) {
            source = frames;
        }
    }

    /** The flooding sender's next frame, {@link #send sent}. */
    public void sendNext() {
        synchronized (lock) {
            send(source.apply(nextSeq++));
        }
    }

    /** qemu_flush_queued_packets: the latch cleared, held frames delivered until the NIC refuses one. */
    public void flush() {
        synchronized (lock) {
            flushes++;
            receiveDisabled = false;
            if (source != null) while (held.size() < MAX_HELD) held.addLast(source.apply(nextSeq++)); // the sender kept it full
            while (!held.isEmpty()) {
                int r = receive.applyAsInt(held.peekFirst());
                if (r == 0) {
                    receiveDisabled = true;
                    return;
                }
                held.removeFirst();
                if (r < 0) lostRxOff++;
            }
        }
    }

    /** Frames held now. */
    public int held() { synchronized (lock) { return held.size(); } }

    /** Whether the NIC is latched (receive_disabled). */
    public boolean latched() { synchronized (lock) { return receiveDisabled; } }

    /** Frames dropped because the queue was full, and frames a flush delivered to a NIC with RX off. */
    public long droppedHeld() { synchronized (lock) { return droppedHeld; } }

    public long lostRxOff() { synchronized (lock) { return lostRxOff; } }

    @Override
    public String toString() {
        synchronized (lock) {
            return "QEMU net queue: " + held.size() + " held" + (receiveDisabled ? ", NIC latched (receive_disabled)" : "")
                    + ", " + droppedHeld + " dropped at the full queue, " + lostRxOff + " lost to RX off, " + flushes + " flushes";
        }
    }
}
