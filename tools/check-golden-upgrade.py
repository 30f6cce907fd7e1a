#!/usr/bin/env python3
"""check-golden-upgrade.py — are the regenerated event goldens exactly the schema-1 ones renamed?

Usage: check-golden-upgrade.py REF [FILE...]

For each event golden (default: tests/golden/*.events and tests/rules/*.ndjson of the work
tree) that also exists at git revision REF (a schema-1 tree, e.g. merge-r3), compares line by
line: the new line without its `ip_proto` / `community_id` (the header fields schema 2 adds)
must equal tools/events-upgrade.py's upgrade_v1 of the old line, key order included.  A line
already of schema 2 at REF is compared as it is.  Lines that are not JSON must be identical.

Prints each mismatch (at most 20 per file) and the counts; exits 1 on any mismatch.
"""
import importlib.util
import json
import os
import subprocess
import sys
import glob

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("events_upgrade", os.path.join(REPO, "tools", "events-upgrade.py"))
eu = importlib.util.module_from_spec(spec)
spec.loader.exec_module(eu)
ADDED = ("ip_proto", "community_id")


def old_text(ref, rel):
    r = subprocess.run(["git", "show", f"{ref}:{rel}"], cwd=REPO, capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


def parse(line):
    try:
        ev = json.loads(line)
    except ValueError:
        return None
    return ev if isinstance(ev, dict) else None


def compare(old_lines, new_lines):
    """Returns (lines compared, changed lines, mismatches)."""
    bad, changed = [], 0
    if len(old_lines) != len(new_lines):
        bad.append(f"{len(old_lines)} lines at REF, {len(new_lines)} now")
    for i, (a, b) in enumerate(zip(old_lines, new_lines), 1):
        if a != b:
            changed += 1
        ea, eb = parse(a), parse(b)
        if ea is None or eb is None:
            if a != b:
                bad.append(f"line {i}: not JSON and different:\n  was: {a[:300]}\n  now: {b[:300]}")
            continue
        want = ea if "schema" in ea else eu.upgrade_v1(ea)
        got = {k: v for k, v in eb.items() if k not in ADDED}
        if list(got.items()) != list(want.items()):
            diff = sorted(set(got) ^ set(want)) or [k for k in got if got.get(k) != want.get(k)] or ["key order"]
            bad.append(f"line {i} (frame {eb.get('frame')}, {eb.get('proto')}): differs in {diff[:8]}")
        elif "community_id" in eb and "ip_proto" not in eb:
            bad.append(f"line {i}: community_id without ip_proto")
    return min(len(old_lines), len(new_lines)), changed, bad


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    ref, files = argv[0], argv[1:]
    if not files:
        files = sorted(glob.glob(os.path.join(REPO, "tests", "golden", "*.events")) +
                       glob.glob(os.path.join(REPO, "tests", "rules", "*.ndjson")))
    nfiles = nlines = nchanged = nbad = nnew = 0
    for f in files:
        rel = os.path.relpath(os.path.abspath(f), REPO)
        old = old_text(ref, rel)
        if old is None:
            nnew += 1
            continue
        with open(f, encoding="utf-8") as fh:
            new = fh.read()
        n, changed, bad = compare(old.splitlines(), new.splitlines())
        nfiles += 1
        nlines += n
        nchanged += changed
        nbad += len(bad)
        for b in bad[:20]:
            print(f"MISMATCH {rel}: {b}")
        if len(bad) > 20:
            print(f"MISMATCH {rel}: ... {len(bad) - 20} more")
    print(f"{nfiles} files compared with {ref} ({nnew} not there), {nlines} lines, {nchanged} changed, "
          f"mismatches: {nbad}")
    return 1 if nbad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
