package io.jnetmap.bench;

import io.jnetmap.nic.DmaMemory;
import io.jnetmap.nic.DmaWindow;
import io.jnetmap.nic.NicDevice;
import io.jnetmap.nic.NicInterrupts;
import io.jnetmap.nic.Registers;
import io.jnetmap.pci.PciException;
import io.jnetmap.pci.PciId;

/**
 * What the benchmark stand-in NICs ({@link IntelNicStandIn}, {@link RealtekNicStandIn}) share at
 * the device seam: one register BAR (the chip's index and size as parameters), DMA at identity
 * addresses ({@link StandInDma}), no interrupts, a configuration space without capabilities, bus
 * mastering as a flag, reset = power-on, close = power-on and every DMA allocation the driver left
 * freed. The registers and the chip's data-path behaviour are the subclass's; nothing here runs per
 * packet.
 */
abstract class NicStandIn implements NicDevice, Registers {
    private final String address;
    private final PciId id;
    private final String model;
    private final int bar, barSize;
    final StandInDma dma;
    private final Object domain = new Object();
    private boolean busMaster, closed;

    NicStandIn(String address, PciId id, String model, int bar, int barSize) {
        this.address = address;
        this.id = id;
        this.model = model;
        this.bar = bar;
        this.barSize = barSize;
        this.dma = new StandInDma(address);
    }

    /** Power-on / function-reset state of the registers and the chip's engines. */
    abstract void powerOn();

    /** DMA allocations not yet given back. */
    final int liveDma() { return dma.live(); }

    final boolean busMaster() { return busMaster; }

    @Override public final String address() { return address; }
    @Override public final PciId id() { return id; }
    @Override public final String accessMethod() { return model; }

    @Override
    public final Registers registers(int bar, long minSize) {
        if (bar != this.bar || minSize > barSize)
            throw new PciException(PciException.Reason.BAR, "the stand-in has a " + barSize + "-byte BAR" + this.bar + " only");
        return this;
    }

    @Override
    public final DmaMemory allocateDma(long size, int alignment, String what) { return dma.allocate(size, alignment, what); }

    @Override
    public final DmaWindow mapDma(long vaddr, long length) { return dma.window(vaddr, length); }

    @Override public final Object dmaDomain() { return domain; }

    @Override
    public final NicInterrupts enableInterrupts(int wanted) {
        throw new PciException(PciException.Reason.INTERRUPTS, address + ": the stand-in has no interrupts");
    }

    /** Configuration space of a stand-in without capabilities (status reads 0: no list): nothing to tune. */
    @Override public final int configRead16(int offset) { return 0; }
    @Override public final void configWrite16(int offset, int value) { }
    @Override public final void enableBusMaster() { busMaster = true; }
    @Override public final void disableBusMaster() { busMaster = false; }

    @Override
    public final void reset() {
        powerOn();
    }

    @Override
    public final void close() {
        if (closed) return;
        closed = true;
        powerOn();
        busMaster = false;
        dma.closeAll(); // what the driver did not free
    }
}
