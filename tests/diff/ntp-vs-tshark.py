#!/usr/bin/env python3
"""Differential test: trustwire's NTP events against tshark's dissection.

For the public captures holding NTP (../shared/pcaps/public relative to the
repo root, or $TW_PUBLIC_PCAPS; found with `tshark -Y ntp` over all of them)
and every lab capture in pcaps/ (or the captures named on the command line),
every frame tshark dissects as ntp or trustwire reports an `ntp` event for:

  ntp.flags.mode  vs  mode
  ntp.stratum     vs  stratum
  ntp.xmt         vs  transmit_time_us  (tshark's nanoseconds truncated to
                                         microseconds; tshark "NULL" = absent)
  ntp.org         vs  origin_time_us    (the same)
  ntp.keyid       vs  key_id            (tshark shows the 4 bytes; trustwire
                                         reads them big-endian, RFC 5905, or
                                         little-endian when ms_sntp, MS-SNTP 2.2)

A field absent on both sides is not counted.  Prints n/n agreement per field.

With --synthetic, the captures are replaced by one written here: packets
built from the RFC 5905 and MS-SNTP tables (MS-SNTP 68-byte request/response
with key selector 1, 120-byte ExtendedAuthenticator request/response, RFC 5905
MD5 and SHA-1 MACs, crypto-NAK, an RFC 7822 extension field, a mode 6 control
message, a kiss-o'-death), so the forms no public capture has are still
checked against tshark's reading.

Usage: ntp-vs-tshark.py TRUSTWIRE [--synthetic | PCAP...]
Exit 0 = agree, 1 = mismatch, 77 = skip (no tshark, or no capture holds NTP).
"""
import calendar
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PUBLIC = os.environ.get("TW_PUBLIC_PCAPS", os.path.join(REPO, "..", "shared", "pcaps", "public"))

# Public captures in which tshark 4.0 finds NTP (`tshark -r F -Y ntp` over all
# of ../shared/pcaps/public, November 2026): an MS-SNTP 68-byte exchange with
# a DC, and a plain NTPv3 exchange with a public server.
CAPTURES = [
    "phihhim-pcap_sample/kerberos.pcap",
    "x2nn-kerberos-network-packets/s4u2self_kerberos.pcapng",
]

FIELDS = ["mode", "stratum", "xmt", "org", "keyid"]
MONTHS = {m: i for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}
TIME_RE = re.compile(r"(\w{3})\s+(\d+), (\d+) (\d+):(\d+):(\d+)(?:\.(\d+))? UTC")


def tshark_time_us(text):
    """'Mar 29, 2021 18:09:29.418945299 UTC' -> Unix microseconds (truncated)."""
    if not text or text == "NULL":
        return None
    m = TIME_RE.fullmatch(text.strip())
    if not m:
        raise SystemExit(f"unexpected tshark time format: {text!r}")
    mon, day, year, hh, mm, ss, frac = m.groups()
    sec = calendar.timegm((int(year), MONTHS[mon], int(day), int(hh), int(mm), int(ss)))
    us = int((frac or "0").ljust(6, "0")[:6])
    return sec * 1000000 + us


def tshark_frames(path):
    out = subprocess.run(
        ["tshark", "-r", path, "-Y", "ntp", "-T", "fields", "-E", "separator=\t",
         "-e", "frame.number", "-e", "ntp.flags.mode", "-e", "ntp.stratum", "-e", "ntp.xmt",
         "-e", "ntp.org", "-e", "ntp.keyid"],
        capture_output=True, text=True, check=True).stdout
    frames = {}
    for line in out.splitlines():
        cols = line.split("\t")
        cols += [""] * (6 - len(cols))
        frame, mode, stratum, xmt, org, keyid = cols[:6]
        frames[int(frame)] = {
            "mode": int(mode) if mode else None,
            "stratum": int(stratum) if stratum else None,
            "xmt": tshark_time_us(xmt),
            "org": tshark_time_us(org),
            "keyid": keyid or None,  # hex bytes, interpreted against trustwire's reading
        }
    return frames


def trustwire_frames(tw, path):
    out = subprocess.run([tw, "-r", path, "-T", "events"], capture_output=True, text=True,
                         check=True).stdout
    frames = {}
    for line in out.splitlines():
        ev = json.loads(line)
        if ev.get("proto") != "ntp":
            continue
        frames[ev["frame"]] = {
            "mode": ev.get("mode"),
            "stratum": ev.get("stratum"),
            "xmt": ev.get("transmit_time_us"),
            "org": ev.get("origin_time_us"),
            "keyid": ev.get("key_id"),
            "ms_sntp": ev.get("ms_sntp", False),
        }
    return frames


def write_synthetic(path):
    """A pcap of NTP packets built field by field (see --synthetic above)."""
    def header(b0, stratum, xmt, org=0, refid=b"\xc0\x00\x02\x01"):
        # RFC 5905 7.3 Figure 8
        return (bytes([b0, stratum, 6, 0xec]) + struct.pack(">II", 0, 0x10000) + refid +
                struct.pack(">QQQQ", 0, org, 0, xmt))
    t = ((1704164645 + 2208988800) << 32) | 0x80000000  # 2024-01-02T03:04:05.5Z
    client, server = header(0x23, 0, t), header(0x24, 2, t + 5, t)
    packets = [  # (from the server?, UDP payload)
        (False, header(0x1b, 0, t) + struct.pack("<I", 0x8000044f) + bytes(16)),  # MS-SNTP 2.2.1
        (True, header(0x1c, 1, t + 7, t, b"LOCL") + struct.pack("<I", 0x8000044f) + b"\x5a" * 16),
        (False, header(0x1b, 0, t + 1) + struct.pack("<I", 1103) + bytes([0, 1, 1, 0]) + bytes(64)),
        (True, header(0x1c, 1, t + 9, t + 1, b"LOCL") + struct.pack("<I", 1103) +
         bytes([0, 0, 1, 1]) + b"\xaa" * 64),  # MS-SNTP 2.2.4
        (False, client + struct.pack(">I", 1) + b"\x11" * 16),   # RFC 5905 MD5 MAC
        (True, server + struct.pack(">I", 42) + b"\x11" * 20),   # SHA-1 MAC
        (True, server + bytes(4)),                               # crypto-NAK
        (False, client + struct.pack(">HH", 0x104, 16) + b"\x33" * 12 +
         struct.pack(">I", 7) + b"\x11" * 20),                   # RFC 7822 + MAC
        (False, bytes([0x16, 0x82, 0, 1]) + bytes(8)),           # mode 6 response
        (True, header(0x24, 0, 0, t, b"RATE")),                  # kiss-o'-death
    ]

    def checksum(b):
        if len(b) % 2:
            b += b"\0"
        s = sum(struct.unpack(f"!{len(b) // 2}H", b))
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        return ~s & 0xffff

    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, (from_server, payload) in enumerate(packets):
            a, b = b"\x0a\x00\x00\x05", b"\x0a\x00\x00\x01"
            src, dst = (b, a) if from_server else (a, b)
            udp = struct.pack(">HHHH", 123, 123, 8 + len(payload), 0) + payload
            ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0, src, dst)
            ip = ip[:10] + struct.pack(">H", checksum(ip)) + ip[12:]
            frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + udp
            out.write(struct.pack("<IIII", 1704164645 + i, 0, len(frame), len(frame)) + frame)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    tw = sys.argv[1]
    if not shutil.which("tshark"):
        print("SKIP: tshark not installed")
        return 77
    rels = sys.argv[2:]
    tmp = None
    if rels == ["--synthetic"]:
        tmp = tempfile.TemporaryDirectory()
        rels = [os.path.join(tmp.name, "ntp-synthetic.pcap")]
        write_synthetic(rels[0])
    elif not rels:
        rels = CAPTURES + sorted(glob.glob(os.path.join(REPO, "pcaps", "*.pcap*")))
    agree = {f: 0 for f in FIELDS}
    total = {f: 0 for f in FIELDS}
    failures = []
    frames_total = frames_agree = 0
    with_ntp = []
    for rel in rels:
        path = rel if os.path.isabs(rel) or os.path.exists(rel) else os.path.join(PUBLIC, rel)
        if not os.path.exists(path):
            print(f"skip (missing): {rel}")
            continue
        ts = tshark_frames(path)
        ours = trustwire_frames(tw, path)
        if not ts and not ours:
            continue
        with_ntp.append(f"{os.path.relpath(path, REPO)}: tshark {len(ts)}, trustwire {len(ours)} frames")
        for frame in sorted(set(ts) | set(ours)):
            t = ts.get(frame, {})
            o = ours.get(frame, {})
            frame_ok = True
            for f in FIELDS:
                tv, ov = t.get(f), o.get(f)
                if f == "keyid" and tv is not None:
                    raw = bytes.fromhex(tv.replace(":", ""))
                    tv = int.from_bytes(raw, "little" if o.get("ms_sntp") else "big")
                if tv is None and ov is None:
                    continue
                total[f] += 1
                if tv == ov:
                    agree[f] += 1
                else:
                    frame_ok = False
                    failures.append(f"{rel} frame {frame} {f}: tshark={tv} trustwire={ov}")
            frames_total += 1
            frames_agree += frame_ok
    if frames_total == 0:
        print("SKIP: no capture holds NTP (public: " + ", ".join(CAPTURES) +
              f" under {PUBLIC}; lab: pcaps/*.pcap, e.g. the NTP exchange planned for "
              "pcaps/03-clock-skew.pcap)")
        return 77
    for line in with_ntp:
        print(line)
    for f in FIELDS:
        print(f"ntp.{f}: {agree[f]}/{total[f]} agree")
    print(f"frames: {frames_agree}/{frames_total} agree on every field")
    for line in failures:
        print("MISMATCH " + line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
