package io.jnetmap.rings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.stream.Stream;

import static io.jnetmap.rings.NetmapLayout.*;
import static io.jnetmap.rings.PortName.Mode.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** netmap-semantics.md §3.2-3.3: libnetmap's port name syntax. */
class PortNameTest {

    static Stream<Arguments> names() {
        return Stream.of(
                // spec, name, mode, ring, pipe id, flags, mem id
                arguments("netmap:eth0", "eth0", ALL_NIC, -1, null, 0L, 0),
                arguments("eth0", "eth0", ALL_NIC, -1, null, 0L, 0),
                arguments("netmap:enp3s0f1", "enp3s0f1", ALL_NIC, -1, null, 0L, 0),
                arguments("netmap:0000:03:00.0", "0000:03:00.0", ALL_NIC, -1, null, 0L, 0),
                arguments("netmap:0000:03:00.0-1", "0000:03:00.0", ONE_NIC, 1, null, 0L, 0),
                arguments("0000:81:00.1^", "0000:81:00.1", SW, -1, null, 0L, 0),
                arguments("netmap:eth0^", "eth0", SW, -1, null, 0L, 0),
                arguments("netmap:eth0^1", "eth0", ONE_SW, 1, null, 0L, 0),
                arguments("netmap:eth0^0", "eth0", ONE_SW, 0, null, 0L, 0),
                arguments("netmap:eth0*", "eth0", NIC_SW, -1, null, 0L, 0),
                arguments("netmap:eth0-2", "eth0", ONE_NIC, 2, null, 0L, 0),
                arguments("netmap:eth0-0", "eth0", ONE_NIC, 0, null, 0L, 0),
                arguments("netmap:eth0-12", "eth0", ONE_NIC, 12, null, 0L, 0),
                arguments("netmap:p{1", "p", PIPE_MASTER, -1, "1", 0L, 0),
                arguments("netmap:p}1", "p", PIPE_SLAVE, -1, "1", 0L, 0),
                arguments("netmap:p{worker_7", "p", PIPE_MASTER, -1, "worker_7", 0L, 0),
                arguments("netmap:eth0/x", "eth0", ALL_NIC, -1, null, NR_EXCLUSIVE, 0),
                arguments("netmap:eth0/R", "eth0", ALL_NIC, -1, null, NR_RX_RINGS_ONLY, 0),
                arguments("netmap:eth0/T", "eth0", ALL_NIC, -1, null, NR_TX_RINGS_ONLY, 0),
                arguments("netmap:eth0-1/xR", "eth0", ONE_NIC, 1, null, NR_EXCLUSIVE | NR_RX_RINGS_ONLY, 0),
                arguments("netmap:eth0/Tx", "eth0", ALL_NIC, -1, null, NR_EXCLUSIVE | NR_TX_RINGS_ONLY, 0),
                arguments("netmap:eth0/x/T", "eth0", ALL_NIC, -1, null, NR_EXCLUSIVE | NR_TX_RINGS_ONLY, 0),
                arguments("netmap:eth0@2", "eth0", ALL_NIC, -1, null, 0L, 2),
                arguments("netmap:eth0^@3", "eth0", SW, -1, null, 0L, 3),
                arguments("netmap:lb{3/xT@1", "lb", PIPE_MASTER, -1, "3", NR_EXCLUSIVE | NR_TX_RINGS_ONLY, 1),
                arguments("netmap:0000:03:00.0*/x@4", "0000:03:00.0", NIC_SW, -1, null, NR_EXCLUSIVE, 4),
                arguments("  netmap:eth0  ", "eth0", ALL_NIC, -1, null, 0L, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void everyFormParses(String spec, String name, PortName.Mode mode, int ring, String pipeId, long flags, int memId) {
        PortName n = PortName.parse(spec);
        assertEquals(name, n.name());
        assertEquals(mode, n.mode());
        assertEquals(ring, n.ring());
        assertEquals(pipeId, n.pipeId());
        assertEquals(flags, n.flags());
        assertEquals(memId, n.memId());
        assertTrue(n.conf().isEmpty());
        assertTrue(n.spec().startsWith("netmap:"), "a name without the prefix gets it, as pkt-gen does");
        assertEquals((flags & NR_EXCLUSIVE) != 0, n.exclusive());
    }

    @Test
    void modesCarryNetmapsNrModeValues() {
        assertEquals(1, ALL_NIC.nrMode);
        assertEquals(2, SW.nrMode);
        assertEquals(3, NIC_SW.nrMode);
        assertEquals(4, ONE_NIC.nrMode);
        assertEquals(5, PIPE_MASTER.nrMode);
        assertEquals(6, PIPE_SLAVE.nrMode);
        assertEquals(8, ONE_SW.nrMode);
    }

    @Test
    void whatEachModeBinds() {
        assertTrue(PortName.parse("netmap:eth0").bindsNic());
        assertFalse(PortName.parse("netmap:eth0").bindsHost());
        assertTrue(PortName.parse("netmap:eth0^").bindsHost());
        assertFalse(PortName.parse("netmap:eth0^").bindsNic());
        assertTrue(PortName.parse("netmap:eth0^1").bindsHost());
        assertTrue(PortName.parse("netmap:eth0*").bindsHost());
        assertTrue(PortName.parse("netmap:eth0*").bindsNic());
        assertTrue(PortName.parse("netmap:eth0-1").bindsNic());
        assertTrue(PortName.parse("netmap:p{1").isPipe());
        assertTrue(PortName.parse("netmap:p}1").isPipe());
        assertFalse(PortName.parse("netmap:p{1").bindsNic());
        assertFalse(PortName.parse("netmap:eth0").isPipe());
    }

    @Test
    void confOptionsAreParsed() {
        PortName n = PortName.parse("netmap:p{1@conf:rings=1,slots=64,tx-slots=32,rx-slots=16,host-rings=2");
        assertEquals(Map.of("rings", 1, "slots", 64, "tx-slots", 32, "rx-slots", 16, "host-rings", 2), n.conf());
        assertEquals(64, n.conf("slots", 1024));
        assertEquals(7, n.conf("tx-rings", 7));
        PortName all = PortName.parse("netmap:eth0@conf:tx-rings=2,rx-rings=3,host-tx-rings=1,host-rx-rings=1@2");
        assertEquals(Map.of("tx-rings", 2, "rx-rings", 3, "host-tx-rings", 1, "host-rx-rings", 1), all.conf());
        assertEquals(2, all.memId());
        PortName two = PortName.parse("netmap:p}x/x@conf:slots=8@conf:rings=1");
        assertEquals(Map.of("slots", 8, "rings", 1), two.conf());
        assertTrue(two.exclusive());
    }

    @Test
    void aPipeNamesItsPeer() {
        assertEquals("netmap:p}1", PortName.parse("netmap:p{1").peerSpec());
        assertEquals("netmap:p{abc", PortName.parse("p}abc/x").peerSpec());
        assertThrows(IllegalStateException.class, () -> PortName.parse("netmap:eth0").peerSpec());
    }

    @Test
    void valeNamesKeepSwitchAndPort() {
        PortName n = PortName.parse("vale0:a");
        assertTrue(n.isVale());
        assertEquals("vale0:a", n.name());
        assertEquals("vale0", n.valeSwitch());
        assertEquals("a", n.valePort());
        PortName m = PortName.parse("netmap:vale:p_1@conf:slots=64");
        assertEquals("vale", m.valeSwitch());
        assertEquals("p_1", m.valePort());
        assertEquals(64, m.conf("slots", 0));
        assertFalse(PortName.parse("netmap:eth0").isVale());
    }

    @Test
    void monitorFlagsAreNetmaps() {
        PortName rt = PortName.parse("netmap:0000:03:00.0/rt");
        assertTrue(rt.isMonitor());
        assertEquals(NetmapLayout.NR_MONITOR_RX | NetmapLayout.NR_MONITOR_TX, rt.flags());
        assertEquals("0000:03:00.0", rt.adapterKey());
        assertEquals(NetmapLayout.NR_MONITOR_TX, PortName.parse("eth0-1/t").flags());
        assertEquals(NetmapLayout.NR_MONITOR_RX, PortName.parse("netmap:p{1/r").flags());
        assertEquals("p{1", PortName.parse("netmap:p{1/r").adapterKey());
        assertEquals(NetmapLayout.NR_ZCOPY_MON, PortName.parse("eth0/z").flags());
        assertFalse(PortName.parse("eth0/x").isMonitor());
        assertEquals(0x100, NetmapLayout.NR_MONITOR_TX); // netmap.h
        assertEquals(0x200, NetmapLayout.NR_MONITOR_RX);
        assertEquals(0x400, NetmapLayout.NR_ZCOPY_MON);
        assertEquals(0x40, NetmapLayout.NS_TXMON);
    }

    static Stream<Arguments> badNames() {
        return Stream.of(
                arguments(null, "the port name is empty"),
                arguments("", "the port name is empty"),
                arguments("   ", "the port name is empty"),
                arguments("vale0", "a VALE port is named valeX:PORT"),
                arguments("vale0:a.b", "a VALE port is named valeX:PORT"),
                arguments("vale0:x{3", "pipes on VALE ports are not implemented"),
                arguments("netmap:vale0:x^", "no host rings"),
                arguments("tap:tap0", "the tap: and pcap: back-ends are not implemented"),
                arguments("pcap:eth0", "the tap: and pcap: back-ends are not implemented"),
                arguments("netmap:", "no port name after 'netmap:'"),
                arguments("netmap:^", "no port name after 'netmap:'"),
                arguments("netmap:eth0-", "'-' must be followed by a ring number"),
                arguments("netmap:eth0-x", "'-' must be followed by a ring number"),
                arguments("netmap:eth0-99999999999", "'99999999999' is not a number"),
                arguments("netmap:p{", "a pipe needs an id after '{'"),
                arguments("netmap:p}/x", "a pipe needs an id after '}'"),
                arguments("netmap:eth0/q", "unknown flag 'q'"),
                arguments("netmap:eth0/RT", "/R and /T together bind no ring"),
                arguments("netmap:eth0+", "unexpected '+' at position 11"),
                arguments("netmap:eth0^x", "unexpected 'x'"),
                arguments("netmap:eth0 -1", "unexpected ' '"),
                arguments("netmap:eth0@share=eth1", "option @share=eth1 is not supported"),
                arguments("netmap:eth0@extmem:file=/tmp/x", "option @extmem is not supported"),
                arguments("netmap:eth0@offset:initial=8,bits=8", "option @offset is not supported"),
                arguments("netmap:eth0@conf", "@conf needs key=value pairs"),
                arguments("netmap:eth0@conf:", "@conf needs key=value pairs"),
                arguments("netmap:eth0@conf:slots", "@conf entry 'slots' is not key=value"),
                arguments("netmap:eth0@conf:=4", "@conf entry '=4' is not key=value"),
                arguments("netmap:eth0@conf:queues=4", "@conf key 'queues' is unknown"),
                arguments("netmap:eth0@conf:slots=many", "'many' is not a number"),
                arguments("netmap:eth0@", "option @ is not supported"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("badNames")
    void badNamesAreRefusedWithAClearReason(String spec, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PortName.parse(spec));
        assertTrue(e.getMessage().startsWith("invalid port name '" + spec + "': "), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
