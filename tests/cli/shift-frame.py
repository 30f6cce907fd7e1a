#!/usr/bin/env python3
"""shift-frame.py IN.pcap OUT.pcap FRAME SECONDS: copy a classic pcap with
frame FRAME's (1-based) time stamp moved by SECONDS (negative: earlier)."""
import struct
import sys


def shift(src, dst, frame, seconds):
    data = bytearray(open(src, "rb").read())
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise SystemExit("%s: not a classic pcap" % src)
    off, n = 24, 0
    while off + 16 <= len(data):
        n += 1
        sec, frac, incl, _ = struct.unpack_from(end + "IIII", data, off)
        if n == frame:
            struct.pack_into(end + "I", data, off, sec + seconds)
        off += 16 + incl
    if frame > n:
        raise SystemExit("%s has %d frames" % (src, n))
    open(dst, "wb").write(data)


if __name__ == "__main__":
    shift(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
