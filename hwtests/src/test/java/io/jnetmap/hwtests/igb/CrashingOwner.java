package io.jnetmap.hwtests.igb;

import io.jnetmap.hwtests.Frames;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.NetmapRing;

/**
 * A process that owns an igb port and dies without closing it: opens {@code netmap:BDF}, prints
 * "ready", then transmits and receives until it is killed (the test sends SIGKILL). Leaves the
 * chip running with rings in memory that the kernel takes back: what a crashed application leaves.
 * Arguments: BDF, peer MAC.
 */
public final class CrashingOwner {
    private CrashingOwner() { }

    public static void main(String[] args) {
        NetmapPort port = NetmapPort.open("netmap:" + args[0]);
        byte[] peer = Frames.parseMac(args[1]), mac = port.adapter().macAddress();
        System.out.println("ready");
        System.out.flush();
        byte[] f = new byte[2048];
        int seq = 0;
        while (true) {
            NetmapRing tx = port.txRing(0);
            while (tx.space() > 0) Frames.put(tx, f, Frames.fill(f, peer, mac, 9_000_000 + seq++, 200));
            port.poll(NetmapPort.POLLIN | NetmapPort.POLLOUT, 100);
            for (int r = port.firstRxRing(); r <= port.lastRxRing(); r++) port.rxRing(r).advance(port.rxRing(r).tail());
        }
    }
}
