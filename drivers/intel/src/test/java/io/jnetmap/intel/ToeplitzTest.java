package io.jnetmap.intel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Toeplitz hash against Microsoft's published RSS verification values ("Verifying the RSS
 * Hash Calculation", Windows driver documentation: the key in {@link RssConfig#VERIFICATION_KEY}
 * and, per destination/source pair, the IPv4-only and IPv4-with-TCP hashes; likewise for IPv6).
 */
class ToeplitzTest {
    static final byte[] KEY = RssConfig.VERIFICATION_KEY;

    @ParameterizedTest(name = "{2}:{3} -> {0}:{1}")
    @CsvSource({
            // destination, port, source, port, IPv4 only, IPv4 with TCP
            "161.142.100.80, 1766, 66.9.149.187, 2794, 0x323e8fc2, 0x51ccc178",
            "65.69.140.83, 4739, 199.92.111.2, 14230, 0xd718262a, 0xc626b0ea",
            "12.22.207.184, 38024, 24.19.198.95, 12898, 0xd2d0a5de, 0x5c2b394a",
            "209.142.163.6, 2217, 38.27.205.30, 48228, 0x82989176, 0xafc7327f",
            "202.188.127.2, 1303, 153.39.163.191, 44251, 0x5d1809c5, 0x10e828a2"})
    void ipv4MatchesMicrosoftsVerificationSuite(String dst, int dport, String src, int sport, String ipOnly, String withTcp)
            throws Exception {
        byte[] s = InetAddress.getByName(src).getAddress(), d = InetAddress.getByName(dst).getAddress();
        assertEquals(Integer.parseUnsignedInt(ipOnly.substring(2), 16), Toeplitz.ipv4(KEY, s, d), "IPv4 only");
        assertEquals(Integer.parseUnsignedInt(withTcp.substring(2), 16), Toeplitz.ipv4(KEY, s, d, sport, dport), "IPv4 with TCP");
    }

    @ParameterizedTest(name = "{2} -> {0}")
    @CsvSource({
            "3ffe:2501:200:3::1, 1766, 3ffe:2501:200:1fff::7, 2794, 0x2cc18cd5, 0x40207d3d",
            "ff02::1, 4739, 3ffe:501:8::260:97ff:fe40:efab, 14230, 0x0f0c461c, 0xdde51bbf",
            "fe80::200:f8ff:fe21:67cf, 38024, 3ffe:1900:4545:3:200:f8ff:fe21:67cf, 44251, 0x4b61e985, 0x02d1feef"})
    void ipv6MatchesMicrosoftsVerificationSuite(String dst, int dport, String src, int sport, String ipOnly, String withTcp)
            throws Exception {
        byte[] s = InetAddress.getByName(src).getAddress(), d = InetAddress.getByName(dst).getAddress();
        assertEquals(Integer.parseUnsignedInt(ipOnly.substring(2), 16), Toeplitz.ipv6(KEY, s, d), "IPv6 only");
        assertEquals(Integer.parseUnsignedInt(withTcp.substring(2), 16), Toeplitz.ipv6(KEY, s, d, sport, dport), "IPv6 with TCP");
    }

    @Test
    void aKeyTooShortForTheInputIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Toeplitz.hash(new byte[8], new byte[8]));
    }

    @Test
    void zeroInputHashesToZero() {
        assertEquals(0, Toeplitz.hash(KEY, new byte[12]));
    }
}
