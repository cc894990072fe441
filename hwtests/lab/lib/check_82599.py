"""Helpers of hwtests/lab/check-82599 (run inside the lab with the host's python3).

same WIRE_PCAP RX_PCAP SRC_MAC DPORT N [FROM]
                                         frames SRC_MAC sent to UDP DPORT, as QEMU saw them on
                                         the wire (records at or after byte FROM: the wire's
                                         pcap holds every earlier test's frames too), equal
                                         byte for byte the frames tcpdump got
arrived WIRE_PCAP RX_PCAP SRC_MAC DPORT N GOT [FROM]
                                         as same, but the receiver dropped some (a full ring
                                         without pause): N on the wire, GOT received, each one
                                         byte for byte a wire frame, in wire order
rss ETHTOOL_X BEFORE AFTER SRC DST SPORT0 FLOWS DPORT PER_FLOW
                                         per-queue packet deltas equal the Toeplitz prediction
irqs BEFORE AFTER NAME                   every /proc/interrupts line NAME* counted up
"""
import re
import socket
import struct
import sys


def pcap_frames(path, start=0):
    """The records at or after byte START. Reads from START on: the lab gives back the disk blocks
    of earlier tests' frames (they read as zeros). START is a size taken while frames may have been
    flowing, so it may fall inside a record: the first record is the first position from which three
    records in a row look whole (equal captured and original lengths of 14..65535 bytes, a
    sub-second field below 10^9)."""
    with open(path, "rb") as f:
        head = f.read(24)
        magic = struct.unpack_from("<I", head, 0)[0]
        endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        f.seek(max(start, 24))
        data = f.read()
    off = 0
    if start > 24:
        def whole(p):
            for _ in range(3):
                if p + 16 > len(data):
                    return False
                _, sub, incl, orig = struct.unpack_from(endian + "IIII", data, p)
                if sub >= 10**9 or incl != orig or not 14 <= incl <= 65535:
                    return False
                p += 16 + incl
            return True
        while off + 16 <= len(data) and not whole(off):
            off += 1
    out = []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack_from(endian + "IIII", data, off)
        if off + 16 + incl > len(data):
            break  # still being written
        out.append(data[off + 16: off + 16 + incl])
        off += 16 + incl
    return out


def udp_to(frames, src_mac, dport):
    mac = bytes.fromhex(src_mac.replace(":", ""))
    sel = []
    for fr in frames:
        if len(fr) < 42 or fr[6:12] != mac or fr[12:14] != b"\x08\x00" or fr[23] != 17:
            continue
        ihl = (fr[14] & 0xF) * 4
        if struct.unpack_from(">H", fr, 14 + ihl + 2)[0] == dport:
            sel.append(fr)
    return sel


def same(wire, rx, src_mac, dport, n, start="0"):
    w = udp_to(pcap_frames(wire, int(start)), src_mac, int(dport))
    r = udp_to(pcap_frames(rx), src_mac, int(dport))
    n = int(n)
    print(f"  wire (QEMU pcap): {len(w)} frames, receiver (tcpdump): {len(r)} frames, expected {n}")
    if len(w) != n or len(r) != n:
        return False
    for i, (a, b) in enumerate(zip(w, r)):
        if a != b:
            print(f"  frame {i} differs: wire {a[:64].hex()} / received {b[:64].hex()}")
            return False
    return True


def arrived(wire, rx, src_mac, dport, n, got, start="0"):
    w = udp_to(pcap_frames(wire, int(start)), src_mac, int(dport))
    r = udp_to(pcap_frames(rx), src_mac, int(dport))
    print(f"  wire (QEMU pcap): {len(w)} frames (expected {n}), receiver (tcpdump): {len(r)} (expected {got}),"
          f" {len(w) - len(r)} not delivered")
    if len(w) != int(n) or len(r) != int(got):
        return False
    i = 0
    for k, b in enumerate(r):
        while i < len(w) and w[i] != b:
            i += 1
        if i == len(w):
            print(f"  received frame {k} is no wire frame after the previous one: {b[:64].hex()}")
            return False
        i += 1
    return True


def toeplitz(key, data):
    k = int.from_bytes(key, "big")
    klen = len(key) * 8
    h = 0
    for i, byte in enumerate(data):
        for b in range(8):
            if byte & (0x80 >> b):
                pos = i * 8 + b
                h ^= (k >> (klen - 32 - pos)) & 0xFFFFFFFF
    return h


def queue_packets(path):
    q = {}
    for line in open(path):
        m = re.match(r"\s*rx_queue_(\d+)_packets:\s*(\d+)", line)
        if m:
            q[int(m.group(1))] = int(m.group(2))
    return q


def rss(ethx, before, after, src, dst, sport0, flows, dport, per_flow):
    text = open(ethx).read()
    table = [int(x) for line in re.findall(r"^\s*\d+:((?:\s+\d+)+)\s*$", text, re.M) for x in line.split()]
    key = bytes(int(x, 16) for x in re.search(r"RSS hash key:\s*\n\s*([0-9a-f:]+)", text).group(1).split(":"))
    predicted = {}
    for f in range(int(flows)):
        data = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(">HH", int(sport0) + f, int(dport))
        q = table[toeplitz(key, data) % len(table)]
        predicted[q] = predicted.get(q, 0) + int(per_flow)
    b, a = queue_packets(before), queue_packets(after)
    got = {q: a[q] - b.get(q, 0) for q in a if a[q] - b.get(q, 0)}
    print(f"  RETA size {len(table)}, key {key.hex()[:16]}..; predicted per queue {dict(sorted(predicted.items()))}, "
          f"counted {dict(sorted(got.items()))}")
    return predicted == got


def irqs(before, after, name):
    def parse(p):
        d = {}
        for line in open(p):
            parts = line.split()
            if parts and parts[-1].startswith(name):
                d[parts[-1]] = sum(int(x) for x in parts[1:] if x.isdigit())
        return d
    b, a = parse(before), parse(after)
    print("  " + ", ".join(f"{k}: +{a[k] - b.get(k, 0)}" for k in sorted(a)))
    return bool(a) and all(a[k] > b.get(k, 0) for k in a)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    ok = {"same": same, "arrived": arrived, "rss": rss, "irqs": irqs}[cmd](*args)
    sys.exit(0 if ok else 1)
