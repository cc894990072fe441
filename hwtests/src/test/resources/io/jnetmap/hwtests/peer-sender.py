#!/usr/bin/env python3
# Sends numbered test frames out of a kernel network interface through an AF_PACKET socket, as
# fast as the receiver's credit allows: the hardware test writes "N" lines on stdin meaning "you may
# send frames up to sequence number N - 1" (flow control, so the receiving NIC's ring never fills
# and the emulator never has to queue or drop). Frame layout (io.jnetmap.hwtests.Frames.fillPeer):
# dst(6) src(6) 0x88b5 seq(4, BE) size(2, BE) then PATTERN[(seq * 7) % 2048 :][: size - 20].
# Usage: peer-sender.py IFNAME DSTMAC SRCMAC COUNT cycle|SIZE
import os, select, socket, struct, sys, time, errno

ifname, dst, src, count, mode = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), \
    bytes.fromhex(sys.argv[3].replace(':', '')), int(sys.argv[4]), sys.argv[5]

pat = bytearray(2048 + 16384)
x = 0x2545F491
for i in range(len(pat)):
    x = (x * 1103515245 + 12345) & 0xffffffff
    pat[i] = x >> 24
pat = bytes(pat)

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
fd = sys.stdin.fileno()
credit, pending, retries = 0, b'', 0
head = dst + src + b'\x88\xb5'


def read_credit(block):
    global credit, pending
    r, _, _ = select.select([fd], [], [], None if block else 0)
    if not r:
        return
    data = os.read(fd, 65536)
    if not data:
        sys.exit(0)  # the test went away
    pending += data
    lines = pending.split(b'\n')
    pending = lines[-1]
    for line in lines[:-1]:
        if line.strip():
            credit = max(credit, int(line))


print('ready', flush=True)
seq = 0
fixed = None if mode == 'cycle' else int(mode)
while seq < count:
    if seq >= credit:
        read_credit(True)
        continue
    if (seq & 15) == 0:
        read_credit(False)
    size = fixed if fixed else 60 + seq % 1455
    off = (seq * 7) % 2048
    frame = head + struct.pack('>IH', seq, size) + pat[off:off + size - 20]
    try:
        s.send(frame)
    except OSError as e:
        if e.errno != errno.ENOBUFS:
            raise
        retries += 1  # the kernel dropped it (queue full): send it again
        time.sleep(0.001)
        continue
    seq += 1
print('sent %d retries %d' % (seq, retries), flush=True)
