#!/usr/bin/env python3
"""Every field line of the teaching view carries its specification section.

Renders `-T tree` and `-T tree -O lower` (the lower layers too) of every lab
capture in pcaps/, again with its keys (pcaps/keys/NAME.keytab and .nthash,
--show-keys: the keys tried, their results and the decrypted parts;
TW_TREE_SECTIONS_KEYS=0 leaves that pass out), and of the public captures of the golden
tree cases (tests/golden/TESTLIST, those present), and fails when a field line has no `[section]` at its end.  A field line is
every line of an event's tree (below its summary line) except:
  - a bit line of a flag word ("0... .... = name: Set"): it decodes the
    field line above it, which must carry the section itself;
  - the computed block ("computed", "exchange" and what they hold): said by
    trustwire from several messages, not on the wire.
Offenders are counted and listed (capture, frame, line), grouped by field
name.

Usage: check-tree-sections.py TRUSTWIRE SOURCE_ROOT [CAPTURE...]
Exit: 0 every field line has its section, 1 otherwise.
"""
import collections
import glob
import os
import re
import subprocess
import sys

TW, ROOT = sys.argv[1:3]
caps = sys.argv[3:] or sorted(glob.glob(os.path.join(ROOT, "pcaps", "*.pcap")))
if not sys.argv[3:]:
    for line in open(os.path.join(ROOT, "tests", "golden", "TESTLIST")):
        f = line.split()
        if len(f) >= 3 and f[2].endswith(".tree") and f[1].startswith("../"):
            cap = os.path.join(ROOT, f[1])
            if os.path.exists(cap) and cap not in caps:
                caps.append(cap)


def runs(cap):
    """The option sets each capture is rendered with."""
    out = [[], ["-O", "lower"]]
    base = os.path.join(os.path.dirname(cap), "keys", os.path.basename(cap).rsplit(".", 1)[0])
    if os.environ.get("TW_TREE_SECTIONS_KEYS") != "0" and os.path.exists(base + ".keytab"):
        keys = ["-K", base + ".keytab", "--show-keys"]
        if os.path.exists(base + ".nthash"):
            for l in open(base + ".nthash"):
                w = l.split()
                if len(w) == 3 and not l.startswith("#"):
                    keys.append(f"--nthash={w[0]}:{w[2]}")
        out.append(keys)
    return out
SUMMARY = re.compile(r"^\s*\d+ \d{4}-\d\d-\d\dT")
BIT = re.compile(r"^[01.]{4}( [01.]{4})* = ")
SECTION = re.compile(r"   \[[^\]]+\]$")


def offenders(text):
    """(frame, line) of every field line without a section, and the count of field lines."""
    bad, n, frame, block, parents = [], 0, None, None, []
    for line in text.splitlines():
        if not line.strip():
            continue
        m = SUMMARY.match(line)
        if m:
            frame, block, parents = line.split()[0], "event", []
            continue
        if frame is None:
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 4 - 1
        s = line.strip()
        if depth == 0 and (s.startswith("computed   -- ") or s.startswith("exchange: ")):
            block = "computed"
        if block == "computed":
            continue
        del parents[depth:]
        if BIT.match(s):
            # a bit of a flag word: the word's own line (the nearest shallower) has the section
            if parents and not SECTION.search(parents[-1]):
                bad.append((frame, parents[-1].strip() + "  (the flag word of: " + s + ")"))
            parents.append(line)
            continue
        n += 1
        parents.append(line)
        if not SECTION.search(line):
            bad.append((frame, s))
    return bad, n


def main():
    total = nbad = 0
    by_name = collections.Counter()
    shown = collections.defaultdict(list)
    if not caps:
        print("FAIL no captures")
        return 1
    for cap in caps:
        for extra in runs(cap):
            r = subprocess.run([TW, "-T", "tree"] + extra + ["-r", cap], capture_output=True)
            if r.returncode not in (0, 1, 2, 3, 4):
                print(f"FAIL {cap} {' '.join(extra)}: exit {r.returncode} {r.stderr[:300]!r}")
                nbad += 1
                continue
            bad, n = offenders(r.stdout.decode("utf-8", "replace"))
            total += n
            nbad += len(bad)
            for frame, s in bad:
                name = re.split(r"[:=]|   -- ", s, maxsplit=1)[0].strip()
                by_name[name] += 1
                if len(shown[name]) < 2:
                    shown[name].append(f"{os.path.basename(cap)} {' '.join(extra)[:60]} frame {frame}: {s[:160]}")
    for name, k in by_name.most_common():
        print(f"FAIL {k:6d} lines without a section: {name}")
        for x in shown[name]:
            print(f"         {x}")
    print(f"{total} field lines in {len(caps)} captures (plain and -O lower{'' if os.environ.get('TW_TREE_SECTIONS_KEYS') == '0' else ', with keys'}), {nbad} without a section")
    return 1 if nbad else 0


sys.exit(main())
