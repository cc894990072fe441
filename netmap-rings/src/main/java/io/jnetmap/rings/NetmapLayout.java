package io.jnetmap.rings;

/**
 * netmap's binary layout on x86-64 (sys/net/netmap.h, NETMAP_API 14) and its flag values.
 * Offsets are in bytes; every struct is little-endian.
 */
public final class NetmapLayout {
    private NetmapLayout() { }

    // struct netmap_if
    public static final int IF_NAME = 0, IFNAMSIZ = 16, IF_VERSION = 16, IF_FLAGS = 20, IF_TX_RINGS = 24,
            IF_RX_RINGS = 28, IF_BUFS_HEAD = 32, IF_HOST_TX_RINGS = 36, IF_HOST_RX_RINGS = 40, IF_SPARE1 = 44,
            IF_RING_OFS = 56;
    /** ni_flags: the port has a private region. */
    public static final int NI_PRIV_MEM = 0x1;

    // struct netmap_ring
    public static final int RING_BUF_OFS = 0, RING_NUM_SLOTS = 8, RING_BUF_SIZE = 12, RING_RINGID = 16,
            RING_DIR = 18, RING_HEAD = 20, RING_CUR = 24, RING_TAIL = 28, RING_FLAGS = 32, RING_TS = 40,
            RING_OFFSET_MASK = 56, RING_BUF_ALIGN = 64, RING_SEM = 128, RING_SEM_SIZE = 128, RING_SLOTS = 256;
    /** Size of the netmap_ring header; slots follow it. */
    public static final int RING_HEADER_SIZE = 256;
    /** ring.dir as the kernel stores it (enum txrx: NR_RX = 0, NR_TX = 1), not as the header comment says. */
    public static final int DIR_TX = 1, DIR_RX = 0;
    /** ring.flags */
    public static final int NR_TIMESTAMP = 0x2, NR_FORWARD = 0x4;

    // struct netmap_slot
    public static final int SLOT_SIZE = 16, SLOT_BUF_IDX = 0, SLOT_LEN = 4, SLOT_FLAGS = 6, SLOT_PTR = 8;
    public static final int NS_BUF_CHANGED = 0x1, NS_REPORT = 0x2, NS_FORWARD = 0x4, NS_NO_LEARN = 0x8,
            NS_INDIRECT = 0x10, NS_MOREFRAG = 0x20, NS_TXMON = 0x40, NS_PORT_SHIFT = 8, NS_PORT_MASK = 0xff00;
    public static final int NETMAP_MAX_FRAGS = 64;

    /** Buffer indices 0 and 1 are reserved, as in netmap; 0 also ends the extra-buffer list. */
    public static final int FIRST_BUFFER = 2;
    public static final int DEFAULT_BUF_SIZE = 2048;

    // registration modes (nr_mode) and flags (nr_flags), for name parsing and ports
    public static final int NR_REG_ALL_NIC = 1, NR_REG_SW = 2, NR_REG_NIC_SW = 3, NR_REG_ONE_NIC = 4,
            NR_REG_PIPE_MASTER = 5, NR_REG_PIPE_SLAVE = 6, NR_REG_NULL = 7, NR_REG_ONE_SW = 8;
    public static final long NR_EXCLUSIVE = 0x800, NR_RX_RINGS_ONLY = 0x2000, NR_TX_RINGS_ONLY = 0x4000,
            NR_NO_TX_POLL = 0x20000;
    /** Monitor ports (nr_flags): copy monitor of TX ({@code /t}), of RX ({@code /r}), zero-copy monitor ({@code /z}). */
    public static final long NR_MONITOR_TX = 0x100, NR_MONITOR_RX = 0x200, NR_ZCOPY_MON = 0x400;

    /** Bytes a ring object needs for the netmap_ring header and its slots. */
    public static int ringBytes(int numSlots) {
        return RING_HEADER_SIZE + SLOT_SIZE * numSlots;
    }
}
