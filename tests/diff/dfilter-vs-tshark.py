#!/usr/bin/env python3
"""Differential test of -Y: trustwire's display filter over events against
tshark's display filter over packets.

On every capture in pcaps/ and ../shared/pcaps/public (or $TW_PUBLIC_PCAPS):
the frames of the events `trustwire -T events -Y 'proto == "kerberos" &&
error_code == 24'` selects must be exactly the frames `tshark -Y
'kerberos.error_code == 24'` selects (a frame once however many messages
it completes).  docs/events.md names the Kerberos fields (`error_code`).
Both filters must select something on some capture, or the test proves
nothing.

Usage: dfilter-vs-tshark.py TRUSTWIRE
Exit 0 = every capture agrees, 1 = a mismatch, 77 = skip (no tshark).
"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PUBLIC = os.environ.get("TW_PUBLIC_PCAPS", os.path.join(REPO, "..", "shared", "pcaps", "public"))
TW_FILTER = 'proto == "kerberos" && error_code == 24'
TSHARK_FILTER = "kerberos.error_code == 24"


def captures():
    roots = [os.path.join(REPO, "pcaps")]
    if os.path.isdir(PUBLIC):
        roots.append(PUBLIC)
    else:
        print(f"note: {PUBLIC} missing: lab captures only")
    out = []
    for root in roots:
        for d, _, files in os.walk(root):
            for f in sorted(files):
                if f.endswith((".pcap", ".pcapng", ".cap")):
                    out.append(os.path.join(d, f))
    return sorted(out)


def main():
    tw = sys.argv[1]
    if not shutil.which("tshark"):
        print("SKIP: tshark not installed")
        return 77
    caps = captures()
    agree = 0
    selected = 0
    bad = []
    for cap in caps:
        r = subprocess.run(["tshark", "-n", "-r", cap, "-Y", TSHARK_FILTER, "-T", "fields", "-e", "frame.number"],
                           capture_output=True, text=True)
        want = {int(x) for x in r.stdout.split()}
        r2 = subprocess.run([tw, "-r", cap, "-T", "events", "-Y", TW_FILTER], capture_output=True, text=True)
        if r2.returncode not in (0, 1):
            bad.append(f"{cap}: trustwire exit {r2.returncode}: {r2.stderr.strip()}")
            continue
        got = {json.loads(line)["frame"] for line in r2.stdout.splitlines() if line.strip()}
        selected += len(got)
        if got == want:
            agree += 1
        else:
            bad.append(f"{os.path.relpath(cap, REPO)}: tshark only {sorted(want - got)[:10]}, "
                       f"trustwire only {sorted(got - want)[:10]}")
    for b in bad:
        print("MISMATCH", b)
    print(f"{agree}/{len(caps)} captures agree; {selected} frames selected in all")
    if selected == 0:
        print("FAIL: no capture has a KRB-ERROR 24: the comparison proves nothing")
        return 1
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
