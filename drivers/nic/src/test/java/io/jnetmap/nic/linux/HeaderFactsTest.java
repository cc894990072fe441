package io.jnetmap.nic.linux;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The checker itself, on a small header written here: what it evaluates, and what a mismatch says. */
class HeaderFactsTest {
    static final String HEADER = String.join("\n",
            "/* a register block */",
            "#define XX_CTRL      0x00000  /* control */",
            "#define XX_CTRL_RST  0x04000000",
            "#define XX_Q_BAL(_n) ((_n) < 4 ? (0x02800 + ((_n) * 0x100)) : \\",
            "                             (0x0C000 + ((_n) * 0x40)))",
            "#define XX_FIELD     GENMASK(7, 4)",
            "#define XX_TOP       BIT(31)",
            "#define XX_SHIFTED   (XX_ONE << XX_SHIFT)",
            "#define XX_ONE       1UL",
            "#define XX_SHIFT     3",
            "#define XX_CAST      ((u32)0xFFFF)",
            "// an enum, as r8169_main.c lists its registers",
            "enum xx_regs {",
            "\tR0 = 0x10,",
            "#define\tR0_BIT\t(1 << 3)\t/* a register's bits under it */",
            "\tR1,",
            "\tR2 = R0 + 0x20,",
            "\tR3,",
            "};");

    static final class Ours {
        static final int CTRL = 0, CTRL_RST = 1 << 26, Q4 = 0xC100, FIELD = 0xF0, TOP = 1 << 31, SHIFTED = 8,
                R1 = 0x11, R3 = 0x31, WRONG = 0x2900, OWN = 5;
        static final int[] QS = {0x2800, 0x2900};
    }

    @Test
    void evaluatesDefinesFunctionLikeMacrosKernelHelpersCastsAndEnums() {
        CConstants c = CConstants.parse("test header", HEADER);
        assertEquals(0x04000000, c.eval("XX_CTRL_RST"));
        assertEquals(0x2900, c.eval("XX_Q_BAL(1)"));
        assertEquals(0xC140, c.eval("XX_Q_BAL(5)"));
        assertEquals(0xF0, c.eval("XX_FIELD"));
        assertEquals(1L << 31, c.eval("XX_TOP"));
        assertEquals(8, c.eval("XX_SHIFTED"));
        assertEquals(0xFFFF, c.eval("XX_CAST"));
        assertEquals(0x11, c.eval("R1"));
        assertEquals(8, c.eval("R0_BIT"));
        assertEquals(0x31, c.eval("R3"));
        assertEquals(0x180, c.eval("XX_FIELD << 3 >> 2 & ~0x7F")); // shifts bind tighter than &
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.eval("XX_NOPE"));
        assertEquals("test header does not define XX_NOPE", e.getMessage());
    }

    @Test
    void aMismatchNamesTheConstantOurValueAndLinuxs() {
        String table = String.join("\n",
                "[t]",
                "Ours.CTRL = XX_CTRL",
                "Ours.CTRL_RST = XX_CTRL_RST",
                "Ours.Q4 = XX_Q_BAL(4)",
                "Ours.FIELD = XX_FIELD",
                "Ours.TOP = XX_TOP",
                "Ours.SHIFTED = XX_SHIFTED",
                "Ours.R1 = R1",
                "Ours.R3 = R3",
                "Ours.WRONG = XX_Q_BAL(2)",
                "Ours.QS[0] = XX_Q_BAL(0)",
                "Ours.QS[1] = XX_MISSING",
                "# Ours.OWN has no row");
        List<String> problems = HeaderFacts.check(table, h -> CConstants.parse("Linux test " + h, HEADER), Ours.class);
        assertEquals(List.of(
                "Ours.WRONG = 0x2900 here, but XX_Q_BAL(2) = 0x2a00 in Linux test t",
                "Ours.QS[1] (0x2900): Linux test t does not define XX_MISSING (evaluating XX_MISSING)",
                "Ours.OWN (5) has no row: map it to Linux's name or cite the datasheet"), problems);
    }

    @Test
    void aDatasheetRowNeedsItsReferenceAndEveryRowAConstant() {
        String table = String.join("\n",
                "Ours.OWN ! ",
                "Ours.GONE ! 82574L datasheet §10.2");
        List<String> problems = HeaderFacts.check(table, h -> CConstants.parse(h, HEADER), Ours.class);
        assertTrue(problems.contains("Ours.OWN: say where the datasheet defines it (Linux does not)"), problems.toString());
        assertTrue(problems.contains("table line 2: Ours.GONE is not a constant of Ours"), problems.toString());
    }
}
