package io.jnetmap.tools.valectl;

import io.jnetmap.rings.NetmapLayout;
import io.jnetmap.rings.NetmapPort;
import io.jnetmap.rings.PortName;
import io.jnetmap.rings.RegionConfig;
import io.jnetmap.rings.ValeSwitch;
import io.jnetmap.tools.bridge.Forwarder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The process that owns the NICs attached to VALE switches (in netmap, the kernel does this):
 * {@code vale-ctl -a/-h} starts it on first use and talks to it over a Unix socket
 * ({@code /dev/shm/jnetmap-vale-ctl.sock}, or {@code -Djnetmap.vale.ctl.socket}); one line per
 * request: {@code ATTACH switch nic host}, {@code DETACH switch nic}, {@code STOP}; one line back,
 * {@code OK ...} or {@code ERR why}.
 *
 * <p>An attachment opens the NIC ({@code netmap:NIC}) and a VALE port {@code switch:NIC} marked
 * attached, and joins them with two {@link Forwarder} threads (copying: the NIC's and the switch's
 * memory differ); with host rings also {@code netmap:NIC^} and {@code switch:NIC^}. Detaching stops
 * the threads and closes the ports: the driver resets the NIC and gives it back, the VALE ports
 * go. The daemon exits when its last NIC is detached, on {@code STOP}, and on SIGTERM/SIGINT (a
 * shutdown hook detaches everything first). If it is killed with SIGKILL, its VALE ports are
 * removed at the switch's next open or list, and the NIC is reset at its next open.
 */
public final class SwitchDaemon {
    private static final Logger LOG = LoggerFactory.getLogger(SwitchDaemon.class);

    /** One NIC on one switch, with the threads that carry its frames. */
    private record Attachment(List<NetmapPort> ports, List<Forwarder> forwarders, List<Thread> threads) {
        void close() {
            forwarders.forEach(Forwarder::stop);
            for (Thread t : threads) {
                try {
                    t.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            for (int i = ports.size() - 1; i >= 0; i--) {
                try {
                    ports.get(i).close();
                } catch (RuntimeException e) {
                    LOG.warn("closing {}: {}", ports.get(i).name(), e.toString());
                }
            }
        }
    }

    private static final long IDLE_EXIT_MILLIS = 600_000;
    private final Map<String, Attachment> attached = new LinkedHashMap<>();
    private volatile boolean stop, served;

    public static Path socketPath() {
        String p = System.getProperty("jnetmap.vale.ctl.socket");
        return p != null ? Path.of(p) : RegionConfig.fromSystemProperties().directory().resolve("jnetmap-vale-ctl.sock");
    }

    /** Serves requests until the last NIC is detached or STOP; returns the exit status. */
    public int run() throws IOException {
        Path sock = socketPath();
        if (DaemonClient.reachable(sock)) {
            LOG.error("a vale-ctl daemon already listens on {}", sock);
            return 1;
        }
        Files.deleteIfExists(sock); // left by a daemon that was killed
        Thread hook = new Thread(this::detachAll, "vale-ctl daemon shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            LOG.info("vale-ctl daemon (process {}) listening on {}", ProcessHandle.current().pid(), sock);
            Thread idle = new Thread(() -> { // started for a request that never came (its vale-ctl gave up): do not linger
                try {
                    Thread.sleep(IDLE_EXIT_MILLIS);
                    if (!served) {
                        LOG.warn("no request within {} s of starting: exiting", IDLE_EXIT_MILLIS / 1000);
                        server.close();
                    }
                } catch (InterruptedException | IOException e) {
                    // leave it be
                }
            }, "vale-ctl daemon idle exit");
            idle.setDaemon(true);
            idle.start();
            while (!stop && server.isOpen() && (!served || !attached.isEmpty())) {
                try (SocketChannel c = server.accept()) {
                    String req = readLine(c);
                    if (req.isEmpty()) continue; // a liveness probe (vale-ctl checking that we listen)
                    served = true;
                    String resp = handle(req);
                    c.write(ByteBuffer.wrap((resp + "\n").getBytes(StandardCharsets.UTF_8)));
                } catch (java.nio.channels.ClosedChannelException e) {
                    break; // the idle exit closed the socket
                } catch (IOException e) {
                    LOG.warn("request failed: {}", e.toString());
                }
            }
        } finally {
            detachAll();
            Files.deleteIfExists(sock);
            try { Runtime.getRuntime().removeShutdownHook(hook); } catch (IllegalStateException e) { /* shutting down */ }
        }
        LOG.info("vale-ctl daemon exits: no NIC left attached");
        return 0;
    }

    private static String readLine(SocketChannel c) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4096);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) break;
            if (b.position() > 0 && b.get(b.position() - 1) == '\n') break;
        }
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).trim();
    }

    String handle(String req) {
        String[] w = req.split(" ");
        try {
            switch (w[0]) {
                case "ATTACH" -> { attach(w[1], w[2], w[3].equals("1")); return "OK attached " + w[1] + ":" + w[2]; }
                case "DETACH" -> { detach(w[1], w[2]); return "OK detached " + w[1] + ":" + w[2]; }
                case "STOP" -> { stop = true; detachAll(); return "OK stopped"; }
                default -> { return "ERR unknown request '" + req + "'"; }
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: {}", req, e.getMessage());
            return "ERR " + (e.getMessage() == null ? e.toString() : e.getMessage()).replace('\n', ' ');
        }
    }

    private static PortName noTxPoll(String name) {
        return PortName.parse(name).withFlags(NetmapLayout.NR_NO_TX_POLL);
    }

    synchronized void attach(String sw, String nic, boolean host) {
        String key = sw + ":" + nic;
        for (String k : attached.keySet())
            if (k.endsWith(":" + nic)) throw new IllegalStateException(nic + " is already attached (" + k + "); detach it first");
        List<NetmapPort> ports = new ArrayList<>();
        List<Forwarder> fwd = new ArrayList<>();
        try {
            NetmapPort n = NetmapPort.open(noTxPoll("netmap:" + nic));
            ports.add(n);
            NetmapPort v = ValeSwitch.openAttachedPort(sw, nic, ValeSwitch.DEFAULT_SLOTS);
            ports.add(v);
            n.adapter().setReceiveFilter(true, true, true); // a switch port takes every frame, as netmap puts NICs in promiscuous mode
            fwd.add(new Forwarder(n, v, 1024, true));
            fwd.add(new Forwarder(v, n, 1024, true));
            if (host) {
                if (n.adapter().numHostRxRings() == 0)
                    throw new IllegalArgumentException(nic + " has no host rings: attach it with -a");
                NetmapPort nh = NetmapPort.open(noTxPoll("netmap:" + nic + "^"));
                ports.add(nh);
                NetmapPort vh = ValeSwitch.openAttachedPort(sw, nic + "^", ValeSwitch.DEFAULT_SLOTS);
                ports.add(vh);
                fwd.add(new Forwarder(nh, vh, 1024, true));
                fwd.add(new Forwarder(vh, nh, 1024, true));
            }
        } catch (RuntimeException e) {
            for (int i = ports.size() - 1; i >= 0; i--) ports.get(i).close();
            throw e;
        }
        List<Thread> threads = new ArrayList<>();
        for (Forwarder f : fwd) {
            Thread t = new Thread(f, "vale " + key);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        attached.put(key, new Attachment(ports, fwd, threads));
        LOG.info("attached {}{}", key, host ? " with its host rings" : "");
    }

    synchronized void detach(String sw, String nic) {
        Attachment a = attached.remove(sw + ":" + nic);
        if (a == null) throw new IllegalArgumentException(sw + ":" + nic + " is not attached (vale-ctl -l lists what is)");
        a.close();
        LOG.info("detached {}:{}; the NIC is back with its driver's reset state", sw, nic);
    }

    synchronized void detachAll() {
        for (String k : new ArrayList<>(attached.keySet())) {
            attached.remove(k).close();
            LOG.info("detached {}", k);
        }
    }
}
