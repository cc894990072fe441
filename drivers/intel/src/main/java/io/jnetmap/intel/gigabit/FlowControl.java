package io.jnetmap.intel.gigabit;

import static io.jnetmap.intel.gigabit.GigabitRegs.*;

/**
 * IEEE 802.3x flow control as autonegotiation resolves it (802.3 Annex 28B, table 28B-3, from
 * the local and the partner's PAUSE and ASM_DIR bits), and the CTRL bits that apply it: RFCE
 * honours received PAUSE frames, TFCE lets the MAC send them when its receive buffer fills
 * (Linux: e1000e_config_fc_after_link_up, then e1000e_force_mac_fc).
 */
public enum FlowControl {
    NONE(0), RECEIVE(CTRL_RFCE), TRANSMIT(CTRL_TFCE), FULL(CTRL_RFCE | CTRL_TFCE);

    /** CTRL.RFCE/TFCE for this mode. */
    public final int ctrlBits;

    FlowControl(int ctrlBits) { this.ctrlBits = ctrlBits; }

    /** Received PAUSE frames hold our transmitter (RECEIVE, FULL); the 82599 names this MFLCN.RFCE. */
    public boolean honoursPause() { return this == RECEIVE || this == FULL; }

    /** The MAC sends PAUSE when its receive buffer fills (TRANSMIT, FULL); the 82599 names this FCCFG.TFCE. */
    public boolean sendsPause() { return this == TRANSMIT || this == FULL; }

    /**
     * Table 28B-3: both advertise PAUSE: both directions; we advertise ASM_DIR only and the partner
     * PAUSE and ASM_DIR: we send PAUSE; we advertise PAUSE and ASM_DIR and the partner ASM_DIR only:
     * we honour received PAUSE; otherwise none. Half duplex has no flow control.
     */
    public static FlowControl resolve(int localAdvert, int partnerAbility, boolean fullDuplex) {
        if (!fullDuplex) return NONE;
        boolean lp = (localAdvert & ANAR_PAUSE) != 0, la = (localAdvert & ANAR_ASM_DIR) != 0;
        boolean pp = (partnerAbility & ANAR_PAUSE) != 0, pa = (partnerAbility & ANAR_ASM_DIR) != 0;
        if (lp && pp) return FULL;
        if (!lp && la && pp && pa) return TRANSMIT;
        if (lp && la && !pp && pa) return RECEIVE;
        return NONE;
    }
}
