#!/usr/bin/env python3
"""Every output is valid UTF-8: each mode (-T report, json, events, summary,
tree, and --alerts) over every capture in pcaps/, ../shared/pcaps/public
(skipped when absent) and the fuzz-pcap corpus (tests/fuzz/corpus/pcap/,
hostile bytes where names and strings come from; there the tree also runs
with -O lower, the lower layers).  A run killed by a signal, or one whose
stderr has a sanitizer report (the ASan build), fails too.

usage: check-utf8.py TRUSTWIRE SOURCE_ROOT
"""
import os
import subprocess
import sys

TW, ROOT = sys.argv[1], sys.argv[2]
MODES = ["report", "json", "events", "summary", "tree"]


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


def main():
    bad, runs = [], 0
    env = dict(os.environ, NO_COLOR="1")
    for path, hostile in inputs():
        if os.path.getsize(path) == 0:
            continue
        for m in MODES + (["tree-lower"] if hostile else []):
            args = [TW, "-T", m, "-r", path]
            if m == "events":
                args += ["--alerts", "-"]
            if m == "tree-lower":
                args = [TW, "-T", "tree", "-O", "lower", "-r", path]
            p = subprocess.run(args, capture_output=True, timeout=120, env=env)
            runs += 1
            if p.returncode < 0 or b"Sanitizer" in p.stderr or b"runtime error:" in p.stderr:
                bad.append("%s -T %s: exit %d: %s" % (path, m, p.returncode, p.stderr[-300:]))
            for stream, data in (("stdout", p.stdout), ("stderr", p.stderr)):
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError as e:
                    bad.append("%s -T %s: %s: %s" % (path, m, stream, e))
    for b in bad:
        print("FAIL " + b)
    print("%d runs, %d with invalid UTF-8" % (runs, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
