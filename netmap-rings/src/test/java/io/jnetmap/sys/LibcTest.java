package io.jnetmap.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class LibcTest {
    @TempDir Path tmp;

    @Test
    void failedOpenNamesCallPathAndErrno() {
        NativeException e = assertThrows(NativeException.class, () -> Libc.open("/nonexistent/x", Libc.O_RDWR));
        assertEquals("open", e.call());
        assertEquals("/nonexistent/x", e.argument());
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("ENOENT", e.errnoName());
        assertEquals("open(/nonexistent/x): ENOENT (No such file or directory)", e.getMessage());
    }

    @Test
    void failedIoctlNamesTheIoctl() {
        int fd = Libc.open("/dev/null", Libc.O_RDWR);
        try (OffHeapBuffer out = OffHeapBuffer.allocate(8)) {
            NativeException e = assertThrows(NativeException.class,
                    () -> Libc.ioctl(fd, 0x541B, out.address(), "FIONREAD"));
            assertTrue(e.getMessage().startsWith("ioctl(FIONREAD): ENOTTY"), e.getMessage());
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void closingABadFdThrowsEbadf() {
        NativeException e = assertThrows(NativeException.class, () -> Libc.close(12345));
        assertEquals("EBADF", e.errnoName());
    }

    @Test
    void pageSizeIsThePlatformPage() {
        assertEquals(4096, Libc.pageSize());
    }

    @Test
    void sharedFileMappingIsVisibleThroughTheFile() throws Exception {
        Path f = tmp.resolve("region");
        int fd = Libc.open(f.toString(), Libc.O_RDWR | Libc.O_CREAT, 0600, null);
        try {
            Libc.ftruncate(fd, 8192, f.toString());
            try (Mapping m = Mapping.shared(fd, 8192, 0, f.toString())) {
                m.buffer().putBytes(4096, "hello".getBytes(StandardCharsets.US_ASCII), 0, 5);
                m.buffer().putIntRelease(0, 0x12345678);
            }
        } finally {
            Libc.close(fd);
        }
        byte[] content = Files.readAllBytes(f);
        assertEquals(8192, content.length);
        assertEquals(0x78, content[0]); // little-endian
        assertEquals("hello", new String(content, 4096, 5, StandardCharsets.US_ASCII));
    }

    @Test
    void readWritePreadPwriteMoveBytes() {
        Path f = tmp.resolve("rw");
        int fd = Libc.open(f.toString(), Libc.O_RDWR | Libc.O_CREAT, 0600, null);
        try (OffHeapBuffer b = OffHeapBuffer.allocate(16)) {
            b.putLong(0, 0x1122334455667788L);
            assertEquals(8, Libc.write(fd, b.address(), 8, "f"));
            assertEquals(8, Libc.pwrite(fd, b.address(), 8, 100, "f"));
            b.putLong(8, 0);
            assertEquals(8, Libc.pread(fd, b.address() + 8, 8, 100, "f"));
            assertEquals(0x1122334455667788L, b.getLong(8));
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void eventFdSignalsAndDrains() {
        try (EventFd e = new EventFd("test")) {
            assertFalse(e.await(0));
            assertEquals(0, e.drain());
            e.signal();
            e.signal();
            assertTrue(e.await(1000));
            assertEquals(2, e.drain());
            assertFalse(e.await(0));
        }
    }

    @Test
    void eventFdWakesAWaiterInAnotherThread() throws Exception {
        try (EventFd e = new EventFd("cross-thread")) {
            Thread t = new Thread(() -> { sleep(50); e.signal(); });
            t.start();
            assertTrue(e.await(5000));
            t.join();
        }
    }

    @Test
    void futexTimesOutWhenNobodyWakes() {
        try (OffHeapBuffer w = OffHeapBuffer.allocate(64); OffHeapBuffer ts = OffHeapBuffer.allocate(16)) {
            long t0 = System.nanoTime();
            Libc.futexWait(w.address(), 0, 20_000_000L, ts);
            assertTrue(System.nanoTime() - t0 >= 15_000_000L);
            // value differs: returns at once
            Libc.futexWait(w.address(), 1, 5_000_000_000L, ts);
        }
    }

    @Test
    void futexWakeReleasesAWaiter() throws Exception {
        try (OffHeapBuffer w = OffHeapBuffer.allocate(64); OffHeapBuffer ts = OffHeapBuffer.allocate(16)) {
            Thread t = new Thread(() -> { sleep(50); w.putIntRelease(0, 1); Libc.futexWake(w.address(), 1); });
            t.start();
            long t0 = System.nanoTime();
            while (w.getIntAcquire(0) == 0) Libc.futexWait(w.address(), 0, 10_000_000_000L, ts);
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
            t.join();
        }
    }

    @Test
    void orderedAccessorsRoundTripAndRefuseMisalignment() {
        try (OffHeapBuffer b = OffHeapBuffer.allocate(64)) {
            b.putShortRelease(2, (short) 0xBEEF);
            assertEquals(0xBEEF, b.getShortAcquire(2) & 0xffff);
            b.putLongRelease(8, -2L);
            assertEquals(-2L, b.getLongAcquire(8));
            assertTrue(b.compareAndSetInt(16, 0, 7));
            assertFalse(b.compareAndSetInt(16, 0, 8));
            assertEquals(7, b.getAndAddInt(16, 1));
            assertEquals(8, b.getIntAcquire(16));
            assertThrows(IllegalStateException.class, () -> b.putIntRelease(33, 1));
        }
    }

    private static void sleep(long ms) {
        try { Thread.sleep(ms); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
    }

    @Test
    void aThreadPinnedToOneCpuRunsThereAndOthersKeepTheirMask() throws Exception {
        int[] allowed = Libc.threadAffinity();
        assertTrue(allowed.length >= 1, "no CPU allowed?");
        int cpu = allowed[allowed.length - 1];
        int[][] seen = new int[2][];
        Thread t = new Thread(() -> {
            Libc.setThreadAffinity(cpu);
            seen[0] = Libc.threadAffinity();
        });
        t.start();
        t.join();
        seen[1] = Libc.threadAffinity();
        assertArrayEquals(new int[] {cpu}, seen[0], "the pinned thread's mask");
        assertArrayEquals(allowed, seen[1], "another thread's mask must not change");
    }

    @Test
    void pinningToACpuTheProcessMayNotUseSaysSo() throws Exception {
        int[] allowed = Libc.threadAffinity();
        int missing = allowed[allowed.length - 1] + 1;
        Throwable[] thrown = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                Libc.setThreadAffinity(missing);
            } catch (Throwable e) {
                thrown[0] = e;
            }
        });
        t.start();
        t.join();
        NativeException e = assertInstanceOf(NativeException.class, thrown[0]);
        assertEquals("EINVAL", e.errnoName());
        assertTrue(e.getMessage().contains("taskset -p"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Libc.setThreadAffinity(-1));
    }
}
