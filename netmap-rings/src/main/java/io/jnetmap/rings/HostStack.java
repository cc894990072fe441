package io.jnetmap.rings;

import io.jnetmap.sys.Errno;
import io.jnetmap.sys.Libc;
import io.jnetmap.sys.NativeException;
import io.jnetmap.sys.OffHeapBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

import static io.jnetmap.rings.NetmapLayout.*;

/**
 * The kernel's side of a port's host rings: a TAP interface that takes the name and MAC the NIC
 * had before jnetmap took it, so the kernel's stack keeps talking through "eth0" while the NIC is
 * ours. Frames the application puts in the host TX ring are written to the TAP (the kernel
 * receives them as if from the wire); frames the kernel sends out of the TAP appear in the host RX
 * ring. As netmap's host rings, TX completes at once (tail = head - 1 after txsync) and data is
 * copied (the kernel owns its skbs).
 *
 * <p>The TAP has no offloads (no IFF_VNET_HDR, no TUNSETOFFLOAD), so the kernel hands us frames
 * with complete checksums and expects the same. Non-blocking; {@link #fd()} is readable when the
 * kernel has frames for us.
 */
public final class HostStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HostStack.class);

    private static final long TUNSETIFF = 0x400454CAL, SIOCSIFHWADDR = 0x8924, SIOCGIFFLAGS = 0x8913,
            SIOCSIFFLAGS = 0x8914, SIOCSIFMTU = 0x8922;
    private static final short IFF_TAP = 0x0002, IFF_NO_PI = 0x1000, IFF_UP = 0x1;
    private static final int ETH_HLEN = 14, MAX_FRAME = 65536;

    private final String ifname;
    private final int fd;
    private final int mtu;
    private final OffHeapBuffer scratch = OffHeapBuffer.allocate(MAX_FRAME);
    private long toHost, fromHost, dropped;

    private HostStack(String ifname, int fd, int mtu) {
        this.ifname = ifname;
        this.fd = fd;
        this.mtu = mtu;
    }

    /**
     * Creates the TAP {@code ifname} with {@code mac} (may be null: the kernel picks one) and
     * {@code mtu}, and brings it up.
     */
    public static HostStack open(String ifname, byte[] mac, int mtu) {
        byte[] name = ifname.getBytes(StandardCharsets.US_ASCII);
        if (name.length == 0 || name.length >= 16)
            throw new IllegalArgumentException("interface name '" + ifname + "' must be 1-15 characters");
        int fd = Libc.open("/dev/net/tun", Libc.O_RDWR | Libc.O_NONBLOCK, 0,
                "the host rings need the tun module (modprobe tun) and CAP_NET_ADMIN");
        try (OffHeapBuffer ifr = OffHeapBuffer.allocate(40)) {
            ifr.putBytes(0, name, 0, name.length);
            ifr.putShort(16, (short) (IFF_TAP | IFF_NO_PI));
            int rc = Libc.ioctlOrErrno(fd, TUNSETIFF, ifr.address());
            if (rc < 0) throw new NativeException("ioctl", "TUNSETIFF " + ifname, -rc,
                    -rc == Errno.EBUSY || -rc == Errno.EINVAL
                            ? "an interface called " + ifname + " exists already; the NIC must be bound with tools/nm-bind, which frees its name"
                            : "creating a TAP needs CAP_NET_ADMIN (run as root)");
            if (mac != null) {
                ifr.fill(16, 24, (byte) 0);
                ifr.putShort(16, (short) 1); // ARPHRD_ETHER
                ifr.putBytes(18, mac, 0, 6);
                Libc.ioctl(fd, SIOCSIFHWADDR, ifr.address(), "SIOCSIFHWADDR " + ifname);
            }
            int sock = Libc.socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */, 0);
            try {
                ifr.fill(16, 24, (byte) 0);
                ifr.putInt(16, mtu);
                Libc.ioctl(sock, SIOCSIFMTU, ifr.address(), "SIOCSIFMTU " + ifname + " " + mtu);
                ifr.fill(16, 24, (byte) 0);
                Libc.ioctl(sock, SIOCGIFFLAGS, ifr.address(), "SIOCGIFFLAGS " + ifname);
                ifr.putShort(16, (short) (ifr.getShort(16) | IFF_UP));
                Libc.ioctl(sock, SIOCSIFFLAGS, ifr.address(), "SIOCSIFFLAGS " + ifname + " up");
            } finally {
                Libc.closeQuietly(sock);
            }
        } catch (RuntimeException e) {
            Libc.closeQuietly(fd);
            throw e;
        }
        LOG.info("host stack for {}: TAP {} up, mtu {}", ifname, ifname, mtu);
        return new HostStack(ifname, fd, mtu);
    }

    public String ifname() { return ifname; }
    /** Readable (POLLIN) when the kernel has sent frames towards the port. */
    public int fd() { return fd; }
    public long framesToHost() { return toHost; }
    public long framesFromHost() { return fromHost; }
    public long framesDropped() { return dropped; }

    /**
     * Host TX ring: writes each packet in [hwcur, rhead) to the kernel (NS_MOREFRAG chains joined),
     * then returns every slot at once, as netmap_txsync_to_host.
     */
    public int txsync(Kring k) {
        NetmapRing r = k.ring();
        int head = k.rhead(), lim = k.lim();
        int i = k.hwcur();
        while (i != head) {
            int first = i, len = 0, frags = 0;
            boolean complete = false;
            for (int j = i; j != head; j = j == lim ? 0 : j + 1) {
                len += r.len(j);
                frags++;
                if ((r.slotFlags(j) & NS_MOREFRAG) == 0) { complete = true; break; }
            }
            if (!complete) break; // keep a partial chain until its last fragment comes
            sendToKernel(r, first, frags, len);
            for (int f = 0; f < frags; f++) {
                r.slotFlags(i, r.slotFlags(i) & ~(NS_BUF_CHANGED | NS_REPORT));
                i = i == lim ? 0 : i + 1;
            }
        }
        k.hwcur(i);
        k.hwtail(i == 0 ? lim : i - 1);
        return 0;
    }

    private void sendToKernel(NetmapRing r, int first, int frags, int len) {
        if (len < ETH_HLEN || len > mtu + ETH_HLEN + 4) { dropped++; return; }
        long addr;
        if (frags == 1) {
            addr = r.buffers().address() + r.slotBufOffset(first);
        } else {
            int off = 0;
            for (int f = 0, j = first; f < frags; f++, j = r.next(j)) {
                scratch.copyFrom(r.buffers(), r.slotBufOffset(j), off, r.len(j));
                off += r.len(j);
            }
            addr = scratch.address();
        }
        if (Libc.writeNonBlocking(fd, addr, len, "TAP " + ifname) < 0) dropped++;
        else toHost++;
    }

    /** Copies a frame from a NIC RX ring's chain [first, +frags) to the kernel (NS_FORWARD). */
    void forwardToKernel(NetmapRing r, int first, int frags, int len) { sendToKernel(r, first, frags, len); }

    /**
     * Host RX ring: gives back slots [hwcur, rhead), then reads what the kernel sent into free
     * slots from hwtail on, one slot per frame when it fits a buffer, else an NS_MOREFRAG chain.
     * Every buffer index comes through {@link Kring#slotBuffer} before read(2) or a copy uses it:
     * the free slots are the port's, but nothing stops the application from writing into them.
     */
    public int rxsync(Kring k) {
        NetmapRing r = k.ring();
        int lim = k.lim();
        k.hwcur(k.rhead());
        int hwcur = k.hwcur(), tail = k.hwtail();
        int bufSize = r.bufSize();
        while (true) {
            int free = lim - k.distance(hwcur, tail); // received-but-unreleased are ours no more; one slot stays empty
            if (free <= 0) break;
            int n;
            if (bufSize >= mtu + ETH_HLEN + 4) { // the common case: straight into the slot's buffer
                int idx = k.slotBuffer(tail);
                n = (int) Libc.readNonBlocking(fd, r.buffers().address() + (long) idx * bufSize, bufSize, "TAP " + ifname);
                if (n <= 0) break;
                r.len(tail, n);
                r.slotFlags(tail, 0);
                tail = tail == lim ? 0 : tail + 1;
            } else {
                int need = (mtu + ETH_HLEN + 4 + bufSize - 1) / bufSize;
                if (free < need) break; // a whole jumbo frame must fit
                n = (int) Libc.readNonBlocking(fd, scratch.address(), MAX_FRAME, "TAP " + ifname);
                if (n <= 0) break;
                for (int off = 0; off < n; off += bufSize) {
                    int part = Math.min(bufSize, n - off);
                    r.buffers().copyFrom(scratch, off, k.slotBuffer(tail) * bufSize, part);
                    r.len(tail, part);
                    r.slotFlags(tail, off + part < n ? NS_MOREFRAG : 0);
                    tail = tail == lim ? 0 : tail + 1;
                }
            }
            fromHost++;
        }
        k.hwtail(tail);
        return 0;
    }

    @Override
    public void close() {
        Libc.closeQuietly(fd); // a non-persistent TAP disappears with its last fd
        scratch.close();
    }

    @Override
    public String toString() { return "HostStack[" + ifname + "]"; }
}
