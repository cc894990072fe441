package io.jnetmap.r8169;

/**
 * The RTL8169/8168 register map (offsets in the MMIO BAR) and bits, as the Realtek datasheets
 * name them and Linux's {@code r8169_main.c} ({@code enum rtl_registers},
 * {@code rtl8168_registers}, {@code rtl_register_content}) lists them; nic-facts.md §4.
 * Width in the comment: 8-, 16- or 32-bit accesses, as the chip decodes them.
 */
public final class RtlRegs {
    private RtlRegs() { }

    public static final int MAC0 = 0x00;            // 8-bit x6: the station address
    public static final int MAC4 = 0x04;
    public static final int MAR0 = 0x08;            // 32-bit x2: multicast hash
    public static final int COUNTER_ADDR_LOW = 0x10, COUNTER_ADDR_HIGH = 0x14; // 32-bit
    public static final int TX_DESC_START_LOW = 0x20, TX_DESC_START_HIGH = 0x24; // normal-priority ring
    public static final int CHIP_CMD = 0x37;        // 8-bit
    public static final int TX_POLL = 0x38;         // 8-bit
    public static final int INTR_MASK = 0x3c;       // 16-bit
    public static final int INTR_STATUS = 0x3e;     // 16-bit, write 1 to clear
    public static final int EEE_LED = 0x1b;         // 8-bit, 8168evl and later
    public static final int TX_CONFIG = 0x40;       // 32-bit
    public static final int RX_CONFIG = 0x44;       // 32-bit
    public static final int RX_MISSED = 0x4c;       // 32-bit, 8169 only
    public static final int CFG9346 = 0x50;         // 8-bit
    public static final int CONFIG1 = 0x52, CONFIG2 = 0x53, CONFIG3 = 0x54, CONFIG4 = 0x55, CONFIG5 = 0x56;
    public static final int PHYAR = 0x60;           // 32-bit
    public static final int PHY_STATUS = 0x6c;      // 8-bit
    public static final int PMCH = 0x6f;            // 8-bit, 8168
    public static final int ERIDR = 0x70, ERIAR = 0x74; // 32-bit, 8168
    public static final int EPHYAR = 0x80;          // 32-bit, 8168
    public static final int OCPDR = 0xb0, OCPAR = 0xb4; // 32-bit, MAC OCP on 8168g and later
    public static final int GPHY_OCP = 0xb8;        // 32-bit, PHY OCP on 8168g and later
    public static final int DLLPR = 0xd0;           // 8-bit, 8168
    public static final int MCU = 0xd3;             // 8-bit, 8168g and later
    public static final int RX_MAX_SIZE = 0xda;     // 16-bit
    public static final int CPLUS_CMD = 0xe0;       // 16-bit
    public static final int INTR_MITIGATE = 0xe2;   // 16-bit
    public static final int RX_DESC_ADDR_LOW = 0xe4, RX_DESC_ADDR_HIGH = 0xe8;
    public static final int MAX_TX_PACKET_SIZE = 0xec; // 8-bit: EarlyTxThres on the 8169 (32 B units), MaxTxPacketSize on the 8168 (128 B units)
    public static final int MISC = 0xf0;            // 32-bit, 8168e and later
    public static final int MISC_1 = 0xf2;          // 8-bit, 8168h and 8168ep
    /** The 8168ep's in-band registers to its management controller (CMAC). */
    public static final int IBCR0 = 0xf8, IBCR2 = 0xf9, IBISR0 = 0xfb; // 8-bit

    // ChipCmd
    public static final int CMD_STOP_REQ = 0x80, CMD_RESET = 0x10, CMD_RX_ENB = 0x08, CMD_TX_ENB = 0x04;
    // TxPoll
    public static final int TXPOLL_NPQ = 0x40;
    // Cfg9346
    public static final int CFG9346_UNLOCK = 0xc0, CFG9346_LOCK = 0x00;
    // IntrStatus / IntrMask
    public static final int INT_SYS_ERR = 0x8000, INT_LINK_CHG = 0x20, INT_TX_DESC_UNAVAIL = 0x80,
            INT_RX_FIFO_OVER = 0x40, INT_RX_OVERFLOW = 0x10, INT_TX_ERR = 0x08, INT_TX_OK = 0x04,
            INT_RX_ERR = 0x02, INT_RX_OK = 0x01;
    public static final int RX_CAUSES = INT_RX_OK | INT_RX_ERR | INT_RX_OVERFLOW | INT_RX_FIFO_OVER;
    public static final int TX_CAUSES = INT_TX_OK | INT_TX_ERR | INT_TX_DESC_UNAVAIL;
    // TxConfig
    public static final int TXCFG_DMA_BURST_UNLIMITED = 7 << 8, TXCFG_IFG_STANDARD = 3 << 24,
            TXCFG_AUTO_FIFO = 1 << 7, TXCFG_EMPTY = 1 << 11;
    // RxConfig
    public static final int RX_ACCEPT_ALL_PHYS = 0x01, RX_ACCEPT_MY_PHYS = 0x02, RX_ACCEPT_MULTICAST = 0x04,
            RX_ACCEPT_BROADCAST = 0x08, RX_ACCEPT_MASK = 0x3f;
    public static final int RX_DMA_BURST = 7 << 8, RX_FIFO_THRESH = 7 << 13, RX_EARLY_OFF = 1 << 11,
            RX_MULTI_EN = 1 << 14, RX128_INT_EN = 1 << 15;
    // CPlusCmd
    public static final int CPCMD_PCI_MUL_RW = 1 << 3, CPCMD_PCI_DAC = 1 << 4, CPCMD_RX_CHKSUM = 1 << 5,
            CPCMD_RX_VLAN = 1 << 6, CPCMD_FORCE_TXFLOW = 1 << 10, CPCMD_FORCE_RXFLOW = 1 << 11;
    // PHYstatus
    public static final int PHY_FULL_DUP = 0x01, PHY_LINK = 0x02, PHY_10M = 0x04, PHY_100M = 0x08, PHY_1000MF = 0x10;
    /** PHYstatus: the pause autonegotiation resolved (the MAC honours received PAUSE / sends PAUSE when its RX fills). */
    public static final int PHY_RX_FLOW = 0x20, PHY_TX_FLOW = 0x40;
    // access registers: the busy/done flag in bit 31
    public static final int ACCESS_FLAG = 0x8000_0000;
    // ERIAR: byte-enable mask and type
    public static final int ERIAR_MASK_0001 = 0x1 << 12, ERIAR_MASK_0011 = 0x3 << 12, ERIAR_MASK_1111 = 0xf << 12,
            ERIAR_EXGMAC = 0, ERIAR_OOB = 0x02 << 16;
    // MISC_1
    public static final int MISC_1_PFM_D3COLD_EN = 1 << 6;
    // MISC
    public static final int MISC_RXDV_GATED_EN = 1 << 19;
    // MCU
    public static final int MCU_NOW_IS_OOB = 1 << 7, MCU_TX_EMPTY = 1 << 5, MCU_RX_EMPTY = 1 << 4,
            MCU_LINK_LIST_RDY = 1 << 1;
    // DLLPR
    public static final int DLLPR_PFM_EN = 1 << 6, DLLPR_TX_10M_PS_EN = 1 << 7;
    // CounterAddrLow
    public static final int COUNTER_DUMP = 1 << 3, COUNTER_RESET = 1 << 0;

    // Descriptors (16 bytes: opts1, opts2, addr), RX and TX alike
    public static final int DESC_OWN = 1 << 31, DESC_EOR = 1 << 30, DESC_FS = 1 << 29, DESC_LS = 1 << 28;
    /** TX opts1 length field. */
    public static final int TX_LEN_MASK = 0xffff;
    /** RX opts1 length field (bits 13:0): frame length including the FCS. */
    public static final int RX_LEN_MASK = 0x3fff;
    public static final int RX_RES = 1 << 21, RX_RUNT = 1 << 20, RX_CRC = 1 << 19, RX_RWT = 1 << 22;
    public static final int FCS_LEN = 4;
}
