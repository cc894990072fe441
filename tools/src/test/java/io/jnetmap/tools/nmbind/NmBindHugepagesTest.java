package io.jnetmap.tools.nmbind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NmBindHugepagesTest {

    @TempDir
    Path tmp;

    FakeSystem fake;
    Path twoMeg;
    Path mountPoint;

    @BeforeEach
    void machine() {
        fake = new FakeSystem(tmp);
        twoMeg = fake.hugepages("hugepages-2048kB", 0);
        fake.hugepages("hugepages-1048576kB", 0);
        mountPoint = fake.dev.resolve("hugepages");
    }

    private String nr() {
        return FakeSystem.read(twoMeg.resolve("nr_hugepages")).strip();
    }

    @Test
    void reservesMountsAndReports() {
        FakeSystem.Result r = fake.run("hugepages", "--size", "2M", "--count", "64");

        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.err());
        assertEquals("64", nr());
        assertEquals(List.of("-t hugetlbfs -o pagesize=2M nodev " + mountPoint), fake.logLines("mount.log"));
        assertTrue(Files.isDirectory(mountPoint));
        assertTrue(r.out().contains("Reserved 64 x 2M hugepages (128 MiB, 64 free)"), r.out());
        assertTrue(r.out().contains(mountPoint.toString()), r.out());

        // A second run finds the mount and leaves it alone.
        FakeSystem.Result again = fake.run("hugepages", "--size=2M", "--count=32");
        assertEquals(0, again.exit(), again::toString);
        assertEquals("32", nr());
        assertEquals(1, fake.logLines("mount.log").size());
    }

    @Test
    void aShortfallIsAnErrorAndThePreviousReservationIsPutBack() {
        FakeSystem.write(twoMeg.resolve("nr_hugepages"), "8\n");
        FakeSystem.write(twoMeg.resolve(".max"), "10");

        FakeSystem.Result r = fake.run("hugepages", "--size", "2M", "--count", "64");

        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("reserved only 10 of 64 2M hugepages"), r.err());
        assertTrue(r.err().contains("'hugepagesz=2M hugepages=64'"), "says how to get them: " + r.err());
        assertEquals("8", nr(), "the old reservation is back");
        assertEquals(List.of(), fake.logLines("mount.log"), "nothing mounted");
    }

    @Test
    void showListsSizesAndMounts() {
        FakeSystem.write(twoMeg.resolve("nr_hugepages"), "16\n");
        FakeSystem.write(twoMeg.resolve("free_hugepages"), "12\n");
        FakeSystem.write(fake.proc.resolve("mounts"), "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n");

        FakeSystem.Result r = fake.run("hugepages");

        assertEquals(0, r.exit(), r::toString);
        String line = r.out().lines().filter(l -> l.startsWith("2M ")).findFirst().orElseThrow();
        assertEquals(List.of("2M", "16", "12", "0"), List.of(line.trim().split(" +")));
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("1G ")), r.out());
        assertTrue(r.out().contains("hugetlbfs mounted at /dev/hugepages (2M pages)"), r.out());
        assertEquals(List.of(), fake.writes());
    }

    @Test
    void clearReleasesTheReservationAndUnmountsWhatNmBindMounted() {
        assertEquals(0, fake.run("hugepages", "--size", "2M", "--count", "64").exit());

        FakeSystem.Result r = fake.run("hugepages", "--clear");

        assertEquals(0, r.exit(), r::toString);
        assertEquals("0", nr());
        assertTrue(fake.logLines("mount.log").contains("umount " + mountPoint), fake.logLines("mount.log")::toString);
        assertFalse(FakeSystem.read(fake.proc.resolve("mounts")).contains("hugetlbfs"));
    }

    @Test
    void clearLeavesAMountItDidNotMake() {
        FakeSystem.write(fake.proc.resolve("mounts"), "hugetlbfs " + mountPoint + " hugetlbfs rw,relatime 0 0\n");

        FakeSystem.Result r = fake.run("hugepages", "--clear");

        assertEquals(0, r.exit(), r::toString);
        assertEquals(List.of(), fake.logLines("mount.log"));
    }

    @Test
    void clearFailsWhilePagesAreInUse() {
        FakeSystem.write(twoMeg.resolve("nr_hugepages"), "16\n");
        FakeSystem.write(twoMeg.resolve(".inuse"), "4");

        FakeSystem.Result r = fake.run("hugepages", "--clear");

        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("4 x 2M"), r.err());
    }

    @Test
    void anUnsupportedSizeNamesTheAvailableOnes() {
        FakeSystem.Result r = fake.run("hugepages", "--size", "16M", "--count", "4");

        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("available: 1G 2M"), r.err());
        assertEquals(List.of(), fake.writes());
    }

    @Test
    void aMountPointWithTheWrongPageSizeIsRefusedAndTheReservationPutBack() {
        FakeSystem.write(fake.proc.resolve("mounts"),
                "hugetlbfs " + mountPoint + " hugetlbfs rw,relatime,pagesize=1024M 0 0\n");

        FakeSystem.Result r = fake.run("hugepages", "--size", "2M", "--count", "64");

        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("--mount-point"), r.err());
        assertEquals("0", nr());
    }

    @Test
    void aKernelWithoutHugepagesIsAClearError() {
        FakeSystem bare = new FakeSystem(tmp.resolve("bare"));

        FakeSystem.Result r = bare.run("hugepages");

        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("no hugepage support"), r.err());
    }
}
