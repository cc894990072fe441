package io.jnetmap.tools.pktgen;

import io.jnetmap.rings.Kring;
import io.jnetmap.rings.MemoryRegion;
import io.jnetmap.rings.NetmapAdapter;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;
import io.jnetmap.rings.PortName;
import io.jnetmap.rings.RegionConfig;

import java.util.concurrent.atomic.AtomicLongArray;

import static io.jnetmap.rings.NetmapLayout.NS_BUF_CHANGED;
import static io.jnetmap.rings.NetmapLayout.NS_REPORT;

/**
 * A NIC without hardware: TX completes at once (frames are counted, the last one kept), RX never
 * receives; the link and MAC are what the test says. Opened through {@link #opener()}. The bridge
 * tests' {@code QueuedNic} gives its TX queues a drain of their own.
 */
public class FakeNic extends NetmapAdapter {
    volatile boolean link;
    private final byte[] mac;
    volatile boolean destroyed;
    final AtomicLongArray sentPerRing;
    final byte[] lastFrame = new byte[2048];
    volatile int lastLength;

    public FakeNic(String name, int rings, boolean link, byte[] mac) {
        super(name, MemoryRegion.createPrivate(name, RegionConfig.defaults()));
        this.link = link;
        this.mac = mac;
        this.sentPerRing = new AtomicLongArray(rings);
        createKrings(rings, rings, 0, 0, 512, 512);
    }

    PortOpener opener() {
        return spec -> NetmapPort.bind(PortName.parse(spec), this);
    }

    @Override
    public int txsync(Kring k, int flags) {
        int head = k.rhead();
        NetmapRing r = k.ring();
        long n = 0;
        int last = -1;
        for (int i = k.hwcur(); i != head; i = k.next(i)) {
            int fl = r.slotFlags(i);
            if ((fl & (NS_BUF_CHANGED | NS_REPORT)) != 0) r.slotFlags(i, fl & ~(NS_BUF_CHANGED | NS_REPORT));
            last = i;
            n++;
        }
        if (last >= 0 && k.ringId() == 0) {
            int len = r.len(last);
            r.buffers().getBytes(r.slotBufOffset(last), lastFrame, 0, len);
            lastLength = len;
        }
        sentPerRing.addAndGet(k.ringId(), n);
        k.hwcur(head);
        k.hwtail(k.prev(head));
        return 0;
    }

    @Override
    public int rxsync(Kring k, int flags) {
        k.hwcur(k.rhead());
        return 0;
    }

    @Override
    protected void register(boolean on) { }

    @Override
    protected void destroy() {
        freeKrings();
        region.close();
        destroyed = true;
    }

    @Override
    public boolean linkUp() { return link; }

    @Override
    public byte[] macAddress() { return mac.clone(); }
}
