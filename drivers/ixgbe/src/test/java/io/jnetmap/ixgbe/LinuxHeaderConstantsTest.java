package io.jnetmap.ixgbe;

import io.jnetmap.intel.IntelStats;
import io.jnetmap.intel.QueueRegisters;
import io.jnetmap.nic.linux.CConstants;
import io.jnetmap.nic.linux.HeaderFacts;
import io.jnetmap.nic.linux.LinuxHeaders;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Facts checked against a third party: every 82599 register offset and bit the driver names
 * ({@link IxgbeRegs}, {@link IxgbeStats}, {@link PauseThresholds}, the shared {@link IntelStats}) equals Linux 6.1's definition in ixgbe_type.h, by the
 * table {@code linux-6.1-constants.txt} beside this class, or is listed there with its datasheet
 * section; and every queue, receive-address, interrupt and statistics register the driver
 * computes equals Linux's macro for it.
 */
class LinuxHeaderConstantsTest {
    @Test
    void everyIxgbeConstantEqualsLinuxs() {
        HeaderFacts.assertAgreesWithLinux(LinuxHeaderConstantsTest.class, IxgbeRegs.class, IxgbeStats.class, PauseThresholds.class, IntelStats.class,
                SfpModule.class, SfpI2c.class);
    }

    /**
     * Queues 0..63 (the driver's block layout; Linux's SRRCTL and DCA_RXCTRL macros give the
     * 0x2100/0x2200 aliases below 16, so those two are compared from 16 on), receive addresses
     * 16..127 (Linux gives the 0x5400 alias below 16), EITR 0..63, IVAR, per-queue statistics.
     */
    @Test
    void everyComputedRegisterEqualsLinuxsMacro() {
        CConstants linux = LinuxHeaders.of("ixgbe");
        List<String> problems = new ArrayList<>();
        for (int n = 0; n < 64; n++) {
            QueueRegisters r = IxgbeAdapter.queueRegs(n);
            expect(problems, linux, "queue " + n + " rdbal", r.rdbal(), "IXGBE_RDBAL(" + n + ")");
            expect(problems, linux, "queue " + n + " rdbah", r.rdbah(), "IXGBE_RDBAH(" + n + ")");
            expect(problems, linux, "queue " + n + " rdlen", r.rdlen(), "IXGBE_RDLEN(" + n + ")");
            expect(problems, linux, "queue " + n + " rdh", r.rdh(), "IXGBE_RDH(" + n + ")");
            expect(problems, linux, "queue " + n + " rdt", r.rdt(), "IXGBE_RDT(" + n + ")");
            expect(problems, linux, "queue " + n + " rxdctl", r.rxdctl(), "IXGBE_RXDCTL(" + n + ")");
            expect(problems, linux, "queue " + n + " tdbal", r.tdbal(), "IXGBE_TDBAL(" + n + ")");
            expect(problems, linux, "queue " + n + " tdbah", r.tdbah(), "IXGBE_TDBAH(" + n + ")");
            expect(problems, linux, "queue " + n + " tdlen", r.tdlen(), "IXGBE_TDLEN(" + n + ")");
            expect(problems, linux, "queue " + n + " tdh", r.tdh(), "IXGBE_TDH(" + n + ")");
            expect(problems, linux, "queue " + n + " tdt", r.tdt(), "IXGBE_TDT(" + n + ")");
            expect(problems, linux, "queue " + n + " txdctl", r.txdctl(), "IXGBE_TXDCTL(" + n + ")");
            if (n >= 16) {
                expect(problems, linux, "srrctl(" + n + ")", IxgbeAdapter.srrctl(n), "IXGBE_SRRCTL(" + n + ")");
                expect(problems, linux, "dcaRxctrl(" + n + ")", IxgbeAdapter.dcaRxctrl(n), "IXGBE_DCA_RXCTRL(" + n + ")");
            }
            expect(problems, linux, "eitr(" + n + ")", IxgbeRegs.eitr(n), "IXGBE_EITR(" + n + ")");
            expect(problems, linux, "ivarRegister(" + n + ")", IxgbeRegs.ivarRegister(n), "IXGBE_IVAR(" + (n >> 1) + ")");
        }
        for (int q = 0; q < 16; q++) {
            expect(problems, linux, "qprc(" + q + ")", IxgbeStats.qprc(q), "IXGBE_QPRC(" + q + ")");
            expect(problems, linux, "qprdc(" + q + ")", IxgbeStats.qprdc(q), "IXGBE_QPRDC(" + q + ")");
            expect(problems, linux, "qptc(" + q + ")", IxgbeStats.qptc(q), "IXGBE_QPTC(" + q + ")");
        }
        for (int i = 16; i < 128; i++) {
            expect(problems, linux, "ral(" + i + ")", IxgbeRegs.ral(i), "IXGBE_RAL(" + i + ")");
            expect(problems, linux, "ral(" + i + ") + 4", IxgbeRegs.ral(i) + 4, "IXGBE_RAH(" + i + ")");
        }
        assertEquals(List.of(), problems, () -> String.join("\n", problems));
    }

    private static void expect(List<String> problems, CConstants linux, String ours, int value, String expression) {
        long l = linux.eval(expression);
        if (l != value) problems.add(ours + " = 0x" + Integer.toHexString(value) + " here, but " + expression + " = 0x"
                + Long.toHexString(l) + " in " + linux.source());
    }
}
