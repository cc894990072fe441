package io.jnetmap.tools.pktgen;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class AddressTest {
    @Test
    void rangesInPktGenSyntax() {
        Ipv4Range a = Ipv4Range.parse("198.18.0.1");
        assertTrue(a.single());
        assertEquals(1234, a.firstPort());
        Ipv4Range b = Ipv4Range.parse("198.18.0.1:2000-2010");
        assertTrue(b.singleAddress());
        assertEquals(2000, b.firstPort());
        assertEquals(2010, b.lastPort());
        Ipv4Range c = Ipv4Range.parse("10.0.0.9:5-10.0.0.1:3");
        assertEquals("10.0.0.1", Ipv4Range.format(c.firstAddress()), "ends put in order");
        assertEquals("10.0.0.9", Ipv4Range.format(c.lastAddress()));
        assertEquals(3, c.firstPort());
        assertEquals(5, c.lastPort());
        Ipv4Range d = Ipv4Range.parse("255.255.255.250-255.255.255.255");
        assertEquals(6, d.addressCount(), "unsigned");
        Ipv4Range e = Ipv4Range.parse("10.0.0.1-10.0.0.4:99");
        assertEquals(99, e.firstPort(), "netmap: the first port defaults to 1234, the ends are put in order");
        assertEquals(1234, e.lastPort());
    }

    @Test
    void badAddressesSayWhatIsExpected() {
        for (String s : new String[] {"", "1.2.3", "1.2.3.256", "a.b.c.d", "1.2.3.4:", "1.2.3.4:70000", "1.2.3.4:x", "1.2.3.4-2000", "1.2.3.4:5-x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv4Range.parse(s), s);
            assertTrue(e.getMessage().contains("expected ADDR[:PORT[-PORT]]"), e.getMessage());
        }
    }

    @Test
    void macAddresses() {
        assertEquals(0x0200_0000_0001L, MacAddress.parse("02:00:00:00:00:01").value());
        assertEquals("0a:0b:0c:0d:0e:0f", MacAddress.parse("a:b:c:d:e:f").toString());
        assertEquals("ff:ff:ff:ff:ff:ff", MacAddress.parse("FF-FF-FF-FF-FF-FF").toString());
        for (String s : new String[] {"", "1:2:3:4:5", "1:2:3:4:5:6:7", "1:2:3:4:5:zz", "100:2:3:4:5:6", "1::3:4:5:6"})
            assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(s), s);
    }
}
