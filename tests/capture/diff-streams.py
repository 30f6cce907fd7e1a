#!/usr/bin/env python3
"""diff-streams.py — our TCP reassembly against tshark's "follow tcp,raw".

Usage: diff-streams.py TW_STREAMS PUBLIC_PCAP_DIR [LAB_PCAP_DIR]

For every capture listed in PUBLIC_PCAP_DIR/summary.tsv, and every capture in
LAB_PCAP_DIR (the repository's pcaps/), every direction of
every TCP stream that carries payload must come out of our pipeline with the
same bytes as tshark's follow output.  A direction may differ only when we
reported a gap for its flow (tshark's follow leaves missing bytes out; we
report them).  Skips (77) when tshark or every capture is absent."""
import os
import re
import shutil
import subprocess
import sys


def endpoint(text):
    text = text.strip()
    if text.startswith('['):
        addr, port = text[1:].rsplit(']:', 1)
        return f'[{addr}]:{port}'
    addr, port = text.rsplit(':', 1)
    if ':' in addr:
        return f'[{addr}]:{port}'
    return f'{addr}:{port}'


def tshark_streams(path):
    ids = subprocess.run(['tshark', '-r', path, '-Y', 'tcp.len>0', '-T', 'fields', '-e', 'tcp.stream'],
                         capture_output=True, text=True).stdout.split()
    ids = sorted({int(i) for i in ids if i})
    out = {}
    for start in range(0, len(ids), 200):
        args = ['tshark', '-r', path, '-q']
        for i in ids[start:start + 200]:
            args += ['-z', f'follow,tcp,raw,{i}']
        text = subprocess.run(args, capture_output=True, text=True).stdout
        for block in text.split('Follow: tcp,raw')[1:]:
            nodes = dict(re.findall(r'Node (\d): (.*)', block))
            if '0' not in nodes or '1' not in nodes:
                continue
            body = block.split('Node 1:', 1)[1].split('\n', 1)[1]
            acc = {0: [], 1: []}
            for line in body.splitlines():
                if line.startswith('===='):
                    break
                if line.strip():
                    acc[1 if line.startswith('\t') else 0].append(line.strip())
            for d in (0, 1):
                if acc[d]:
                    key = f'{endpoint(nodes[str(d)])}>{endpoint(nodes[str(1 - d)])}'
                    out[key] = ''.join(acc[d])
    return out


def main():
    tool, pcap_dir = sys.argv[1], sys.argv[2]
    lab_dir = sys.argv[3] if len(sys.argv) > 3 else None
    if not shutil.which('tshark'):
        print('SKIP: tshark not installed')
        return 77
    paths = []
    summary = os.path.join(pcap_dir, 'summary.tsv')
    if os.path.exists(summary):
        paths += [os.path.join(pcap_dir, line.split('\t')[0])
                  for line in open(summary).read().splitlines()[1:] if line.strip()]
    else:
        print(f'note: {pcap_dir} absent: lab captures only')
    if lab_dir and os.path.isdir(lab_dir):
        paths += sorted(os.path.join(lab_dir, f) for f in os.listdir(lab_dir)
                        if f.endswith(('.pcap', '.pcapng')))
    if not paths:
        print('SKIP: no capture to compare')
        return 77
    files = paths
    total = same = with_gaps = 0
    failures = []
    for path in files:
        name = os.path.relpath(path, pcap_dir) if path.startswith(pcap_dir) else path
        ours, gaps = {}, {}
        run = subprocess.run([tool, path], capture_output=True, text=True)
        if run.returncode != 0:
            failures.append(f'{name}: tw-streams failed: {run.stderr.strip()}')
            continue
        for line in run.stdout.splitlines():
            key, gap, hexdata = line.split(' ')
            ours[key], gaps[key] = hexdata, int(gap)
        for key, hexdata in tshark_streams(path).items():
            total += 1
            if ours.get(key) == hexdata:
                same += 1
            elif key in ours and gaps[key]:
                with_gaps += 1
            else:
                have = len(ours[key]) // 2 if key in ours else 'no'
                failures.append(f'{name}: {key}: {have} bytes from us, {len(hexdata) // 2} from tshark')
    print(f'{len(files)} captures, {total} stream directions: {same} identical to tshark, '
          f'{with_gaps} differ where we reported a gap, {len(failures)} failures')
    for f in failures[:30]:
        print('FAIL', f)
    return 1 if failures or total == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
