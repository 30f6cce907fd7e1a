#!/usr/bin/env python3
"""Compressed captures read directly, told by content (issue 13 item 4):
gzip (one member or several), zstd (when this build has libzstd and the
zstd tool is there), through a name that says nothing (.pcap), and through
stdin.  Each is compressed here at test time from a lab capture (and a
public pcapng when ../shared is there) and must give the same events and
report as the plain file; a cut or corrupt stream exits 2 saying so, after
the frames before the damage.

Usage: test-compressed.py TRUSTWIRE SOURCE_ROOT
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

TW, ROOT = sys.argv[1], sys.argv[2]
PUBLIC = os.environ.get("TW_PUBLIC_PCAPS", os.path.join(ROOT, "..", "shared", "pcaps", "public"))
TMP = tempfile.mkdtemp(prefix="tw-compressed-")
failures = 0


def check(name, cond, detail=""):
    global failures
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  " + str(detail)[:300]))
    if not cond:
        failures += 1


def run(args, stdin=None):
    return subprocess.run([TW, *args], input=stdin, capture_output=True)


def outputs(path, stdin=None):
    src = ["-r", "-"] if stdin is not None else ["-r", path]
    ev = run(src + ["-T", "events"], stdin)
    rep = run(src + ["-T", "json"], stdin)
    # the report names the file it read (capture health, evidence): not the content
    named = re.sub(rb'"(name|file)" : "[^"]*"', rb'"\1" : "FILE"', rep.stdout)
    return ev.returncode, ev.stdout, rep.returncode, named


have_zstd = b"zstd " in run(["-v"]).stdout and shutil.which("zstd")
caps = [os.path.join(ROOT, "pcaps", "02-stale-password.pcap"), os.path.join(ROOT, "pcaps", "10-mixed.pcap")]
ng = os.path.join(PUBLIC, "zeek", "dce-rpc", "dce_rpc_netlogon.pcapng")
if os.path.exists(ng):
    caps.append(ng)
else:
    print("note: no public pcapng (../shared missing): pcap only")

for cap in caps:
    base = os.path.basename(cap)
    raw = open(cap, "rb").read()
    ref = outputs(cap)
    check(f"{base}: the plain file gives events", ref[0] in (0, 1) and ref[1].count(b"\n") > 0)
    variants = {}
    variants[".gz"] = gzip.compress(raw)
    half = len(raw) // 2
    variants[".2members.gz"] = gzip.compress(raw[:half]) + gzip.compress(raw[half:])
    variants[" renamed (.gz as .pcap)"] = gzip.compress(raw)
    if have_zstd:
        variants[".zst"] = subprocess.run(["zstd", "-q", "-c"], input=raw, capture_output=True, check=True).stdout
    for suffix, data in variants.items():
        name = base + (".pcap" if "renamed" in suffix else suffix.split(" ")[0])
        path = os.path.join(TMP, name.replace(" ", "_"))
        with open(path, "wb") as f:
            f.write(data)
        check(f"{base}{suffix}: same events and report as the plain file", outputs(path) == ref)
    check(f"{base}.gz on stdin (a pipe): same", outputs(None, stdin=variants[".gz"]) == ref)
    check(f"{base} plain on stdin (a pipe): same", outputs(None, stdin=raw) == ref)

    # damage: a cut stream and a corrupt one
    gz = variants[".gz"]
    cut = os.path.join(TMP, base + ".cut.gz")
    with open(cut, "wb") as f:
        f.write(gz[: len(gz) * 2 // 3])
    r = run(["-r", cut, "-T", "events"])
    check(f"{base}: a cut gzip stream exits 2 and says so", r.returncode == 2 and b"gzip stream cut short" in r.stderr,
          r.stderr)
    check(f"{base}: events before the cut are the plain file's first ones",
          len(r.stdout) > 0 and ref[1].startswith(r.stdout))
    # the CRC-32 of the trailer (RFC 1952 2.3.1) wrong: all data read, then the check fails
    bad = bytearray(gz)
    bad[-8] ^= 0xff
    badp = os.path.join(TMP, base + ".badcrc.gz")
    with open(badp, "wb") as f:
        f.write(bytes(bad))
    r = run(["-r", badp, "-T", "events"])
    check(f"{base}: a gzip CRC mismatch exits 2 and says so",
          r.returncode == 2 and b"corrupt gzip stream (incorrect data check)" in r.stderr, r.stderr)
    # bytes flipped mid-stream: exit 2 however the damage shows (deflate or the capture's records)
    bad = bytearray(gz)
    for i in range(len(bad) // 2, len(bad) // 2 + 64):
        bad[i] ^= 0x5a
    badp = os.path.join(TMP, base + ".bad.gz")
    with open(badp, "wb") as f:
        f.write(bytes(bad))
    r = run(["-r", badp, "-T", "events"])
    check(f"{base}: a corrupt gzip stream exits 2", r.returncode == 2 and
          (b"corrupt gzip stream" in r.stderr or b"corrupt" in r.stderr), r.stderr)
    if have_zstd:
        z = variants[".zst"]
        cutz = os.path.join(TMP, base + ".cut.zst")
        with open(cutz, "wb") as f:
            f.write(z[: len(z) - 7])
        r = run(["-r", cutz, "-T", "events"])
        check(f"{base}: a cut zstd stream exits 2 and says so",
              r.returncode == 2 and b"zstd stream cut short" in r.stderr, r.stderr)
if not have_zstd:
    print("note: zstd not checked (no libzstd in this build or no zstd tool)")
shutil.rmtree(TMP)
print(f"{failures} failure(s)")
sys.exit(1 if failures else 0)
