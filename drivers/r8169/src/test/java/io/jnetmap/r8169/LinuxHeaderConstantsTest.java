package io.jnetmap.r8169;

import io.jnetmap.nic.linux.HeaderFacts;
import org.junit.jupiter.api.Test;

/**
 * Facts checked against a third party: every Realtek register offset and bit ({@link RtlRegs})
 * equals Linux 6.1's definition in r8169_main.c (its register enums and the #defines beside them),
 * by the table {@code linux-6.1-constants.txt} beside this class, or is listed there with its
 * datasheet section.
 */
class LinuxHeaderConstantsTest {
    @Test
    void everyRealtekConstantEqualsLinuxs() {
        HeaderFacts.assertAgreesWithLinux(LinuxHeaderConstantsTest.class, RtlRegs.class);
    }
}
