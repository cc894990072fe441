package io.jnetmap.rings;

import io.jnetmap.sys.OffHeapBuffer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An example {@link ValeLookup}: IPv4 UDP frames go to a VALE port chosen by their destination
 * UDP port, everything else through the {@link LearningBridge}. Arguments: {@code UDP=PORT,...},
 * e.g. {@code io.jnetmap.rings.UdpPortLookup:5000=a,5001=b} sends UDP to port 5000 to VALE port
 * {@code a}; a named port that is not there (yet) drops those frames.
 */
public final class UdpPortLookup implements ValeLookup {
    private static final int ETH_HLEN = 14, ETHERTYPE_IPV4 = 0x0800, PROTO_UDP = 17;
    private final ValeSwitch sw;
    private final LearningBridge learning;
    private final Map<Integer, String> rules = new LinkedHashMap<>();
    /** Destination VALE port by UDP port; -1 where there is no rule. */
    private final short[] byUdpPort = new short[65536];

    public UdpPortLookup(ValeSwitch sw, String args) {
        this.sw = sw;
        this.learning = new LearningBridge(sw, "");
        if (args == null || args.isBlank())
            throw new IllegalArgumentException("UdpPortLookup needs rules UDP=PORT[,UDP=PORT...], e.g. 5000=a");
        for (String rule : args.split(",")) {
            String[] kv = rule.split("=", 2);
            int udp;
            try {
                udp = Integer.parseInt(kv[0].trim());
            } catch (NumberFormatException e) {
                udp = -1;
            }
            if (kv.length != 2 || udp < 0 || udp > 65535 || kv[1].isBlank())
                throw new IllegalArgumentException("UdpPortLookup rule '" + rule + "' is not UDP=PORT (UDP 0..65535)");
            rules.put(udp, kv[1].trim());
        }
        portsChanged();
    }

    @Override
    public void portsChanged() {
        java.util.Arrays.fill(byUdpPort, (short) -1);
        for (Map.Entry<Integer, String> r : rules.entrySet()) {
            int p = sw.portIndex(r.getValue());
            byUdpPort[r.getKey()] = (short) (p < 0 ? DROP : p);
        }
    }

    @Override
    public int lookup(OffHeapBuffer b, int off, int len, int src) {
        if (len >= ETH_HLEN + 20 + 8 && (Short.reverseBytes(b.getShort(off + 12)) & 0xffff) == ETHERTYPE_IPV4
                && (b.getByte(off + ETH_HLEN) & 0xf0) == 0x40 && b.getByte(off + ETH_HLEN + 9) == PROTO_UDP) {
            int ihl = (b.getByte(off + ETH_HLEN) & 0x0f) * 4;
            if (ihl >= 20 && len >= ETH_HLEN + ihl + 4) {
                int dport = Short.reverseBytes(b.getShort(off + ETH_HLEN + ihl + 2)) & 0xffff;
                int p = byUdpPort[dport];
                if (p >= 0) return p;
            }
        }
        return learning.lookup(b, off, len, src);
    }
}
