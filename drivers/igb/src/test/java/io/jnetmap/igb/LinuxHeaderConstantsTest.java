package io.jnetmap.igb;

import io.jnetmap.intel.QueueRegisters;
import io.jnetmap.intel.gigabit.GigabitAdapter;
import io.jnetmap.intel.gigabit.GigabitRegs;
import io.jnetmap.nic.linux.CConstants;
import io.jnetmap.nic.linux.HeaderFacts;
import io.jnetmap.nic.linux.LinuxHeaders;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Facts checked against a third party: every igb register offset and bit ({@link IgbRegs},
 * {@link IgbQueueRegs}) equals Linux 6.1's definition in igb's e1000_regs.h/e1000_defines.h/
 * e1000_82575.h, by the table {@code linux-6.1-constants.txt} beside this class, or is listed there
 * with its datasheet section; and every queue register the driver computes equals Linux's macro for it.
 */
class LinuxHeaderConstantsTest {
    @Test
    void everyIgbConstantEqualsLinuxs() {
        HeaderFacts.assertAgreesWithLinux(LinuxHeaderConstantsTest.class, IgbRegs.class, IgbQueueRegs.class);
    }

    /** Queues 0..15 in the native layout, 0..3 in the classic one, and receive addresses 0..23, register by register. */
    @Test
    void everyComputedQueueAndAddressRegisterEqualsLinuxsMacro() {
        CConstants linux = LinuxHeaders.of("igb");
        List<String> problems = new ArrayList<>();
        for (int n = 0; n < 16; n++) {
            IgbQueueRegs q = IgbQueueRegs.of(n);
            // queues 0-3: Linux's macros give the classic alias block; the native one is 0xC000/0xE000 + 0x40 n for every n
            int rx = n < 4 ? 0xC000 + 0x40 * n - (int) linux.eval("E1000_RDBAL(" + n + ")") : 0;
            int tx = n < 4 ? 0xE000 + 0x40 * n - (int) linux.eval("E1000_TDBAL(" + n + ")") : 0;
            compare(problems, linux, "native queue " + n, q.rings(), n, rx, tx);
            expect(problems, linux, "IgbQueueRegs.of(" + n + ").srrctl()", q.srrctl() - rx, "E1000_SRRCTL(" + n + ")");
            expect(problems, linux, "IgbQueueRegs.of(" + n + ").dvmolr()", q.dvmolr(), "E1000_DVMOLR(" + n + ")");
            expect(problems, linux, "IgbQueueRegs.of(" + n + ").rqdpc()", q.rqdpc(), "E1000_RQDPC(" + n + ")");
            expect(problems, linux, "IgbQueueRegs.of(" + n + ").tdwbal()", q.tdwbal() - tx, "E1000_TDWBAL(" + n + ")");
            expect(problems, linux, "IgbQueueRegs.of(" + n + ").tdwbah()", q.tdwbah() - tx, "E1000_TDWBAH(" + n + ")");
        }
        for (int n = 0; n < 4; n++) compare(problems, linux, "classic queue " + n, GigabitRegs.classicQueue(n), n, 0, 0);
        for (int i = 0; i < 24; i++) {
            expect(problems, linux, "receiveAddressLow(" + i + ")", GigabitAdapter.receiveAddressLow(i), "E1000_RAL(" + i + ")");
            expect(problems, linux, "receiveAddressLow(" + i + ") + 4", GigabitAdapter.receiveAddressLow(i) + 4, "E1000_RAH(" + i + ")");
        }
        assertEquals(List.of(), problems, () -> String.join("\n", problems));
    }

    private static void compare(List<String> problems, CConstants linux, String what, QueueRegisters r, int n, int rx, int tx) {
        expect(problems, linux, what + " rdbal", r.rdbal() - rx, "E1000_RDBAL(" + n + ")");
        expect(problems, linux, what + " rdbah", r.rdbah() - rx, "E1000_RDBAH(" + n + ")");
        expect(problems, linux, what + " rdlen", r.rdlen() - rx, "E1000_RDLEN(" + n + ")");
        expect(problems, linux, what + " rdh", r.rdh() - rx, "E1000_RDH(" + n + ")");
        expect(problems, linux, what + " rdt", r.rdt() - rx, "E1000_RDT(" + n + ")");
        expect(problems, linux, what + " rxdctl", r.rxdctl() - rx, "E1000_RXDCTL(" + n + ")");
        expect(problems, linux, what + " tdbal", r.tdbal() - tx, "E1000_TDBAL(" + n + ")");
        expect(problems, linux, what + " tdbah", r.tdbah() - tx, "E1000_TDBAH(" + n + ")");
        expect(problems, linux, what + " tdlen", r.tdlen() - tx, "E1000_TDLEN(" + n + ")");
        expect(problems, linux, what + " tdh", r.tdh() - tx, "E1000_TDH(" + n + ")");
        expect(problems, linux, what + " tdt", r.tdt() - tx, "E1000_TDT(" + n + ")");
        expect(problems, linux, what + " txdctl", r.txdctl() - tx, "E1000_TXDCTL(" + n + ")");
    }

    private static void expect(List<String> problems, CConstants linux, String ours, int value, String expression) {
        long l = linux.eval(expression);
        if (l != value) problems.add(ours + " = 0x" + Integer.toHexString(value) + " here, but " + expression + " = 0x"
                + Long.toHexString(l) + " in " + linux.source());
    }
}
