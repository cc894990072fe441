package io.jnetmap.tools.capture;

import io.jnetmap.rings.MonitoredPorts;

import java.io.PrintStream;

/**
 * Wireshark's extcap protocol (doc/extcap.adoc in Wireshark's sources): Wireshark and tshark run
 * the installed launcher with {@code --extcap-interfaces} to list interfaces, {@code --extcap-dlts}
 * and {@code --extcap-config} for one of them, then {@code --capture --fifo PATH} to capture into
 * a FIFO they read (pcapng here) until they stop the process with SIGTERM.
 *
 * <p>Each port a jnetmap process has open ({@link MonitoredPorts}) is one interface, named
 * {@code netmap:NAME}; the protocol's {@code {key=value}} syntax has no escapes, so a pipe end's
 * braces are written {@code %7B} and {@code %7D} ({@code netmap:x%7B1} is pipe end {@code x{1}).
 * Options shown in Wireshark's dialog: the direction (received, sent, both) and the snap length.
 */
final class Extcap {
    static final String INTERFACE_PREFIX = "netmap:";
    private final PrintStream out;

    Extcap(PrintStream out) { this.out = out; }

    /** The extcap interface value for a port name. */
    static String interfaceName(String portName) {
        return INTERFACE_PREFIX + portName.replace("%", "%25").replace("{", "%7B").replace("}", "%7D");
    }

    /** The port name an extcap interface value stands for. */
    static String portName(String iface) {
        String s = iface.startsWith(INTERFACE_PREFIX) ? iface.substring(INTERFACE_PREFIX.length()) : iface;
        return INTERFACE_PREFIX + s.replace("%7B", "{").replace("%7D", "}").replace("%7b", "{").replace("%7d", "}").replace("%25", "%");
    }

    private static String text(String s) { return s.replace('{', '(').replace('}', ')'); }

    void interfaces() {
        out.println("extcap {version=0.1.0}{display=jnetmap monitor ports}{help=https://github.com/luigirizzo/netmap}");
        for (MonitoredPorts.Port p : MonitoredPorts.list())
            out.println("interface {value=" + interfaceName(p.name()) + "}{display=jnetmap " + text(p.name())
                    + " (" + text(NmCapture.describe(p)) + ")}");
    }

    void dlts(String iface) {
        out.println("dlt {number=" + CaptureFile.LINKTYPE_ETHERNET + "}{name=EN10MB}{display=Ethernet}");
    }

    void config(String iface) {
        out.println("arg {number=0}{call=--direction}{display=Direction}{tooltip=Which frames of the port to capture}{type=selector}");
        out.println("value {arg=0}{value=rt}{display=Received and sent}{default=true}");
        out.println("value {arg=0}{value=r}{display=Received}{default=false}");
        out.println("value {arg=0}{value=t}{display=Sent}{default=false}");
        out.println("arg {number=1}{call=--snaplen}{display=Snap length}{tooltip=Bytes of each frame to keep}{type=integer}"
                + "{range=1," + NmCapture.DEFAULT_SNAPLEN + "}{default=" + NmCapture.DEFAULT_SNAPLEN + "}");
    }
}
