package io.jnetmap.hwtests.pci;

import io.jnetmap.hwtests.Binding;
import io.jnetmap.hwtests.Lab;
import io.jnetmap.hwtests.igb.CrashingOwner;
import io.jnetmap.rings.NetmapPort;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A UIO owner killed with SIGKILL while its interrupts are off must not leave the card a bus
 * master: it would go on writing received frames into hugepages the kernel has taken back. The
 * driver holds /dev/uioN from open to close, and uio_pci_generic clears bus mastering when the
 * dead process's fds are released; so the config space's COMMAND register shows bus mastering off
 * before anyone opens the NIC again.
 */
@Tag("hardware")
class UioCrashBusMasterTest {
    private static final int COMMAND = 4, MASTER = 0x4;

    @ParameterizedTest
    @ValueSource(strings = {"e1000e", "igb"})
    void killingAnOwnerWithInterruptsOffTurnsBusMasteringOff(String chip) throws Exception {
        Lab.require();
        List<Lab.Nic> nics = Lab.nics(chip);
        assumeTrue(!nics.isEmpty(), "the lab has no " + chip);
        Lab.Nic nic = nics.get(0);
        Path config = Path.of("/sys/bus/pci/devices", nic.bdf(), "config");
        try (Binding binding = Binding.bind(nic, Binding.Kind.UIO)) {
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process owner = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED",
                    "-Djnetmap.e1000e.interrupts=false", "-Djnetmap.igb.interrupts=false",
                    "-cp", System.getProperty("java.class.path"), CrashingOwner.class.getName(), nic.bdf(), "ff:ff:ff:ff:ff:ff")
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream()));
            StringBuilder log = new StringBuilder();
            CompletableFuture<Boolean> ready = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String l; (l = out.readLine()) != null; ) {
                        log.append(l).append('\n');
                        if (l.contains("ready")) return true;
                    }
                } catch (IOException ignored) {
                    // the process went away
                }
                return false;
            });
            try {
                assertTrue(ready.get(300, TimeUnit.SECONDS), "the owner opened " + nic + " with interrupts off:\n" + log);
                Thread.sleep(1000); // transmitting and receiving, the rings full of DMA addresses
                assertEquals(MASTER, command(config) & MASTER, "the running owner's card is a bus master (else this check proves nothing)");
                assertTrue(Files.readString(Path.of("/proc", Long.toString(owner.pid()), "cmdline")).contains("interrupts=false"));
            } finally {
                owner.destroyForcibly(); // SIGKILL: no close, no reset
            }
            assertTrue(owner.waitFor(30, TimeUnit.SECONDS));
            int cmd = command(config);
            assertEquals(0, cmd & MASTER, String.format("COMMAND %#06x after the owner of %s was killed with interrupts off:"
                    + " bus mastering still on, the card can DMA into freed memory", cmd, nic));
            try (NetmapPort again = NetmapPort.open("netmap:" + nic.bdf())) {
                assertEquals(MASTER, command(config) & MASTER, "the next owner turns it on again");
            }
            System.out.printf("uio crash %s: COMMAND %#06x after kill -9 with interrupts off (bus master off); reopened%n", nic, cmd);
        }
    }

    private static int command(Path config) throws IOException {
        byte[] b = Files.readAllBytes(config);
        return (b[COMMAND] & 0xff) | (b[COMMAND + 1] & 0xff) << 8;
    }
}
