#!/usr/bin/env python3
"""make-pcap-seeds.py — writes the fuzz-pcap seed corpus from a lab capture.

Usage: make-pcap-seeds.py CAPTURE.pcap OUTDIR [PREFIX]

Each seed is a small variant of the capture's first frames that drives one
part of the capture layer: 802.1Q/QinQ tags, Linux cooked v2, IPv4
fragments delivered out of order, reordered TCP segments, a snaplen cut,
a file cut mid-record, and a pcapng with two interfaces of different link
types and snapshot lengths."""
import struct
import sys


def read_pcap(path):
    data = open(path, 'rb').read()
    magic, = struct.unpack('<I', data[:4])
    assert magic == 0xa1b2c3d4, 'classic little-endian microsecond pcap expected'
    linktype, = struct.unpack('<I', data[20:24])
    assert linktype == 1, 'Ethernet expected'
    off, frames = 24, []
    while off + 16 <= len(data):
        sec, usec, cap, length = struct.unpack('<IIII', data[off:off + 16])
        frames.append((sec, usec, data[off + 16:off + 16 + cap], length))
        off += 16 + cap
    return frames


def write_pcap(path, frames, linktype=1, cut_last=False):
    out = bytearray(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, linktype))
    for sec, usec, frame, length in frames:
        out += struct.pack('<IIII', sec, usec, len(frame), max(length, len(frame))) + frame
    if cut_last:
        out = out[:len(out) - len(frames[-1][2]) // 2]
    open(path, 'wb').write(out)


def ipv4_fragments(frame):
    """Splits an Ethernet/IPv4 frame's payload into three fragments, last first."""
    if len(frame) < 34 or frame[12:14] != b'\x08\x00':
        return [frame]
    ihl = (frame[14] & 15) * 4
    total = struct.unpack('>H', frame[16:18])[0]
    payload = frame[14 + ihl:14 + total]
    if len(payload) < 48:
        return [frame]
    step = (len(payload) // 3) // 8 * 8
    cuts = [(0, step), (step, 2 * step), (2 * step, len(payload))]
    out = []
    for i, (a, b) in enumerate(cuts):
        hdr = bytearray(frame[14:14 + ihl])
        hdr[2:4] = struct.pack('>H', ihl + b - a)
        flags = (0x2000 if i < 2 else 0) | (a // 8)
        hdr[6:8] = struct.pack('>H', flags)
        hdr[4:6] = b'\x4a\x4b'
        out.append(frame[:14] + bytes(hdr) + payload[a:b])
    return [out[2], out[0], out[1]]


def main():
    src, outdir = sys.argv[1], sys.argv[2]
    prefix = sys.argv[3] if len(sys.argv) > 3 else 'lab'
    frames = read_pcap(src)[:40]
    p = lambda name: f'{outdir}/{prefix}-{name}'
    write_pcap(p('plain.pcap'), frames)
    vlan = [(s, u, f[:12] + b'\x81\x00\x00\x64' + f[12:], l + 4) for s, u, f, l in frames]
    write_pcap(p('vlan.pcap'), vlan)
    qinq = [(s, u, f[:12] + b'\x88\xa8\x00\x0a\x81\x00\x00\x0b' + f[12:], l + 8) for s, u, f, l in frames]
    write_pcap(p('qinq.pcap'), qinq)
    sll2 = [(s, u, f[12:14] + b'\x00\x00' + struct.pack('>I', 2) + b'\x00\x01\x00\x06' + f[6:12] + b'\x00\x00' + f[14:], l + 6)
            for s, u, f, l in frames]
    write_pcap(p('sll2.pcap'), sll2, linktype=276)
    frag = []
    for s, u, f, l in frames:
        frag += [(s, u, x, len(x)) for x in ipv4_fragments(f)]
    write_pcap(p('fragments.pcap'), frag)
    swapped = list(frames)
    for i in range(0, len(swapped) - 1, 2):
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
    write_pcap(p('reordered.pcap'), swapped)
    write_pcap(p('snaplen.pcap'), [(s, u, f[:128], l) for s, u, f, l in frames])
    write_pcap(p('cut.pcap'), frames[:12], cut_last=True)
    # pcapng: interface 0 Ethernet (snaplen 262144), interface 1 raw IP (snaplen 8192, ns).
    ng = bytearray()
    ng += struct.pack('<IIIHHqI', 0x0a0d0d0a, 28, 0x1a2b3c4d, 1, 0, -1, 28)
    ng += struct.pack('<IIHHII', 1, 20, 1, 0, 262144, 20)
    opt = struct.pack('<HHB3x', 9, 1, 9) + struct.pack('<HH', 0, 0)
    ng += struct.pack('<IIHHI', 1, 20 + len(opt), 101, 0, 8192) + opt + struct.pack('<I', 20 + len(opt))
    for i, (s, u, f, l) in enumerate(frames):
        iface = i % 2
        data = f if iface == 0 else f[14:]
        ts = s * 1000000 + u if iface == 0 else (s * 1000000 + u) * 1000
        pad = (-len(data)) % 4
        blen = 32 + len(data) + pad
        ng += struct.pack('<IIIIIII', 6, blen, iface, ts >> 32, ts & 0xffffffff, len(data), len(data))
        ng += data + b'\0' * pad + struct.pack('<I', blen)
    open(p('two-interfaces.pcapng'), 'wb').write(ng)


if __name__ == '__main__':
    main()
