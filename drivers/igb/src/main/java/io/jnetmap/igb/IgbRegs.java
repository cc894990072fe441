package io.jnetmap.igb;

import io.jnetmap.intel.SwFwSemaphore;

/**
 * igb registers and bits beyond what the Intel gigabit family shares
 * ({@link io.jnetmap.intel.gigabit.GigabitRegs}), with the names of Intel's shared code
 * ({@code e1000_regs.h}, {@code e1000_82575.h}, {@code e1000_defines.h}) and the 82576 datasheet's
 * register chapter (§8). Per-queue registers are in {@link IgbQueueRegs}.
 */
final class IgbRegs {
    private IgbRegs() { }

    /** BAR0 holds the 128 KiB register window (82576; QEMU's model has exactly this; an I350 board may map 1 MiB). */
    static final long BAR0_SIZE = 128 * 1024;

    // ---- extended interrupts (MSI-X): cause, set, mask set/clear, auto-clear, auto-mask
    static final int EICS = 0x1520, EIMS = 0x1524, EIMC = 0x1528, EIAC = 0x152C, EIAM = 0x1530, EICR = 0x1580;
    /** General purpose interrupt enable: MSI-X mode, auto-mask enable, PBA support, no ICR-read side effects. */
    static final int GPIE = 0x1514, GPIE_NSICR = 1, GPIE_MSIX_MODE = 1 << 4, GPIE_EIAME = 1 << 30, GPIE_PBA = 1 << 31;
    /** Interrupt throttle per vector (0: no throttling: a wake-up is delivered when it happens). */
    static final int EITR0 = 0x1680;
    /** Queue-to-vector allocation (8 registers) and the "other causes" entry (bits 15:8 of IVAR_MISC). */
    static final int IVAR0 = 0x1700, IVAR_MISC = 0x1740, IVAR_VALID = 0x80, IVAR_MISC_OTHER_SHIFT = 8;
    /** Interrupt acknowledge auto-mask (legacy causes). */
    static final int IAM = 0x00E0;

    /** ICR bit 7 on igb: receive descriptor written back (the family's RXT0); TXDW is the family's too. */
    static final int ICR_RXDW = 1 << 7;

    // ---- reset and configuration
    /** CTRL.LRST: link reset, set at power-up; cleared so the link can come up (82576 datasheet §8.2.1). */
    static final int CTRL_LRST = 1 << 3;
    /** CTRL.DEV_RST: whole-device reset (I350); not used, plain RST is what Intel's code does. */
    static final int CTRL_DEV_RST = 1 << 29;
    /** STATUS.DEV_RST_SET (I350): written 1 to clear after a device reset. */
    static final int STATUS_DEV_RST_SET = 1 << 20;
    /** EEMNGCTL.CFG_DONE of PCI function 0 (bit 18; function n: bit 18 + n): the PHY loaded its NVM configuration. */
    static final int EEMNGCTL = 0x1010, EEMNGCTL_CFG_DONE_PORT0 = 1 << 18;
    /** STATUS.LAN_ID (bits 3:2): which port of the chip this function is, as the chip numbers them (not the PCI function). */
    static final int STATUS_LAN_ID_SHIFT = 2, STATUS_LAN_ID_MASK = 3;
    /**
     * Software/firmware semaphores (82576 datasheet §4.7, e1000_82575.c): SWSM.SMBI (bit 0, set by
     * the read that takes it) guards SWESMBI (bit 1), which guards SW_FW_SYNC: software owns a
     * resource with its bit (PHY of LAN port n: {@link #SW_FW_PHY}), firmware with the bit 16 above.
     */
    static final int SWSM = 0x5B50, SWSM_SMBI = 1, SWSM_SWESMBI = 2, SW_FW_SYNC = 0x5B5C, SW_FW_FW_SHIFT = 16;
    static final SwFwSemaphore.Layout SW_FW_LAYOUT = new SwFwSemaphore.Layout(SWSM, SWSM_SMBI, SWSM_SWESMBI, SW_FW_SYNC, SW_FW_FW_SHIFT);
    /** SW_FW_SYNC's PHY bit for LAN port 0..3 (E1000_SWFW_PHY0_SM .. PHY3_SM). */
    static final int[] SW_FW_PHY = {0x02, 0x04, 0x20, 0x40};
    /**
     * PCIe control (82576): completion timeout value (bits 15:12; 0: the default 50 us..50 ms, which
     * Intel sets to 10 ms), resend on timeout (bit 16, cleared), capability version 2 (bit 18: the
     * timeout is set in configuration space, Device Control 2, to 16..55 ms instead).
     */
    static final int GCR = 0x5B00, GCR_CMPL_TMOUT_MASK = 0xF000, GCR_CMPL_TMOUT_10MS = 0x1000,
            GCR_CMPL_TMOUT_RESEND = 1 << 16, GCR_CAP_VER2 = 1 << 18, DEVCTL2_CMPL_TMOUT_16MS = 0x5;
    /** Receive packet buffer size (82576: KB in bits 6:0; I350: an encoded size, {@link IgbChip.Family#rxBufferKb}). */
    static final int RXPBS = 0x2404;
    /** 82580/I350 PHY power management: clear "go link disconnect" so the PHY links. */
    static final int PHPM = 0x0E14, PHPM_GO_LINKDISCONNECT = 1 << 5;

    // ---- receive
    /** Long-packet maximum length with RCTL.LPE (14 bits, includes the CRC). */
    static final int RLPML = 0x5004;
    static final int RXCSUM_PCSD = 1 << 13;
    /** Multiple receive queues: RSS only (bits 2:0 = 010) and the header fields hashed (bits 16+). */
    static final int MRQC = 0x5818, MRQC_ENABLE_RSS = 0x2;
    static final int MRQC_RSS_FIELD_IPV4_TCP = 1 << 16, MRQC_RSS_FIELD_IPV4 = 1 << 17, MRQC_RSS_FIELD_IPV6_TCP_EX = 1 << 18,
            MRQC_RSS_FIELD_IPV6 = 1 << 20, MRQC_RSS_FIELD_IPV6_TCP = 1 << 21, MRQC_RSS_FIELD_IPV4_UDP = 1 << 22,
            MRQC_RSS_FIELD_IPV6_UDP = 1 << 23;
    /** IPv4 and IPv6, each alone and with TCP or UDP ports: what Linux's igb hashes with UDP RSS on. */
    static final int MRQC_RSS_FIELDS = MRQC_RSS_FIELD_IPV4 | MRQC_RSS_FIELD_IPV4_TCP | MRQC_RSS_FIELD_IPV4_UDP
            | MRQC_RSS_FIELD_IPV6 | MRQC_RSS_FIELD_IPV6_TCP | MRQC_RSS_FIELD_IPV6_TCP_EX | MRQC_RSS_FIELD_IPV6_UDP;
    /** Redirection table: 128 one-byte entries, four per register, queue index in the low bits. */
    static final int RETA = 0x5C00, RETA_REGISTERS = 32;
    /** RSS key: 40 bytes, four per register, key byte 0 in bits 7:0 of RSSRK(0). */
    static final int RSSRK = 0x5C80, RSSRK_REGISTERS = 10;

    // ---- per-queue control bits
    /** SRRCTL: packet buffer size in 1 KiB units (bits 6:0), advanced one-buffer descriptors, drop when no descriptors. */
    static final int SRRCTL_BSIZEPKT_SHIFT = 10, SRRCTL_BSIZEPKT_MASK = 0x7F, SRRCTL_DESCTYPE_ADV_ONEBUF = 0x0200_0000,
            SRRCTL_DROP_EN = 1 << 31;
    /** RXDCTL/TXDCTL: prefetch, host and write-back thresholds; queue enable (bit 25); TX software flush (bit 26). */
    static final int DCTL_PTHRESH_SHIFT = 0, DCTL_HTHRESH_SHIFT = 8, DCTL_WTHRESH_SHIFT = 16, DCTL_QUEUE_ENABLE = 1 << 25;
    /** Linux igb's RX thresholds: prefetch 8, host 8, write back every descriptor (4 on real chips is an optimisation). */
    static final int RXDCTL_THRESHOLDS = (8 << DCTL_PTHRESH_SHIFT) | (8 << DCTL_HTHRESH_SHIFT) | (1 << DCTL_WTHRESH_SHIFT);
    /**
     * TX thresholds: prefetch 8, host 1, write-back 1. WTHRESH 1 writes DD back as soon as a report
     * point is done; a larger value batches write-backs and could hold a netmap ring's last
     * completion until more traffic comes.
     */
    static final int TXDCTL_THRESHOLDS = (8 << DCTL_PTHRESH_SHIFT) | (1 << DCTL_HTHRESH_SHIFT) | (1 << DCTL_WTHRESH_SHIFT);
    /** DVMOLR.STRCRC (I350): strip the CRC on this queue. */
    static final int DVMOLR_STRCRC = 1 << 31;

    /** Advanced receive write-back error: the MAC saw a receive error (CRC, symbol, length). */
    static final int RXDADV_ERR_RXE = 1 << 31;
}
