package io.jnetmap.ixgbe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The SFP+ cage of the 82599 model: the two-wire bus as the module sees it through I2CCTL's
 * open-drain lines, and the module's serial ID memory (SFF-8472 page A0h at device address 0xA0).
 * A strict I2C slave, written from the I2C specification: START and STOP are DATA edges while
 * CLOCK is high; bits are sampled on CLOCK's rising edge, and the module changes DATA only while
 * CLOCK is low; it acknowledges its address and each byte written, sends a byte per read and goes
 * on (sequential read) while the master acknowledges. A DATA and CLOCK change in one register write
 * (a glitch on a real bus) is a protocol error. An empty cage acknowledges nothing.
 */
final class SfpCageModel {
    static final int CLK_IN = 1, CLK_OUT = 1 << 1, DATA_IN = 1 << 2, DATA_OUT = 1 << 3;

    private enum Phase { IDLE, RECEIVE, ACK_OUT, SEND, ACK_IN }

    /** The module's A0h page, or null: an empty cage. */
    byte[] module;
    final List<String> protocolErrors = new ArrayList<>();
    int transactions, bytesRead;

    private boolean masterClock = true, masterData = true, slaveData = true;
    private Phase phase = Phase.IDLE;
    private boolean addressByte, reading, masterAcked;
    private int bits, shift, pointer;

    SfpCageModel(byte[] module) { this.module = module; }

    private boolean dataLine() { return masterData && slaveData; }

    /** I2CCTL as read: the outputs as written, the lines as they are. */
    int read(int written) {
        return (written & (CLK_OUT | DATA_OUT)) | (masterClock ? CLK_IN : 0) | (dataLine() ? DATA_IN : 0);
    }

    void write(int v) {
        boolean clock = (v & CLK_OUT) != 0, data = (v & DATA_OUT) != 0;
        if (clock != masterClock && data != masterData)
            protocolErrors.add("I2CCTL: CLOCK and DATA changed in one write (" + Integer.toHexString(v) + ")");
        boolean before = dataLine();
        masterData = data;
        boolean after = dataLine();
        if (masterClock && clock && before != after) {
            if (!after) startCondition();
            else stopCondition();
        }
        if (clock != masterClock) {
            masterClock = clock;
            if (clock) risingEdge();
            else fallingEdge();
        }
    }

    private void startCondition() {
        transactions++;
        phase = Phase.RECEIVE;
        addressByte = true;
        bits = shift = 0;
        slaveData = true;
    }

    private void stopCondition() {
        phase = Phase.IDLE;
        slaveData = true;
    }

    private void risingEdge() {
        switch (phase) {
            case RECEIVE -> { shift = shift << 1 | (dataLine() ? 1 : 0); bits++; }
            case ACK_IN -> masterAcked = !dataLine();
            default -> { }
        }
    }

    private void fallingEdge() {
        switch (phase) {
            case RECEIVE -> {
                if (bits < 8) return;
                int b = shift & 0xFF;
                if (addressByte) {
                    if (module == null || (b & 0xFE) != SfpI2c.SERIAL_ID) { phase = Phase.IDLE; return; } // not us: no ACK
                    reading = (b & 1) != 0;
                } else {
                    pointer = b; // the byte offset (writes to the module's memory are not modelled)
                }
                phase = Phase.ACK_OUT;
                slaveData = false;
            }
            case ACK_OUT -> {
                slaveData = true;
                if (reading) sendNext();
                else { phase = Phase.RECEIVE; addressByte = false; bits = shift = 0; }
            }
            case SEND -> {
                if (++bits == 8) { phase = Phase.ACK_IN; slaveData = true; }
                else slaveData = (shift >>> (7 - bits) & 1) != 0;
            }
            case ACK_IN -> {
                if (masterAcked) sendNext();
                else phase = Phase.IDLE; // NACK: the master ends with STOP
            }
            default -> { }
        }
    }

    private void sendNext() {
        phase = Phase.SEND;
        shift = module[pointer & 0xFF] & 0xFF;
        pointer++;
        bytesRead++;
        bits = 0;
        slaveData = (shift & 0x80) != 0;
    }

    // ------------------------------------------------------------------ modules (SFF-8472 A0h)

    /** A 10GBASE-SR optic: identifier 0x03, byte 3 bit 4, Intel's OUI (00:1B:21, bytes 37-39). */
    static byte[] sr() { return module(0x10, 0, 0, "Intel Corp", "FTLX8571D3BCV-IT"); }

    static byte[] lr() { return module(0x20, 0, 0, "Intel Corp", "FTLX1471D3BCV-IT"); }

    /** A passive direct-attach copper cable: byte 8 bit 2, no compliance code. */
    static byte[] passiveCopper() { return module(0, 0, 0x04, "Cisco", "SFP-H10GB-CU1M"); }

    /** A 1000BASE-SX optic: byte 6 bit 0 only. */
    static byte[] oneGigSx() { return module(0, 0x01, 0, "Finisar", "FTLF8519P2BNL"); }

    static byte[] module(int comp10g, int comp1g, int cableTech, String vendor, String part) {
        byte[] m = new byte[256];
        m[0] = 0x03;                 // SFP/SFP+
        m[1] = 0x04;                 // extended identifier: serial ID defined by two-wire interface
        m[2] = 0x07;                 // connector: LC
        m[3] = (byte) comp10g;
        m[6] = (byte) comp1g;
        m[8] = (byte) cableTech;
        m[12] = 0x67;                // nominal rate 10.3 Gb/s in 100 Mb/s units
        text(m, 20, vendor);
        m[37] = 0x00; m[38] = 0x1B; m[39] = 0x21;
        text(m, 40, part);
        return m;
    }

    private static void text(byte[] m, int off, String s) {
        Arrays.fill(m, off, off + 16, (byte) ' ');
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, m, off, Math.min(16, b.length));
    }

    /** Whether a module is one an SFI link comes up with at 10 Gb/s: a 10 GbE compliance code or a direct-attach cable. */
    static boolean tenGigabit(byte[] m) {
        return m != null && m[0] == 0x03 && ((m[3] & 0xF0) != 0 || (m[8] & 0x0C) != 0);
    }
}
