package io.jnetmap.igb;

import io.jnetmap.pci.PciException;
import io.jnetmap.pci.PciId;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class IgbChipTest {
    @Test
    void recognisesThe82576AndI350Families() {
        assertEquals(IgbChip.Family.I82576, IgbChip.of(new PciId(0x8086, 0x10c9), "x").family());
        assertEquals(IgbChip.Family.I82576, IgbChip.of(new PciId(0x8086, 0x1526), "x").family());
        assertEquals(IgbChip.Family.I350, IgbChip.of(new PciId(0x8086, 0x1521), "x").family());
        assertEquals(16, IgbChip.of(new PciId(0x8086, 0x10c9), "x").queues());
        assertEquals(8, IgbChip.of(new PciId(0x8086, 0x1521), "x").queues());
        assertTrue(IgbChip.SUPPORTED.model(new PciId(0x8086, 0x10e8)).isPresent());
    }

    @Test
    void refusesOtherChipsNamingWhatItIsAndWhatIsSupported() {
        PciException e = assertThrows(PciException.class, () -> IgbChip.of(new PciId(0x8086, 0x10d3), "0000:00:04.0"));
        assertEquals(PciException.Reason.UNSUPPORTED_DEVICE, e.reason());
        assertTrue(e.getMessage().contains("0000:00:04.0 is 8086:10d3"), e.getMessage());
        assertTrue(e.getMessage().contains("8086:10c9 (82576 copper)"), e.getMessage());
        assertTrue(e.getMessage().contains("8086:1521 (I350 copper)"), e.getMessage());
    }

    @Test
    void refusesSerdesFiberAndSgmiiPartsNamingTheCopperOnes() {
        for (int device : new int[] {0x10e6, 0x10e7, 0x150d, 0x1518, 0x1522, 0x1523, 0x1524, 0x1546}) {
            PciId id = new PciId(0x8086, device);
            PciException e = assertThrows(PciException.class, () -> IgbChip.of(id, "0000:03:00.0"));
            assertEquals(PciException.Reason.UNSUPPORTED_DEVICE, e.reason());
            String m = e.getMessage();
            assertEquals(1, m.lines().count(), "one line: " + m);
            assertTrue(m.contains("0000:03:00.0 is " + id) && m.contains("copper links only"), m);
            assertTrue(m.contains("8086:10c9 (82576 copper)") && m.contains("8086:1521 (I350 copper)"), m);
            assertFalse(IgbChip.SUPPORTED.model(id).isPresent(), id + " is not in the supported table");
        }
        for (IgbChip c : IgbChip.ALL) assertTrue(c.model().contains("copper"), c + ": only copper parts are listed");
    }

    @Test
    void chipSizesAsEachDatasheetSays() {
        assertEquals(24, IgbChip.Family.I82576.receiveAddresses);
        assertEquals(32, IgbChip.Family.I350.receiveAddresses);
        assertEquals(8, IgbChip.Family.I82576.ivarRegisters);
        assertEquals(4, IgbChip.Family.I350.ivarRegisters);
    }

    @Test
    void refusesVirtualFunctionsWithAHint() {
        PciException e = assertThrows(PciException.class, () -> IgbChip.of(new PciId(0x8086, 0x10ca), "0000:00:15.0"));
        assertTrue(e.getMessage().contains("virtual function"), e.getMessage());
    }

    @Test
    void ivarLayoutsPlaceQueueCausesAsEachDatasheetSays() {
        IgbChip.IvarLayout a = IgbChip.IvarLayout.I82576;
        // 82576: queue q < 8 in IVAR(q), RX byte 0, TX byte 1; q >= 8 in IVAR(q - 8), bytes 2 and 3
        assertEquals(3, a.register(3));
        assertEquals(0, a.shift(3, false));
        assertEquals(8, a.shift(3, true));
        assertEquals(1, a.register(9));
        assertEquals(16, a.shift(9, false));
        assertEquals(24, a.shift(9, true));
        IgbChip.IvarLayout b = IgbChip.IvarLayout.I82580;
        // I350: queue q in IVAR(q / 2), even queues bytes 0-1, odd queues bytes 2-3
        assertEquals(2, b.register(5));
        assertEquals(16, b.shift(5, false));
        assertEquals(24, b.shift(5, true));
        assertEquals(0, b.shift(4, false));
    }
}
