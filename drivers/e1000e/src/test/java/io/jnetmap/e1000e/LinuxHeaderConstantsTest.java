package io.jnetmap.e1000e;

import io.jnetmap.nic.linux.HeaderFacts;
import org.junit.jupiter.api.Test;

/**
 * Facts checked against a third party: every 82574-specific register offset and bit
 * ({@link E1000eRegs}) equals Linux 6.1's definition in e1000e's regs.h/defines.h, by the table
 * {@code linux-6.1-constants.txt} beside this class, or is listed there with its datasheet section.
 */
class LinuxHeaderConstantsTest {
    @Test
    void everyE1000eConstantEqualsLinuxs() {
        HeaderFacts.assertAgreesWithLinux(LinuxHeaderConstantsTest.class, E1000eRegs.class);
    }
}
