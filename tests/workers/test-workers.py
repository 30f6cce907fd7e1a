#!/usr/bin/env python3
"""--workers N gives the same output as --workers 1, byte for byte.

Every capture in pcaps/ and ../shared/pcaps/public, in every output mode,
with --workers 1 and --workers 2 (stdout, exit status, and the -S counters in
events mode); all of them read in one run (times step back between files, so
flows expire out of order); and generated captures that hit the caps and the
anomaly-event limit in every shard: each memory flood of bench/gen-floods and
a domain-controller mix of bench/gen-capture with thousands of machines, with
1, 2, 3 and 7 workers.  The order itself is checked against tw-single (one
pipeline with the whole caps, as before --workers): the events of every
capture, and of the DC mix, are the same; and in the floods no kind has more
than TW_ANOMALY_EVENTS_MAX (100) anomaly events although more were raised.

usage: test-workers.py TRUSTWIRE SOURCE_ROOT GEN_FLOODS GEN_CAPTURE TW_SINGLE
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

MODES = ["report", "json", "events", "summary", "tree"]


def run(tw, args):
    p = subprocess.run([tw] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return p.returncode, p.stdout, p.stderr


def main():
    tw, root, gen_floods, gen_capture, tw_single = sys.argv[1:6]
    caps = sorted(glob.glob(os.path.join(root, "pcaps", "*.pcap*")))
    public = os.path.join(root, "..", "shared", "pcaps", "public")
    caps += sorted(p for p in glob.glob(os.path.join(public, "**", "*"), recursive=True)
                   if p.endswith((".pcap", ".pcapng", ".cap")))
    if not caps:
        print("no captures found")
        return 1
    failures = []
    compared = 0

    def same(label, args, workers=(1, 2), stats=False):
        nonlocal compared
        base = None
        for n in workers:
            a = ["--workers", str(n)] + (["-S"] if stats else []) + args
            r = run(tw, a)
            got = (r[0], r[1], r[2] if stats else b"")
            if base is None:
                base = got
                if r[0] not in (0, 1, 3):
                    failures.append(f"{label}: --workers {n} exit {r[0]}: {r[2][:200]!r}")
                continue
            compared += 1
            if got != base:
                what = "exit status" if got[0] != base[0] else "stdout" if got[1] != base[1] else "-S counters"
                failures.append(f"{label}: --workers {n} differs from --workers {workers[0]} ({what})")

    def reference(label, files):
        nonlocal compared
        ref = subprocess.run([tw_single] + files, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=600)
        for n in (1, 2):
            got = run(tw, ["--workers", str(n), "-T", "events"] + [a for f in files for a in ("-r", f)])
            compared += 1
            if got[1] != ref.stdout:
                failures.append(f"{label}: --workers {n} events differ from one pipeline (tw-single)")

    for cap in caps:
        name = os.path.relpath(cap, root)
        reference(name, [cap])
        for mode in MODES:
            same(f"{name} -T {mode}", ["-T", mode, "-r", cap], stats=(mode == "events"))
    nfiles = len(caps)

    every = []
    for cap in caps:
        every += ["-r", cap]
    reference(f"all {nfiles} captures in one run", caps)
    for mode in MODES:
        same(f"all {nfiles} captures in one run -T {mode}", ["-T", mode] + every, stats=True)

    with tempfile.TemporaryDirectory() as tmp:
        gen = []
        for kind in ["tcp-ooo", "dcerpc-frag", "smb2-prefix", "dcerpc-prefix", "dcerpc-conns", "smb2-sessions"]:
            out = os.path.join(tmp, kind + ".pcap")
            subprocess.run([gen_floods, kind, "12", out], check=True, stdout=subprocess.DEVNULL)
            gen.append((kind, out))
        dc = os.path.join(tmp, "dc.pcap")
        subprocess.run([gen_capture, "-s", "24", "-m", "dc", "-c", "6000", "-o", dc], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        gen.append(("dc mix", dc))
        reference("dc mix", [dc])
        limited = 0
        for kind, path in gen:
            r = run(tw, ["--workers", "2", "-S", "-T", "events", "-r", path])
            per_kind = {}
            for line in r[1].splitlines():
                ev = json.loads(line)
                if ev.get("proto") == "anomaly":
                    per_kind[ev["kind"]] = per_kind.get(ev["kind"], 0) + 1
            raised = {l.split()[0][len("anomaly."):]: int(l.split()[1])
                      for l in r[2].decode().splitlines() if l.startswith("anomaly.")}
            for k, n in per_kind.items():
                compared += 1
                if n > 100:
                    failures.append(f"{kind}: {n} anomaly events of kind {k} (at most 100)")
                if raised.get(k, 0) > 100:
                    limited += 1
        if not limited:
            failures.append("no flood raised more than 100 anomalies of a kind: the limit was not exercised")
        for kind, path in gen:
            for mode in ["events", "report", "json"]:
                same(f"{kind} -T {mode}", ["-T", mode, "-r", path], workers=(1, 2, 3, 7),
                     stats=(mode == "events"))

    for f in failures:
        print("FAIL", f)
    print(f"{nfiles} captures x {len(MODES)} modes, plus one run of all of them and "
          f"{len(gen)} generated captures: {compared} comparisons, {len(failures)} differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
