#!/usr/bin/env python3
"""Community ID of every event against tshark's communityid post-dissector.

Usage: community-id-vs-tshark.py TRUSTWIRE

For every capture of pcaps/ and ../shared/pcaps/public (TW_PUBLIC_PCAPS overrides), every
event with a `community_id` (docs/events.md common header) must carry exactly the value tshark
computes for its frame (`tshark --enable-protocol communityid -e communityid`, seed 0,
base64: Wireshark's own implementation of the same spec).  A frame where tshark shows several
flows (a tunnel) must have ours among them.  Exit 77 without tshark.
"""
import glob
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PUBLIC = os.environ.get("TW_PUBLIC_PCAPS", os.path.join(REPO, "..", "shared", "pcaps", "public"))


def tshark_ids(path):
    r = subprocess.run(["tshark", "-n", "-r", path, "--enable-protocol", "communityid", "-T", "fields",
                        "-E", "occurrence=a", "-E", "aggregator=|", "-e", "frame.number", "-e", "communityid"],
                       capture_output=True, text=True)
    out = {}
    for line in r.stdout.splitlines():
        f = line.split("\t")
        if len(f) == 2 and f[1]:
            out[int(f[0])] = set(f[1].split("|"))
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    if not shutil.which("tshark"):
        print("SKIP: tshark not found")
        return 77
    tw = sys.argv[1]
    caps = sorted(glob.glob(os.path.join(REPO, "pcaps", "*.pcap*")))
    if os.path.isdir(PUBLIC):
        caps += sorted(glob.glob(os.path.join(PUBLIC, "**", "*.pcap*"), recursive=True))
    else:
        print(f"SKIP the public captures: {os.path.normpath(PUBLIC)} not found")
    checked = agree = 0
    failures = []
    for p in caps:
        r = subprocess.run([tw, "-T", "events", "-r", p], capture_output=True, text=True)
        evs = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
        evs = [e for e in evs if "community_id" in e]
        if not evs:
            continue
        ts = tshark_ids(p)
        for e in evs:
            checked += 1
            want = ts.get(e["frame"], set())
            if e["community_id"] in want:
                agree += 1
            elif len(failures) < 30:
                failures.append(f"{os.path.relpath(p, REPO)} frame {e['frame']} ({e['proto']} {e.get('src')}:"
                                f"{e.get('sport')} -> {e.get('dst')}:{e.get('dport')} ip_proto {e.get('ip_proto')}): "
                                f"ours {e['community_id']}, tshark {sorted(want) or 'none'}")
    for f in failures:
        print("DIFF", f)
    print(f"TOTAL {agree}/{checked} event Community IDs agree with tshark over {len(caps)} captures")
    if checked == 0:
        print("FAIL: nothing compared")
        return 1
    return 0 if agree == checked else 1


if __name__ == "__main__":
    sys.exit(main())
