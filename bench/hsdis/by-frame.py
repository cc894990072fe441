#!/usr/bin/env python3
"""Sums a JMH perfasm output (bench/perfasm) by where the samples fell.

Three tables: samples on the instruction right after a lock-prefixed one (cpu-clock samples land
after the instruction that was retiring, so these are the locked instructions' cost), samples by
innermost io.jnetmap source line of the JIT's debug info, and JMH's own hottest methods (which
show native code such as the vDSO's clock_gettime). Shares are of all samples in the run.
"""
import re
import sys
from collections import Counter

INSN = re.compile(r'^\s*(?:([0-9.]+)%)?\s+0x[0-9a-f]+:\s+(\S+)(?:\s+([^;]*))?')


def main(path):
    after_lock, by_line = Counter(), Counter()
    prev_locked, methods, in_methods = None, [], False
    # the JIT's debug info ("; - Class::method@bci (line n)") follows the instruction it describes,
    # and an instruction without any inherits the last one seen in that code blob
    pending, frames, last_frames = 0.0, [], ['(no debug info)']

    def settle():
        nonlocal last_frames
        if frames:
            last_frames = [f for f in frames if 'io.jnetmap' in f] or frames
        if pending:
            by_line[re.sub(r'@-?\d+', '', last_frames[0])] += pending

    for line in open(path, errors='replace'):
        if line.startswith('....[Hottest Methods'):
            in_methods = True
            continue
        if in_methods:
            if line.startswith('....') or '<totals>' in line:
                if methods:
                    break
                continue
            if line.strip():
                methods.append(line.rstrip())
            continue
        if line.startswith('....[Hottest Region'):
            settle()
            pending, frames, last_frames = 0.0, [], ['(no debug info)']
            continue
        s = line.strip()
        if s.startswith('; - '):
            frames.append(s[4:])
            continue
        m = INSN.match(line)
        if not m:
            continue
        settle()
        pending, frames = (float(m.group(1)) if m.group(1) else 0.0), []
        op = m.group(2)
        if pending and prev_locked:
            after_lock[prev_locked] += pending
        prev_locked = (op + ' ' + (m.group(3) or '').strip()).strip() if op == 'lock' else None
    settle()
    total_lock = sum(after_lock.values())
    print('samples right after a lock-prefixed instruction: %.1f%%' % total_lock)
    for k, v in after_lock.most_common(8):
        print('  %6.2f%%  %s' % (v, k))
    print('samples by innermost io.jnetmap frame:')
    for k, v in by_line.most_common(25):
        print('  %6.2f%%  %s' % (v, k))
    print('hottest methods (JMH):')
    for m in methods[:10]:
        print('  ' + m.strip())


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: by-frame.py PERFASM-OUTPUT')
    main(sys.argv[1])
