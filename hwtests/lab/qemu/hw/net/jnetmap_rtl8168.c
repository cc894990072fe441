/*
 * jnetmap lab: a Realtek RTL8168h/8111h gigabit controller (PCIe, 10ec:8168,
 * XID 0x541 = Linux's RTL_GIGA_MAC_VER_46).
 *
 * Written for jnetmap's emulated lab from the facts Realtek's and Linux's r8169
 * driver document (nic-facts.md §4, drivers/r8169/README.md): the register map
 * of the 8168 family in a 256-byte window (memory BAR2, the same registers in
 * I/O BAR0), the chip version in TxConfig bits 31:20, 16-byte descriptors with
 * OWN/EOR/FS/LS walked from the ring start (no head or tail registers: a TxPoll
 * write makes the chip walk the TX ring while it owns descriptors; RX fills the
 * descriptors it owns in order), the frame length with its FCS in the last RX
 * descriptor, IntrMask/IntrStatus (16-bit, write 1 to clear), the tally block
 * written by DMA on CounterDump, and the 8168g-and-later indirect windows: the
 * PHY through GPHY_OCP (IEEE registers at OCP 0xa400 + 2 * reg, page p register
 * r at p * 16 + (r - 16) * 2), ERI, EPHY, CSI and MAC OCP (OCPDR).
 *
 * Why the 8168h, XID 0x541: it is the most common 8168 in the field (desktop and
 * small-server boards since 2016), Linux drives it with one documented sequence
 * (rtl_hw_init_8168g, rtl_hw_start_8168h_1, rtl8168h_2_hw_phy_config) and its
 * internal PHY answers with Realtek's generic PHY ID 0x001cc800, which Linux's
 * realtek PHY driver binds as "Generic FE-GE Realtek PHY". XID 0x540 (VER_45,
 * the first revision) is not modelled: Linux disabled its detection ("never
 * made it to the wild") and removed its sequence in 2022.
 *
 * Where the silicon is strict, so is this model: nothing is sent while the
 * link is down (owned TX descriptors stay owned), DMA only with bus mastering
 * on, a soft reset (ChipCmd.CmdReset) stops both rings and starts them again
 * at descriptor 0, frames above RxMaxSize are dropped.
 *
 * A full RX ring, as on silicon, depends on 802.3x flow control. The chip's MAC
 * follows what autonegotiation resolved (PHYstatus reports it in RxFlowCtrl,
 * bit 5, and TxFlowCtrl, bit 6; Linux's r8169 sets no MAC register for pause on
 * these versions: it only advertises Pause and Asym_Pause in the PHY's ANAR,
 * bits 10 and 11, from r8169_mdio_register's phy_support_asym_pause, and clears
 * them in jumbo mode, "Chip doesn't support pause in jumbo mode"). The lab's
 * cable partner is taken to be what a switch port or a Linux host with flow
 * control on advertises: PAUSE and ASM_DIR (ANLPAR 0x4de1). Resolved by IEEE
 * 802.3 Annex 28B (Linux's linkmode_resolve_pause), the chip then sends PAUSE
 * when its ring fills ("tx pause") exactly when the driver advertised PAUSE or
 * ASM_DIR, and honours received PAUSE ("rx pause") when it advertised PAUSE.
 * - tx pause in effect: the sender is held as PAUSE holds it (the hub queues the
 *   frame and the sending model stops walking its ring until the frame is
 *   taken). The chip has no tail register to say the ring was refilled, so the
 *   held frames are retried on the driver's next IntrMask/IntrStatus write and
 *   every millisecond of guest time (found in the lab: refusing only in
 *   can_receive is not enough, QEMU's queue flush delivers without asking;
 *   receive() itself returns 0 when the frame does not fit the owned
 *   descriptors). Frames keep their wire order: while one is held, can_receive
 *   refuses the newer ones (see r_can_receive).
 * - otherwise (a driver that advertises no pause, as jnetmap's r8169 by
 *   default): the frame is dropped and counted in the tally's rx_missed (Linux's
 *   `ethtool -S` rx_missed; the 8168 has no MissedPacket register, RxMissed 0x4c
 *   is the 8169's), and IntrStatus RxOverflow (0x10, "RX descriptor
 *   unavailable") is raised.
 *
 * Not modelled (a driver that needs them gets a plain register): TSO/large send
 * (the GTSENV bits are reported as unimplemented; Linux leaves TSO off by
 * default on this chip), IPv6 TX checksum offload, RX checksum status (the
 * protocol bits stay 0: drivers check in software), the high-priority TX ring,
 * interrupt mitigation timing, MSI-X (Linux and jnetmap use one MSI vector),
 * PAUSE frames themselves (the wire never carries them: holding the sender is
 * their effect), the FIFO thresholds at which silicon sends them, wake-on-LAN, EEE, the PHY's firmware patch RAM (writes are
 * stored), ASPM.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/log.h"
#include "qemu/timer.h"
#include "qemu/module.h"
#include "qemu/bswap.h"
#include "net/net.h"
#include "net/eth.h"
#include "net/checksum.h"
#include "hw/hw.h"
#include "hw/net/mii.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msi.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include <zlib.h>

#define TYPE_JRTL8168 "jnetmap-rtl8168"
OBJECT_DECLARE_SIMPLE_TYPE(JRtl8168State, JRTL8168)

#define R_XID          0x541       /* RTL8168h/8111h, RTL_GIGA_MAC_VER_46 */
#define R_MMIO_SIZE    (4 * KiB)   /* BAR2; registers in the first 256 bytes */
#define R_IO_SIZE      256         /* BAR0 */
#define R_REGS         256
#define R_MAX_FRAME    (16 * KiB)
#define R_RING_GUARD   4096        /* descriptors walked at most per pass */
#define R_PHY_ID1      0x001c
#define R_PHY_ID2      0xc800

/* --- registers (8168 family) ------------------------------------------- */
#define R_MAC0         0x00
#define R_MAR0         0x08
#define R_CNT_LO       0x10
#define R_CNT_HI       0x14
#define R_TXDESC_LO    0x20
#define R_TXDESC_HI    0x24
#define R_CHIPCMD      0x37
#define R_TXPOLL       0x38
#define R_IMR          0x3c
#define R_ISR          0x3e
#define R_TXCONFIG     0x40
#define R_RXCONFIG     0x44
#define R_CFG9346      0x50
#define R_PHYAR        0x60
#define R_CSIDR        0x64
#define R_CSIAR        0x68
#define R_PHYSTATUS    0x6c
#define R_ERIDR        0x70
#define R_ERIAR        0x74
#define R_EPHYAR       0x80
#define R_OCPDR        0xb0
#define R_GPHY_OCP     0xb8
#define R_MCU          0xd3
#define R_RXMAXSIZE    0xda
#define R_CPCMD        0xe0
#define R_RXDESC_LO    0xe4
#define R_RXDESC_HI    0xe8

#define CMD_RESET      0x10
#define CMD_RXENB      0x08
#define CMD_TXENB      0x04
#define CMD_STOPREQ    0x80
#define TXPOLL_NPQ     0x40
#define TXPOLL_HPQ     0x80
#define TXPOLL_FSWINT  0x01

#define INT_SWINT      0x0100
#define INT_TXDESCUNAV 0x0080
#define INT_LINKCHG    0x0020
#define INT_RXOVERFLOW 0x0010      /* RX descriptor unavailable */
#define INT_TXOK       0x0004
#define INT_RXOK       0x0001

#define TXCFG_EMPTY    (1u << 11)
#define TXCFG_XID_RO   (0xfff00000u & ~(3u << 24)) /* bits 25:24 are the IFG */

#define RX_AAP         0x01        /* all physical */
#define RX_APM         0x02        /* my physical */
#define RX_AM          0x04        /* multicast (hash in MAR0-7) */
#define RX_AB          0x08        /* broadcast */

#define CPCMD_RXVLAN   (1u << 6)

#define PHYS_FULLDUP   0x01
#define PHYS_LINK      0x02
#define PHYS_1000MF    0x10
#define PHYS_RXFLOW    0x20        /* the MAC honours received PAUSE */
#define PHYS_TXFLOW    0x40        /* the MAC sends PAUSE when its RX ring fills */

#define ANAR_PAUSE     0x0400      /* MII_ANAR bit 10 */
#define ANAR_ASM_DIR   0x0800      /* MII_ANAR bit 11 */
/* The cable partner: 1000BASE-T full duplex, 10/100 all, PAUSE and ASM_DIR */
#define PARTNER_ANLPAR (0x41e1 | ANAR_PAUSE | ANAR_ASM_DIR)

#define MCU_RXTX_EMPTY ((1u << 5) | (1u << 4))
#define MCU_LL_RDY     (1u << 1)

#define CNT_DUMP       (1u << 3)
#define CNT_RESET      (1u << 0)

#define ACCESS_FLAG    0x80000000u

/* descriptors: opts1, opts2, buffer address */
#define D_OWN          (1u << 31)
#define D_EOR          (1u << 30)
#define D_FS           (1u << 29)
#define D_LS           (1u << 28)
#define TX_LEN         0xffffu
#define TX_LSO_BITS    ((1u << 27) | (1u << 26) | (1u << 25)) /* LSO v1, GTSENV4/6 (opts1) */
#define TX2_IP4CS      (1u << 29)
#define TX2_TCPCS      (1u << 30)
#define TX2_UDPCS      (1u << 31)
#define TX2_IP6CS      (1u << 28)
#define TX2_VLAN       (1u << 17)
#define RX_LEN         0x3fffu
#define RX2_VLAN       (1u << 16)

/* the PHY: OCP word addresses */
#define OCP_STD        0xa400      /* IEEE register r at OCP_STD + 2 * r */
#define OCP_PHYSR      0xa434      /* page 0x0a43 register 0x12: speed, duplex, link */
#define OCP_PARAM_ADDR 0xa436      /* page 0x0a43 register 0x13 */
#define OCP_PARAM_DATA 0xa438      /* page 0x0a43 register 0x14 */
#define OCP_SAW_CNT    0xc426      /* page 0x0c42 register 0x13 */


typedef struct JRtl8168State {
    PCIDevice parent_obj;
    NICState *nic;
    NICConf conf;
    MemoryRegion mmio;
    MemoryRegion io;

    uint8_t regs[R_REGS];
    uint16_t imr, isr;
    bool irq_level;
    uint32_t tx_idx, rx_idx;        /* the descriptors the chip stands at */
    uint8_t txbuf[R_MAX_FRAME + 4];
    uint32_t txlen;
    bool tx_in_packet, tx_overlong;

    uint16_t ocp_phy[32768];        /* GPHY OCP space, by word */
    uint16_t phy_param[65536];      /* the PHY parameters behind 0xa436/0xa438 */
    uint16_t mac_ocp[32768];        /* MAC OCP space, by word */
    uint32_t eri[4][1024];          /* ERI, by type and dword */
    uint16_t ephy[32];
    bool cable;                     /* the QEMU link (set_link) */
    bool tx_paused;                 /* the peer holds our last frame */
    bool rx_held;                   /* frames wait in QEMU's queues for RX descriptors */
    bool rx_refused;                /* r_receive refused a frame during this flush */
    QEMUTimer *rx_retry;

    /* tally (struct rtl8169_counters), from power-on */
    uint64_t t_tx_ok, t_rx_ok, t_tx_err, t_rx_unicast, t_rx_broadcast;
    uint32_t t_rx_err, t_rx_multicast;
    uint16_t t_rx_missed, t_align_err, t_tx_aborted, t_tx_underrun;
} JRtl8168State;

static inline uint32_t reg32(JRtl8168State *s, int a) { return ldl_le_p(s->regs + a); }
static inline void set32(JRtl8168State *s, int a, uint32_t v) { stl_le_p(s->regs + a, v); }
static inline uint16_t reg16(JRtl8168State *s, int a) { return lduw_le_p(s->regs + a); }

static bool r_bus_master(JRtl8168State *s)
{
    return PCI_DEVICE(s)->config[PCI_COMMAND] & PCI_COMMAND_MASTER;
}

/* ------------------------------------------------------------------------ */
/* interrupts                                                                */

static void r_update_irq(JRtl8168State *s)
{
    PCIDevice *d = PCI_DEVICE(s);
    bool level = (s->isr & s->imr) != 0;

    if (msi_enabled(d)) {
        if (level && !s->irq_level) {
            msi_notify(d, 0);               /* an edge: one message per rise */
        }
    } else {
        pci_set_irq(d, level);
    }
    s->irq_level = level;
}

static void r_raise(JRtl8168State *s, uint16_t causes)
{
    s->isr |= causes;
    r_update_irq(s);
}

/* ------------------------------------------------------------------------ */
/* the PHY                                                                   */

static uint16_t *phy_word(JRtl8168State *s, uint32_t ocp)
{
    return &s->ocp_phy[(ocp & 0xfffe) >> 1];
}

static uint16_t *phy_std(JRtl8168State *s, int reg)
{
    return phy_word(s, OCP_STD + 2 * reg);
}

static bool r_link(JRtl8168State *s)
{
    return s->cable && !(*phy_std(s, MII_BMCR) & MII_BMCR_PDOWN);
}

/* BMSR, ANLPAR, STAT1000 and PHYSR follow the cable: autonegotiation with a
 * 1000BASE-T full-duplex partner that advertises PAUSE and ASM_DIR (flow
 * control on, as a switch port or a Linux host has it) completes at once. */
static void phy_update_status(JRtl8168State *s)
{
    bool up = r_link(s);
    bool an = *phy_std(s, MII_BMCR) & MII_BMCR_AUTOEN;

    *phy_std(s, MII_BMSR) = 0x7949 | (up ? 0x0004 : 0) | (up && an ? 0x0020 : 0);
    *phy_std(s, MII_ANLPAR) = up && an ? PARTNER_ANLPAR : 0;
    *phy_std(s, MII_ANER) = up && an ? 0x0001 : 0;
    *phy_std(s, MII_STAT1000) = up && an ? 0x3800 : 0;
    *phy_word(s, OCP_PHYSR) = up ? 0x0020 | 0x0008 | 0x0004 : 0;
}

/* What autonegotiation resolved for pause (IEEE 802.3 Table 28B-3 with a partner
 * advertising PAUSE and ASM_DIR): PHYS_TXFLOW when our ANAR has PAUSE or
 * ASM_DIR, PHYS_RXFLOW when it has PAUSE; none without link or autonegotiation. */
static uint8_t r_flow(JRtl8168State *s)
{
    uint16_t anar = *phy_std(s, MII_ANAR), lp = *phy_std(s, MII_ANLPAR);
    uint8_t f = 0;

    if (!r_link(s) || !(*phy_std(s, MII_BMCR) & MII_BMCR_AUTOEN)) {
        return 0;
    }
    if ((anar & lp) & ANAR_PAUSE) {
        return PHYS_TXFLOW | PHYS_RXFLOW;
    }
    if ((anar & lp) & ANAR_ASM_DIR) {
        f |= (lp & ANAR_PAUSE) ? PHYS_TXFLOW : 0;
        f |= (anar & ANAR_PAUSE) ? PHYS_RXFLOW : 0;
    }
    return f;
}

/* Whether a full RX ring holds the sender (we send PAUSE) rather than drops. */
static bool r_pause_sender(JRtl8168State *s)
{
    phy_update_status(s);
    return r_flow(s) & PHYS_TXFLOW;
}

static void phy_reset(JRtl8168State *s)
{
    *phy_std(s, MII_BMCR) = MII_BMCR_AUTOEN | 0x0140; /* autoneg, full duplex, 1000 */
    *phy_std(s, MII_PHYID1) = R_PHY_ID1;
    *phy_std(s, MII_PHYID2) = R_PHY_ID2;
    *phy_std(s, MII_ANAR) = 0x01e1;
    *phy_std(s, MII_CTRL1000) = 0x0200;
    *phy_std(s, 15) = 0x3000;                   /* ESTATUS: 1000BASE-T full and half */
    phy_update_status(s);
}

static void r_link_changed(JRtl8168State *s, bool was_up);

static uint16_t phy_read(JRtl8168State *s, uint32_t ocp)
{
    ocp &= 0xfffe;
    if (ocp == OCP_PARAM_DATA) {
        return s->phy_param[*phy_word(s, OCP_PARAM_ADDR)];
    }
    if (ocp == OCP_STD + 2 * MII_BMSR || ocp == OCP_PHYSR) {
        phy_update_status(s);
    }
    return *phy_word(s, ocp);
}

static void phy_write(JRtl8168State *s, uint32_t ocp, uint16_t v)
{
    bool was_up = r_link(s);

    ocp &= 0xfffe;
    switch (ocp) {
    case OCP_PARAM_DATA:
        s->phy_param[*phy_word(s, OCP_PARAM_ADDR)] = v;
        return;
    case OCP_STD + 2 * MII_BMCR:
        if (v & MII_BMCR_RESET) {
            phy_reset(s);                       /* done at once: the bit reads 0 */
        } else {
            *phy_std(s, MII_BMCR) = v & ~MII_BMCR_ANRESTART;
        }
        phy_update_status(s);
        if ((v & (MII_BMCR_ANRESTART | MII_BMCR_RESET)) && r_link(s)) {
            r_raise(s, INT_LINKCHG);            /* autonegotiation completes */
        }
        r_link_changed(s, was_up);
        return;
    case OCP_STD + 2 * MII_BMSR:
    case OCP_STD + 2 * MII_PHYID1:
    case OCP_STD + 2 * MII_PHYID2:
    case OCP_STD + 2 * MII_ANLPAR:
    case OCP_STD + 2 * MII_STAT1000:
    case OCP_PHYSR:
        return;                                 /* read-only */
    default:
        *phy_word(s, ocp) = v;
    }
}

/* ------------------------------------------------------------------------ */
/* reset                                                                     */

static void r_soft_reset(JRtl8168State *s)
{
    /* CmdReset: rings, interrupts and the receive/transmit configuration back to
     * their defaults; the station address, multicast hash, config registers, PHY
     * and the indirect spaces keep their contents. */
    s->regs[R_CHIPCMD] = 0;
    s->imr = s->isr = 0;
    set32(s, R_TXCONFIG, (uint32_t)R_XID << 20);
    set32(s, R_RXCONFIG, 0);
    s->tx_idx = s->rx_idx = 0;
    s->txlen = 0;
    s->tx_in_packet = s->tx_overlong = false;
    s->tx_paused = false;
    r_update_irq(s);
}

static void r_power_on(JRtl8168State *s)
{
    const uint8_t *m = s->conf.macaddr.a;
    int i;

    memset(s->regs, 0, sizeof(s->regs));
    memset(s->mac_ocp, 0, sizeof(s->mac_ocp));
    memset(s->ocp_phy, 0, sizeof(s->ocp_phy));
    memset(s->phy_param, 0, sizeof(s->phy_param));
    memset(s->eri, 0, sizeof(s->eri));
    memset(s->ephy, 0, sizeof(s->ephy));
    memcpy(s->regs + R_MAC0, m, 6);
    s->eri[0][0xe0 >> 2] = ldl_le_p(m);         /* the MAC as the 8168evl and later keep it */
    s->eri[0][0xe4 >> 2] = lduw_le_p(m + 4);
    s->regs[0x52] = 0x0f;                       /* Config1 */
    phy_reset(s);
    *phy_word(s, OCP_SAW_CNT) = 125;            /* the PHY's saw counter (rtl_hw_start_8168h_1) */
    for (i = 0; i < 2; i++) {
        set32(s, R_MAR0 + 4 * i, 0);
    }
    r_soft_reset(s);
}

/* ------------------------------------------------------------------------ */
/* tally                                                                     */

static void r_counters(JRtl8168State *s, uint32_t lo)
{
    uint8_t t[64] = { 0 };
    uint64_t addr = ((uint64_t)reg32(s, R_CNT_HI) << 32) | (lo & ~0x3fu);

    if (lo & CNT_RESET) {
        s->t_tx_ok = s->t_rx_ok = s->t_tx_err = s->t_rx_unicast = s->t_rx_broadcast = 0;
        s->t_rx_err = s->t_rx_multicast = 0;
        s->t_rx_missed = s->t_align_err = s->t_tx_aborted = s->t_tx_underrun = 0;
    }
    if ((lo & CNT_DUMP) && r_bus_master(s)) {
        stq_le_p(t + 0, s->t_tx_ok);
        stq_le_p(t + 8, s->t_rx_ok);
        stq_le_p(t + 16, s->t_tx_err);
        stl_le_p(t + 24, s->t_rx_err);
        stw_le_p(t + 28, s->t_rx_missed);
        stw_le_p(t + 30, s->t_align_err);
        stq_le_p(t + 40, s->t_rx_unicast);
        stq_le_p(t + 48, s->t_rx_broadcast);
        stl_le_p(t + 56, s->t_rx_multicast);
        stw_le_p(t + 60, s->t_tx_aborted);
        stw_le_p(t + 62, s->t_tx_underrun);
        pci_dma_write(PCI_DEVICE(s), addr, t, sizeof(t));
    }
    set32(s, R_CNT_LO, lo & ~(CNT_DUMP | CNT_RESET)); /* done */
}

/* ------------------------------------------------------------------------ */
/* transmit                                                                  */

static bool r_tx_ready(JRtl8168State *s)
{
    return (s->regs[R_CHIPCMD] & CMD_TXENB) && r_link(s) && r_bus_master(s);
}

static void r_tx(JRtl8168State *s);

/* The wire took the frame it held: transmission resumes. */
static void r_tx_sent(NetClientState *nc, ssize_t len)
{
    JRtl8168State *s = qemu_get_nic_opaque(nc);

    s->tx_paused = false;
    r_tx(s);
}

static void r_tx_send(JRtl8168State *s, uint32_t opts2)
{
    uint8_t *f = s->txbuf;
    uint32_t len = s->txlen;

    if (s->tx_overlong || len < 14) {
        s->t_tx_err++;
        return;
    }
    if (opts2 & TX2_VLAN) {                     /* tag in opts2 bits 15:0, byte-swapped */
        memmove(f + 16, f + 12, len - 12);
        stw_be_p(f + 12, 0x8100);
        stw_be_p(f + 14, bswap16(opts2 & 0xffff));
        len += 4;
    }
    if (opts2 & (TX2_IP4CS | TX2_TCPCS | TX2_UDPCS)) {
        net_checksum_calculate(f, len, ((opts2 & TX2_IP4CS) ? CSUM_IP : 0) |
                               ((opts2 & TX2_TCPCS) ? CSUM_TCP : 0) |
                               ((opts2 & TX2_UDPCS) ? CSUM_UDP : 0));
    }
    if (opts2 & TX2_IP6CS) {
        qemu_log_mask(LOG_UNIMP, "jnetmap-rtl8168: IPv6 TX checksum offload\n");
    }
    if (len < 60) {                             /* the chip pads short frames */
        memset(f + len, 0, 60 - len);
        len = 60;
    }
    if (qemu_send_packet_async(qemu_get_queue(s->nic), f, len, r_tx_sent) == 0) {
        s->tx_paused = true;                    /* the peer's ring is full: wait for it */
    }
    s->t_tx_ok++;
}

/* The chip walks the TX ring from where it stands while it owns descriptors. */
static void r_tx(JRtl8168State *s)
{
    PCIDevice *d = PCI_DEVICE(s);
    uint64_t base = ((uint64_t)reg32(s, R_TXDESC_HI) << 32) | reg32(s, R_TXDESC_LO);
    uint8_t desc[16];
    bool sent = false;
    int guard;

    if (!r_tx_ready(s)) {
        return;                                 /* no link: the descriptors stay owned */
    }
    for (guard = 0; guard < R_RING_GUARD && !s->tx_paused; guard++) {
        uint64_t da = base + 16ull * s->tx_idx;
        uint32_t opts1, opts2, len;
        uint64_t addr;

        pci_dma_read(d, da, desc, sizeof(desc));
        opts1 = ldl_le_p(desc);
        if (!(opts1 & D_OWN)) {
            break;
        }
        opts2 = ldl_le_p(desc + 4);
        addr = ldq_le_p(desc + 8);
        len = opts1 & TX_LEN;
        if (opts1 & TX_LSO_BITS) {
            qemu_log_mask(LOG_UNIMP, "jnetmap-rtl8168: TX large send (opts1 0x%08x)\n", opts1);
        }
        if (opts1 & D_FS) {
            s->txlen = 0;
            s->tx_overlong = false;
            s->tx_in_packet = true;
        }
        if (!s->tx_in_packet) {
            qemu_log_mask(LOG_GUEST_ERROR, "jnetmap-rtl8168: TX descriptor %u without FS\n",
                          s->tx_idx);
        } else if (s->txlen + len > R_MAX_FRAME) {
            s->tx_overlong = true;
        } else {
            pci_dma_read(d, addr, s->txbuf + s->txlen, len);
            s->txlen += len;
        }
        if ((opts1 & D_LS) && s->tx_in_packet) {
            r_tx_send(s, opts2);
            s->tx_in_packet = false;
            sent = true;
        }
        stl_le_p(desc, opts1 & ~D_OWN);        /* given back */
        pci_dma_write(d, da, desc, 4);
        s->tx_idx = (opts1 & D_EOR) ? 0 : s->tx_idx + 1;
    }
    if (sent) {
        r_raise(s, INT_TXOK);
    }
}

/* ------------------------------------------------------------------------ */
/* receive                                                                   */

static bool r_rx_ready(JRtl8168State *s)
{
    return (s->regs[R_CHIPCMD] & CMD_RXENB) && r_link(s) && r_bus_master(s);
}

/* Whether the descriptor the chip stands at is the chip's. */
static bool r_rx_has_desc(JRtl8168State *s)
{
    uint64_t base = ((uint64_t)reg32(s, R_RXDESC_HI) << 32) | reg32(s, R_RXDESC_LO);
    uint8_t o[4];

    pci_dma_read(PCI_DEVICE(s), base + 16ull * s->rx_idx, o, 4);
    return ldl_le_p(o) & D_OWN;
}

/*
 * Arrival order across QEMU's queues. A frame we cannot take waits in our
 * incoming queue (receive() returned 0) or in the hub port's queue (can_receive
 * said no; the sender is paused). qemu_flush_queued_packets flushes the hub's
 * queues first and ours after, and the hub hands each frame to our queue with
 * qemu_net_queue_send, which delivers at once whenever can_receive says yes,
 * even ahead of older frames still in our queue (found in the lab: Linux's
 * r8169 saw p7->p6 out of order from frame 136,443 of 200,000). So while any
 * frame is held, can_receive says no: newer frames queue behind it, and only a
 * flush that delivered everything (r_receive refused nothing) ends the hold.
 */
static bool r_can_receive(NetClientState *nc)
{
    JRtl8168State *s = qemu_get_nic_opaque(nc);

    if (s->rx_held) {
        return false;
    }
    if (!r_rx_ready(s) || r_rx_has_desc(s) || !r_pause_sender(s)) {
        return true;                            /* taken, or dropped (and counted if missed) */
    }
    s->rx_held = true;
    timer_mod(s->rx_retry, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + SCALE_MS);
    return false;
}

/* Frames the hub held for us: taken now if the driver gave descriptors back. */
static void r_rx_retry(JRtl8168State *s)
{
    if (s->rx_held && (!r_rx_ready(s) || r_rx_has_desc(s) || !r_pause_sender(s))) {
        timer_del(s->rx_retry);
        s->rx_refused = false;
        qemu_flush_queued_packets(qemu_get_queue(s->nic)); /* rx_held stays set throughout */
        if (!s->rx_refused) {
            s->rx_held = false;
            /* a frame the hub queued after our flush began (a sender resumed
             * by its sent callback) goes straight in now: nothing older waits */
            qemu_flush_queued_packets(qemu_get_queue(s->nic));
        }
    }
}

static void r_rx_retry_cb(void *opaque)
{
    JRtl8168State *s = opaque;

    r_rx_retry(s);
    if (s->rx_held) {
        timer_mod(s->rx_retry, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + SCALE_MS);
    }
}

/* The multicast hash as Linux's rtl_set_rx_mode writes it for the 8168: bit
 * (crc >> 26) of a 64-bit filter whose two dwords are byte-swapped and exchanged. */
static bool r_mc_hash(JRtl8168State *s, const uint8_t *da)
{
    int bit = net_crc32(da, ETH_ALEN) >> 26;
    uint32_t w = bswap32(reg32(s, R_MAR0 + ((bit >> 5) ? 0 : 4)));

    return w & (1u << (bit & 31));
}

static bool r_accept(JRtl8168State *s, const uint8_t *f)
{
    uint32_t rc = reg32(s, R_RXCONFIG);

    if (is_broadcast_ether_addr(f)) {
        return rc & RX_AB;
    }
    if (is_multicast_ether_addr(f)) {
        return (rc & RX_AM) && r_mc_hash(s, f);
    }
    if (rc & RX_AAP) {
        return true;
    }
    return (rc & RX_APM) && !memcmp(f, s->regs + R_MAC0, 6);
}

static ssize_t r_receive(NetClientState *nc, const uint8_t *buf, size_t size)
{
    JRtl8168State *s = qemu_get_nic_opaque(nc);
    PCIDevice *d = PCI_DEVICE(s);
    uint64_t base = ((uint64_t)reg32(s, R_RXDESC_HI) << 32) | reg32(s, R_RXDESC_LO);
    uint8_t f[R_MAX_FRAME + 4], desc[16];
    uint32_t opts2 = 0, total, done = 0, idx, room = 0;
    size_t len = size;
    bool first = true;
    int n;

    if (!r_rx_ready(s) || size < 14 || size > R_MAX_FRAME) {
        return size;                            /* dropped on the wire */
    }
    if (!r_accept(s, buf)) {
        return size;
    }
    memcpy(f, buf, size);
    if ((reg16(s, R_CPCMD) & CPCMD_RXVLAN) && len >= 18 && lduw_be_p(f + 12) == 0x8100) {
        opts2 = RX2_VLAN | bswap16(lduw_be_p(f + 14)); /* stripped into opts2 */
        memmove(f + 12, f + 16, len - 16);
        len -= 4;
    }
    if (len < 60) {                             /* a frame on the wire is 64 bytes at least */
        memset(f + len, 0, 60 - len);
        len = 60;
    }
    stl_le_p(f + len, crc32(0, f, len));        /* the FCS, delivered as the chip does */
    total = len + 4;
    if (total > reg16(s, R_RXMAXSIZE)) {
        s->t_rx_err++;
        return size;
    }
    /* enough owned descriptors from where the chip stands? */
    for (idx = s->rx_idx, n = 0; room < total && n < R_RING_GUARD; n++) {
        uint32_t o;
        pci_dma_read(d, base + 16ull * idx, desc, 4);
        o = ldl_le_p(desc);
        if (!(o & D_OWN) || !(o & RX_LEN)) {
            break;
        }
        room += o & RX_LEN;
        idx = (o & D_EOR) ? 0 : idx + 1;
    }
    if (room < total && !r_pause_sender(s)) {
        /* the ring is full and no PAUSE was negotiated: missed, as silicon drops it */
        s->t_rx_missed++;
        r_raise(s, INT_RXOVERFLOW);
        return size;
    }
    if (room < total) {
        /* the ring is full: QEMU keeps the frame (receive_disabled) until r_rx_retry
         * flushes; the sender is held as the PAUSE we send would hold it */
        s->rx_held = s->rx_refused = true;
        timer_mod(s->rx_retry, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + SCALE_MS);
        return 0;
    }
    while (done < total) {
        uint64_t da = base + 16ull * s->rx_idx;
        uint32_t o, bsize, chunk;
        bool last;

        pci_dma_read(d, da, desc, sizeof(desc));
        o = ldl_le_p(desc);
        bsize = o & RX_LEN;
        chunk = MIN(bsize, total - done);
        pci_dma_write(d, ldq_le_p(desc + 8), f + done, chunk);
        done += chunk;
        last = done == total;
        stl_le_p(desc + 4, last ? opts2 : 0);
        stl_le_p(desc, (o & D_EOR) | (first ? D_FS : 0) | (last ? D_LS | total : bsize));
        pci_dma_write(d, da + 4, desc + 4, 4);
        pci_dma_write(d, da, desc, 4);          /* OWN cleared last */
        first = false;
        s->rx_idx = (o & D_EOR) ? 0 : s->rx_idx + 1;
    }
    s->t_rx_ok++;
    if (is_broadcast_ether_addr(buf)) {
        s->t_rx_broadcast++;
    } else if (is_multicast_ether_addr(buf)) {
        s->t_rx_multicast++;
    } else {
        s->t_rx_unicast++;
    }
    r_raise(s, INT_RXOK);
    return size;
}

/* ------------------------------------------------------------------------ */
/* link                                                                      */

static void r_link_changed(JRtl8168State *s, bool was_up)
{
    bool up = r_link(s);

    phy_update_status(s);
    if (up == was_up) {
        return;
    }
    r_raise(s, INT_LINKCHG);
    if (up) {
        r_tx(s);                                /* what the chip held goes out now */
    }
}

static void r_set_link_status(NetClientState *nc)
{
    JRtl8168State *s = qemu_get_nic_opaque(nc);
    bool was_up = r_link(s);

    s->cable = !nc->link_down;
    r_link_changed(s, was_up);
}

/* ------------------------------------------------------------------------ */
/* the indirect windows                                                      */

static void r_eriar(JRtl8168State *s, uint32_t v)
{
    int type = (v >> 16) & 3, dw = (v & 0xfff) >> 2;
    uint32_t mask = 0;
    int b;

    if (v & ACCESS_FLAG) {                      /* write: done when the flag clears */
        for (b = 0; b < 4; b++) {
            if (v & (1u << (12 + b))) {
                mask |= 0xffu << (8 * b);
            }
        }
        s->eri[type][dw] = (s->eri[type][dw] & ~mask) | (reg32(s, R_ERIDR) & mask);
        set32(s, R_ERIAR, v & ~ACCESS_FLAG);
    } else {                                    /* read: done when the flag sets */
        set32(s, R_ERIDR, s->eri[type][dw]);
        set32(s, R_ERIAR, v | ACCESS_FLAG);
    }
}

static void r_ephyar(JRtl8168State *s, uint32_t v)
{
    int reg = (v >> 16) & 0x1f;

    if (v & ACCESS_FLAG) {
        s->ephy[reg] = v & 0xffff;
        set32(s, R_EPHYAR, v & ~ACCESS_FLAG);
    } else {
        set32(s, R_EPHYAR, ACCESS_FLAG | (reg << 16) | s->ephy[reg]);
    }
}

/* GPHY_OCP: address in bits 31:16 (<< 15, even), data in 15:0, flag in 31 */
static void r_gphy_ocp(JRtl8168State *s, uint32_t v)
{
    uint32_t ocp = (v >> 15) & 0xfffe;

    if (v & ACCESS_FLAG) {
        phy_write(s, ocp, v & 0xffff);
        set32(s, R_GPHY_OCP, v & ~ACCESS_FLAG);
    } else {
        set32(s, R_GPHY_OCP, ACCESS_FLAG | (v & 0x7fff0000) | phy_read(s, ocp));
    }
}

/* PHYAR (MDIO, the older versions' way): the IEEE registers of the same PHY */
static void r_phyar(JRtl8168State *s, uint32_t v)
{
    int reg = (v >> 16) & 0x1f;

    if (v & ACCESS_FLAG) {
        phy_write(s, OCP_STD + 2 * reg, v & 0xffff);
        set32(s, R_PHYAR, v & ~ACCESS_FLAG);
    } else {
        set32(s, R_PHYAR, ACCESS_FLAG | (reg << 16) | phy_read(s, OCP_STD + 2 * reg));
    }
}

/* MAC OCP through OCPDR: no busy flag; a read's data is there at once */
static void r_ocpdr(JRtl8168State *s, uint32_t v)
{
    uint32_t a = (v >> 15) & 0xfffe;

    if (v & ACCESS_FLAG) {
        s->mac_ocp[a >> 1] = v & 0xffff;
        set32(s, R_OCPDR, v & ~ACCESS_FLAG);
    } else {
        set32(s, R_OCPDR, (v & 0x7fff0000) | s->mac_ocp[a >> 1]);
    }
}

/* CSI: the function's own PCIe configuration space, read-only here */
static void r_csiar(JRtl8168State *s, uint32_t v)
{
    PCIDevice *d = PCI_DEVICE(s);
    uint32_t a = v & 0xffc;

    if (v & ACCESS_FLAG) {
        set32(s, R_CSIAR, v & ~ACCESS_FLAG);
    } else {
        set32(s, R_CSIDR, a + 4 <= pci_config_size(d) ? pci_get_long(d->config + a) : 0);
        set32(s, R_CSIAR, v | ACCESS_FLAG);
    }
}

/* ------------------------------------------------------------------------ */
/* register accesses (8-, 16- and 32-bit)                                    */

static void r_sync_computed(JRtl8168State *s)
{
    uint8_t ps = r_link(s) ? PHYS_LINK | PHYS_FULLDUP | PHYS_1000MF : 0;

    phy_update_status(s);
    ps |= r_flow(s);

    stw_le_p(s->regs + R_IMR, s->imr);
    stw_le_p(s->regs + R_ISR, s->isr);
    s->regs[R_PHYSTATUS] = ps;
    s->regs[R_MCU] |= MCU_RXTX_EMPTY | MCU_LL_RDY; /* FIFOs drain at once */
    s->regs[R_TXPOLL] = 0;                       /* a poll is served at once */
    set32(s, R_TXCONFIG, reg32(s, R_TXCONFIG) | TXCFG_EMPTY);
}

static uint64_t r_read(void *opaque, hwaddr a, unsigned size)
{
    JRtl8168State *s = opaque;

    if (a + size > R_REGS) {
        return 0;
    }
    r_sync_computed(s);
    return ldn_le_p(s->regs + a, size);
}

static bool covers(hwaddr a, unsigned size, hwaddr reg)
{
    return reg >= a && reg < a + size;
}

static void r_write(void *opaque, hwaddr a, uint64_t val, unsigned size)
{
    JRtl8168State *s = opaque;
    uint8_t old_cmd = s->regs[R_CHIPCMD];
    uint32_t txcfg = reg32(s, R_TXCONFIG);
    unsigned i;

    if (a + size > R_REGS) {
        return;
    }
    if (size == 4) {
        switch (a) {
        case R_ERIAR: r_eriar(s, val); return;
        case R_EPHYAR: r_ephyar(s, val); return;
        case R_GPHY_OCP: r_gphy_ocp(s, val); return;
        case R_PHYAR: r_phyar(s, val); return;
        case R_OCPDR: r_ocpdr(s, val); return;
        case R_CSIAR: r_csiar(s, val); return;
        case R_CNT_LO: r_counters(s, val); return;
        }
    }
    /* IntrMask and IntrStatus: by the halves an access covers */
    if (covers(a, size, R_IMR) || covers(a, size, R_ISR)) {
        for (i = 0; i < size; i += 2) {
            hwaddr r = a + i;
            uint16_t v = (val >> (8 * i)) & (size == 1 ? 0xff : 0xffff);
            if (r == R_IMR) {
                s->imr = v;
            } else if (r == R_ISR) {
                s->isr &= ~v;                   /* write 1 to clear */
            }
        }
        r_update_irq(s);
        r_rx_retry(s);                          /* the end of a driver's RX pass */
        return;
    }
    stn_le_p(s->regs + a, size, val);
    if (covers(a, size, R_TXCONFIG + 3)) {      /* the XID is read-only */
        set32(s, R_TXCONFIG, (txcfg & TXCFG_XID_RO) | (reg32(s, R_TXCONFIG) & ~TXCFG_XID_RO));
    }
    if (covers(a, size, R_CHIPCMD)) {
        uint8_t cmd = s->regs[R_CHIPCMD];
        if (cmd & CMD_RESET) {
            r_soft_reset(s);
            return;
        }
        if ((cmd & CMD_TXENB) && !(old_cmd & CMD_TXENB)) {
            s->tx_idx = 0;                      /* TX starts at the ring's first descriptor */
            s->tx_in_packet = false;
        }
        if ((cmd & CMD_RXENB) && !(old_cmd & CMD_RXENB)) {
            s->rx_idx = 0;
        }
        s->regs[R_CHIPCMD] = cmd & ~CMD_STOPREQ;
    }
    if (covers(a, size, R_TXPOLL)) {
        uint8_t p = s->regs[R_TXPOLL];
        s->regs[R_TXPOLL] = 0;
        if (p & TXPOLL_HPQ) {
            qemu_log_mask(LOG_UNIMP, "jnetmap-rtl8168: high-priority TX ring\n");
        }
        if (p & TXPOLL_FSWINT) {
            r_raise(s, INT_SWINT);
        }
        if (p & TXPOLL_NPQ) {
            r_tx(s);
        }
    }
}

static const MemoryRegionOps r_ops = {
    .read = r_read,
    .write = r_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* ------------------------------------------------------------------------ */
/* QEMU device glue                                                          */

static NetClientInfo r_net_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .can_receive = r_can_receive,
    .receive = r_receive,
    .link_status_changed = r_set_link_status,
};

static void r_realize(PCIDevice *d, Error **errp)
{
    JRtl8168State *s = JRTL8168(d);

    d->config[PCI_CACHE_LINE_SIZE] = 0x10;
    d->config[PCI_INTERRUPT_PIN] = 1;
    pci_set_word(d->config + PCI_SUBSYSTEM_VENDOR_ID, 0x10ec);
    pci_set_word(d->config + PCI_SUBSYSTEM_ID, 0x0123);

    /* BAR0 I/O, BAR2 64-bit memory: the same registers (Linux uses the first memory BAR) */
    memory_region_init_io(&s->io, OBJECT(s), &r_ops, s, "rtl8168-io", R_IO_SIZE);
    pci_register_bar(d, 0, PCI_BASE_ADDRESS_SPACE_IO, &s->io);
    memory_region_init_io(&s->mmio, OBJECT(s), &r_ops, s, "rtl8168-mmio", R_MMIO_SIZE);
    pci_register_bar(d, 2, PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64,
                     &s->mmio);

    /* capabilities where the chip has them: PM 0x40, MSI 0x50, PCIe 0x70 */
    if (pci_pm_init(d, 0x40, errp) < 0) {
        return;
    }
    if (msi_init(d, 0x50, 1, true, false, errp) < 0) {
        return;
    }
    if (pcie_endpoint_cap_init(d, 0x70) < 0) {
        error_setg(errp, "rtl8168: PCIe capability");
        return;
    }
    pcie_aer_init(d, 1, 0x100, 0x40, NULL);

    qemu_macaddr_default_if_unset(&s->conf.macaddr);
    s->nic = qemu_new_nic(&r_net_info, &s->conf, object_get_typename(OBJECT(s)),
                          DEVICE(d)->id, &DEVICE(d)->mem_reentrancy_guard, s);
    qemu_format_nic_info_str(qemu_get_queue(s->nic), s->conf.macaddr.a);
    s->cable = !qemu_get_queue(s->nic)->link_down;
    s->rx_retry = timer_new_ns(QEMU_CLOCK_VIRTUAL, r_rx_retry_cb, s);
    r_power_on(s);
}

static void r_exit(PCIDevice *d)
{
    JRtl8168State *s = JRTL8168(d);

    timer_free(s->rx_retry);
    qemu_del_nic(s->nic);
    msi_uninit(d);
    pcie_aer_exit(d);
    pcie_cap_exit(d);
}

static void r_reset_hold(Object *obj, ResetType type)
{
    JRtl8168State *s = JRTL8168(obj);

    r_power_on(s);
    if (s->rx_held) {       /* what QEMU still queues for us is flushed (and dropped: RX is off) */
        timer_mod(s->rx_retry, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + SCALE_MS);
    }
    s->irq_level = false;
}

static const VMStateDescription r_vmstate = {
    .name = "jnetmap-rtl8168",
    .unmigratable = 1,
};

static const Property r_properties[] = {
    DEFINE_NIC_PROPERTIES(JRtl8168State, conf),
};

static void r_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);
    PCIDeviceClass *c = PCI_DEVICE_CLASS(klass);

    c->realize = r_realize;
    c->exit = r_exit;
    c->vendor_id = 0x10ec;                      /* Realtek */
    c->device_id = 0x8168;
    c->revision = 0x15;
    c->class_id = PCI_CLASS_NETWORK_ETHERNET;
    rc->phases.hold = r_reset_hold;
    dc->desc = "Realtek RTL8168h/8111h (XID 0x541), jnetmap lab model";
    dc->vmsd = &r_vmstate;
    device_class_set_props(dc, r_properties);
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);
}

static const TypeInfo r_info = {
    .name = TYPE_JRTL8168,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(JRtl8168State),
    .class_init = r_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void r_register_types(void)
{
    type_register_static(&r_info);
}

type_init(r_register_types)
