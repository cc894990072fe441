package io.jnetmap.e1000e;

/**
 * 82574-specific registers and bits (beyond {@link io.jnetmap.intel.gigabit.GigabitRegs}), named as in
 * Intel's shared code; 82574L datasheet §10.2 for each.
 */
final class E1000eRegs {
    private E1000eRegs() { }

    /** Extended configuration control: MDIO software ownership semaphore (bit 5). */
    static final int EXTCNF_CTRL = 0x0F00, EXTCNF_CTRL_MDIO_SW_OWNERSHIP = 1 << 5;
    /** MSI-X: interrupt auto-clear (82574 EIAC), auto-mask (IAM), vector allocation (IVAR). */
    static final int EIAC = 0x00DC, IAM = 0x00E0, IVAR = 0x00E4;
    static final int IVAR_VALID = 0x8, IVAR_RXQ0_SHIFT = 0, IVAR_RXQ1_SHIFT = 4, IVAR_TXQ0_SHIFT = 8, IVAR_TXQ1_SHIFT = 12,
            IVAR_OTHER_SHIFT = 16;
    /** Receive interrupt delays (kept 0: write back and interrupt at once) and transmit delays. */
    static final int RDTR = 0x2820, RADV = 0x282C, TIDV = 0x3820, TADV = 0x382C;
    /** Transmit arbitration count, per queue (bit 10: queue enable, set at reset). */
    static final int TARC0 = 0x3840, TARC1 = 0x3940, TARC_ENABLE = 1 << 10;
    static final int RFCTL = 0x5008, RFCTL_ACK_DIS = 1 << 12, RFCTL_EXTEN = 1 << 15;
    static final int RXCSUM_PCSD = 1 << 13;
    /** RSS over 2 queues (bits 1:0 = 01) hashing IPv4/TCP (bit 16), IPv4 (bit 17) and IPv6 (bit 20) headers. */
    static final int MRQC = 0x5818, MRQC_RSS_ENABLE_2Q = 0x1, MRQC_RSS_FIELDS = (1 << 16) | (1 << 17) | (1 << 20);
    static final int RETA = 0x5C00, RETA_ENTRIES = 32, RSSRK = 0x5C80, RSSRK_WORDS = 10;
    /** PCIe control: GCR bit 22 and GCR2 bit 0 (errata), L1 entry without L0s (bit 27). */
    static final int GCR = 0x5B00, GCR2 = 0x5B64, GCR_L1_ACT_WITHOUT_L0S_RX = 1 << 27;

    /** 82574 ICR bits of the MSI-X causes. */
    static final int ICR_RXQ0 = 1 << 20, ICR_RXQ1 = 1 << 21, ICR_TXQ0 = 1 << 22, ICR_TXQ1 = 1 << 23, ICR_OTHER = 1 << 24;

    /** TXDCTL/RXDCTL: write-back threshold 1 (bits 21:16) counted in descriptors (GRAN, bit 24); TXDCTL bit 22 must stay 1. */
    static final int DCTL_WTHRESH_MASK = 0x3F << 16, DCTL_WTHRESH_1 = 1 << 16, DCTL_GRAN = 1 << 24,
            TXDCTL_COUNT_DESC = 1 << 22;

    /** Packet buffer split (PBA, KB for RX; the rest of the 40 KB is TX): 20/20 leaves TX room for two 9 KB frames. */
    static final int PBA_RX_KB_JUMBO = 20;
}
