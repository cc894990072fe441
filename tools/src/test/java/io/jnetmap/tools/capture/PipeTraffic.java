package io.jnetmap.tools.capture;

import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.sys.OffHeapBuffer;

/**
 * The owner of a pipe in the test's process: both ends open, a thread sending numbered UDP frames
 * from the master end at full speed (as pkt-gen would) and the slave end consuming them, until
 * {@link #close}. Frame j is 60 + (j % 40) bytes, IPv4/UDP 10.0.0.1:1234 -> 10.1.0.1:5678, its
 * sequence number big-endian at {@value #SEQ_OFFSET}.
 */
final class PipeTraffic implements AutoCloseable {
    static final int SEQ_OFFSET = 42;
    final String master, slave;
    private final NetmapPort a, b;
    private final Thread pump;
    private volatile boolean stop;
    private volatile long sent;
    private volatile Throwable failure;

    PipeTraffic(String name, long limit) {
        master = "netmap:" + name + "{1";
        slave = "netmap:" + name + "}1";
        a = NetmapPort.open(master);
        b = NetmapPort.open(slave);
        pump = new Thread(() -> run(limit), "pipe-traffic");
        pump.setDaemon(true);
    }

    PipeTraffic start() {
        pump.start();
        return this;
    }

    static int frameLength(long seq) { return 60 + (int) (seq % 40); }

    /** Writes frame {@code seq} at {@code off}. */
    static void frame(OffHeapBuffer buf, int off, long seq) {
        int len = frameLength(seq);
        for (int i = 0; i < 6; i++) buf.putByte(off + i, (byte) 0xff);
        byte[] src = {0x02, 0, 0, 0, 0, 1};
        buf.putBytes(off + 6, src, 0, 6);
        buf.putShort(off + 12, Short.reverseBytes((short) 0x0800));
        int ip = off + 14, ipLen = len - 14;
        byte[] hdr = {0x45, 0, (byte) (ipLen >> 8), (byte) ipLen, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 1, 0, 1};
        int sum = 0;
        for (int i = 0; i < 20; i += 2) sum += ((hdr[i] & 0xff) << 8) | (hdr[i + 1] & 0xff);
        while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
        sum = ~sum & 0xffff;
        hdr[10] = (byte) (sum >> 8);
        hdr[11] = (byte) sum;
        buf.putBytes(ip, hdr, 0, 20);
        int udp = ip + 20, udpLen = ipLen - 20;
        byte[] u = {0x04, (byte) 0xd2, 0x16, 0x2e, (byte) (udpLen >> 8), (byte) udpLen, 0, 0};
        buf.putBytes(udp, u, 0, 8);
        for (int i = udp + 8; i < off + len; i++) buf.putByte(i, (byte) i);
        buf.putInt(off + SEQ_OFFSET, Integer.reverseBytes((int) seq));
    }

    private void run(long limit) {
        try {
            NetmapRing tx = a.txRing(0), rx = b.rxRing(0);
            long seq = 0;
            while (!stop && (limit <= 0 || seq < limit)) {
                a.txsync();
                int i = tx.head();
                for (int k = 0; k < 64 && tx.space() > 0 && (limit <= 0 || seq < limit); k++) {
                    frame(tx.buffers(), tx.slotBufOffset(i), seq);
                    tx.len(i, frameLength(seq));
                    seq++;
                    i = tx.next(i);
                    tx.advance(i);
                }
                a.txsync();
                sent = seq;
                b.rxsync();
                rx.advance(rx.tail());
                b.rxsync();
                if (limit > 0 && seq >= limit) break;
                Thread.onSpinWait();
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    long sent() { return sent; }

    void join() throws InterruptedException { pump.join(); }

    @Override
    public void close() {
        stop = true;
        try {
            pump.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        a.close();
        b.close();
        if (failure != null) throw new AssertionError("the pipe's owner failed", failure);
    }
}
