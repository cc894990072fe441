/*
 * jnetmap lab: an Intel 82599 10 GbE controller (device 8086:10F7, KX4 backplane).
 *
 * Written for jnetmap's emulated lab from the Intel 82599 10 GbE Controller
 * Datasheet (register map, descriptor formats, interrupt and reset rules) and
 * from what the Linux ixgbe driver and DPDK's ixgbe PMD are known to touch and
 * wait for. It uses QEMU's device API only: PCI/PCIe, MSI-X, MSI, INTx, the
 * net client layer and the net_tx_pkt helpers (TX checksum and TSO).
 *
 * Why KX4 backplane (10F7) by default: the drivers identify the media from the
 * device ID. For backplane parts they bring the link up from AUTOC/LINKS alone:
 * the simplest faithful path to "link up at 10 Gb/s".
 *
 * media=sfp makes the port an X520 (82599ES SFP+, 10FB) with a 10GBASE-SR
 * module in its cage: the module's SFF-8472 serial ID (A0h) answers on the
 * I2C bus that drivers bit-bang through I2CCTL (a strict I2C slave: START/STOP
 * are DATA edges while CLOCK is high, bits sampled on CLOCK's rise, one byte
 * per read or sequential reads while the master acknowledges); the laser is lit
 * only while ESDP.SDP3 is an output driven low (the module's TX_DISABLE, as
 * Linux's ixgbe and DPDK switch it); the link is up only with the laser lit,
 * AUTOC.LMS 10 GbE serial and AUTOC2's serial PMA/PMD SFI. The NVM gets the SFP
 * init-sequence list that Linux's ixgbe walks for 82599 SFP+ parts (word 0x2B
 * points at (SFP type, data offset) pairs ending 0xFFFF; each data block ends
 * 0xFFFF): entries for direct-attach and SR/LR on both LAN cores, with empty
 * analog sequences (this SerDes has nothing to tune; CORECTL writes are kept
 * as plain register values). At power-up the NVM leaves SDP3 an output, low
 * (laser lit); ESDP survives a software reset. SDP2 (an input) reads high: the
 * cage is full (Linux checks it before it believes LINKS.UP on an 82599 SFP+
 * part whose NVM does not waive the crosstalk check, as this one does not).
 *
 * Where the silicon is strict, so is this model: TX DMA stops while the link
 * is down, register writes during a reset are ignored, descriptors are fetched
 * only from enabled queues, statistics clear on read. Link flow control is
 * real 802.3x: a receiver whose packet buffer passes its XOFF threshold sends a
 * PAUSE frame on the wire (QEMU's pcap shows it) and a partner that honours
 * PAUSE (MFLCN.RFCE) stops transmitting for the pause time or until XON; a
 * partner that does not keeps sending and the receiver misses what its buffer
 * cannot hold (MPC), as the silicon does.
 *
 * Not modelled (a driver that needs them gets a plain register): flow director
 * filtering (FDIR commands complete but do not steer), 5-tuple/ethertype/SYN
 * filters, VMDq pools, DCB arbitration, RSC, header split (treated as one
 * buffer), IPsec/FCoE offloads, receive checksum offload (no IPCS/L4CS status:
 * drivers then check checksums in software), interrupt throttling (EITR is
 * stored, interrupts are not delayed), PHY/SFP management (no PHY answers MDIO).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/iov.h"
#include "qemu/timer.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/range.h"
#include "net/net.h"
#include "net/eth.h"
#include "hw/hw.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "net_tx_pkt.h"
#include <zlib.h>

#define TYPE_J82599 "jnetmap-82599"
OBJECT_DECLARE_SIMPLE_TYPE(J82599State, J82599)

#define J_DEVICE_ID        0x10F7   /* 82599 KX4 backplane */
#define J_DEVICE_ID_SFP    0x10FB   /* 82599ES SFP+ (X520), media=sfp */
#define J_MMIO_SIZE        (512 * KiB)
#define J_IO_SIZE          32
#define J_MSIX_SIZE        (16 * KiB)
#define J_MSIX_PBA         0x2000
#define J_VECTORS          64
#define J_QUEUES           128
#define J_EEPROM_WORDS     1024     /* EEC.SIZE = 4: 2^(4+6) words */
#define J_RESET_NS         3000     /* a software reset lasts 3 us */
#define J_MAX_FRAME        (16 * KiB)

/* --- register offsets (datasheet chapter 8) ---------------------------- */
#define R_CTRL        0x00000
#define R_STATUS      0x00008
#define R_CTRL_EXT    0x00018
#define R_ESDP        0x00020
#define R_I2CCTL      0x00028
#define R_EICR        0x00800
#define R_EICS        0x00808
#define R_EIAC        0x00810
#define R_EITR0       0x00820
#define R_EIMS        0x00880
#define R_EIMC        0x00888
#define R_EIAM        0x00890
#define R_GPIE        0x00898
#define R_IVAR0       0x00900
#define R_IVAR_MISC   0x00A00
#define R_EICS_EX0    0x00A90
#define R_EIMS_EX0    0x00AA0
#define R_EIMC_EX0    0x00AB0
#define R_EIAM_EX0    0x00AD0
#define R_SRRCTL0     0x02100   /* n < 16 alias of RX block + 0x14 */
#define R_DCA_RXCTRL0 0x02200   /* n < 16 alias of RX block + 0x0C */
#define R_RQSMR0      0x02300
#define R_RDRXCTL     0x02F00
#define R_RXCTRL      0x03000
#define R_RXPBSIZE0   0x03C00
#define R_FCTTV0      0x03200   /* pause time for the XOFF this port sends */
#define R_FCRTL0      0x03220   /* XON threshold (bytes, 32-byte units) | XONE */
#define R_FCRTH0      0x03260   /* XOFF threshold | FCEN */
#define R_FCRTV       0x032A0   /* XOFF refresh time (quanta) */
#define R_FCCFG       0x03D00
#define R_MFLCN       0x04294
#define R_RXCSUM      0x05000
#define R_FCTRL       0x05080
#define R_VLNCTRL     0x05088
#define R_MCSTCTRL    0x05090
#define R_MTA0        0x05200
#define R_RAL_LO      0x05400   /* RAL/RAH 0..15 alias of 0xA200 */
#define R_MRQC        0x05818
#define R_RETA0       0x05C00
#define R_RSSRK0      0x05C80
#define R_HLREG0      0x04240
#define R_MAXFRS      0x04268
#define R_AUTOC       0x042A0
#define R_LINKS       0x042A4
#define R_AUTOC2      0x042A8
#define R_ANLP1       0x042B0
#define R_MSCA        0x0425C
#define R_MSRWD       0x04260
#define R_DMATXCTL    0x04A80
#define R_TQSM0       0x08600
#define R_SECTXSTAT   0x08804
#define R_SECRXSTAT   0x08D04
#define R_TXPBSIZE0   0x0CC00
#define R_VFTA0       0x0A000
#define R_RAL0        0x0A200
#define R_FDIRCTRL    0x0EE00
#define R_FDIRCMD     0x0EE2C
#define R_EEC         0x10010
#define R_EERD        0x10014
#define R_EEWR        0x10018
#define R_SWSM        0x10140
#define R_FWSM        0x10148
#define R_SW_FW_SYNC  0x10160

/* queue register blocks: RX n<64 at 0x1000+0x40n, n>=64 at 0xD000; TX at 0x6000 */
#define Q_BAL   0x00
#define Q_BAH   0x04
#define Q_LEN   0x08
#define Q_DCA   0x0C    /* RX: DCA_RXCTRL */
#define Q_H     0x10
#define Q_SRRCTL 0x14   /* RX */
#define Q_T     0x18
#define Q_DCTL  0x28
#define Q_WBAL  0x38    /* TX head write-back */
#define Q_WBAH  0x3C

/* bits */
#define CTRL_GIO_DIS     (1u << 2)
#define CTRL_LNK_RST     (1u << 3)
#define CTRL_RST         (1u << 26)
#define STATUS_LINK_UP   (1u << 7)
#define STATUS_GIO       (1u << 19)
#define EICR_RTX_QUEUE   0x0000FFFFu
#define EICR_LSC         (1u << 20)
#define EICR_OTHER_MASK  0x7FFF0000u
#define EICR_TCP_TIMER   (1u << 30)
#define GPIE_MSIX_MODE   (1u << 4)
#define GPIE_OCD         (1u << 5)
#define GPIE_EIAME       (1u << 30)
#define IVAR_VALID       0x80
#define DCTL_ENABLE      (1u << 25)
#define RXDCTL_VME       (1u << 30)
#define SRRCTL_BSIZE_MASK 0x7Fu
#define SRRCTL_DESCTYPE_SHIFT 25
#define SRRCTL_DROP_EN   (1u << 28)
#define RDRXCTL_DMAIDONE (1u << 3)
#define RXCTRL_RXEN      (1u << 0)
#define DMATXCTL_TE      (1u << 0)
#define HLREG0_RXCRCSTRP (1u << 1)
#define HLREG0_JUMBOEN   (1u << 2)
#define HLREG0_TXPADEN   (1u << 10)
#define HLREG0_LPBK      (1u << 15)
#define FCCFG_TFCE_8023X (1u << 3)   /* send link PAUSE frames */
#define FCRTH_FCEN       (1u << 31)
#define FCRTL_XONE       (1u << 31)
#define FC_THRESH_MASK   0x7FFE0u     /* bits 18:5, in bytes */
#define MFLCN_PMCF       (1u << 0)    /* pass MAC control frames to the host */
#define MFLCN_RFCE       (1u << 3)    /* honour received link PAUSE frames */
#define FCTRL_SBP        (1u << 1)
#define FCTRL_MPE        (1u << 8)
#define FCTRL_UPE        (1u << 9)
#define FCTRL_BAM        (1u << 10)
#define VLNCTRL_VFE      (1u << 30)
#define MCSTCTRL_MFE     (1u << 2)
#define RAH_AV           (1u << 31)
#define RXCSUM_PCSD      (1u << 13)
#define EEC_EE_REQ       (1u << 6)
#define EEC_EE_GNT       (1u << 7)
#define EEC_PRES         (1u << 8)
#define EEC_ARD          (1u << 9)
#define EEC_ADDR_SIZE    (1u << 10)
#define EEC_SIZE_SHIFT   11
#define EERW_START       (1u << 0)
#define EERW_DONE        (1u << 1)
#define SWSM_SMBI        (1u << 0)
#define MSCA_MDICMD      (1u << 30)
#define LINKS_UP         (1u << 30)
#define LINKS_SPEED_10G  (3u << 28)
#define LINKS_KX_AN_COMP (1u << 31)
#define LINKS_STATUS     (1u << 7)
#define AUTOC2_LINK_DISABLE (3u << 28)
#define AUTOC_LMS_MASK   (7u << 13)
#define AUTOC_LMS_10G_SERIAL (3u << 13)
#define AUTOC2_PMA_PMD_MASK (3u << 16)
#define AUTOC2_PMA_PMD_SFI  (2u << 16)
#define ESDP_SDP3        (1u << 3)      /* the SFP+ module's TX_DISABLE on X520 boards */
#define ESDP_SDP3_DIR    (1u << 11)     /* SDP3 an output */
#define ESDP_SDP2        (1u << 2)      /* X520 boards: high while a module sits in the cage */
#define ESDP_SDP2_DIR    (1u << 10)
#define I2C_CLK_IN       (1u << 0)
#define I2C_CLK_OUT      (1u << 1)
#define I2C_DATA_IN      (1u << 2)
#define I2C_DATA_OUT     (1u << 3)
#define SFP_I2C_ADDR     0xA0           /* SFF-8472 serial ID */
#define FDIRCTRL_INIT_DONE (1u << 3)
#define SECRX_RDY        (1u << 0)
#define SECTX_RDY        (1u << 0)

/* MRQC hash-field enables */
#define MRQC_MRQE_MASK   0xFu
#define MRQC_TCP4        (1u << 16)
#define MRQC_IP4         (1u << 17)
#define MRQC_IP6         (1u << 20)
#define MRQC_TCP6        (1u << 21)
#define MRQC_UDP4        (1u << 22)
#define MRQC_UDP6        (1u << 23)

/* statistics (clear on read) */
#define S_CRCERRS 0x4000
#define S_PRC64   0x405C
#define S_GPRC    0x4074
#define S_BPRC    0x4078
#define S_MPRC    0x407C
#define S_GPTC    0x4080
#define S_GORCL   0x4088
#define S_GOTCL   0x4090
#define S_ROC     0x40AC
#define S_TORL    0x40C0
#define S_TPR     0x40D0
#define S_TPT     0x40D4
#define S_PTC64   0x40D8
#define S_MPTC    0x40F0
#define S_BPTC    0x40F4
#define S_MPC0    0x3FA0
#define S_LXONTXC  0x3F60
#define S_LXOFFTXC 0x3F68
#define S_LXONRXCNT  0x41A4
#define S_LXOFFRXCNT 0x41A8
#define S_RNBC0   0x3FC0
#define S_RXNFGPC 0x41B0
#define S_RXDGPC  0x2F50
#define S_TXDGPC  0x87A0
#define S_QPRC(i)  (0x1030 + 0x40 * (i))
#define S_QBRC(i)  (0x1034 + 0x40 * (i))
#define S_QPRDC(i) (0x1430 + 0x40 * (i))
#define S_QPTC(i)  (0x6030 + 0x40 * (i))
#define S_QBTC(i)  (0x8700 + 0x8 * (i))

/* EEPROM words (datasheet section 6) */
#define EE_LAN0_PTR      0x09
#define EE_CHECKSUM      0x3F
#define EE_CHECKSUM_SUM  0xBABA
#define EE_LAN0_SECTION  0x80       /* where our LAN core 0 module lives */
#define EE_PHY_INIT_PTR  0x2B       /* SFP+ parts: the SFP init-sequence list */
#define EE_SFP_LIST      0x90       /* media=sfp: the list, then the data blocks */
#define EE_FW_PTR        0x0F       /* the firmware module */
#define EE_FW_SECTION    0xB0       /* media=sfp: our firmware module, then its patch block */

typedef enum { I2C_IDLE, I2C_RECEIVE, I2C_ACK_OUT, I2C_SEND, I2C_ACK_IN } J82599I2cPhase;

/* The SFP+ cage's bus as the module sees it (open drain: a line is low if either side pulls it). */
typedef struct J82599Sfp {
    uint8_t a0[256];          /* the module's serial ID, SFF-8472 page A0h */
    bool clk, data;           /* the master's outputs (true = released) */
    bool slave_data;          /* the module's DATA output */
    J82599I2cPhase phase;
    bool address_byte, reading, master_acked;
    int bits;
    uint8_t shift, pointer;
} J82599Sfp;

typedef struct J82599TxContext {
    uint32_t vlan_macip_lens;
    uint32_t type_tucmd;
    uint32_t mss_l4len_idx;
} J82599TxContext;

typedef struct J82599TxQueue {
    struct NetTxPkt *pkt;
    J82599TxContext ctx[2];
    bool in_packet;          /* fragments gathered, EOP not yet seen */
    uint32_t first_cmd;      /* cmd_type_len of the packet's first data descriptor */
    uint32_t first_olinfo;
    uint16_t legacy_vlan;
    bool legacy;
    bool skip;               /* a fragment failed to map: drop the packet at EOP */
} J82599TxQueue;

struct J82599State {
    PCIDevice parent_obj;
    MemoryRegion mmio;
    MemoryRegion io;
    MemoryRegion msix;
    NICState *nic;
    NICConf conf;

    uint32_t regs[J_MMIO_SIZE / 4];
    uint16_t eeprom[J_EEPROM_WORDS];
    uint32_t ioaddr;
    char *media;              /* property: "kx4" (default) or "sfp" */
    bool sfp;
    J82599Sfp cage;

    int64_t reset_until;      /* QEMU_CLOCK_VIRTUAL ns; 0 = not in reset */
    QEMUTimer *reset_timer;
    bool link_up;             /* as last reported to the driver */
    GQueue rx_pb;             /* the packet buffer: frames waiting for descriptors, in order */
    size_t rx_pb_bytes;
    bool tx_paused;           /* the wire holds a frame of ours: TX waits for it to go */
    bool xoff_sent;           /* we asked the partner to pause and sent no XON since */
    int64_t xoff_at;          /* when we sent the last XOFF */
    int64_t pause_until;      /* QEMU_CLOCK_VIRTUAL ns: the partner's PAUSE holds our TX */
    QEMUTimer *pause_timer;   /* TX resumes when the pause time is over (or on XON) */

    uint64_t ext_cause;       /* MSI-X vectors 16..63 pending */
    uint64_t ext_mask;        /* MSI-X vectors 16..63 enabled */
    uint64_t ext_automask;    /* EIAM_EX for vectors 16..63 */
    uint64_t vec_asserted;    /* MSI-X vectors whose message was sent for the current cause */
    bool msi_asserted;

    J82599TxQueue tx[J_QUEUES];
    uint8_t frame[J_MAX_FRAME + 64];
    uint8_t txframe[64 * KiB + 64];
};

static inline uint32_t rxq_base(int n)
{
    return n < 64 ? 0x1000 + 0x40 * n : 0xD000 + 0x40 * (n - 64);
}

static inline uint32_t txq_base(int n)
{
    return 0x6000 + 0x40 * n;
}

#define REG(s, off) ((s)->regs[(off) >> 2])

/* Canonical offset of a register that has two addresses. */
static hwaddr j_canon(hwaddr a)
{
    if (a >= R_SRRCTL0 && a < R_SRRCTL0 + 16 * 4) {
        return rxq_base((a - R_SRRCTL0) / 4) + Q_SRRCTL;
    }
    if (a >= R_DCA_RXCTRL0 && a < R_DCA_RXCTRL0 + 16 * 4) {
        return rxq_base((a - R_DCA_RXCTRL0) / 4) + Q_DCA;
    }
    if (a >= R_RAL_LO && a < R_RAL_LO + 16 * 8) {
        return R_RAL0 + (a - R_RAL_LO);
    }
    return a;
}

/* Is this register a statistic that clears when read? */
static bool j_clear_on_read(hwaddr a)
{
    if ((a >= 0x3F00 && a < 0x4000) || (a >= 0x4000 && a < 0x4200)) {
        return true;
    }
    if (a >= 0x1000 && a < 0x1400 && (a & 0x3F) >= 0x30 && (a & 0x3F) <= 0x38) {
        return true;                        /* QPRC, QBRC_L/H (16 counters) */
    }
    if (a >= 0x1400 && a < 0x1800 && (a & 0x3F) == 0x30) {
        return true;                        /* QPRDC */
    }
    if (a >= 0x6000 && a < 0x6400 && (a & 0x3F) == 0x30) {
        return true;                        /* QPTC */
    }
    return (a >= 0x8700 && a < 0x8784) || (a >= 0x87A0 && a < 0x87AC) ||
           (a >= 0x2F50 && a < 0x2F78) || a == 0xCF90 || a == 0xEE58 || a == 0xEE5C;
}

static inline void stat_add(J82599State *s, hwaddr off, uint32_t n)
{
    REG(s, off) += n;
}

static inline void stat_add64(J82599State *s, hwaddr lo, uint64_t n)
{
    uint64_t v = ((uint64_t)REG(s, lo + 4) << 32 | REG(s, lo)) + n;
    REG(s, lo) = (uint32_t)v;
    REG(s, lo + 4) = (uint32_t)(v >> 32);
}

static bool j_in_reset(J82599State *s)
{
    return s->reset_until != 0;
}

static bool j_bus_master(J82599State *s)
{
    return PCI_DEVICE(s)->config[PCI_COMMAND] & PCI_COMMAND_MASTER;
}

/* ------------------------------------------------------------------------ */
/* EEPROM / NVM                                                              */

static void j_eeprom_init(J82599State *s)
{
    const uint8_t *mac = s->conf.macaddr.a;
    uint16_t *e = s->eeprom;
    uint16_t sum = 0;
    int i;

    for (i = 0; i < J_EEPROM_WORDS; i++) {
        e[i] = 0xFFFF;                    /* erased */
    }
    e[0x00] = 0x0000;                     /* EEPROM control word 1 */
    e[0x01] = 0x0000;                     /* EEPROM control word 2 */
    e[0x02] = 0x0000;
    /* module pointers 0x03..0x0F: only LAN core 0 is present */
    e[EE_LAN0_PTR] = EE_LAN0_SECTION;
    e[0x15] = 0x1234;                     /* PBA number (two words, not a pointer) */
    e[0x16] = 0x5678;
    for (i = 0x17; i < EE_CHECKSUM; i++) {
        e[i] = 0xFFFF;
    }
    e[0x2C] = 0x0000;                     /* device capabilities */
    /* LAN core 0 module: word 0 = length, words 1..3 = the port's Ethernet address */
    e[EE_LAN0_SECTION] = 3;
    e[EE_LAN0_SECTION + 1] = mac[0] | mac[1] << 8;
    e[EE_LAN0_SECTION + 2] = mac[2] | mac[3] << 8;
    e[EE_LAN0_SECTION + 3] = mac[4] | mac[5] << 8;
    if (s->sfp) {
        /*
         * The SFP init-sequence list (Linux: ixgbe_get_sfp_init_sequence_offsets):
         * word 0x2B points one word before (SFP type, data offset) pairs that end
         * with 0xFFFF. Types: 3/4 direct-attach copper on LAN core 0/1, 5/6 SR/LR
         * on core 0/1 (active cables and 1G modules use the SR/LR entry). A data
         * block's first word is skipped, then words go to CORECTL until 0xFFFF.
         */
        static const uint16_t types[] = { 3, 4, 5, 6 };
        uint16_t list = EE_SFP_LIST, data = EE_SFP_LIST + 1 + 2 * 4 + 1;
        int k;
        e[EE_PHY_INIT_PTR] = list;
        for (k = 0; k < 4; k++) {
            e[list + 1 + 2 * k] = types[k];
            e[list + 2 + 2 * k] = data + 2 * k;
            e[data + 2 * k] = 0x0000;       /* the block's first word (skipped) */
            e[data + 2 * k + 1] = 0xFFFF;   /* no analog settings: the end */
        }
        e[list + 1 + 2 * 4] = 0xFFFF;       /* end of the list */
        /*
         * The firmware module (word 0x0F): on SFI parts Intel's shared code reads
         * the pass-through patch version (module word 4 points at the patch
         * block, whose word 7 is the version) and wants it above 5, else it
         * reports a pre-production EEPROM (Linux warns; DPDK's PMD refuses the
         * port). Word 2, the LESM parameters pointer, stays erased: no LESM.
         */
        e[EE_FW_PTR] = EE_FW_SECTION;
        e[EE_FW_SECTION + 4] = EE_FW_SECTION + 8;
        e[EE_FW_SECTION + 8 + 7] = 0x0006;
    }

    /*
     * Checksum (datasheet 6.3.x): words 0x00..0x3F plus every module a pointer
     * in 0x03..0x0E points to (length word excluded) sum to 0xBABA.
     */
    for (i = 0; i < EE_CHECKSUM; i++) {
        sum += e[i];
    }
    for (i = 0x03; i < 0x0F; i++) {
        uint16_t p = e[i], len, j;
        if (p == 0 || p == 0xFFFF || p >= J_EEPROM_WORDS) {
            continue;
        }
        len = e[p];
        if (len == 0 || len == 0xFFFF || p + len >= J_EEPROM_WORDS) {
            continue;
        }
        for (j = p + 1; j <= p + len; j++) {
            sum += e[j];
        }
    }
    e[EE_CHECKSUM] = EE_CHECKSUM_SUM - sum;
}

/* The MAC address the chip loads from LAN core 0 into RAL0/RAH0 at reset. */
static void j_load_mac(J82599State *s)
{
    const uint16_t *m = &s->eeprom[s->eeprom[EE_LAN0_PTR] + 1];
    REG(s, R_RAL0) = m[0] | (uint32_t)m[1] << 16;
    REG(s, R_RAL0 + 4) = m[2] | RAH_AV;
}

/* ------------------------------------------------------------------------ */
/* interrupts                                                                */

static bool j_msix_mode(J82599State *s)
{
    return msix_enabled(PCI_DEVICE(s)) && (REG(s, R_GPIE) & GPIE_MSIX_MODE);
}

static bool j_vec_pending(J82599State *s, int v)
{
    return v < 16 ? REG(s, R_EICR) & (1u << v) : (s->ext_cause >> v) & 1;
}

static bool j_vec_enabled(J82599State *s, int v)
{
    return v < 16 ? REG(s, R_EIMS) & (1u << v) : (s->ext_mask >> v) & 1;
}

/*
 * The enabled non-queue causes vector v carries: IVAR_MISC byte 0 maps the TCP
 * timer (EICR bit 30), byte 1 every other cause (LSC, GPI, ...).
 */
static uint32_t j_misc_causes(J82599State *s, int v)
{
    uint32_t misc = REG(s, R_IVAR_MISC), causes = 0;
    uint32_t pending = REG(s, R_EICR) & REG(s, R_EIMS) & EICR_OTHER_MASK;
    uint8_t timer = misc, other = misc >> 8;

    if ((timer & IVAR_VALID) && v == (timer & 0x3F)) {
        causes |= pending & EICR_TCP_TIMER;
    }
    if ((other & IVAR_VALID) && v == (other & 0x3F)) {
        causes |= pending & ~EICR_TCP_TIMER;
    }
    return causes;
}

static bool j_misc_level(J82599State *s, int v)
{
    return j_misc_causes(s, v) != 0;
}

static bool j_vec_level(J82599State *s, int v)
{
    return (j_vec_pending(s, v) && j_vec_enabled(s, v)) || j_misc_level(s, v);
}

/*
 * Sends the MSI-X messages, the MSI message or the INTx level the state calls
 * for. MSI-X and MSI are edge-triggered: a message goes out when a vector's
 * enabled cause appears, then auto-clear (EIAC; vectors 16-63 always) and
 * auto-mask (GPIE.EIAME with EIAM) apply.
 */
static void j_update_irq(J82599State *s)
{
    PCIDevice *d = PCI_DEVICE(s);
    bool eiame = REG(s, R_GPIE) & GPIE_EIAME;

    if (j_msix_mode(s)) {
        int v;
        for (v = 0; v < J_VECTORS; v++) {
            uint64_t bit = 1ull << v;
            if (!j_vec_level(s, v)) {
                s->vec_asserted &= ~bit;
                continue;
            }
            if (s->vec_asserted & bit) {
                continue;                   /* message already sent for this cause */
            }
            if (j_misc_level(s, v)) {
                uint32_t other = j_misc_causes(s, v);
                REG(s, R_EICR) &= ~(other & REG(s, R_EIAC));
                if (eiame) {
                    REG(s, R_EIMS) &= ~(other & REG(s, R_EIAM));
                }
            }
            if (v < 16) {
                if (REG(s, R_EIAC) & (1u << v)) {
                    REG(s, R_EICR) &= ~(1u << v);
                }
                if (eiame && ((REG(s, R_EIAM) | REG(s, R_EIAM_EX0)) & (1u << v))) {
                    REG(s, R_EIMS) &= ~(1u << v);
                }
            } else {
                s->ext_cause &= ~bit;
                if (eiame && (s->ext_automask & bit)) {
                    s->ext_mask &= ~bit;
                }
            }
            msix_notify(d, v);
            if (j_vec_level(s, v)) {
                s->vec_asserted |= bit;     /* cause stays: no new message until it clears */
            } else {
                s->vec_asserted &= ~bit;
            }
        }
        pci_set_irq(d, 0);
        return;
    }

    bool level = REG(s, R_EICR) & REG(s, R_EIMS);
    if (msi_enabled(d)) {
        if (level && !s->msi_asserted) {
            msi_notify(d, 0);
            if (eiame) {
                REG(s, R_EIMS) &= ~REG(s, R_EIAM);
            }
        }
        s->msi_asserted = REG(s, R_EICR) & REG(s, R_EIMS);
        pci_set_irq(d, 0);
    } else {
        pci_set_irq(d, level);
    }
}

/* A queue event (RX written back / TX done) for the cause IVAR maps it to. */
static void j_queue_cause(J82599State *s, int q, bool tx)
{
    uint32_t ivar = REG(s, R_IVAR0 + 4 * (q >> 1));
    uint8_t e = ivar >> (16 * (q & 1) + 8 * tx);
    int v;

    if (!(e & IVAR_VALID)) {
        return;
    }
    v = e & 0x3F;
    if (!j_msix_mode(s)) {
        v &= 0xF;                           /* EICR RTxQ bit in MSI / INTx mode */
    }
    if (v < 16) {
        REG(s, R_EICR) |= 1u << v;
    } else {
        s->ext_cause |= 1ull << v;
    }
}

static void j_other_cause(J82599State *s, uint32_t bits)
{
    REG(s, R_EICR) |= bits;
    j_update_irq(s);
}

/* ------------------------------------------------------------------------ */
/* link and reset                                                            */

/* media=sfp: the laser is lit while SDP3 is an output driven low (TX_DISABLE released). */
static bool j_laser_on(J82599State *s)
{
    uint32_t esdp = REG(s, R_ESDP);
    return (esdp & ESDP_SDP3_DIR) && !(esdp & ESDP_SDP3);
}

static bool j_link_ok(J82599State *s)
{
    NetClientState *nc = qemu_get_queue(s->nic);
    bool media_ok = !s->sfp ||
        (j_laser_on(s) && (REG(s, R_AUTOC) & AUTOC_LMS_MASK) == AUTOC_LMS_10G_SERIAL &&
         (REG(s, R_AUTOC2) & AUTOC2_PMA_PMD_MASK) == AUTOC2_PMA_PMD_SFI);
    return !nc->link_down && !j_in_reset(s) && media_ok &&
           !(REG(s, R_AUTOC2) & AUTOC2_LINK_DISABLE);
}

/* ------------------------------------------------------------------------ */
/* SFP+ cage: the module's I2C slave                                          */

static bool j_i2c_data_line(J82599Sfp *c)
{
    return c->data && c->slave_data;
}

static void j_i2c_send_next(J82599Sfp *c)
{
    c->phase = I2C_SEND;
    c->shift = c->a0[c->pointer++];
    c->bits = 0;
    c->slave_data = c->shift & 0x80;
}

static void j_i2c_rise(J82599Sfp *c)
{
    if (c->phase == I2C_RECEIVE) {
        c->shift = c->shift << 1 | j_i2c_data_line(c);
        c->bits++;
    } else if (c->phase == I2C_ACK_IN) {
        c->master_acked = !j_i2c_data_line(c);
    }
}

static void j_i2c_fall(J82599Sfp *c)
{
    switch (c->phase) {
    case I2C_RECEIVE:
        if (c->bits < 8) {
            return;
        }
        if (c->address_byte) {
            if ((c->shift & 0xFE) != SFP_I2C_ADDR) {
                c->phase = I2C_IDLE;        /* not the module's address: no ACK */
                return;
            }
            c->reading = c->shift & 1;
        } else {
            c->pointer = c->shift;          /* the byte offset; data writes are ignored */
        }
        c->phase = I2C_ACK_OUT;
        c->slave_data = false;
        return;
    case I2C_ACK_OUT:
        c->slave_data = true;
        if (c->reading) {
            j_i2c_send_next(c);
        } else {
            c->phase = I2C_RECEIVE;
            c->address_byte = false;
            c->bits = 0;
            c->shift = 0;
        }
        return;
    case I2C_SEND:
        if (++c->bits == 8) {
            c->phase = I2C_ACK_IN;
            c->slave_data = true;
        } else {
            c->slave_data = (c->shift >> (7 - c->bits)) & 1;
        }
        return;
    case I2C_ACK_IN:
        if (c->master_acked) {
            j_i2c_send_next(c);
        } else {
            c->phase = I2C_IDLE;            /* NACK: the master ends with STOP */
        }
        return;
    default:
        return;
    }
}

static void j_i2c_write(J82599State *s, uint32_t v)
{
    J82599Sfp *c = &s->cage;
    bool clk = v & I2C_CLK_OUT, data = v & I2C_DATA_OUT;
    bool before = j_i2c_data_line(c), after;

    c->data = data;
    after = j_i2c_data_line(c);
    if (c->clk && clk && before != after) {
        if (!after) {                       /* START */
            c->phase = I2C_RECEIVE;
            c->address_byte = true;
            c->bits = 0;
            c->shift = 0;
        } else {                            /* STOP */
            c->phase = I2C_IDLE;
        }
        c->slave_data = true;
    }
    if (clk != c->clk) {
        c->clk = clk;
        if (clk) {
            j_i2c_rise(c);
        } else {
            j_i2c_fall(c);
        }
    }
}

static uint32_t j_i2c_read(J82599State *s)
{
    J82599Sfp *c = &s->cage;
    return (REG(s, R_I2CCTL) & (I2C_CLK_OUT | I2C_DATA_OUT)) |
           (c->clk ? I2C_CLK_IN : 0) | (j_i2c_data_line(c) ? I2C_DATA_IN : 0);
}

static void j_sfp_text(uint8_t *a0, int off, const char *t)
{
    int i, n = strlen(t);
    for (i = 0; i < 16; i++) {
        a0[off + i] = i < n ? t[i] : ' ';
    }
}

/* A 10GBASE-SR optic in the cage: Intel-branded, as Linux's ixgbe requires of optics by default. */
static void j_sfp_init(J82599State *s)
{
    J82599Sfp *c = &s->cage;
    uint8_t *m = c->a0;
    int i, sum = 0;

    memset(c, 0, sizeof(*c));
    c->clk = c->data = c->slave_data = true;
    m[0] = 0x03;                            /* identifier: SFP/SFP+ */
    m[1] = 0x04;                            /* serial ID over the two-wire interface */
    m[2] = 0x07;                            /* connector: LC */
    m[3] = 0x10;                            /* 10G compliance: 10GBASE-SR */
    m[11] = 0x06;                           /* encoding: 64B/66B */
    m[12] = 0x67;                           /* nominal rate: 10.3 Gb/s */
    m[16] = 8;                              /* OM2 50 um: 80 m */
    m[17] = 3;                              /* OM1 62.5 um: 30 m */
    j_sfp_text(m, 20, "Intel Corp");
    m[37] = 0x00; m[38] = 0x1B; m[39] = 0x21; /* vendor OUI: Intel */
    j_sfp_text(m, 40, "FTLX8571D3BCV-IT");
    j_sfp_text(m, 56, "A   ");
    m[60] = 0x03; m[61] = 0x52;             /* wavelength 850 nm */
    for (i = 0; i < 63; i++) {
        sum += m[i];
    }
    m[63] = sum;                            /* CC_BASE */
    j_sfp_text(m, 68, "JNETMAPLAB000001");
    memcpy(&m[84], "261206  ", 8);          /* date code */
    m[92] = 0x00;                           /* no diagnostics (A2h) implemented */
    m[94] = 0x00;                           /* SFF-8472 compliance: not included */
    for (sum = 0, i = 64; i < 95; i++) {
        sum += m[i];
    }
    m[95] = sum;                            /* CC_EXT */
}

static void j_tx_all(J82599State *s);

static void j_update_link(J82599State *s)
{
    bool up = j_link_ok(s);

    /*
     * ANLP1: the AN arbitration state leaves idle whenever the port trains,
     * whatever the link mode (Linux's 82599 pipeline reset toggles AUTOC.LMS
     * and waits for this while an SFP+ port is momentarily out of SFI).
     */
    bool training = up || (s->sfp && !qemu_get_queue(s->nic)->link_down && !j_in_reset(s));
    REG(s, R_ANLP1) = training ? 0x00030000 : 0;
    REG(s, R_LINKS) = up ? LINKS_KX_AN_COMP | LINKS_UP | LINKS_SPEED_10G | LINKS_STATUS : 0;
    if (up != s->link_up) {
        s->link_up = up;
        s->xoff_sent = false;               /* PAUSE state does not survive the link */
        s->pause_until = 0;
        if (!j_in_reset(s)) {
            j_other_cause(s, EICR_LSC);
        }
        if (up) {
            j_tx_all(s);                    /* TX DMA resumes with the link */
            qemu_flush_queued_packets(qemu_get_queue(s->nic));
        }
    }
}

typedef struct J82599Held {
    size_t len;
    uint8_t data[];
} J82599Held;

static void j_rx_pb_clear(J82599State *s)
{
    J82599Held *h;
    while ((h = g_queue_pop_head(&s->rx_pb))) {
        g_free(h);
    }
    s->rx_pb_bytes = 0;
}

/* Register values after a power-on or software reset. */
static void j_reset_regs(J82599State *s)
{
    int i;
    uint32_t esdp = REG(s, R_ESDP);         /* the SDP pins keep their state over a software reset */

    memset(s->regs, 0, sizeof(s->regs));
    REG(s, R_ESDP) = esdp;
    REG(s, R_I2CCTL) = I2C_CLK_OUT | I2C_DATA_OUT;
    s->ext_cause = s->ext_mask = s->ext_automask = 0;
    s->vec_asserted = 0;
    s->msi_asserted = false;
    j_rx_pb_clear(s);
    s->tx_paused = false;
    s->xoff_sent = false;
    s->pause_until = 0;
    for (i = 0; i < J_QUEUES; i++) {
        J82599TxQueue *t = &s->tx[i];
        net_tx_pkt_reset(t->pkt, net_tx_pkt_unmap_frag_pci, PCI_DEVICE(s));
        memset(t->ctx, 0, sizeof(t->ctx));
        t->in_packet = t->skip = false;
        REG(s, rxq_base(i) + Q_SRRCTL) = 0x00000402;   /* 2 KB buffers, legacy */
        REG(s, rxq_base(i) + Q_DCA) = 0x0000B200;      /* bit 12 reserved-1, RO bits */
    }
    REG(s, R_EEC) = EEC_PRES | EEC_ADDR_SIZE | (4u << EEC_SIZE_SHIFT);
    REG(s, R_HLREG0) = 0x00000403;        /* TXCRCEN, RXCRCSTRP, TXPADEN */
    REG(s, R_MAXFRS) = 1518u << 16;
    REG(s, R_VLNCTRL) = 0x8100;
    REG(s, R_RXPBSIZE0) = 512u << 10;
    REG(s, R_TXPBSIZE0) = 160u << 10;
    if (s->sfp) {
        /* AUTOC/AUTOC2 from an SFP+ NVM: LMS = 10 GbE serial, 1G PMA = SFI; serial PMA/PMD = SFI */
        REG(s, R_AUTOC) = AUTOC_LMS_10G_SERIAL;
        REG(s, R_AUTOC2) = AUTOC2_PMA_PMD_SFI;
    } else {
        /* AUTOC from the NVM: LMS = KX4/KX/KR AN, KX4 and KX supported, 1G PMA = KX */
        REG(s, R_AUTOC) = (1u << 31) | (1u << 30) | (4u << 13) | (1u << 9);
    }
    REG(s, R_GPIE) = 0;
    REG(s, R_FWSM) = 1u << 15;            /* FW_VAL: the NVM's firmware is valid; no manageability mode */
    j_load_mac(s);
}

static void j_reset_done(J82599State *s)
{
    s->reset_until = 0;
    REG(s, R_CTRL) &= ~(CTRL_RST | CTRL_LNK_RST);
    REG(s, R_EEC) |= EEC_ARD;             /* NVM auto-read done */
    REG(s, R_RDRXCTL) |= RDRXCTL_DMAIDONE; /* DMA init done */
    j_update_link(s);
}

/* Completes a reset whose time has come (called before every access). */
static void j_poll_reset(J82599State *s)
{
    if (s->reset_until && qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) >= s->reset_until) {
        j_reset_done(s);
    }
}

static void j_reset_timer_cb(void *opaque)
{
    j_poll_reset(J82599(opaque));
}

/* The partner's pause time is over, or it sent XON. */
static void j_pause_timer_cb(void *opaque)
{
    J82599State *s = J82599(opaque);
    s->pause_until = 0;
    j_tx_all(s);
}

/* CTRL.RST or CTRL.LNK_RST: the whole function resets for J_RESET_NS. */
static void j_start_reset(J82599State *s, uint32_t bits)
{
    j_reset_regs(s);
    REG(s, R_CTRL) = bits;
    s->reset_until = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + J_RESET_NS;
    timer_mod(s->reset_timer, s->reset_until);
    s->link_up = false;
    REG(s, R_LINKS) = 0;
    j_update_irq(s);
}

/* ------------------------------------------------------------------------ */
/* receive                                                                   */

static bool j_rx_ready(J82599State *s)
{
    return !j_in_reset(s) && s->link_up && (REG(s, R_RXCTRL) & RXCTRL_RXEN) &&
           j_bus_master(s);
}

static uint32_t j_rx_bsize(uint32_t srrctl)
{
    uint32_t b = (srrctl & SRRCTL_BSIZE_MASK) * 1024;
    return b ? b : 2048;
}

/*
 * The MAC takes every frame while the link is up, as a cable delivers it:
 * PAUSE frames act even with RX disabled, and a port that cannot take a frame
 * drops or misses it (counted) instead of QEMU's hub holding it.
 */
static bool j_can_receive(NetClientState *nc)
{
    J82599State *s = qemu_get_nic_opaque(nc);
    j_poll_reset(s);
    return !j_in_reset(s) && s->link_up;
}

static bool j_l2_accept(J82599State *s, const uint8_t *f)
{
    uint32_t fctrl = REG(s, R_FCTRL);
    int i;

    if (is_broadcast_ether_addr(f)) {
        return fctrl & FCTRL_BAM;
    }
    if (is_multicast_ether_addr(f)) {
        uint32_t mo, vec;
        if (fctrl & FCTRL_MPE) {
            return true;
        }
        if (!(REG(s, R_MCSTCTRL) & MCSTCTRL_MFE)) {
            return false;
        }
        /* MTA hash: 12 bits of the address selected by MCSTCTRL.MO */
        mo = REG(s, R_MCSTCTRL) & 3;
        vec = ((f[4] >> (4 - mo)) | ((uint32_t)f[5] << (4 + mo))) & 0xFFF;
        return (REG(s, R_MTA0 + 4 * (vec >> 5)) >> (vec & 31)) & 1;
    }
    if (fctrl & FCTRL_UPE) {
        return true;
    }
    for (i = 0; i < 128; i++) {
        uint32_t rah = REG(s, R_RAL0 + 8 * i + 4);
        if ((rah & RAH_AV) && REG(s, R_RAL0 + 8 * i) == ldl_le_p(f) &&
            (rah & 0xFFFF) == lduw_le_p(f + 4)) {
            return true;
        }
    }
    return false;
}

/* Toeplitz hash of the RSS input with the 40-byte key in RSSRK. */
static uint32_t j_toeplitz(J82599State *s, const uint8_t *in, int len)
{
    uint8_t key[40];
    uint32_t hash = 0, window;
    int i, b, k = 32;

    for (i = 0; i < 40; i++) {
        key[i] = REG(s, R_RSSRK0 + (i & ~3)) >> (8 * (i & 3));
    }
    window = ldl_be_p(key);
    for (i = 0; i < len; i++) {
        for (b = 7; b >= 0; b--) {
            if (in[i] & (1 << b)) {
                hash ^= window;
            }
            window <<= 1;
            if (k < 320) {
                window |= (key[k / 8] >> (7 - k % 8)) & 1;
            }
            k++;
        }
    }
    return hash;
}

typedef struct J82599RxInfo {
    bool vlan;
    uint16_t vlan_tci;
    bool ip4, ip6, tcp, udp;
    uint32_t rss_hash;
    uint8_t rss_type;
} J82599RxInfo;

/* Parses L2-L4 of a frame for the VLAN filter, RSS and the packet type. */
static void j_rx_parse(J82599State *s, const uint8_t *f, size_t len, J82599RxInfo *ri)
{
    size_t l3 = 14, l4 = 0;
    uint16_t type = lduw_be_p(f + 12);
    uint8_t proto = 0, in[36];
    uint32_t mrqc = REG(s, R_MRQC);
    bool l4ok = false;

    memset(ri, 0, sizeof(*ri));
    if (type == (REG(s, R_VLNCTRL) & 0xFFFF) && len >= 18) {
        ri->vlan = true;
        ri->vlan_tci = lduw_be_p(f + 14);
        type = lduw_be_p(f + 16);
        l3 = 18;
    }
    if (type == ETH_P_IP && len >= l3 + 20 && (f[l3] >> 4) == 4) {
        size_t ihl = (f[l3] & 0xF) * 4;
        bool frag = lduw_be_p(f + l3 + 6) & 0x3FFF;
        ri->ip4 = true;
        proto = f[l3 + 9];
        l4 = l3 + ihl;
        l4ok = !frag && ihl >= 20 && len >= l4 + 4;
    } else if (type == ETH_P_IPV6 && len >= l3 + 40 && (f[l3] >> 4) == 6) {
        ri->ip6 = true;
        proto = f[l3 + 6];
        l4 = l3 + 40;
        l4ok = len >= l4 + 4;
    }
    ri->tcp = l4ok && proto == IP_PROTO_TCP;
    ri->udp = l4ok && proto == IP_PROTO_UDP;

    if ((mrqc & MRQC_MRQE_MASK) == 0) {
        return;                             /* RSS off */
    }
    if (ri->ip4) {
        memcpy(in, f + l3 + 12, 8);
        if (ri->tcp && (mrqc & MRQC_TCP4)) {
            memcpy(in + 8, f + l4, 4);
            ri->rss_type = 0x1;
        } else if (ri->udp && (mrqc & MRQC_UDP4)) {
            memcpy(in + 8, f + l4, 4);
            ri->rss_type = 0x7;
        } else if (mrqc & MRQC_IP4) {
            ri->rss_type = 0x2;
        }
        if (ri->rss_type) {
            ri->rss_hash = j_toeplitz(s, in, ri->rss_type == 0x2 ? 8 : 12);
        }
    } else if (ri->ip6) {
        memcpy(in, f + l3 + 8, 32);
        if (ri->tcp && (mrqc & MRQC_TCP6)) {
            memcpy(in + 32, f + l4, 4);
            ri->rss_type = 0x3;
        } else if (ri->udp && (mrqc & MRQC_UDP6)) {
            memcpy(in + 32, f + l4, 4);
            ri->rss_type = 0x8;
        } else if (mrqc & MRQC_IP6) {
            ri->rss_type = 0x5;
        }
        if (ri->rss_type) {
            ri->rss_hash = j_toeplitz(s, in, ri->rss_type == 0x5 ? 32 : 36);
        }
    }
}

static int j_rx_queue_of(J82599State *s, const J82599RxInfo *ri)
{
    uint32_t entry;

    if (!ri->rss_type) {
        return 0;
    }
    entry = ri->rss_hash & 0x7F;
    return (REG(s, R_RETA0 + (entry & ~3u)) >> (8 * (entry & 3))) & 0xF;
}

/* A good frame the MAC took (after the L2 filters), whether or not a queue had room. */
static void j_rx_mac_stats(J82599State *s, const uint8_t *f, size_t wire_len)
{
    static const uint16_t edges[] = { 64, 127, 255, 511, 1023, 1522 };
    int i;

    stat_add(s, S_GPRC, 1);
    stat_add(s, S_TPR, 1);
    stat_add64(s, S_GORCL, wire_len);
    stat_add64(s, S_TORL, wire_len);
    stat_add(s, S_RXNFGPC, 1);
    for (i = 0; i < 6; i++) {
        if (wire_len <= edges[i]) {
            stat_add(s, S_PRC64 + 4 * i, 1);
            break;
        }
    }
    if (is_broadcast_ether_addr(f)) {
        stat_add(s, S_BPRC, 1);
    } else if (is_multicast_ether_addr(f)) {
        stat_add(s, S_MPRC, 1);
    }
}

/* A frame written to queue q's ring. */
static void j_rx_dma_stats(J82599State *s, int q, size_t qbytes)
{
    int idx = (REG(s, R_RQSMR0 + 4 * (q >> 2)) >> (8 * (q & 3))) & 0xF;

    stat_add(s, S_RXDGPC, 1);
    stat_add(s, S_QPRC(idx), 1);
    stat_add64(s, S_QBRC(idx), qbytes);
}

/*
 * One frame from the wire through the filters into its queue's ring. False when
 * the queue has no descriptors and holds frames (SRRCTL.DROP_EN clear): the
 * frame then waits in the packet buffer.
 */
static bool j_rx_frame(J82599State *s, const uint8_t *buf, size_t size)
{
    PCIDevice *d = PCI_DEVICE(s);
    uint8_t *f = s->frame;
    J82599RxInfo ri;
    size_t len = size, wire_len, max, bsize, done;
    uint32_t srrctl, rxdctl, n, head, tail, avail, need;
    hwaddr base, rb;
    int q;
    bool adv;

    if (size > J_MAX_FRAME) {
        stat_add(s, S_ROC, 1);
        return true;
    }
    memcpy(f, buf, size);
    if (len < 60) {                         /* the chip sees a padded minimum frame */
        memset(f + len, 0, 60 - len);
        len = 60;
    }
    wire_len = len + 4;                     /* plus the FCS the wire carried */
    if (!j_l2_accept(s, f)) {
        return true;
    }
    j_rx_parse(s, f, len, &ri);
    max = (REG(s, R_HLREG0) & HLREG0_JUMBOEN) ? REG(s, R_MAXFRS) >> 16 : 1518;
    if (wire_len > max + (ri.vlan ? 4 : 0)) {
        stat_add(s, S_ROC, 1);
        return true;
    }
    if (ri.vlan && (REG(s, R_VLNCTRL) & VLNCTRL_VFE)) {
        uint16_t vid = ri.vlan_tci & 0xFFF;
        if (!((REG(s, R_VFTA0 + 4 * (vid >> 5)) >> (vid & 31)) & 1)) {
            return true;
        }
    }

    q = j_rx_queue_of(s, &ri);
    rb = rxq_base(q);
    rxdctl = REG(s, rb + Q_DCTL);
    srrctl = REG(s, rb + Q_SRRCTL);
    if (!(rxdctl & DCTL_ENABLE) || REG(s, rb + Q_LEN) < 16) {
        stat_add(s, S_MPC0, 1);             /* no enabled queue: the frame is missed */
        return true;
    }

    /* VLAN strip (RXDCTL.VME) and the FCS (kept only without CRC strip) */
    if (ri.vlan && (rxdctl & RXDCTL_VME)) {
        memmove(f + 12, f + 16, len - 16);
        len -= 4;
    }
    if (!(REG(s, R_HLREG0) & HLREG0_RXCRCSTRP)) {
        uint32_t fcs = crc32(0, f, len);
        stl_le_p(f + len, fcs);
        len += 4;
    }

    n = REG(s, rb + Q_LEN) / 16;
    head = REG(s, rb + Q_H) % n;
    tail = REG(s, rb + Q_T) % n;
    avail = (tail + n - head) % n;
    bsize = j_rx_bsize(srrctl);
    need = (len + bsize - 1) / bsize;
    if (avail < need) {
        if (srrctl & SRRCTL_DROP_EN) {
            j_rx_mac_stats(s, f, wire_len);
            stat_add(s, S_QPRDC(q & 15), 1);
            stat_add(s, S_RNBC0, 1);
            return true;
        }
        return false;
    }
    j_rx_mac_stats(s, f, wire_len);

    base = ((uint64_t)REG(s, rb + Q_BAH) << 32) | (REG(s, rb + Q_BAL) & ~0x7Fu);
    adv = ((srrctl >> SRRCTL_DESCTYPE_SHIFT) & 7) != 0;
    for (done = 0; done < len;) {
        uint8_t desc[16];
        hwaddr da = base + 16 * head;
        size_t chunk = MIN(bsize, len - done);
        bool eop = done + chunk == len;
        uint64_t addr;

        pci_dma_read(d, da, desc, 16);
        addr = ldq_le_p(desc);
        pci_dma_write(d, addr, f + done, chunk);
        memset(desc, 0, 16);
        if (adv) {
            uint32_t status = 1 | (eop ? 2 : 0);
            uint32_t ptype = (ri.ip4 ? 0x1 : 0) | (ri.ip6 ? 0x4 : 0) |
                             (ri.tcp ? 0x10 : 0) | (ri.udp ? 0x20 : 0);
            uint16_t vlan = 0;
            if (ri.vlan && (rxdctl & RXDCTL_VME)) {
                status |= 1u << 3;          /* VP */
                vlan = ri.vlan_tci;
            }
            stl_le_p(desc, ri.rss_type | ptype << 4);
            if (REG(s, R_RXCSUM) & RXCSUM_PCSD) {
                stl_le_p(desc + 4, ri.rss_hash);
            }
            stl_le_p(desc + 8, eop ? status : 1);
            stw_le_p(desc + 12, chunk);
            stw_le_p(desc + 14, eop ? vlan : 0);
        } else {
            stw_le_p(desc + 8, chunk);
            desc[12] = 1 | (eop ? 2 : 0) | (ri.vlan && (rxdctl & RXDCTL_VME) && eop ? 8 : 0);
            stw_le_p(desc + 14, ri.vlan && (rxdctl & RXDCTL_VME) && eop ? ri.vlan_tci : 0);
        }
        pci_dma_write(d, da, desc, 16);
        done += chunk;
        head = (head + 1) % n;
    }
    REG(s, rb + Q_H) = head;
    j_rx_dma_stats(s, q, len);
    j_queue_cause(s, q, false);
    j_update_irq(s);
    return true;
}

/* ------------------------------------------------------------------------ */
/* link flow control (IEEE 802.3x PAUSE)                                     */

/* PAUSE frames go to this reserved multicast address with type 0x8808, opcode 1. */
static const uint8_t j_pause_dst[6] = { 0x01, 0x80, 0xC2, 0x00, 0x00, 0x01 };
#define ETH_P_MAC_CONTROL 0x8808
#define PAUSE_OPCODE      0x0001

/* One pause quantum is 512 bit times: 51.2 ns at 10 Gb/s. */
static int64_t j_quanta_ns(uint32_t quanta)
{
    return (int64_t)quanta * 512 / 10;
}

/* Puts a PAUSE frame (quanta 0 = XON) from our station address on the wire. */
static void j_send_pause(J82599State *s, uint16_t quanta)
{
    uint8_t f[60] = { 0 };

    memcpy(f, j_pause_dst, 6);
    stl_le_p(f + 6, REG(s, R_RAL0));
    stw_le_p(f + 10, REG(s, R_RAL0 + 4));
    stw_be_p(f + 12, ETH_P_MAC_CONTROL);
    stw_be_p(f + 14, PAUSE_OPCODE);
    stw_be_p(f + 16, quanta);
    stat_add(s, quanta ? S_LXOFFTXC : S_LXONTXC, 1);
    qemu_send_packet(qemu_get_queue(s->nic), f, sizeof(f));
}

/* The driver enabled sending link PAUSE frames (FCCFG.TFCE = 802.3x, FCRTH(0).FCEN). */
static bool j_fc_tx_enabled(J82599State *s)
{
    return (REG(s, R_FCCFG) & FCCFG_TFCE_8023X) && (REG(s, R_FCRTH0) & FCRTH_FCEN);
}

/*
 * A frame went into the packet buffer. Past the XOFF threshold the chip asks
 * its partner to pause; while the buffer stays above it, the XOFF is refreshed
 * every FCRTV quanta (a partner's pause time runs out, or the partner ignores
 * PAUSE and then its frames are missed once the buffer is full).
 */
static void j_fc_after_hold(J82599State *s)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    uint32_t refresh = REG(s, R_FCRTV) & 0xFFFF;

    if (!j_fc_tx_enabled(s) || s->rx_pb_bytes < (REG(s, R_FCRTH0) & FC_THRESH_MASK)) {
        return;
    }
    if (!refresh) {
        refresh = (REG(s, R_FCTTV0) & 0xFFFF) / 2;
    }
    if (s->xoff_sent && now < s->xoff_at + j_quanta_ns(refresh)) {
        return;
    }
    s->xoff_sent = true;
    s->xoff_at = now;
    j_send_pause(s, REG(s, R_FCTTV0) & 0xFFFF);
}

/* The packet buffer drained: below the XON threshold the partner may send again. */
static void j_fc_after_drain(J82599State *s)
{
    if (s->xoff_sent && s->rx_pb_bytes <= (REG(s, R_FCRTL0) & FC_THRESH_MASK)) {
        s->xoff_sent = false;
        if (REG(s, R_FCRTL0) & FCRTL_XONE) {
            j_send_pause(s, 0);
        }
    }
}

/*
 * A MAC control frame from the wire. The MAC consumes it (none reaches a queue:
 * MFLCN.PMCF is not modelled); a PAUSE holds our transmitter for its time, or
 * releases it (XON, time 0), when the driver enabled MFLCN.RFCE.
 */
static bool j_mac_control(J82599State *s, const uint8_t *f, size_t len)
{
    uint16_t quanta;

    if (len < 18 || lduw_be_p(f + 12) != ETH_P_MAC_CONTROL) {
        return false;
    }
    if (memcmp(f, j_pause_dst, 6) != 0 || lduw_be_p(f + 14) != PAUSE_OPCODE) {
        return true;
    }
    quanta = lduw_be_p(f + 16);
    stat_add(s, quanta ? S_LXOFFRXCNT : S_LXONRXCNT, 1);
    if (REG(s, R_MFLCN) & MFLCN_RFCE) {
        /* TX resumes from the timer, never inside the partner's receive path */
        s->pause_until = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + j_quanta_ns(quanta);
        timer_mod(s->pause_timer, s->pause_until);
    }
    return true;
}

/* Frames held in the packet buffer go to their rings while descriptors allow. */
static void j_rx_drain(J82599State *s)
{
    J82599Held *h;

    while (j_rx_ready(s) && (h = g_queue_peek_head(&s->rx_pb))) {
        if (!j_rx_frame(s, h->data, h->len)) {
            break;
        }
        g_queue_pop_head(&s->rx_pb);
        s->rx_pb_bytes -= h->len;
        g_free(h);
    }
    j_fc_after_drain(s);
}

/*
 * The wire always delivers to a receiving port, as a cable does. A frame the
 * L2 filters take and its queue cannot take yet waits in the packet buffer
 * (RXPBSIZE(0) bytes, in arrival order); when that is full the frame is missed:
 * counted in MPC and, as on the chip, in GPRC too (Linux's ixgbe subtracts MPC
 * from GPRC for that reason).
 */
static ssize_t j_receive(NetClientState *nc, const uint8_t *buf, size_t size)
{
    J82599State *s = qemu_get_nic_opaque(nc);
    J82599Held *h;

    j_poll_reset(s);
    if (j_in_reset(s) || !s->link_up || j_mac_control(s, buf, size)) {
        return size;
    }
    if (!j_rx_ready(s)) {
        return size;                        /* dropped on the wire */
    }
    j_rx_drain(s);
    if (g_queue_is_empty(&s->rx_pb) && j_rx_frame(s, buf, size)) {
        return size;
    }
    if (size < 14 || size > J_MAX_FRAME || !j_l2_accept(s, buf)) {
        return size;                        /* not for this port: no buffer space used */
    }
    if (s->rx_pb_bytes + size > MAX(REG(s, R_RXPBSIZE0), 16 * KiB)) {
        j_rx_mac_stats(s, buf, MAX(size, 60) + 4);
        stat_add(s, S_MPC0, 1);
        j_fc_after_hold(s);
        return size;
    }
    h = g_malloc(sizeof(*h) + size);
    h->len = size;
    memcpy(h->data, buf, size);
    g_queue_push_tail(&s->rx_pb, h);
    s->rx_pb_bytes += size;
    j_fc_after_hold(s);
    return size;
}

/* ------------------------------------------------------------------------ */
/* transmit                                                                  */

/* The partner's PAUSE holds our transmitter. */
static bool j_tx_held(J82599State *s)
{
    return s->pause_until && qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) < s->pause_until;
}

static bool j_tx_ready(J82599State *s)
{
    return !j_in_reset(s) && s->link_up && (REG(s, R_DMATXCTL) & DMATXCTL_TE) &&
           j_bus_master(s) && !j_tx_held(s);
}

static void j_receive_internal(J82599State *s, const uint8_t *buf, size_t len);

/*
 * The wire took a frame it had held: transmit resumes. Holding the sender while
 * the receiver has no room is what flow control (PAUSE) does on a real link:
 * no frame is lost between two ports.
 */
static void j_tx_sent(NetClientState *nc, ssize_t len)
{
    J82599State *s = qemu_get_nic_opaque(nc);
    s->tx_paused = false;
    j_tx_all(s);
}

typedef struct J82599TxSend {
    J82599State *s;
    int q;
} J82599TxSend;

/* Puts one (possibly TSO-cut) frame on the wire and counts it. */
static void j_tx_frame(void *opaque, const struct iovec *iov, int iovcnt,
                       const struct iovec *virt_iov, int virt_iovcnt)
{
    J82599TxSend *ts = opaque;
    J82599State *s = ts->s;
    uint8_t *f = s->txframe;
    static const uint16_t edges[] = { 64, 127, 255, 511, 1023, 1522 };
    size_t len = iov_to_buf(iov, iovcnt, 0, f, 64 * KiB);
    size_t wire;
    int i, q = ts->q, idx;

    if (len < 60 && (REG(s, R_HLREG0) & HLREG0_TXPADEN)) {
        memset(f + len, 0, 60 - len);
        len = 60;
    }
    if (len < 14) {
        return;
    }
    if (REG(s, R_HLREG0) & HLREG0_LPBK) {
        j_receive_internal(s, f, len);      /* MAC loopback: nothing on the wire */
    } else if (qemu_send_packet_async(qemu_get_queue(s->nic), f, len, j_tx_sent) == 0) {
        s->tx_paused = true;                /* the peer holds it (its ring is full): pause */
    }
    wire = len + 4;
    stat_add(s, S_GPTC, 1);
    stat_add(s, S_TPT, 1);
    stat_add64(s, S_GOTCL, wire);
    stat_add(s, S_TXDGPC, 1);
    for (i = 0; i < 6; i++) {
        if (wire <= edges[i]) {
            stat_add(s, S_PTC64 + 4 * i, 1);
            break;
        }
    }
    if (is_broadcast_ether_addr(f)) {
        stat_add(s, S_BPTC, 1);
    } else if (is_multicast_ether_addr(f)) {
        stat_add(s, S_MPTC, 1);
    }
    idx = (REG(s, R_TQSM0 + 4 * (q >> 2)) >> (8 * (q & 3))) & 0xF;
    if (idx < 16) {
        stat_add(s, S_QPTC(idx), 1);
        stat_add64(s, S_QBTC(idx), len);
    }
}

static void j_tx_finish_packet(J82599State *s, int q)
{
    J82599TxQueue *t = &s->tx[q];
    J82599TxSend ts = { .s = s, .q = q };
    uint32_t cmd = t->first_cmd, olinfo = t->first_olinfo;
    bool ok = !t->skip && net_tx_pkt_parse(t->pkt);

    if (ok && !t->legacy) {
        J82599TxContext *c = &t->ctx[(olinfo >> 4) & 1];
        bool tse = cmd & (1u << 31);
        bool ixsm = olinfo & (1u << 8), txsm = olinfo & (1u << 9);
        if (cmd & (1u << 30)) {             /* VLE: VLAN from the context */
            net_tx_pkt_setup_vlan_header_ex(t->pkt, c->vlan_macip_lens >> 16, ETH_P_VLAN);
        }
        if (tse) {
            uint32_t mss = c->mss_l4len_idx >> 16;
            ok = net_tx_pkt_build_vheader(t->pkt, true, true, mss);
            net_tx_pkt_update_ip_checksums(t->pkt);
        } else {
            if (txsm) {
                ok = net_tx_pkt_build_vheader(t->pkt, false, true, 0);
            }
            if (ixsm) {
                net_tx_pkt_update_ip_hdr_checksum(t->pkt);
            }
        }
    } else if (ok && t->legacy && (cmd & (1u << 30))) {
        net_tx_pkt_setup_vlan_header_ex(t->pkt, t->legacy_vlan, ETH_P_VLAN);
    }
    if (ok) {
        net_tx_pkt_send_custom(t->pkt, false, j_tx_frame, &ts);
    }
    net_tx_pkt_reset(t->pkt, net_tx_pkt_unmap_frag_pci, PCI_DEVICE(s));
    t->in_packet = t->skip = false;
}

static void j_tx_queue(J82599State *s, int q)
{
    PCIDevice *d = PCI_DEVICE(s);
    J82599TxQueue *t = &s->tx[q];
    hwaddr tb = txq_base(q), base;
    uint32_t n, head, tail;
    bool wrote_back = false;

    if (!j_tx_ready(s) || !(REG(s, tb + Q_DCTL) & DCTL_ENABLE) || REG(s, tb + Q_LEN) < 16) {
        return;
    }
    n = REG(s, tb + Q_LEN) / 16;
    head = REG(s, tb + Q_H) % n;
    tail = REG(s, tb + Q_T) % n;
    base = ((uint64_t)REG(s, tb + Q_BAH) << 32) | (REG(s, tb + Q_BAL) & ~0x7Fu);

    while (head != tail && !s->tx_paused && !j_tx_held(s)) {
        uint8_t desc[16];
        hwaddr da = base + 16 * head;
        uint64_t addr;
        uint32_t w2, w3;
        bool rs = false;

        pci_dma_read(d, da, desc, 16);
        addr = ldq_le_p(desc);
        w2 = ldl_le_p(desc + 8);
        w3 = ldl_le_p(desc + 12);
        if (w2 & (1u << 29)) {              /* DEXT: advanced descriptor */
            uint32_t dtyp = (w2 >> 20) & 0xF;
            rs = w2 & (1u << 27);
            if (dtyp == 0x2) {              /* context */
                J82599TxContext *c = &t->ctx[(w3 >> 4) & 1];
                c->vlan_macip_lens = ldl_le_p(desc);
                c->type_tucmd = w2;
                c->mss_l4len_idx = w3;
            } else if (dtyp == 0x3) {       /* data */
                uint32_t len = w2 & 0xFFFF;
                if (!t->in_packet) {
                    t->in_packet = true;
                    t->legacy = false;
                    t->first_cmd = w2;
                    t->first_olinfo = w3;
                }
                if (len && !t->skip &&
                    !net_tx_pkt_add_raw_fragment_pci(t->pkt, d, addr, len)) {
                    t->skip = true;
                }
                if (w2 & (1u << 24)) {      /* EOP */
                    j_tx_finish_packet(s, q);
                }
            }
            if (rs) {
                stl_le_p(desc + 12, ldl_le_p(desc + 12) | 1);   /* DD in STA */
            }
        } else {                            /* legacy descriptor */
            uint32_t len = w2 & 0xFFFF;
            uint8_t cmd = w2 >> 24;
            rs = cmd & 0x08;
            if (!t->in_packet) {
                t->in_packet = true;
                t->legacy = true;
                t->first_cmd = (cmd & 0x40) ? (1u << 30) : 0;
                t->legacy_vlan = w3 >> 16;
            }
            if (len && !t->skip && !net_tx_pkt_add_raw_fragment_pci(t->pkt, d, addr, len)) {
                t->skip = true;
            }
            if (cmd & 0x01) {
                j_tx_finish_packet(s, q);
            }
            if (rs) {
                desc[12] |= 1;              /* DD */
            }
        }
        if (rs) {
            pci_dma_write(d, da + 12, desc + 12, 4);
            wrote_back = true;
        }
        head = (head + 1) % n;
    }
    REG(s, tb + Q_H) = head;
    if (REG(s, tb + Q_WBAL) & 1) {          /* head write-back */
        uint32_t h = cpu_to_le32(head);
        hwaddr wb = ((uint64_t)REG(s, tb + Q_WBAH) << 32) | (REG(s, tb + Q_WBAL) & ~3u);
        pci_dma_write(d, wb, &h, 4);
        wrote_back = true;
    }
    if (wrote_back) {
        j_queue_cause(s, q, true);
        j_update_irq(s);
    }
}

static void j_tx_all(J82599State *s)
{
    int q;
    for (q = 0; q < J_QUEUES; q++) {
        if (REG(s, txq_base(q) + Q_DCTL) & DCTL_ENABLE) {
            j_tx_queue(s, q);
        }
    }
}

static void j_receive_internal(J82599State *s, const uint8_t *buf, size_t len)
{
    j_receive(qemu_get_queue(s->nic), buf, len);
}

/* ------------------------------------------------------------------------ */
/* register access                                                           */

static uint32_t j_read(J82599State *s, hwaddr a)
{
    uint32_t v;

    j_poll_reset(s);
    a = j_canon(a);
    switch (a) {
    case R_STATUS:
        v = (s->link_up ? STATUS_LINK_UP : 0) |
            ((REG(s, R_CTRL) & CTRL_GIO_DIS) ? 0 : STATUS_GIO);
        return v;
    case R_EICR:
        v = REG(s, R_EICR);
        /* read-to-clear; GPIE.OCD keeps the other causes for a write-1-to-clear */
        REG(s, R_EICR) &= (REG(s, R_GPIE) & GPIE_OCD) ? EICR_OTHER_MASK : 0;
        j_update_irq(s);
        return v;
    case R_EICS:
        return REG(s, R_EICR);
    case R_EIMC:
    case R_EIMC_EX0:
    case R_EIMC_EX0 + 4:
        return 0;
    case R_EIMS_EX0:
        return (REG(s, R_EIMS) & 0xFFFF) | (uint32_t)(s->ext_mask & 0xFFFF0000u);
    case R_EIMS_EX0 + 4:
        return s->ext_mask >> 32;
    case R_EIAM_EX0 + 4:
        return s->ext_automask >> 32;
    case R_SWSM:
        v = REG(s, R_SWSM);
        REG(s, R_SWSM) |= SWSM_SMBI;        /* reading takes the semaphore */
        return v;
    case R_I2CCTL:
        return s->sfp ? j_i2c_read(s) : REG(s, R_I2CCTL);
    case R_ESDP:
        /*
         * SDP2, an input on X520 boards, reads high while the cage holds a module:
         * Linux's ixgbe reports no link with it low unless the NVM's device
         * capabilities (word 0x2C bit 7) waive its crosstalk check.
         */
        v = REG(s, R_ESDP);
        if (s->sfp && !(v & ESDP_SDP2_DIR)) {
            v |= ESDP_SDP2;
        }
        return v;
    case R_SECRXSTAT:
        return SECRX_RDY;
    case R_SECTXSTAT:
        return SECTX_RDY;
    default:
        break;
    }
    v = REG(s, a);
    if (j_clear_on_read(a)) {
        REG(s, a) = 0;
    }
    return v;
}

static void j_write(J82599State *s, hwaddr a, uint32_t v)
{
    int q;

    j_poll_reset(s);
    if (j_in_reset(s)) {
        return;                             /* the chip ignores writes during reset */
    }
    a = j_canon(a);

    /* queue registers */
    if ((a >= 0x1000 && a < 0x2000) || (a >= 0xD000 && a < 0xE000)) {
        hwaddr off = a & 0x3F;
        q = a < 0x2000 ? (a - 0x1000) / 0x40 : 64 + (a - 0xD000) / 0x40;
        if (off == Q_DCTL) {
            REG(s, a) = v;                  /* ENABLE reads back at once */
            if (v & DCTL_ENABLE) {
                j_rx_drain(s);
                qemu_flush_queued_packets(qemu_get_queue(s->nic));
            }
            return;
        }
        if (off == Q_T) {
            REG(s, a) = v & 0xFFFF;
            j_rx_drain(s);
            return;
        }
        if (off == Q_H) {
            REG(s, a) = v & 0xFFFF;
            return;
        }
        if (off == Q_LEN) {
            REG(s, a) = v & 0xFFF80;
            return;
        }
        if (off >= 0x30 && off <= 0x38 && q < 32) {
            return;                         /* read-only statistics */
        }
        REG(s, a) = v;
        return;
    }
    if (a >= 0x6000 && a < 0x8000) {
        hwaddr off = a & 0x3F;
        q = (a - 0x6000) / 0x40;
        switch (off) {
        case Q_T:
            REG(s, a) = v & 0xFFFF;
            j_tx_queue(s, q);
            return;
        case Q_H:
            REG(s, a) = v & 0xFFFF;
            return;
        case Q_LEN:
            REG(s, a) = v & 0xFFF80;
            return;
        case Q_DCTL:
            REG(s, a) = v & ~(1u << 26);    /* SWFLSH self-clears */
            if (v & DCTL_ENABLE) {
                j_tx_queue(s, q);
            } else {
                net_tx_pkt_reset(s->tx[q].pkt, net_tx_pkt_unmap_frag_pci, PCI_DEVICE(s));
                s->tx[q].in_packet = s->tx[q].skip = false;
            }
            return;
        case 0x30:
            if (q < 16) {
                return;                     /* QPTC */
            }
            break;
        }
        REG(s, a) = v;
        return;
    }
    if (a >= R_IVAR0 && a < R_IVAR0 + 64 * 4) {
        REG(s, a) = v & 0xBFBFBFBF;
        return;
    }

    switch (a) {
    case R_CTRL:
        if (v & (CTRL_RST | CTRL_LNK_RST)) {
            j_start_reset(s, v & (CTRL_RST | CTRL_LNK_RST));
            return;
        }
        REG(s, a) = v;
        return;
    case R_STATUS:
    case R_LINKS:
    case R_ANLP1:
    case R_SECRXSTAT:
    case R_SECTXSTAT:
        return;                             /* read-only */
    case R_EICR:
        REG(s, R_EICR) &= ~v;
        j_update_irq(s);
        return;
    case R_EICS:
        REG(s, R_EICR) |= v & 0x7FFFFFFF;
        j_update_irq(s);
        return;
    case R_EICS_EX0:
    case R_EICS_EX0 + 4: {
        uint64_t bits = a == R_EICS_EX0 ? v : (uint64_t)v << 32;
        REG(s, R_EICR) |= bits & 0xFFFF;
        s->ext_cause |= bits & ~0xFFFFull;
        j_update_irq(s);
        return;
    }
    case R_EIMS:
        REG(s, R_EIMS) |= v & 0x7FFFFFFF;
        j_update_irq(s);
        return;
    case R_EIMC:
        REG(s, R_EIMS) &= ~v;
        j_update_irq(s);
        return;
    case R_EIMS_EX0:
    case R_EIMS_EX0 + 4: {
        uint64_t bits = a == R_EIMS_EX0 ? v : (uint64_t)v << 32;
        REG(s, R_EIMS) |= bits & 0xFFFF;
        s->ext_mask |= bits & ~0xFFFFull;
        j_update_irq(s);
        return;
    }
    case R_EIMC_EX0:
    case R_EIMC_EX0 + 4: {
        uint64_t bits = a == R_EIMC_EX0 ? v : (uint64_t)v << 32;
        REG(s, R_EIMS) &= ~(bits & 0xFFFF);
        s->ext_mask &= ~(bits & ~0xFFFFull);
        j_update_irq(s);
        return;
    }
    case R_EIAM_EX0:
        REG(s, a) = v;
        s->ext_automask = (s->ext_automask & ~0xFFFFFFFFull) | v;
        return;
    case R_EIAM_EX0 + 4:
        s->ext_automask = (s->ext_automask & 0xFFFFFFFFull) | (uint64_t)v << 32;
        return;
    case R_GPIE:
        REG(s, a) = v;
        j_update_irq(s);
        return;
    case R_RXCTRL:
        REG(s, a) = v;
        if (v & RXCTRL_RXEN) {
            j_rx_drain(s);
            qemu_flush_queued_packets(qemu_get_queue(s->nic));
        }
        return;
    case R_DMATXCTL:
        REG(s, a) = v;
        if (v & DMATXCTL_TE) {
            j_tx_all(s);
        }
        return;
    case R_RDRXCTL:
        REG(s, a) = (v & ~RDRXCTL_DMAIDONE) | (REG(s, a) & RDRXCTL_DMAIDONE);
        return;
    case R_AUTOC2:
        REG(s, a) = v;
        j_update_link(s);
        return;
    case R_AUTOC:
        REG(s, a) = v & ~(1u << 12);        /* AN restart self-clears */
        j_update_link(s);
        return;
    case R_ESDP:
        REG(s, a) = v;
        j_update_link(s);                   /* SDP3: the SFP+ laser */
        return;
    case R_I2CCTL:
        REG(s, a) = v & (I2C_CLK_OUT | I2C_DATA_OUT);
        if (s->sfp) {
            j_i2c_write(s, v);
        }
        return;
    case R_EEC:
        /* software may request the bit-bang interface: grant it at once */
        REG(s, a) = (REG(s, a) & (EEC_PRES | EEC_ARD | EEC_ADDR_SIZE | (0xFu << EEC_SIZE_SHIFT))) |
                    (v & ~(EEC_PRES | EEC_ARD | EEC_ADDR_SIZE | (0xFu << EEC_SIZE_SHIFT) | EEC_EE_GNT)) |
                    ((v & EEC_EE_REQ) ? EEC_EE_GNT : 0);
        return;
    case R_EERD:
        if (v & EERW_START) {
            uint32_t w = (v >> 2) & 0x3FFF;
            uint16_t data = w < J_EEPROM_WORDS ? s->eeprom[w] : 0xFFFF;
            REG(s, a) = (v & 0xFFFC) | EERW_DONE | (uint32_t)data << 16;
        } else {
            REG(s, a) = v;
        }
        return;
    case R_EEWR:
        if (v & EERW_START) {
            uint32_t w = (v >> 2) & 0x3FFF;
            if (w < J_EEPROM_WORDS) {
                s->eeprom[w] = v >> 16;
            }
            REG(s, a) = (v & ~EERW_START) | EERW_DONE;
        } else {
            REG(s, a) = v;
        }
        return;
    case R_MSCA:
        /* MDIO: no PHY answers on this backplane part; the cycle completes at once */
        REG(s, a) = v & ~MSCA_MDICMD;
        REG(s, R_MSRWD) = (REG(s, R_MSRWD) & 0xFFFF) | 0xFFFF0000u;
        return;
    case R_FDIRCTRL:
        REG(s, a) = v | FDIRCTRL_INIT_DONE;
        return;
    case R_FDIRCMD:
        REG(s, a) = v & ~3u;                /* the command completes at once */
        return;
    default:
        if (j_clear_on_read(a)) {
            return;                         /* statistics are read-only */
        }
        REG(s, a) = v;
        return;
    }
}

static uint64_t j_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    return j_read(J82599(opaque), addr & ~3);
}

static void j_mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    j_write(J82599(opaque), addr & ~3, val);
}

static const MemoryRegionOps j_mmio_ops = {
    .read = j_mmio_read,
    .write = j_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* BAR2: IOADDR at 0, IODATA at 4 reach every register indirectly */
static uint64_t j_io_read(void *opaque, hwaddr addr, unsigned size)
{
    J82599State *s = opaque;
    if (addr == 0) {
        return s->ioaddr;
    }
    if (addr == 4 && s->ioaddr < J_MMIO_SIZE) {
        return j_read(s, s->ioaddr & ~3);
    }
    return 0;
}

static void j_io_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    J82599State *s = opaque;
    if (addr == 0) {
        s->ioaddr = val & 0x7FFFC;
    } else if (addr == 4 && s->ioaddr < J_MMIO_SIZE) {
        j_write(s, s->ioaddr & ~3, val);
    }
}

static const MemoryRegionOps j_io_ops = {
    .read = j_io_read,
    .write = j_io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* ------------------------------------------------------------------------ */
/* QEMU device glue                                                          */

static void j_set_link_status(NetClientState *nc)
{
    J82599State *s = qemu_get_nic_opaque(nc);
    j_poll_reset(s);
    j_update_link(s);
}

static NetClientInfo j_net_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .can_receive = j_can_receive,
    .receive = j_receive,
    .link_status_changed = j_set_link_status,
};

static void j_write_config(PCIDevice *d, uint32_t addr, uint32_t val, int len)
{
    J82599State *s = J82599(d);

    pci_default_write_config(d, addr, val, len);
    if (range_covers_byte(addr, len, PCI_COMMAND) && j_bus_master(s)) {
        qemu_flush_queued_packets(qemu_get_queue(s->nic));
    }
}

static void j_realize(PCIDevice *d, Error **errp)
{
    J82599State *s = J82599(d);
    int i;

    if (!s->media || !strcmp(s->media, "kx4")) {
        s->sfp = false;
    } else if (!strcmp(s->media, "sfp")) {
        s->sfp = true;
        pci_config_set_device_id(d->config, J_DEVICE_ID_SFP);
    } else {
        error_setg(errp, "jnetmap-82599: media=%s: use kx4 (8086:10F7) or sfp (8086:10FB with an SR module)",
                   s->media);
        return;
    }
    d->config_write = j_write_config;
    d->config[PCI_CACHE_LINE_SIZE] = 0x10;
    d->config[PCI_INTERRUPT_PIN] = 1;
    pci_set_word(d->config + PCI_SUBSYSTEM_VENDOR_ID, PCI_VENDOR_ID_INTEL);
    pci_set_word(d->config + PCI_SUBSYSTEM_ID, 0x000C);

    memory_region_init_io(&s->mmio, OBJECT(s), &j_mmio_ops, s, "82599-mmio", J_MMIO_SIZE);
    pci_register_bar(d, 0, PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64,
                     &s->mmio);
    memory_region_init_io(&s->io, OBJECT(s), &j_io_ops, s, "82599-io", J_IO_SIZE);
    pci_register_bar(d, 2, PCI_BASE_ADDRESS_SPACE_IO, &s->io);
    memory_region_init(&s->msix, OBJECT(s), "82599-msix", J_MSIX_SIZE);
    pci_register_bar(d, 4, PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64,
                     &s->msix);

    /* capabilities where the chip has them: PM 0x40, MSI 0x50, MSI-X 0x70, PCIe 0xA0 */
    if (pcie_endpoint_cap_init(d, 0xA0) < 0) {
        error_setg(errp, "82599: PCIe capability");
        return;
    }
    if (msix_init(d, J_VECTORS, &s->msix, 4, 0, &s->msix, 4, J_MSIX_PBA, 0x70, errp) < 0) {
        return;
    }
    for (i = 0; i < J_VECTORS; i++) {
        msix_vector_use(d, i);
    }
    if (msi_init(d, 0x50, 1, true, true, errp) < 0) {
        return;
    }
    if (pci_pm_init(d, 0x40, errp) < 0) {
        return;
    }
    pcie_aer_init(d, 1, 0x100, 0x40, NULL);

    qemu_macaddr_default_if_unset(&s->conf.macaddr);
    s->nic = qemu_new_nic(&j_net_info, &s->conf, object_get_typename(OBJECT(s)),
                          DEVICE(d)->id, &DEVICE(d)->mem_reentrancy_guard, s);
    qemu_format_nic_info_str(qemu_get_queue(s->nic), s->conf.macaddr.a);

    for (i = 0; i < J_QUEUES; i++) {
        net_tx_pkt_init(&s->tx[i].pkt, 64);
    }
    g_queue_init(&s->rx_pb);
    s->reset_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, j_reset_timer_cb, s);
    s->pause_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, j_pause_timer_cb, s);
    j_eeprom_init(s);
    if (s->sfp) {
        j_sfp_init(s);
    }
    /* power-up: the NVM makes SDP3 an output, low (an SFP+ board's laser lit) */
    REG(s, R_ESDP) = s->sfp ? ESDP_SDP3_DIR : 0;
    j_reset_regs(s);
    j_reset_done(s);
}

static void j_exit(PCIDevice *d)
{
    J82599State *s = J82599(d);
    int i;

    timer_free(s->reset_timer);
    timer_free(s->pause_timer);
    j_rx_pb_clear(s);
    for (i = 0; i < J_QUEUES; i++) {
        net_tx_pkt_reset(s->tx[i].pkt, net_tx_pkt_unmap_frag_pci, d);
        net_tx_pkt_uninit(s->tx[i].pkt);
    }
    qemu_del_nic(s->nic);
    msix_unuse_all_vectors(d);
    msix_uninit(d, &s->msix, &s->msix);
    msi_uninit(d);
    pcie_aer_exit(d);
    pcie_cap_exit(d);
}

static void j_reset_hold(Object *obj, ResetType type)
{
    J82599State *s = J82599(obj);
    timer_del(s->reset_timer);
    timer_del(s->pause_timer);
    s->link_up = false;
    REG(s, R_ESDP) = s->sfp ? ESDP_SDP3_DIR : 0;    /* a power-on reset reloads the pins from the NVM */
    if (s->sfp) {
        j_sfp_init(s);
    }
    j_reset_regs(s);
    j_reset_done(s);
}

static const VMStateDescription j_vmstate = {
    .name = "jnetmap-82599",
    .unmigratable = 1,
};

static const Property j_properties[] = {
    DEFINE_NIC_PROPERTIES(J82599State, conf),
    DEFINE_PROP_STRING("media", J82599State, media),
};

static void j_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);
    PCIDeviceClass *c = PCI_DEVICE_CLASS(klass);

    c->realize = j_realize;
    c->exit = j_exit;
    c->vendor_id = PCI_VENDOR_ID_INTEL;
    c->device_id = J_DEVICE_ID;
    c->revision = 0x01;
    c->class_id = PCI_CLASS_NETWORK_ETHERNET;
    rc->phases.hold = j_reset_hold;
    dc->desc = "Intel 82599 10 GbE (KX4), jnetmap lab model";
    dc->vmsd = &j_vmstate;
    device_class_set_props(dc, j_properties);
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);
}

static const TypeInfo j_info = {
    .name = TYPE_J82599,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(J82599State),
    .class_init = j_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void j_register_types(void)
{
    type_register_static(&j_info);
}

type_init(j_register_types)
