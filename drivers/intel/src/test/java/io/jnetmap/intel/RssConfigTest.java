package io.jnetmap.intel;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class RssConfigTest {
    @Test
    void registersHoldTheKeyAndTableLittleEndian() {
        RssConfig r = RssConfig.defaults(4);
        // key 6d 5a 56 da ...: byte 0 in bits 7:0 of RSSRK(0)
        assertEquals(0xda565a6d, r.keyRegister(0));
        assertEquals(0xfa01acbe, r.keyRegister(9));
        // round robin over 4 queues: entries 0,1,2,3 in bytes 0..3 of RETA(0)
        assertEquals(0x03020100, r.retaRegister(0));
        assertEquals(3, r.maxQueue());
        assertEquals(2, r.queueOf(0x1234_5606)); // entry 6
    }

    @Test
    void aTablePatternRepeatsToFillTheTable() {
        int[] t = RssConfig.parseTable("jnetmap.igb.reta", "0, 0, 0, 1");
        assertEquals(128, t.length);
        assertEquals(1, t[3]);
        assertEquals(1, t[127]);
        assertEquals(0, t[124]);
    }

    @Test
    void badSettingsAreRefusedWithTheReason() {
        assertThrows(IllegalArgumentException.class, () -> RssConfig.parseKey("jnetmap.igb.rssKey", "00ff"));
        assertThrows(IllegalArgumentException.class, () -> RssConfig.parseTable("jnetmap.igb.reta", "0,x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RssConfig(RssConfig.VERIFICATION_KEY, RssConfig.parseTable("jnetmap.igb.reta", "16")));
        assertTrue(e.getMessage().contains("0..15"), e.getMessage());
    }

    @Test
    void systemPropertiesOverrideTheDefaults() {
        System.setProperty("jnetmap.igb.reta", "1");
        System.setProperty("jnetmap.igb.rssKey", "00".repeat(40));
        try {
            RssConfig r = RssConfig.fromSystemProperties("igb", 4);
            assertEquals(1, r.entry(0));
            assertEquals(1, r.entry(127));
            assertEquals(0, r.keyRegister(0));
        } finally {
            System.clearProperty("jnetmap.igb.reta");
            System.clearProperty("jnetmap.igb.rssKey");
        }
    }
}
