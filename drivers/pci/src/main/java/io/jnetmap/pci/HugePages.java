package io.jnetmap.pci;

import io.jnetmap.sys.Libc;
import io.jnetmap.sys.Mapping;

/**
 * Anonymous memory on 2 MiB hugepages (the kernel's internal hugetlbfs mount): physically
 * contiguous per hugepage, never swapped, and 2 MiB-aligned. Reserved beforehand with
 * {@code tools/nm-bind hugepages --size 2M --count N}.
 */
final class HugePages {
    static final long SIZE = 2L << 20;

    private HugePages() { }

    /** {@code bytes} (rounded up to hugepages) of populated hugepage memory, or null with the errno in {@code errno[0]}. */
    static Mapping tryMap(long bytes, String what, int[] errno) {
        long len = (bytes + SIZE - 1) / SIZE * SIZE;
        long a = Libc.mmapOrErrno(0, len, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_SHARED | Libc.MAP_ANONYMOUS | Libc.MAP_HUGETLB | Libc.MAP_HUGE_2MB | Libc.MAP_POPULATE, -1, 0);
        if (a < 0 && a > -4096) {
            if (errno != null) errno[0] = (int) -a;
            return null;
        }
        return Mapping.adopt(a, len, what + " (2 MiB hugepages)");
    }

    /** Free 2 MiB hugepages per sysfs, or -1 if unknown. */
    static long free(HostPaths paths) {
        try {
            return Long.parseLong(java.nio.file.Files.readString(
                    paths.hugepages().resolve("hugepages-2048kB/free_hugepages")).strip());
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
    }
}
