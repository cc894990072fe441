package io.jnetmap.tools.valectl;

import io.jnetmap.rings.ValeSwitch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * netmap's vale-ctl on jnetmap's VALE switches: list switches and ports, create and remove
 * persistent ports, attach NICs (with their host rings) and detach them, and (jnetmap's own)
 * choose a switch's lookup. Ports and switches live in shared memory, so listing and persistent
 * ports need no daemon; attached NICs are driven by the {@link SwitchDaemon}, started on first
 * use. Exit status: 0 done, 1 failed, 2 bad usage.
 */
@Command(name = "vale-ctl", sortOptions = false, usageHelpWidth = 100, separator = " ",
        description = {"Manages jnetmap's VALE switches (netmap's vale-ctl). A switch valeX appears when its first port "
                + "is opened (netmap:valeX:PORT, e.g. by pkt-gen -i vale0:a) and goes with its last port.", ""},
        footer = {"", "Examples:",
                "  vale-ctl -l                      switches and ports (attached NICs, persistent ports, owners, counters)",
                "  vale-ctl -n vale0:p1 -C 2048     a persistent port with 2048-slot rings",
                "  vale-ctl -r vale0:p1             remove it",
                "  vale-ctl -h vale0:0000:03:00.0   attach a NIC and its host stack (ports vale0:NIC and vale0:NIC^)",
                "  vale-ctl -d vale0:0000:03:00.0   detach it: the NIC goes back to its driver's reset state",
                "  vale-ctl --lookup vale0=io.jnetmap.rings.UdpPortLookup:5000=a   UDP to port 5000 goes to vale0:a",
                "",
                "Attached NICs are driven by a daemon that -a/-h start (log: /tmp/jnetmap-vale-ctl.log); it exits when",
                "the last NIC is detached, or with --stop-daemon. Exit status: 0 done, 1 failed, 2 bad usage."})
public final class ValeCtl implements Callable<Integer> {
    @Option(names = "-l", arity = "0..1", paramLabel = "NAME", fallbackValue = "", description = "list switches and ports (all, a switch valeX, or a port valeX:PORT)")
    String list;
    @Option(names = "-n", paramLabel = "valeX:PORT", description = "create a persistent port")
    String create;
    @Option(names = "-r", paramLabel = "valeX:PORT", description = "remove a persistent port")
    String remove;
    @Option(names = "-a", paramLabel = "valeX:NIC", description = "attach a NIC (netmap:NIC) to switch valeX")
    String attach;
    @Option(names = "-h", paramLabel = "valeX:NIC", description = "attach a NIC and its host rings (two ports: valeX:NIC, valeX:NIC^)")
    String attachHost;
    @Option(names = "-d", paramLabel = "valeX:NIC", description = "detach a NIC")
    String detach;
    @Option(names = "-C", paramLabel = "SLOTS", description = "slots per ring of a port made with -n (default 1024, 2..4096)")
    int slots = ValeSwitch.DEFAULT_SLOTS;
    @Option(names = "--lookup", paramLabel = "valeX=CLASS[:ARGS]", description = "the switch's forwarding lookup (empty CLASS: the learning bridge)")
    String lookup;
    @Option(names = "--stop-daemon", description = "detach every NIC and stop the daemon")
    boolean stopDaemon;
    @Option(names = "--daemon", hidden = true)
    boolean daemon;
    @Option(names = "--help", usageHelp = true, description = "show this help")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private CommandLine.ParameterException usage(String m) { return new CommandLine.ParameterException(spec.commandLine(), m); }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        int verbs = (list != null ? 1 : 0) + (create != null ? 1 : 0) + (remove != null ? 1 : 0) + (attach != null ? 1 : 0)
                + (attachHost != null ? 1 : 0) + (detach != null ? 1 : 0) + (lookup != null ? 1 : 0) + (stopDaemon ? 1 : 0) + (daemon ? 1 : 0);
        if (verbs != 1) throw usage("give exactly one of -l, -n, -r, -a, -h, -d, --lookup, --stop-daemon");
        if (daemon) return new SwitchDaemon().run();
        if (list != null) return list(out, list);
        if (create != null) {
            checkPortName(create, "-n");
            ValeSwitch.createPersistentPort(create, slots);
            out.println("created persistent port " + create);
            return 0;
        }
        if (remove != null) {
            checkPortName(remove, "-r");
            ValeSwitch.deletePersistentPort(remove);
            out.println("removed " + remove);
            return 0;
        }
        if (lookup != null) {
            int eq = lookup.indexOf('=');
            if (eq <= 0) throw usage("--lookup takes valeX=CLASS[:ARGS], e.g. vale0=io.jnetmap.rings.UdpPortLookup:5000=a");
            ValeSwitch.setLookup(lookup.substring(0, eq), lookup.substring(eq + 1));
            out.println("switch " + lookup.substring(0, eq) + " uses " + (eq + 1 == lookup.length() ? "the learning bridge" : lookup.substring(eq + 1)));
            return 0;
        }
        Path sock = SwitchDaemon.socketPath();
        if (stopDaemon) {
            if (!DaemonClient.reachable(sock)) { out.println("no vale-ctl daemon is running"); return 0; }
            return answer(out, DaemonClient.request(sock, "STOP"));
        }
        String target = attach != null ? attach : attachHost != null ? attachHost : detach;
        int colon = target.indexOf(':');
        if (colon < 0 || !target.substring(0, colon).matches("vale[0-9A-Za-z_]*") || colon == target.length() - 1)
            throw usage("'" + target + "' is not valeX:NIC (e.g. vale0:0000:03:00.0 or vale0:eth1)");
        String sw = target.substring(0, colon), nic = target.substring(colon + 1);
        if (nic.startsWith("netmap:")) nic = nic.substring("netmap:".length());
        if (detach != null) {
            if (!DaemonClient.reachable(sock)) {
                spec.commandLine().getErr().println("vale-ctl: " + target + " is not attached (no vale-ctl daemon is running)");
                return 1;
            }
            return answer(out, DaemonClient.request(sock, "DETACH " + sw + " " + nic));
        }
        if (!DaemonClient.reachable(sock)) DaemonClient.start(sock, Path.of(System.getProperty("java.io.tmpdir"), "jnetmap-vale-ctl.log"));
        return answer(out, DaemonClient.request(sock, "ATTACH " + sw + " " + nic + " " + (attachHost != null ? 1 : 0)));
    }

    private void checkPortName(String n, String opt) {
        if (!n.matches("vale[0-9A-Za-z_]*:[0-9A-Za-z_]+"))
            throw usage(opt + " takes valeX:PORT (letters, digits, '_'), e.g. vale0:p1; jnetmap makes the port on its switch directly");
    }

    private int answer(PrintWriter out, String resp) {
        if (resp.startsWith("OK")) {
            out.println(resp.substring(2).trim());
            return 0;
        }
        spec.commandLine().getErr().println("vale-ctl: " + (resp.startsWith("ERR ") ? resp.substring(4) : "no answer from the daemon (" + resp + ")"));
        return 1;
    }

    private static int list(PrintWriter out, String filter) {
        List<ValeSwitch.PortInfo> ports = ValeSwitch.list();
        int bridge = -1;
        String last = null;
        for (ValeSwitch.PortInfo p : ports) {
            if (!p.switchName().equals(last)) { bridge++; last = p.switchName(); }
            if (!filter.isEmpty() && !p.switchName().equals(filter) && !p.fullName().equals(filter)) continue;
            String kind = p.attached() ? "NIC, driven by process " + p.ownerPid()
                    : p.persistent() ? "persistent" + (p.ownerPid() != 0 ? ", open in process " + p.ownerPid() : "")
                    : "ephemeral, process " + p.ownerPid();
            out.printf("%s bridge:%d port:%d (%s) %d slots, %d forwarded to it, %d dropped%s%n", p.fullName(), bridge, p.index(), kind,
                    p.slots(), p.forwarded(), p.dropped(), p.recovered() > 0 ? ", " + p.recovered() + " leases recovered from dead senders" : "");
        }
        return 0;
    }

    /** Runs vale-ctl with these streams; returns the exit status. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new ValeCtl());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, c, r) -> {
            c.getErr().println("vale-ctl: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        return cl.execute(args);
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true), err = new PrintWriter(System.err, true);
        System.exit(run(out, err, args));
    }
}
