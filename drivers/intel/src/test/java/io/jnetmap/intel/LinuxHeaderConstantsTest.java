package io.jnetmap.intel;

import io.jnetmap.intel.gigabit.GigabitRegs;
import io.jnetmap.intel.gigabit.GigabitStats;
import io.jnetmap.nic.linux.HeaderFacts;
import org.junit.jupiter.api.Test;

/**
 * Facts checked against a third party: every register offset and bit our shared Intel code names
 * equals Linux 6.1's definition in e1000e's and igb's headers (the table
 * {@code linux-6.1-constants.txt} beside this class maps our names to Linux's), or is listed there
 * with the datasheet section that defines it. Needs Debian's linux-source-6.1 ({@link io.jnetmap.nic.linux.LinuxHeaders}).
 */
class LinuxHeaderConstantsTest {
    @Test
    void everyIntelConstantEqualsLinuxs() {
        HeaderFacts.assertAgreesWithLinux(LinuxHeaderConstantsTest.class, GigabitRegs.class, GigabitStats.class, IntelStats.class, IntelDescriptors.class, LegacyTxFormat.class,
                AdvancedTxFormat.class, IntelAdapter.class);
    }
}
