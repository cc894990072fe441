package io.jnetmap.ixgbe;

import io.jnetmap.intel.SwFwSemaphore;

import io.jnetmap.intel.SplitCauseRegister;

/**
 * The 82599's registers and bits that this driver names, as data: offsets from the register
 * summary (82599 datasheet §8.1, table 8-2) and the bit layouts of the register descriptions
 * (§8.2.3, cited per group below). Intel's {@code ixgbe_type.h} uses the same names. The 82599
 * shares the Intel gigabit chips' descriptor formats and RSS tables but not their MAC: there is no
 * RCTL, TCTL, ICR or MDIC; RX and TX are switched by RXCTRL and DMATXCTL, causes are EICR.
 */
final class IxgbeRegs {
    private IxgbeRegs() { }

    /**
     * The part of BAR0 the driver maps: every register it names lies below 128 KiB (EEC at
     * 0x10010, EITR(24-63) at 0x12300); boards map 512 KiB or more, QEMU's lab model 512 KiB.
     */
    static final long BAR0_SIZE = 128 * 1024;

    // ---- §8.2.3.1 general control
    static final int CTRL = 0x0000, STATUS = 0x0008, CTRL_EXT = 0x0018;
    /** CTRL: PCIe master disable (bit 2), link reset (bit 3), software reset (bit 26); both resets self-clear. */
    static final int CTRL_GIO_DIS = 1 << 2, CTRL_LNK_RST = 1 << 3, CTRL_RST = 1 << 26, CTRL_RST_MASK = CTRL_RST | CTRL_LNK_RST;
    /** STATUS: PCIe master enable status (bit 19: requests still pending). */
    static final int STATUS_GIO = 1 << 19;
    /** CTRL_EXT: no-snoop disable (bit 16, §4.6.7 sets it), driver loaded (bit 28). */
    static final int CTRL_EXT_NS_DIS = 1 << 16, CTRL_EXT_DRV_LOAD = 1 << 28;

    // ---- §8.2.3.1 software-definable pins, I2C (the SFP+ cage's wires on X520 boards)
    /**
     * ESDP (§8.2.3.1, extended SDP control): SDP3's data value (bit 3). On the 82599's SFP+ boards SDP3 drives the
     * module's TX_DISABLE (SFF-8431): high keeps the laser dark, low lights it; the NVM makes the
     * pin an output. Linux's ixgbe sets and clears this bit alone, as this driver does.
     */
    static final int ESDP = 0x0020, ESDP_SDP3 = 1 << 3;
    /**
     * I2CCTL (§8.2.3.1, I2C control): the two-wire bus to the SFP+ module, bit-banged. CLK_IN/DATA_IN (bits 0, 2)
     * read the lines, CLK_OUT/DATA_OUT (bits 1, 3) drive them open-drain: 1 releases the line
     * (pulled high), 0 pulls it low.
     */
    static final int I2CCTL = 0x0028, I2C_CLK_IN = 1, I2C_CLK_OUT = 1 << 1, I2C_DATA_IN = 1 << 2, I2C_DATA_OUT = 1 << 3;

    // ---- shared resources: the software/firmware semaphore (82599 datasheet, SWSM and SW_FW_SYNC)
    /**
     * SWSM: SMBI (bit 0, taken by the read that finds it clear: the semaphore among drivers) and
     * SWESMBI (bit 1, set and read back set: the semaphore between software and firmware) guard
     * SW_FW_SYNC (Linux's GSSR), where software owns a resource with one of bits 4:0 and firmware the
     * same resource with the bit {@link #SW_FW_FW_SHIFT} above. The I2C bus of a port's SFP+ cage is
     * that port's PHY resource: {@link #SW_FW_PHY0} on LAN port 0, {@link #SW_FW_PHY1} on port 1
     * (STATUS.LAN_ID), which Linux's ixgbe holds around each I2C byte.
     */
    static final int SWSM = 0x10140, SWSM_SMBI = 1, SWSM_SWESMBI = 1 << 1, SW_FW_SYNC = 0x10160, SW_FW_FW_SHIFT = 5,
            SW_FW_PHY0 = 1 << 1, SW_FW_PHY1 = 1 << 2;
    static final SwFwSemaphore.Layout SW_FW_LAYOUT = new SwFwSemaphore.Layout(SWSM, SWSM_SMBI, SWSM_SWESMBI, SW_FW_SYNC, SW_FW_FW_SHIFT);
    /** STATUS.LAN_ID (bits 3:2): which of the chip's ports this PCI function is (0 or 1 on the 82599). */
    static final int STATUS_LAN_ID = 3 << 2;

    // ---- §8.2.3.2 EEPROM / flash
    static final int EEC = 0x10010;
    /** EEC.ARD (bit 9): the EEPROM auto-read after reset is done. */
    static final int EEC_ARD = 1 << 9;

    // ---- §8.2.3.5 interrupts
    static final int EICR = 0x0800, EIAC = 0x0810, EITR0 = 0x0820, EIMS = 0x0880, EIMC = 0x0888,
            EIAM = 0x0890, GPIE = 0x0898;
    /** EITR(n): 0x820 + 4n for vectors 0-23, 0x12300 + 4(n - 24) for 24-63. */
    static int eitr(int v) { return v < 24 ? EITR0 + 4 * v : 0x12300 + 4 * (v - 24); }
    /** The extended mask clear and auto-mask registers: EX(0) holds vectors 0-31, EX(1) 32-63. */
    static final int EIMC_EX0 = 0x0AB0, EIAM_EX0 = 0x0AD0;
    static final SplitCauseRegister EIMC_EX = new SplitCauseRegister(EIMC_EX0, EIMC_EX0 + 4),
            EIAM_EX = new SplitCauseRegister(EIAM_EX0, EIAM_EX0 + 4);
    /** EICR bits 15:0: the queue causes (MSI-X: vectors 0-15); bit 20 link status change. */
    static final int EICR_RTX_QUEUE = 0xFFFF, EICR_LSC = 1 << 20;
    /** GPIE: MSI-X mode (bit 4), PBA support (bit 31). */
    static final int GPIE_MSIX_MODE = 1 << 4, GPIE_PBA_SUPPORT = 1 << 31;
    /**
     * IVAR(n), 0x900 + 4n: queue q's RX entry is byte 2 (q odd) or 0 (q even) of IVAR(q / 2), its TX
     * entry the next byte; an entry is a vector (bits 5:0) and VALID (bit 7). IVAR_MISC (0xA00):
     * byte 0 the TCP timer, byte 1 the other causes (link change among them).
     */
    static final int IVAR0 = 0x0900, IVAR_MISC = 0x0A00, IVAR_VALID = 0x80, IVAR_MISC_OTHER_SHIFT = 8;
    static int ivarRegister(int q) { return IVAR0 + 4 * (q >> 1); }
    static int ivarShift(int q, boolean tx) { return 16 * (q & 1) + (tx ? 8 : 0); }

    // ---- §8.2.3.7 receive filters, RSS
    static final int RXCSUM = 0x5000, FCTRL = 0x5080, MTA = 0x5200,
            MRQC = 0x5818, RETA = 0x5C00, RSSRK = 0x5C80, VFTA = 0xA000;
    static final int MTA_ENTRIES = 128, VFTA_ENTRIES = 128;
    /** RXCSUM.PCSD (bit 13): the descriptor carries the RSS hash, not a fragment checksum. */
    static final int RXCSUM_PCSD = 1 << 13;
    /** FCTRL: multicast promiscuous (8), unicast promiscuous (9), broadcast accept (10). */
    static final int FCTRL_MPE = 1 << 8, FCTRL_UPE = 1 << 9, FCTRL_BAM = 1 << 10;
    /** MRQC: MRQE (bits 3:0) = 0001 RSS only; hash fields IPv4/TCP 16, IPv4 17, IPv6 20, IPv6/TCP 21, IPv4/UDP 22, IPv6/UDP 23. */
    static final int MRQC_RSS = 0x1, MRQC_IPV4_TCP = 1 << 16, MRQC_IPV4 = 1 << 17, MRQC_IPV6 = 1 << 20,
            MRQC_IPV6_TCP = 1 << 21, MRQC_IPV4_UDP = 1 << 22, MRQC_IPV6_UDP = 1 << 23;
    static final int MRQC_RSS_FIELDS = MRQC_IPV4_TCP | MRQC_IPV4 | MRQC_IPV6 | MRQC_IPV6_TCP | MRQC_IPV4_UDP | MRQC_IPV6_UDP;
    /** Receive addresses RAL(i)/RAH(i) at 0xA200 + 8i, 128 entries (0x5400 + 8i aliases entries 0-15); RAH bit 31 valid. */
    static final int RAL0 = 0xA200, RAR_ENTRIES = 128, RAH_AV = 1 << 31;
    static int ral(int i) { return RAL0 + 8 * i; }

    // ---- §8.2.3.8 receive DMA
    static final int RDRXCTL = 0x2F00, RXCTRL = 0x3000, RXPBSIZE0 = 0x3C00, RQSMR0 = 0x2300, PACKET_BUFFERS = 8;
    /** RDRXCTL: CRC strip (bit 1, must equal HLREG0.RXCRCSTRP), DMA init done (bit 3, read-only). */
    static final int RDRXCTL_CRCSTRIP = 1 << 1, RDRXCTL_DMAIDONE = 1 << 3;
    /**
     * RDRXCTL fields the 82599 requires written against their reset value: RSCFRSTSIZE (bits 21:17)
     * reads non-zero and must be written 0; RSCACKC (bit 25) and FCOE_WRFIX (bit 26) read 0 and must
     * be written 1 (Intel's drivers do both; DPDK's comments say so).
     */
    static final int RDRXCTL_RSCFRSTSIZE = 0x1F << 17, RDRXCTL_RSCACKC = 1 << 25, RDRXCTL_FCOE_WRFIX = 1 << 26;
    static final int RXCTRL_RXEN = 1;
    /** The receive security block (§8.2.3.12): its data path is halted (SECRXCTRL.RX_DIS) around a change of RXCTRL.RXEN, until SECRXSTAT.SECRX_RDY. */
    static final int SECRXCTRL = 0x8D00, SECRXCTRL_RX_DIS = 1 << 1, SECRXSTAT = 0x8D04, SECRXSTAT_RDY = 1;
    /** RXPBSIZE(0) = the whole 512 KB RX packet buffer without DCB or VT (§4.6.11.3.4); the field is in KB at bit 10. */
    static final int RXPBSIZE_512KB = 512 << 10;
    /** SRRCTL: packet buffer size in 1 KiB units (bits 6:0), descriptor type (bits 27:25) 001 advanced one-buffer, drop enable (bit 28). */
    static final int SRRCTL_BSIZEPKT_SHIFT = 10, SRRCTL_BSIZEPKT_MASK = 0x7F, SRRCTL_DESCTYPE_ADV_ONEBUF = 0x0200_0000,
            SRRCTL_DESCTYPE_MASK = 0x0E00_0000, SRRCTL_DROP_EN = 1 << 28;
    /**
     * DCA_RXCTRL bit 12: reset to 1, documented as reserved yet required to be 0 (§4.6.7, the end of
     * receive initialization): relaxed ordering of the descriptor write-back, which would let a
     * status word overtake its data.
     */
    static final int DCA_RXCTRL_RO_BIT12 = 1 << 12;
    /** RXDCTL/TXDCTL: queue enable (bit 25), with the prefetch, host and write-back thresholds (bits 6:0, 14:8, 22:16). */
    static final int DCTL_ENABLE = 1 << 25, DCTL_PTHRESH_SHIFT = 0, DCTL_HTHRESH_SHIFT = 8, DCTL_WTHRESH_SHIFT = 16;
    /**
     * TXDCTL thresholds: prefetch when 32 descriptors are free on chip and 1 is ready; WTHRESH 0,
     * so every RS descriptor is written back at once (a non-zero WTHRESH batches write-backs and
     * the ring's completion reports would wait for the batch).
     */
    static final int TXDCTL_WTHRESH = 0;
    static final int TXDCTL_THRESHOLDS = (32 << DCTL_PTHRESH_SHIFT) | (1 << DCTL_HTHRESH_SHIFT) | (TXDCTL_WTHRESH << DCTL_WTHRESH_SHIFT);
    /** Data descriptors one packet may take on the 82599, less TXDCTL.WTHRESH (datasheet's transmit chapter; DPDK's IXGBE_TX_MAX_SEG). */
    static final int MAX_DESCRIPTORS_PER_PACKET = 40;
    /**
     * Advanced RX write-back: errors in bits 31:20 of the status word; the frame errors are CRC (24),
     * length (25), packet (27), oversize (28) and undersize (29) (§7.1.6.2); the checksum errors
     * (30, 31) stay clear without checksum offload.
     */
    static final int RXDADV_ERR_FRAME = (1 << 24) | (1 << 25) | (1 << 27) | (1 << 28) | (1 << 29);

    /** Per-queue registers: RX queue n (n < 64) at 0x1000 + 0x40 n, TX queue n at 0x6000 + 0x40 n. */
    static final int RX_QUEUE_BASE = 0x1000, TX_QUEUE_BASE = 0x6000, QUEUE_STRIDE = 0x40;

    // ---- §8.2.3.9 transmit, §8.2.3.10 DCB
    static final int DMATXCTL = 0x4A80, DMATXCTL_TE = 1, DTXMXSZRQ = 0x8100, MTQC = 0x8120, TXPBSIZE0 = 0xCC00,
            TQSM0 = 0x8600, RTTDCS = 0x4900, RTTDCS_ARBDIS = 1 << 6;
    /** TXPBSIZE(0) = the whole 160 KB TX packet buffer without DCB (§4.6.11.3.4), KB at bit 10. */
    static final int TXPBSIZE_160KB = 160 << 10;
    /** DTXMXSZRQ: the limit on outstanding TX read request bytes, all ones = none (§4.6.8; ixy writes 0xFFFF). */
    static final int DTXMXSZRQ_UNLIMITED = 0xFFFF;
    /** MTQC 0: one packet buffer, 64 TX queues, no DCB or VT. */
    static final int MTQC_64Q_1PB = 0;

    // ---- §8.2.3.3 flow control (802.3x link PAUSE; §3.7.7)
    /**
     * FCTTV(n), 0x3200 + 4n (n < 4): the pause time sent in XOFF, two traffic classes per register
     * (low half TC 2n, high half TC 2n+1). FCRTL(n)/FCRTH(n), 0x3220/0x3260 + 4n (n < 8): the XON
     * and XOFF thresholds of packet buffer n in bytes (bits 18:5), with XONE (FCRTL bit 31: send
     * XON when the buffer drains below the low mark) and FCEN (FCRTH bit 31: send XOFF above the
     * high mark). FCRTV: how often, in pause quanta, XOFF is repeated while the buffer stays above it.
     */
    static final int FCTTV0 = 0x3200, FCRTL0 = 0x3220, FCRTH0 = 0x3260, FCRTV = 0x32A0, TRAFFIC_CLASSES = 8;
    static final int FCRTL_XONE = 1 << 31, FCRTH_FCEN = 1 << 31;
    /** FCCFG.TFCE (bits 4:3) = 01: send link (802.3x) PAUSE frames; 10 would be priority PAUSE. */
    static final int FCCFG = 0x3D00, FCCFG_TFCE_8023X = 1 << 3;
    /**
     * MFLCN: pass MAC control frames to the host (PMCF, bit 0), discard PAUSE frames rather than
     * passing them (DPF, bit 1), honour received link PAUSE (RFCE, bit 3); the priority ones
     * (RPFCE, bits 11:4 and 2) stay clear.
     */
    static final int MFLCN = 0x4294, MFLCN_PMCF = 1, MFLCN_DPF = 1 << 1, MFLCN_RFCE = 1 << 3;

    // ---- §8.2.3.22 MAC
    static final int HLREG0 = 0x4240, MAXFRS = 0x4268, AUTOC = 0x42A0, LINKS = 0x42A4;
    /** HLREG0: append CRC on TX (bit 0), strip CRC on RX (bit 1), jumbo frames (bit 2), pad short TX frames (bit 10). */
    static final int HLREG0_TXCRCEN = 1, HLREG0_RXCRCSTRP = 1 << 1, HLREG0_JUMBOEN = 1 << 2, HLREG0_TXPADEN = 1 << 10;
    /** MAXFRS.MFS (bits 31:16): the largest frame accepted with JUMBOEN, CRC included. */
    static final int MAXFRS_MFS_SHIFT = 16;
    /** AUTOC: restart autonegotiation (bit 12, self-clearing), link mode select (bits 15:13). */
    static final int AUTOC_AN_RESTART = 1 << 12, AUTOC_LMS_SHIFT = 13, AUTOC_LMS_MASK = 7 << 13;
    /** AUTOC.LMS values whose link comes up from LINKS alone: 10 GbE parallel (KX4, no AN) and KX/KX4/KR autonegotiation. */
    static final int LMS_10G_PARALLEL = 1, LMS_KX_KX4_KR_AN = 4;
    /** AUTOC.LMS 011: 10 GbE serial, the SFP+ module's mode (its PMA/PMD chosen in AUTOC2). */
    static final int LMS_10G_SERIAL = 3;
    /** AUTOC2 (§8.2.3.22, auto-negotiation control 2): the 10 GbE serial PMA/PMD (bits 17:16): 00 KR, 01 XFI, 10 SFI (SFP+). */
    static final int AUTOC2 = 0x42A8, AUTOC2_10G_SERIAL_PMA_PMD_MASK = 3 << 16, AUTOC2_10G_SFI = 2 << 16;
    /** LINKS: link up (bit 30), speed (bits 29:28: 01 100 Mb/s, 10 1 Gb/s, 11 10 Gb/s). */
    static final int LINKS_UP = 1 << 30, LINKS_SPEED_SHIFT = 28, LINKS_SPEED_MASK = 3;

    /** Mb/s of a LINKS value's speed field. */
    static long linksSpeedMbps(int links) {
        return switch ((links >>> LINKS_SPEED_SHIFT) & LINKS_SPEED_MASK) {
            case 1 -> 100;
            case 2 -> 1000;
            case 3 -> 10_000;
            default -> 0;
        };
    }
}
