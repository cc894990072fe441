package io.jnetmap.rings;

/**
 * A VALE sender in its own JVM for {@link ValeProcessTest}: opens {@code port}, prints READY,
 * sends {@code count} numbered 60-byte frames from MAC {@code mac(sender)} to {@code mac(dst)} in
 * batches of 64 at full speed, then closes. With "stall", it stops for good right after its first
 * reservation in a destination ring (before copying), prints STALLED, and waits to be killed.
 */
public final class ValeSenderMain {
    public static void main(String[] args) throws Exception {
        String port = args[0];
        int sender = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        int dst = Integer.parseInt(args[3]);
        if (args.length > 4 && args[4].equals("stall")) {
            ValeForwarder.afterReserve = () -> {
                System.out.println("STALLED");
                System.out.flush();
                while (true) {
                    try { Thread.sleep(60_000); } catch (InterruptedException e) { return; }
                }
            };
        }
        try (NetmapPort p = NetmapPort.open(port)) {
            System.out.println("READY");
            System.out.flush();
            if (System.in.read() < 0) return; // the test says go
            NetmapRing tx = p.txRing(0);
            for (int seq = 0; seq < count; ) {
                int i = tx.head();
                for (int k = 0; k < 64 && seq < count; k++, seq++) {
                    ValeFrames.write(tx, i, ValeFrames.mac(dst), ValeFrames.mac(sender), sender, seq, 60);
                    i = tx.next(i);
                }
                tx.advance(i);
                p.txsync();
            }
        }
        System.out.println("DONE");
    }
}
