package io.jnetmap.hwtests.pci;

import io.jnetmap.pci.Bar;
import io.jnetmap.pci.InterruptMode;
import io.jnetmap.pci.PciDevice;
import io.jnetmap.sys.OffHeapBuffer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The little register-level knowledge of the lab's two Intel chips that the PCI hardware tests
 * need, without any driver: where STATUS, the first receive address and transmit queue 0 live,
 * how a one-buffer transmit descriptor looks, how to route a cause to vector 0 and set it through
 * the interrupt-cause-set register. The same steps {@code drivers/pci}'s {@code LabProbe} (the
 * quick manual probe) takes, written once here for the JUnit tests.
 *
 * <p>Offsets and bits: 82574L datasheet §10 (legacy TX descriptors, ICR/ICS/IMS, IVAR) and 82576
 * datasheet §8 (advanced TX descriptors, TXDCTL.ENABLE, EICR/EICS/EIMS with GPIE in MSI-X mode).
 */
public enum IntelChip {
    /** 82574L (e1000e): legacy TX descriptors, queue 0 at 0x3800; MSI-X causes routed by IVAR. */
    I82574L(0x10d3, "82574L", "e1000e", 0x3800, false),
    /** 82576 (igb): advanced TX descriptors, queue 0 at 0xE000 (enabled by TXDCTL); extended interrupts in MSI-X mode. */
    I82576(0x10c9, "82576", "igb", 0xE000, true);

    public static final int VENDOR_INTEL = 0x8086;

    // Registers both chips have at the same offsets.
    public static final int CTRL = 0x0000, STATUS = 0x0008, ICR = 0x00C0, ICS = 0x00C8, IMS = 0x00D0, IMC = 0x00D8,
            RCTL = 0x0100, TCTL = 0x0400, RAL0 = 0x5400, RAH0 = 0x5404;
    public static final int STATUS_FD = 1, STATUS_LU = 1 << 1;
    public static final int ICR_LSC = 1 << 2;
    /** 82574L: ICR.OTHER, the cause that MSI-X sends to IVAR's "other" vector (LSC is one of the others). */
    public static final int ICR_OTHER = 1 << 24;
    public static final int RCTL_EN = 1 << 1, RCTL_UPE = 1 << 3, RCTL_MPE = 1 << 4, RCTL_BAM = 1 << 15;
    public static final int TCTL_EN = 1 << 1, TCTL_PSP = 1 << 3;
    public static final int RAH_AV = 1 << 31;

    // 82574L
    static final int E_IVAR = 0x00E4;
    /** 82574L: ITR, and EITR of MSI-X vector 0 (EITR n at 0x000E8 + 4n; Linux e1000e regs.h). */
    static final int E_ITR = 0x00C4, E_EITR0 = 0x00E8;
    /** IVAR: RxQ0, TxQ0 and Other, each valid and on vector 0. */
    static final int E_IVAR_ALL_TO_VECTOR_0 = 0x8 | 0x800 | 0x80000;

    // 82576
    /** 82576: EITR of MSI-X vector 0 (EITR n at 0x01680 + 4n; Linux igb e1000_regs.h). */
    static final int G_EITR0 = 0x1680;
    static final int G_GPIE = 0x1514, G_EICS = 0x1520, G_EIMS = 0x1524, G_EIMC = 0x1528, G_EICR = 0x1580;
    static final int G_GPIE_MULTIPLE_MSIX = 1 << 4, G_GPIE_PBA = 1 << 31;
    static final int G_TXDCTL_ENABLE = 1 << 25;

    // TX descriptor command bits (both formats) and the advanced data descriptor's type and extension bit.
    static final int CMD_EOP = 0x01, CMD_IFCS = 0x02, CMD_RS = 0x08, ADV_DEXT = 0x20, ADV_DTYP_DATA = 0x3;
    public static final int DESCRIPTOR_SIZE = 16;

    public final int deviceId;
    /** The name nm-bind prints for the chip, e.g. "82574L". */
    public final String model;
    /** The Linux driver, which is also the lab's chip column ("e1000e", "igb"). */
    public final String family;
    private final int txq0;
    private final boolean advanced;

    IntelChip(int deviceId, String model, String family, int txq0, boolean advanced) {
        this.deviceId = deviceId;
        this.model = model;
        this.family = family;
        this.txq0 = txq0;
        this.advanced = advanced;
    }

    /** "82574L (e1000e)": how nm-bind status names it. */
    public String displayName() { return model + " (" + family + ")"; }

    public int tdbal() { return txq0; }
    public int tdbah() { return txq0 + 0x04; }
    public int tdlen() { return txq0 + 0x08; }
    public int tdh() { return txq0 + 0x10; }
    public int tdt() { return txq0 + 0x18; }
    public int txdctl() { return txq0 + 0x28; }

    /** The chip a PCI function is, from its sysfs vendor and device IDs. */
    public static Optional<IntelChip> of(String bdf) {
        Path dir = Path.of("/sys/bus/pci/devices", bdf);
        try {
            int vendor = Integer.decode(Files.readString(dir.resolve("vendor")).strip());
            int device = Integer.decode(Files.readString(dir.resolve("device")).strip());
            if (vendor != VENDOR_INTEL) return Optional.empty();
            for (IntelChip c : values()) if (c.deviceId == device) return Optional.of(c);
            return Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    /** The chip of an open device (its IDs as the PCI layer read them). */
    public static Optional<IntelChip> of(PciDevice d) {
        if (d.id().vendor() != VENDOR_INTEL) return Optional.empty();
        for (IntelChip c : values()) if (c.deviceId == d.id().device()) return Optional.of(c);
        return Optional.empty();
    }

    // ------------------------------------------------------------------ MAC

    /** The MAC address in receive address 0 (RAL0 low four bytes, RAH0 the last two), as the NVM load left it. */
    public static byte[] receiveAddress0(Bar bar) {
        int lo = bar.read32(RAL0), hi = bar.read32(RAH0);
        return new byte[] {(byte) lo, (byte) (lo >>> 8), (byte) (lo >>> 16), (byte) (lo >>> 24), (byte) hi, (byte) (hi >>> 8)};
    }

    // ------------------------------------------------------------------ transmit queue 0

    /** Writes one transmit descriptor for a single-buffer frame: end of packet, insert FCS, report status. */
    public void putTxDescriptor(OffHeapBuffer ring, int offset, long bufferIova, int length) {
        ring.putLong(offset, bufferIova);
        if (advanced) {
            ring.putInt(offset + 8, length | ADV_DTYP_DATA << 20 | (CMD_EOP | CMD_IFCS | CMD_RS | ADV_DEXT) << 24);
            ring.putInt(offset + 12, length << 14); // PAYLEN; the DD bit (bit 0) is written back here
        } else {
            ring.putInt(offset + 8, length | (CMD_EOP | CMD_IFCS | CMD_RS) << 24);
            ring.putInt(offset + 12, 0); // status (DD is bit 0), CSS, special
        }
    }

    /** Whether the chip wrote Descriptor Done back into the descriptor at {@code offset}. */
    public static boolean descriptorDone(OffHeapBuffer ring, int offset) {
        return (ring.getIntAcquire(offset + 12) & 1) != 0;
    }

    /** Points transmit queue 0 at a ring of {@code length} bytes at {@code iova} (head = tail = 0) and enables transmission. */
    public void startTxQueue0(Bar bar, long iova, int length) {
        bar.write32(TCTL, 0);
        bar.write32(tdbal(), (int) iova);
        bar.write32(tdbah(), (int) (iova >>> 32));
        bar.write32(tdlen(), length);
        bar.write32(tdh(), 0);
        bar.write32(tdt(), 0);
        if (advanced) bar.write32(txdctl(), bar.read32(txdctl()) | G_TXDCTL_ENABLE);
        bar.write32(TCTL, TCTL_EN | TCTL_PSP | 0x0F << 4 | 0x3F << 12); // EN, pad short packets, collision threshold and distance
    }

    public void stopTxQueue0(Bar bar) {
        bar.write32(TCTL, 0);
        if (advanced) bar.write32(txdctl(), bar.read32(txdctl()) & ~G_TXDCTL_ENABLE);
    }

    // ------------------------------------------------------------------ interrupts

    /**
     * Masks every cause and clears what is pending (ICR is read-to-clear; EICR write-1-to-clear).
     * Also asks for no throttling (ITR/EITR 0), which the kernel driver that had the NIC before
     * leaves set. On silicon that is the end of it. QEMU's e1000e clamps the interval to at least
     * 500 x 256 ns and, when an MSI-X interval ends, sends the message it held back whatever the
     * cause and mask then are ({@code e1000e_intrmgr_on_msix_throttling_timer}); callers that
     * check for silence wait {@link #THROTTLE_LIMIT_MILLIS} first.
     */
    /**
     * Longer than the longest interval ITR/EITR can hold (65535 x 256 ns = 16.8 ms), with room for
     * a TCG guest's interrupt latency on a busy host.
     */
    public static final int THROTTLE_LIMIT_MILLIS = 200;

    public void quiet(Bar bar) {
        bar.write32(advanced ? G_EITR0 : E_EITR0, 0);
        if (!advanced) bar.write32(E_ITR, 0);
        bar.write32(IMC, -1);
        bar.read32(ICR);
        if (advanced) {
            bar.write32(G_EIMC, -1);
            bar.write32(G_EICR, -1);
        }
    }

    /**
     * Routes a cause to vector 0 for {@code mode}, unmasks it and sets it through the cause-set
     * register (ICS, or EICS for the 82576 in MSI-X mode). Returns the cause register to read back
     * (reading ICR clears it; EICR is cleared by {@link #quiet}).
     */
    public int fire(Bar bar, InterruptMode mode) {
        if (advanced && mode == InterruptMode.MSIX) {
            bar.write32(G_GPIE, G_GPIE_MULTIPLE_MSIX | G_GPIE_PBA); // EICR bits are vectors
            bar.write32(G_EIMS, 1);
            bar.write32(G_EICS, 1);
            return G_EICR;
        }
        int causes = ICR_LSC;
        if (!advanced && mode == InterruptMode.MSIX) {
            bar.write32(E_IVAR, E_IVAR_ALL_TO_VECTOR_0);
            causes |= ICR_OTHER;
        }
        bar.write32(IMS, causes);
        bar.write32(ICS, causes);
        return ICR;
    }

    /** The cause bit {@link #fire} set, as read from the register it returned. */
    public int firedCause(InterruptMode mode) {
        return advanced && mode == InterruptMode.MSIX ? 1 : ICR_LSC;
    }

    /** Undoes {@link #fire}'s routing (the 82576 back to ICR-driven interrupts). */
    public void unroute(Bar bar) {
        if (advanced) bar.write32(G_GPIE, 0);
    }

    @Override
    public String toString() { return displayName(); }

    static String hex(int v) { return String.format(Locale.ROOT, "0x%08x", v); }
}
