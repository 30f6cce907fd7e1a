#!/usr/bin/env python3
"""shard-split.py IN.pcap EVEN.pcap ODD.pcap

Splits a classic little-endian Ethernet pcap by the shard --workers gives
each frame (capture/workers.c shard_of: FNV-1a over the lower, then the
higher IPv4 address, 16 shards; frames that are not IPv4 go to shard 0):
the frames of even shards to EVEN.pcap, of odd shards to ODD.pcap, in input
order.  Two `--workers 1` processes on the halves do the work of one
`--workers 2` run without sharing any memory (bench/README.md, round 12).
IPv6 frames are not hashed here: the DC and office mixes carry none.
"""
import struct
import sys

SHARDS = 16


def shard_v4(src, dst):
    """FNV-1a over the version, the lower then the higher address (as tests/workers/test-workers.py)."""
    lo, hi = sorted([src, dst])
    h = 2166136261
    for byte in bytes([4]) + lo + hi:
        h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
    h ^= h >> 16
    return h % SHARDS


def main():
    src = open(sys.argv[1], "rb")
    head = src.read(24)
    if struct.unpack("<I", head[:4])[0] != 0xA1B2C3D4 or struct.unpack("<I", head[20:24])[0] != 1:
        sys.exit("shard-split.py: expected a little-endian microsecond pcap of Ethernet frames")
    outs = [open(sys.argv[2], "wb"), open(sys.argv[3], "wb")]
    for o in outs:
        o.write(head)
    counts = [0, 0]
    while True:
        rec = src.read(16)
        if len(rec) < 16:
            break
        frame = src.read(struct.unpack("<I", rec[8:12])[0])
        shard, ethertype, off = 0, frame[12:14], 14
        if ethertype == b"\x81\x00":  # one 802.1Q tag
            ethertype, off = frame[16:18], 18
        if ethertype == b"\x08\x00" and len(frame) >= off + 20:
            shard = shard_v4(frame[off + 12:off + 16], frame[off + 16:off + 20])
        outs[shard % 2].write(rec + frame)
        counts[shard % 2] += 1
    print(f"even shards {counts[0]} frames, odd shards {counts[1]} frames")


main()
