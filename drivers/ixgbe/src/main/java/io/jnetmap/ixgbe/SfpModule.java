package io.jnetmap.ixgbe;

import java.nio.charset.StandardCharsets;

/**
 * What an SFP+ module says of itself in its serial ID (SFF-8472 page A0h, read over the cage's
 * I2C bus by {@link SfpI2c}), and whether this driver can bring up a 10 GbE SFI link with it. The
 * classification is the one Linux's ixgbe makes for the 82599 (identifier first, then direct-attach
 * cable technology, then the 10 GbE compliance codes), from the SFF-8472 fields alone; unlike
 * Linux it does not insist on Intel-branded optics.
 *
 * @param identifier byte 0: 0x03 is an SFP/SFP+ transceiver
 * @param compliance10g byte 3: 10GBASE-SR (bit 4), 10GBASE-LR (bit 5)
 * @param compliance1g byte 6: 1000BASE-SX (bit 0), -LX (bit 1), -T (bit 3)
 * @param cableTechnology byte 8: passive (bit 2) or active (bit 3) direct-attach cable
 * @param cableSpec byte 60 of a direct-attach cable: SFF-8431 limiting (bit 2) for active ones
 * @param vendor bytes 20-35, the vendor's name (ASCII, blank-padded)
 * @param partNumber bytes 40-55
 */
public record SfpModule(int identifier, int compliance10g, int compliance1g, int cableTechnology, int cableSpec,
                        String vendor, String partNumber) {
    /** SFF-8472 byte offsets this driver reads. */
    static final int IDENTIFIER = 0, COMPLIANCE_10G = 3, COMPLIANCE_1G = 6, CABLE_TECHNOLOGY = 8, VENDOR_NAME = 20,
            PART_NUMBER = 40, CABLE_SPEC = 60, TEXT_LENGTH = 16;
    static final int IDENTIFIER_SFP = 0x03;
    static final int SR = 1 << 4, LR = 1 << 5, DA_PASSIVE = 1 << 2, DA_ACTIVE = 1 << 3, DA_SPEC_LIMITING = 1 << 2;
    static final int GBASE_SX = 1, GBASE_LX = 1 << 1, GBASE_T = 1 << 3;

    /** What the module is, for the link. */
    public enum Kind {
        SR("10GBASE-SR optics", true),
        LR("10GBASE-LR optics", true),
        DA_PASSIVE("10G passive direct-attach copper", true),
        DA_ACTIVE("10G active (limiting) direct-attach copper", true),
        NOT_SFP("not an SFP/SFP+ transceiver", false),
        ONE_GIGABIT("a 1 GbE-only module", false),
        UNKNOWN("a module with no 10 GbE compliance code and no direct-attach cable", false);

        private final String label;
        private final boolean supported;

        Kind(String label, boolean supported) {
            this.label = label;
            this.supported = supported;
        }

        /** Whether this driver brings up a 10 GbE SFI link with it. */
        public boolean supported() { return supported; }

        @Override public String toString() { return label; }
    }

    /** The kinds this driver drives, for messages. */
    static final String SUPPORTED = "10GBASE-SR/LR optics and 10G direct-attach copper (passive, or active limiting)";

    /** Reads the serial ID of the module behind {@code bus} (throws {@link SfpI2c.NoAnswer} for an empty cage). */
    static SfpModule read(SfpI2c bus) {
        int id = bus.read(SfpI2c.SERIAL_ID, IDENTIFIER);
        if (id != IDENTIFIER_SFP) return new SfpModule(id, 0, 0, 0, 0, "", "");
        int tech = bus.read(SfpI2c.SERIAL_ID, CABLE_TECHNOLOGY);
        int spec = (tech & DA_ACTIVE) != 0 ? bus.read(SfpI2c.SERIAL_ID, CABLE_SPEC) : 0;
        return new SfpModule(id, bus.read(SfpI2c.SERIAL_ID, COMPLIANCE_10G), bus.read(SfpI2c.SERIAL_ID, COMPLIANCE_1G),
                tech, spec, text(bus, VENDOR_NAME), text(bus, PART_NUMBER));
    }

    private static String text(SfpI2c bus, int offset) {
        byte[] b = new byte[TEXT_LENGTH];
        for (int i = 0; i < b.length; i++) {
            int c = bus.read(SfpI2c.SERIAL_ID, offset + i);
            b[i] = (byte) (c >= 0x20 && c < 0x7F ? c : ' ');
        }
        return new String(b, StandardCharsets.US_ASCII).trim();
    }

    /** SFF-8472's identifier, then direct-attach cables, then the 10 GbE compliance codes (Linux's order for the 82599). */
    public Kind kind() {
        if (identifier != IDENTIFIER_SFP) return Kind.NOT_SFP;
        if ((cableTechnology & DA_PASSIVE) != 0) return Kind.DA_PASSIVE;
        if ((cableTechnology & DA_ACTIVE) != 0) return (cableSpec & DA_SPEC_LIMITING) != 0 ? Kind.DA_ACTIVE : Kind.UNKNOWN;
        if ((compliance10g & SR) != 0) return Kind.SR;
        if ((compliance10g & LR) != 0) return Kind.LR;
        if ((compliance1g & (GBASE_SX | GBASE_LX | GBASE_T)) != 0) return Kind.ONE_GIGABIT;
        return Kind.UNKNOWN;
    }

    /** E.g. "10GBASE-SR optics (Intel Corp FTLX8571D3BCV-IT)". */
    public String describe() {
        String who = (vendor + " " + partNumber).trim();
        String what = kind() == Kind.NOT_SFP ? "identifier 0x" + Integer.toHexString(identifier) + ", " + kind() : kind().toString();
        return who.isEmpty() ? what : what + " (" + who + ")";
    }
}
