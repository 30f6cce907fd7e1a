#!/usr/bin/env python3
"""bench/ratio.py — trustwire against tshark on a busy machine: the speed
ratio measured back to back, several times, the median taken.

  bench/ratio.py [--reps N] [--before BIN] [--tw BIN] CAPTURE…

For each capture and each repetition, one after the other:
  tshark -r CAP -Y kerberos -T fields -e frame.number -e kerberos.msg_type
      -e kerberos.error_code -e kerberos.CNameString -e kerberos.realm
      -e kerberos.SNameString > tshark.tsv          (as bench/run.sh)
  trustwire -T events -r CAP > events.ndjson         (the same facts, to a file)
  trustwire -r CAP > /dev/null                       (the report)
  and the same two with --before BIN (an older build), if given.
Each run's wall time, CPU time (user + system, from wait4) and peak RSS
are kept; per repetition the ratio tshark / trustwire is taken (so both sides
of a ratio saw the same load), and the median over the repetitions is
printed, with the median times.  A benchmark, not a test.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

p = argparse.ArgumentParser()
p.add_argument("--reps", type=int, default=3)
p.add_argument("--tw", default="build/trustwire")
p.add_argument("--before")
p.add_argument("captures", nargs="+")
args = p.parse_args()

TSHARK = ["tshark", "-r", None, "-Y", "kerberos", "-T", "fields", "-e", "frame.number", "-e", "kerberos.msg_type",
          "-e", "kerberos.error_code", "-e", "kerberos.CNameString", "-e", "kerberos.realm", "-e",
          "kerberos.SNameString"]


def run(cmd, out_path):
    with open(out_path, "wb") as out:
        t0 = time.monotonic()
        pr = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(pr.pid, 0)
        wall = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss": ru.ru_maxrss / 1024.0, "rc": code}


tmp = tempfile.mkdtemp(prefix="tw-ratio-")
print(f"load average at start: {os.getloadavg()}")
for cap in args.captures:
    with open(cap, "rb") as f:  # page cache
        while f.read(1 << 24):
            pass
    bins = [("tw", args.tw)] + ([("before", args.before)] if args.before else [])
    rows = {}
    for rep in range(args.reps):
        r = {"tshark": run([c if c else cap for c in TSHARK], f"{tmp}/tshark.tsv")}
        for name, b in bins:
            r[f"{name} events"] = run([b, "-T", "events", "-r", cap], f"{tmp}/{name}-events.ndjson")
            r[f"{name} report"] = run([b, "-r", cap], os.devnull)
        for k, v in r.items():
            rows.setdefault(k, []).append(v)
        print(f"  rep {rep + 1}: " + ", ".join(f"{k} {v['wall']:.2f}/{v['cpu']:.2f} s" for k, v in r.items()),
              flush=True)
    print(f"\n{cap} ({os.path.getsize(cap) / 2**20:.0f} MiB), {args.reps} repetitions, medians:")
    print(f"  {'run':16} {'wall s':>8} {'CPU s':>8} {'peak RSS MiB':>13} {'ratio wall':>11} {'ratio CPU':>10}")
    ts = rows["tshark"]
    for k, v in rows.items():
        wall = statistics.median(x["wall"] for x in v)
        cpu = statistics.median(x["cpu"] for x in v)
        rss = max(x["rss"] for x in v)
        if k == "tshark":
            print(f"  {k:16} {wall:8.2f} {cpu:8.2f} {rss:13.1f}")
            continue
        rw = statistics.median(t["wall"] / x["wall"] for t, x in zip(ts, v))
        rc = statistics.median(t["cpu"] / x["cpu"] for t, x in zip(ts, v))
        print(f"  {k:16} {wall:8.2f} {cpu:8.2f} {rss:13.1f} {rw:10.1f}x {rc:9.1f}x")
    # the same facts: Kerberos messages in both outputs
    n_tw = sum(1 for l in open(f"{tmp}/tw-events.ndjson") if '"proto":"kerberos"' in l)
    n_ts = sum(1 for _ in open(f"{tmp}/tshark.tsv"))
    print(f"  Kerberos messages: trustwire {n_tw}, tshark {n_ts} lines")
print(f"load average at end: {os.getloadavg()}")
