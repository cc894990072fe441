package io.jnetmap.pci;

import io.jnetmap.sys.Libc;
import io.jnetmap.sys.OffHeapBuffer;

/**
 * A device's PCI configuration space, read and written with pread/pwrite on a file: the VFIO
 * device fd at the config region's offset, or sysfs's {@code config} file under UIO. Little-endian,
 * as PCI is. Control path only (every access is a system call).
 */
public final class ConfigSpace {
    public static final int VENDOR_ID = 0x00, DEVICE_ID = 0x02, COMMAND = 0x04, STATUS = 0x06, REVISION = 0x08,
            CLASS = 0x09, CAPABILITIES = 0x34, INTERRUPT_LINE = 0x3c, INTERRUPT_PIN = 0x3d;
    /** PCI_COMMAND bits. */
    public static final int COMMAND_IO = 0x1, COMMAND_MEMORY = 0x2, COMMAND_MASTER = 0x4, COMMAND_INTX_DISABLE = 0x400;

    private final int fd;
    private final long base;
    private final String what;
    private final OffHeapBuffer scratch = OffHeapBuffer.allocate(8);

    ConfigSpace(int fd, long base, String what) {
        this.fd = fd;
        this.base = base;
        this.what = what;
    }

    public synchronized int read8(int offset) {
        read(offset, 1);
        return scratch.getByte(0) & 0xff;
    }

    public synchronized int read16(int offset) {
        read(offset, 2);
        return scratch.getUnsignedShort(0);
    }

    public synchronized int read32(int offset) {
        read(offset, 4);
        return scratch.getInt(0);
    }

    public synchronized void write8(int offset, int value) {
        scratch.putByte(0, (byte) value);
        write(offset, 1);
    }

    public synchronized void write16(int offset, int value) {
        scratch.putShort(0, (short) value);
        write(offset, 2);
    }

    public synchronized void write32(int offset, int value) {
        scratch.putInt(0, value);
        write(offset, 4);
    }

    private void read(int offset, int len) {
        long n = Libc.pread(fd, scratch.address(), len, base + offset, what + " config +0x" + Integer.toHexString(offset));
        if (n != len) throw new PciException(PciException.Reason.FAILED, what + ": config space read at 0x"
                + Integer.toHexString(offset) + " returned " + n + " of " + len + " bytes");
    }

    private void write(int offset, int len) {
        long n = Libc.pwrite(fd, scratch.address(), len, base + offset, what + " config +0x" + Integer.toHexString(offset));
        if (n != len) throw new PciException(PciException.Reason.FAILED, what + ": config space write at 0x"
                + Integer.toHexString(offset) + " wrote " + n + " of " + len + " bytes");
    }

    /** Sets Memory Space and Bus Master: MMIO answers and the NIC may DMA (QEMU's NICs receive only with it). */
    public synchronized void enableMemoryAndBusMaster() {
        int cmd = read16(COMMAND);
        int want = cmd | COMMAND_MEMORY | COMMAND_MASTER;
        if (want != cmd) write16(COMMAND, want);
    }

    /** Clears Bus Master: the device can no longer DMA (before freeing its memory). */
    public synchronized void disableBusMaster() {
        int cmd = read16(COMMAND);
        if ((cmd & COMMAND_MASTER) != 0) write16(COMMAND, cmd & ~COMMAND_MASTER);
    }

    /**
     * Sets or clears the command register's INTx Disable bit (bit 10). Writes only the high byte,
     * as the UIO HOWTO does: the kernel sets this bit from interrupt context, and a one-byte write
     * leaves the low byte (memory/master enables) untouched.
     */
    public synchronized void setIntxDisabled(boolean disabled) {
        int hi = read8(COMMAND + 1);
        int bit = COMMAND_INTX_DISABLE >>> 8;
        int want = disabled ? hi | bit : hi & ~bit;
        if (want != hi) write8(COMMAND + 1, want);
    }

    void close() { scratch.close(); }
}
