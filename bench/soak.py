#!/usr/bin/env python3
"""bench/soak.py — days of traffic through one trustwire, peak RSS per hour.

A benchmark, not a test.  The capture (classic pcap, e.g. a bench/gen-capture
mix) is replayed COPIES times into `trustwire -r -` through a pipe, copy k
shifted by k × SPACING seconds of capture time (timestamps advance; the
same machines come back every "hour", as on a real network; every flow of a
copy has expired before the next).  While it runs, the trustwire process's
VmRSS is sampled every 0.2 s; the peak is printed per copy, and the growth
of the peak after warm-up (the first WARMUP copies) against the peak during
it; the report at the end is shown apart.  Target: flat within 10 %.

usage: bench/soak.py TRUSTWIRE CAPTURE [COPIES=24] [SPACING=3600] [WARMUP=3] [-- trustwire options]
"""
import os
import struct
import subprocess
import sys
import threading
import time


def main():
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        i = args.index("--")
        args, extra = args[:i], args[i + 1:]
    tw, cap = args[0], args[1]
    copies = int(args[2]) if len(args) > 2 else 24
    spacing = int(args[3]) if len(args) > 3 else 3600
    warmup = int(args[4]) if len(args) > 4 else 3
    data = open(cap, "rb").read()
    magic = data[:4]
    if magic not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4"):
        sys.exit("soak: classic microsecond pcap expected")
    e = "<" if magic == b"\xd4\xc3\xb2\xa1" else ">"
    header, body = data[:24], data[24:]
    offsets = []
    off = 0
    while off + 16 <= len(body):
        incl = struct.unpack_from(e + "I", body, off + 8)[0]
        offsets.append(off)
        off += 16 + incl
    first_sec = struct.unpack_from(e + "I", body, 0)[0]

    p = subprocess.Popen([tw, "-r", "-"] + extra, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    current = [0]
    peaks = [0] * (copies + 1)  # the last: after the input, while the report is made
    done = threading.Event()

    def sample():
        path = f"/proc/{p.pid}/status"
        while not done.is_set():
            try:
                for line in open(path):
                    if line.startswith("VmRSS:"):
                        kb = int(line.split()[1])
                        k = current[0]
                        if kb > peaks[k]:
                            peaks[k] = kb
            except OSError:
                break
            time.sleep(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    start = time.time()
    p.stdin.write(header)
    for k in range(copies):
        current[0] = k
        buf = bytearray(body)
        shift = k * spacing
        for o in offsets:
            sec = struct.unpack_from(e + "I", buf, o)[0]
            struct.pack_into(e + "I", buf, o, sec + shift)
        p.stdin.write(buf)
        p.stdin.flush()
    current[0] = copies
    p.stdin.close()
    err = p.stderr.read().decode()
    rc = p.wait()
    done.set()
    wall = time.time() - start
    hours = copies * spacing / 3600
    print(f"soak: {copies} copies of {os.path.basename(cap)} ({len(offsets)} frames, {len(data) / 2**20:.0f} MiB each), "
          f"{hours:.0f} h of capture time, {wall:.0f} s wall, exit {rc}")
    for k, kb in enumerate(peaks[:copies]):
        print(f"  copy {k + 1:3d} (capture hour {k * spacing / 3600 + 1:5.1f}): peak RSS {kb / 1024:7.1f} MiB")
    if peaks[copies]:
        print(f"  end of input, the report: peak RSS {peaks[copies] / 1024:7.1f} MiB")
    w = max(peaks[:warmup]) if warmup else peaks[0]
    after = max(peaks[warmup:copies]) if copies > warmup else w
    print(f"peak RSS during warm-up (copies 1-{warmup}): {w / 1024:.1f} MiB; after: {after / 1024:.1f} MiB; "
          f"growth {100.0 * (after - w) / w:+.1f} % (target within 10 %)")
    if rc not in (0, 1):
        print(err[-2000:])


if __name__ == "__main__":
    main()
