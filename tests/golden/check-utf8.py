#!/usr/bin/env python3
"""Every output is valid UTF-8: each mode (-T report, json, events, summary,
tree, and --alerts) over every capture in pcaps/, ../shared/pcaps/public
(skipped when absent) and the fuzz-pcap corpus (tests/fuzz/corpus/pcap/,
hostile bytes where names and strings come from; there the tree also runs
with -O lower, the lower layers).  A run killed by a signal, or one whose
stderr has a sanitizer report (the ASan build), fails too.

One process per capture writes every mode: -T events --alerts - on stdout,
--write report/json/summary/tree to files (the same sinks as -T MODE on
stdout: cli/main.c add_write; tests/cli/test-cli.py checks the bytes are
the same), and a second one, -T tree -O lower, on the hostile inputs.  That
is 1 or 2 process starts per capture instead of 5 or 6 (most of this test's
time was process start-up, three times more under ASan).  The first
SELF_CHECK hostile inputs are also run once per mode on stdout and must
give the same bytes, so the batching itself is checked here too.

usage: check-utf8.py TRUSTWIRE SOURCE_ROOT
"""
import concurrent.futures
import os
import subprocess
import sys
import tempfile

TW, ROOT = sys.argv[1], sys.argv[2]
MODES = ["report", "json", "events", "summary", "tree"]
FILE_MODES = [m for m in MODES if m != "events"]  # events (+ alerts) go to stdout
SELF_CHECK = 3
ENV = dict(os.environ, NO_COLOR="1")


def inputs():
    """(path, hostile) pairs."""
    for d, exts in [(os.path.join(ROOT, "pcaps"), (".pcap", ".pcapng")),
                    (os.path.join(ROOT, "..", "shared", "pcaps", "public"), (".pcap", ".pcapng")),
                    (os.path.join(ROOT, "tests", "fuzz", "corpus", "pcap"), None)]:
        if not os.path.isdir(d):
            print("skip %s: absent" % d)
            continue
        for base, _, files in os.walk(d):
            for f in sorted(files):
                if exts is None or f.endswith(exts):
                    yield os.path.join(base, f), exts is None


def bad_run(label, p):
    if p.returncode < 0 or b"Sanitizer" in p.stderr or b"runtime error:" in p.stderr:
        return ["%s: exit %d: %s" % (label, p.returncode, p.stderr[-300:])]
    return []


def bad_utf8(label, stream, data):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return ["%s: %s: %s" % (label, stream, e)]
    return []


def check_one(job):
    """All the modes of one capture: (runs, failures, {mode: bytes})."""
    path, hostile, tmp, keep = job
    bad, outs = [], {}
    files = {m: os.path.join(tmp, m) for m in FILE_MODES}
    args = [TW, "-T", "events", "--alerts", "-", "-r", path]
    for m in FILE_MODES:
        args[3:3] = ["--write", "%s:%s" % (m, files[m])]
    p = subprocess.run(args, capture_output=True, timeout=120, env=ENV)
    bad += bad_run("%s -T events --alerts - --write %s" % (path, ",".join(FILE_MODES)), p)
    outs["events"] = p.stdout
    bad += bad_utf8("%s -T events" % path, "stdout", p.stdout)
    bad += bad_utf8("%s (all modes)" % path, "stderr", p.stderr)
    for m in FILE_MODES:
        try:
            with open(files[m], "rb") as f:
                outs[m] = f.read()
        except OSError as e:
            bad.append("%s --write %s: not written: %s" % (path, m, e))
            continue
        os.unlink(files[m])
        bad += bad_utf8("%s -T %s" % (path, m), "--write file", outs[m])
    runs = 1
    if hostile:
        p = subprocess.run([TW, "-T", "tree", "-O", "lower", "-r", path], capture_output=True, timeout=120, env=ENV)
        runs += 1
        bad += bad_run("%s -T tree-lower" % path, p)
        for stream, data in (("stdout", p.stdout), ("stderr", p.stderr)):
            bad += bad_utf8("%s -T tree-lower" % path, stream, data)
    return runs, bad, outs if keep else None


def self_check(path, outs):
    """-T MODE on stdout gives the bytes --write MODE:FILE gave."""
    bad = []
    for m in MODES:
        args = [TW, "-T", m, "-r", path] + (["--alerts", "-"] if m == "events" else [])
        p = subprocess.run(args, capture_output=True, timeout=120, env=ENV)
        bad += bad_run("%s -T %s (self-check)" % (path, m), p)
        if p.stdout != outs.get(m):
            bad.append("%s: -T %s on stdout differs from the batched run's output" % (path, m))
    return len(MODES), bad


def main():
    bad, runs, captures, checked = [], 0, 0, 0
    jobs = [(path, hostile) for path, hostile in inputs() if os.path.getsize(path) > 0]
    workers = max(1, min(2, os.cpu_count() or 1))
    with tempfile.TemporaryDirectory(prefix="tw-utf8-") as tmp:
        keep = set([i for i, (_, hostile) in enumerate(jobs) if hostile][:SELF_CHECK])
        with concurrent.futures.ThreadPoolExecutor(workers) as ex:
            futs = []
            for i, (path, hostile) in enumerate(jobs):
                slot = os.path.join(tmp, str(i))
                os.mkdir(slot)
                futs.append((path, ex.submit(check_one, (path, hostile, slot, i in keep))))
            for path, fut in futs:
                n, b, outs = fut.result()
                runs += n
                captures += 1
                bad += b
                if outs is not None:
                    checked += 1
                    n, b = self_check(path, outs)
                    runs += n
                    bad += b
    for b in bad:
        print("FAIL " + b)
    print("%d captures, %d runs (%d self-checked against -T MODE alone), %d failures"
          % (captures, runs, checked, len(bad)))
    return 1 if bad or not captures else 0


if __name__ == "__main__":
    sys.exit(main())
