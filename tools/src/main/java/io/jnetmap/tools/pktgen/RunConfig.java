package io.jnetmap.tools.pktgen;

import java.nio.file.Path;

/**
 * A pkt-gen run as the command line asked for it, checked and with defaults filled in.
 *
 * @param port the port, or null to test a pipe with a sender and a receiver in this process
 * @param minLength shortest frame when lengths are random in [minLength, length); equal to length otherwise
 * @param count packets (tx, rx) or transactions (ping, pong); 0 = no limit; -1 = each frame of the -P file once
 * @param rate packets per second over all threads, 0 = as fast as possible
 * @param affinity {@code -a}: the first thread's CPU (thread i gets affinity + i, modulo the CPUs), or -1: threads not pinned
 * @param waitNanos longest wait for a link ({@code -w})
 * @param srcMac null for the port's own address (00:00:00:00:00:00 until NICs report one)
 * @param durationNanos stop after this long, 0 = no limit
 * @param framingBits bits counted per packet on top of its bytes in the "raw" bandwidth (-B: 24 bytes)
 */
public record RunConfig(Mode mode, String port, int length, int minLength, long count, long rate, int batch, int threads, int affinity,
                        long waitNanos, Ipv4Range src, Ipv4Range dst, MacAddress srcMac, MacAddress dstMac,
                        boolean randomSrc, boolean randomDst, int intervalMs, Path pcapOut, Path pcapIn, boolean json,
                        long durationNanos, int framingBits, boolean normalize) {

    public boolean selfTest() { return port == null; }
}
