package io.jnetmap.intel.gigabit;

import io.jnetmap.intel.QueueRegisters;

/**
 * Register offsets and bits of the Intel gigabit MACs (82571..82574 "e1000e", 82575/82576/I350
 * "igb"), with the names of Intel's shared code (e1000_regs.h, e1000_defines.h): the MAC, PHY,
 * NVM, receive/transmit control and filter registers the 82599 (ixgbe) has elsewhere or not at
 * all. Queue registers are given for queue 0 with their stride ({@link #classicQueue}); chips
 * that place queues differently (igb's queues 4+) describe that in their own map. Every value
 * here is checked against Linux's headers by {@code LinuxHeaderConstantsTest}.
 */
public final class GigabitRegs {
    private GigabitRegs() { }

    // ---- general
    public static final int CTRL = 0x0000, STATUS = 0x0008, EECD = 0x0010, EERD = 0x0014, CTRL_EXT = 0x0018,
            MDIC = 0x0020, FCAL = 0x0028, FCAH = 0x002C, FCT = 0x0030, VET = 0x0038, FCTTV = 0x0170;
    // ---- interrupts (legacy cause/mask registers)
    public static final int ICR = 0x00C0, ITR = 0x00C4, ICS = 0x00C8, IMS = 0x00D0, IMC = 0x00D8;
    // ---- flow control: receive thresholds (XON enable in FCRTL bit 31), and the values every Intel
    // driver programs: the 802.3x PAUSE destination 01:80:C2:00:00:01 (FCAL/FCAH) and EtherType 0x8808 (FCT)
    public static final int FCRTL = 0x2160, FCRTH = 0x2168, FCRTL_XONE = 1 << 31, FC_THRESHOLD_MASK = 0xFFF8;
    public static final int FCAL_PAUSE = 0x00C28001, FCAH_PAUSE = 0x0100, FCT_PAUSE = 0x8808;
    // ---- receive / transmit control
    public static final int RCTL = 0x0100, TCTL = 0x0400, TIPG = 0x0410;
    public static final int PBA = 0x1000;
    // ---- queue 0 descriptor rings; queue n at + n * QUEUE_STRIDE (n < 2 on e1000e, n < 4 on igb)
    public static final int RDBAL = 0x2800, RDBAH = 0x2804, RDLEN = 0x2808, RDH = 0x2810, RDT = 0x2818,
            RXDCTL = 0x2828;
    public static final int TDBAL = 0x3800, TDBAH = 0x3804, TDLEN = 0x3808, TDH = 0x3810, TDT = 0x3818,
            TXDCTL = 0x3828;
    public static final int QUEUE_STRIDE = 0x100;
    // ---- receive filtering
    public static final int RXCSUM = 0x5000, MTA = 0x5200, MTA_ENTRIES = 128, RAL0 = 0x5400, RAH0 = 0x5404,
            RA2 = 0x54E0,
            VFTA = 0x5600, VFTA_ENTRIES = 128;

    // ---- CTRL bits
    public static final int CTRL_FD = 1, CTRL_GIO_MASTER_DISABLE = 1 << 2, CTRL_ASDE = 1 << 5, CTRL_SLU = 1 << 6,
            CTRL_FRCSPD = 1 << 11, CTRL_FRCDPX = 1 << 12, CTRL_RST = 1 << 26, CTRL_RFCE = 1 << 27, CTRL_TFCE = 1 << 28,
            CTRL_VME = 1 << 30, CTRL_PHY_RST = 1 << 31;
    // ---- STATUS bits
    public static final int STATUS_FD = 1, STATUS_LU = 1 << 1, STATUS_SPEED_SHIFT = 6, STATUS_SPEED_MASK = 3 << 6,
            STATUS_PHYRA = 1 << 10, STATUS_GIO_MASTER_ENABLE = 1 << 19;
    // ---- EECD / EERD
    public static final int EECD_PRES = 1 << 8, EECD_AUTO_RD = 1 << 9;
    public static final int EERD_START = 1, EERD_DONE = 1 << 1, EERD_ADDR_SHIFT = 2, EERD_DATA_SHIFT = 16;
    // ---- CTRL_EXT bits
    public static final int CTRL_EXT_EIAME = 1 << 24, CTRL_EXT_IAME = 1 << 27, CTRL_EXT_DRV_LOAD = 1 << 28,
            CTRL_EXT_PBA_CLR = 1 << 31;
    // ---- RAH
    public static final int RAH_AV = 1 << 31;

    // ---- ICR / IMS cause bits
    public static final int ICR_TXDW = 1, ICR_TXQE = 1 << 1, ICR_LSC = 1 << 2, ICR_RXSEQ = 1 << 3, ICR_RXDMT0 = 1 << 4,
            ICR_RXO = 1 << 6, ICR_RXT0 = 1 << 7, ICR_MDAC = 1 << 9, ICR_SRPD = 1 << 16, ICR_ACK = 1 << 17,
            ICR_MNG = 1 << 18, ICR_INT_ASSERTED = 1 << 31;

    // ---- RCTL bits
    public static final int RCTL_EN = 1 << 1, RCTL_SBP = 1 << 2, RCTL_UPE = 1 << 3, RCTL_MPE = 1 << 4, RCTL_LPE = 1 << 5,
            RCTL_LBM_MASK = 3 << 6, RCTL_RDMTS_HALF = 0, RCTL_DTYP_MASK = 3 << 10, RCTL_MO_MASK = 3 << 12,
            RCTL_BAM = 1 << 15, RCTL_BSIZE_SHIFT = 16, RCTL_BSIZE_MASK = 3 << 16, RCTL_VFE = 1 << 18,
            RCTL_BSEX = 1 << 25, RCTL_SECRC = 1 << 26, RCTL_FLXBUF_MASK = 0xF << 27;
    // ---- TCTL bits
    public static final int TCTL_EN = 1 << 1, TCTL_PSP = 1 << 3, TCTL_CT_SHIFT = 4, TCTL_COLD_SHIFT = 12,
            TCTL_RTLC = 1 << 24;
    /** CT = 15 (collision threshold), COLD = 63 (full-duplex collision distance): Intel's defaults. */
    public static final int TCTL_CT_DEFAULT = 15, TCTL_COLD_FULL_DUPLEX = 63;
    /** TIPG for copper (IPGT 8, IPGR1 8, IPGR2 6): e1000_defines.h DEFAULT_82543_TIPG_*. */
    public static final int TIPG_COPPER = 8 | (8 << 10) | (6 << 20);

    // ---- MDIC
    public static final int MDIC_DATA_MASK = 0xffff, MDIC_REG_SHIFT = 16, MDIC_PHY_SHIFT = 21,
            MDIC_OP_WRITE = 1 << 26, MDIC_OP_READ = 1 << 27, MDIC_READY = 1 << 28, MDIC_INT_EN = 1 << 29,
            MDIC_ERROR = 1 << 30;

    // ---- PHY (IEEE 802.3 clause 22 registers)
    public static final int PHY_BMCR = 0, PHY_BMSR = 1, PHY_ID1 = 2, PHY_ID2 = 3, PHY_ANAR = 4, PHY_ANLPAR = 5,
            PHY_CTRL1000 = 9;
    /** BMCR: reset (self-clearing), autonegotiation enable, power down, autonegotiation restart. */
    public static final int BMCR_RESET = 0x8000, BMCR_ANENABLE = 0x1000, BMCR_PDOWN = 0x0800, BMCR_ANRESTART = 0x0200;
    /** ANAR/ANLPAR pause abilities (IEEE 802.3 Annex 28B: PAUSE, ASM_DIR). */
    public static final int ANAR_PAUSE = 0x0400, ANAR_ASM_DIR = 0x0800;
    public static final int BMSR_LSTATUS = 0x0004, BMSR_ANEGCOMPLETE = 0x0020;
    /** ANAR: 10/100 half and full duplex, IEEE 802.3 selector. */
    public static final int ANAR_ALL_10_100 = 0x01E0 | 0x0001;
    /** 1000BASE-T control: advertise 1000 full duplex (Intel's MACs do not do 1000 half). */
    public static final int CTRL1000_FULL = 0x0200;

    /** Extended write-back error bits (bits 31:24 of status_error on e1000e; igb's advanced ones are in 31:20). */
    public static final int RXDEXT_ERR_CE = 1 << 24, RXDEXT_ERR_SE = 1 << 25, RXDEXT_ERR_SEQ = 1 << 26,
            RXDEXT_ERR_CXE = 1 << 28, RXDEXT_ERR_TCPE = 1 << 29, RXDEXT_ERR_IPE = 1 << 30, RXDEXT_ERR_RXE = 1 << 31;

    /** Queue {@code n}'s ring registers in the classic layout: queue 0's + n * 0x100 (e1000e queues 0-1, igb queues 0-3). */
    public static QueueRegisters classicQueue(int n) {
        return QueueRegisters.at(RDBAL + n * QUEUE_STRIDE, TDBAL + n * QUEUE_STRIDE);
    }

    /** RCTL.BSIZE/BSEX for a receive buffer of {@code size} bytes (256..16384, a power of two). */
    public static int rctlBufferSize(int size) {
        switch (size) {
            case 2048: return 0;
            case 1024: return 1 << RCTL_BSIZE_SHIFT;
            case 512: return 2 << RCTL_BSIZE_SHIFT;
            case 256: return 3 << RCTL_BSIZE_SHIFT;
            case 16384: return RCTL_BSEX | (1 << RCTL_BSIZE_SHIFT);
            case 8192: return RCTL_BSEX | (2 << RCTL_BSIZE_SHIFT);
            case 4096: return RCTL_BSEX | (3 << RCTL_BSIZE_SHIFT);
            default: throw new IllegalArgumentException("no RCTL buffer size " + size + " (256..16384, a power of two)");
        }
    }

    /** The largest receive buffer size the chip can be told (RCTL.BSIZE/BSEX) that fits a {@code bufSize} buffer. */
    public static int largestRxBuffer(int bufSize) {
        int s = Integer.highestOneBit(Math.min(bufSize, 16384));
        if (s < 256) throw new IllegalArgumentException("buffers of " + bufSize + " bytes are too small for an Intel NIC (256 at least)");
        return s;
    }

    /** Link speed in Mb/s from STATUS bits 7:6. */
    public static long speedMbps(int status) {
        switch ((status & STATUS_SPEED_MASK) >>> STATUS_SPEED_SHIFT) {
            case 0: return 10;
            case 1: return 100;
            default: return 1000;
        }
    }
}
