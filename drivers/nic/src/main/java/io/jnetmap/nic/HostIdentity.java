package io.jnetmap.nic;

import io.jnetmap.pci.BindRecord;
import io.jnetmap.pci.HostPaths;
import io.jnetmap.pci.PciAddress;

import java.util.Optional;

/**
 * Who a NIC's host stack (its TAP) pretends to be: the interface name and MAC the NIC had under its
 * kernel driver, as nm-bind remembered them, so that the kernel's addresses, routes and neighbours
 * set up for "eth0" keep working while jnetmap owns the NIC. A NIC without a record (bound by hand,
 * or a test model) gets a name derived from its PCI address and its own MAC.
 *
 * @param ifname the TAP's name, 1-15 characters (IFNAMSIZ - 1)
 * @param mac    the TAP's MAC, or null to let the kernel pick one
 */
public record HostIdentity(String ifname, byte[] mac) {
    static final int MAX_IFNAME = 15;

    /** The identity for the NIC at {@code address} whose MAC is {@code nicMac} (may be null). */
    public static HostIdentity of(String address, byte[] nicMac, HostPaths paths) {
        Optional<PciAddress> pci = PciAddress.tryParse(address);
        Optional<BindRecord> rec = pci.flatMap(a -> BindRecord.read(a, paths));
        String name = rec.map(BindRecord::interfaceName).filter(HostIdentity::validName).orElse(derivedName(address));
        byte[] mac = rec.map(r -> parseMac(r.mac())).orElse(null);
        return new HostIdentity(name, mac != null ? mac : nicMac == null ? null : nicMac.clone());
    }

    public static HostIdentity of(String address, byte[] nicMac) { return of(address, nicMac, HostPaths.system()); }

    /**
     * "nm" and the PCI address with its colons made underscores (the kernel refuses ':' in names):
     * 0000:00:04.0 becomes nm0000_00_04.0, 14 characters, so any address fits.
     */
    static String derivedName(String address) {
        StringBuilder b = new StringBuilder("nm");
        for (int i = 0; i < address.length() && b.length() < MAX_IFNAME; i++) {
            char c = address.charAt(i);
            b.append(Character.isLetterOrDigit(c) || c == '.' || c == '-' ? c : '_');
        }
        return b.toString();
    }

    /** What dev_valid_name accepts: 1-15 characters, no '/', ':' or white space, not "." or "..". */
    static boolean validName(String n) {
        if (n == null || n.isEmpty() || n.length() > MAX_IFNAME || n.equals(".") || n.equals("..")) return false;
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (c == '/' || c == ':' || Character.isWhitespace(c) || c < 0x21 || c > 0x7e) return false;
        }
        return true;
    }

    /** aa:bb:cc:dd:ee:ff, or null when empty or malformed. */
    static byte[] parseMac(String s) {
        if (s == null) return null;
        String[] p = s.strip().split(":");
        if (p.length != 6) return null;
        byte[] m = new byte[6];
        try {
            for (int i = 0; i < 6; i++) {
                if (p[i].isEmpty() || p[i].length() > 2) return null;
                m[i] = (byte) Integer.parseInt(p[i], 16);
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return m;
    }
}
