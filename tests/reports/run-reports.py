#!/usr/bin/env python3
"""Golden verdict reports: run `trustwire -r PCAP` (text report, no colour) on
real captures, diff against the reviewed tests/reports/NAME.report, and check
the verdicts with `-T json`.

tests/reports/TESTLIST, one case per line (shell-style quoting, # comments):

    NAME  PCAP  EXIT  [ASSERTION...]

  PCAP       relative to the repository root (../shared/pcaps/public/… or pcaps/…);
             a missing capture skips its case; a glob (pcaps/12-ring-*.pcap) is every
             file it matches, in name order, read together (-r each)
  EXIT       expected exit status (0: no machine broken, 1: at least one)
  NAME.report is the reviewed text of `trustwire -r PCAP` and NAME.sha256 the capture it was
  made from: when the capture changes (a re-recorded lab capture) the text is not compared, the
  exit status and the assertions still are.
  ASSERTION  ACCOUNT=VERDICT   the machine's verdict (ACCOUNT "NAME$" or "ip:ADDR")
             ACCOUNT~CAUSE     CAUSE is among the machine's causes
             !CAUSE            no machine has CAUSE among its causes
             nobroken          no machine is broken (same as EXIT 0, said twice on purpose)
             users>=N          at least N user-failure records
             ACCOUNT!@ADDR     ADDR is not among the machine's addresses, nor among a domain
                               controller's (an attacker's address is not the victim's)
             ACCOUNT>ADDR      the machine has a foreign-use finding "ACCOUNT credentials used
                               from ADDR" (a separate actor, issue #10)

Usage: run-reports.py [--regen] TRUSTWIRE [NAME...]
Exit: 0 all passed, 1 a failure, 77 every selected case skipped.
"""
import difflib
import glob
import hashlib
import json
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def load(path):
    cases = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            w = shlex.split(line, comments=True)
            if w:
                cases.append((w[0], w[1], int(w[2]), w[3:]))
    return cases


def find(report, key):
    for m in report["machines"]:
        if key.startswith("ip:"):
            if m["account"] is None and key[3:] in m["addresses"]:
                return m
        elif m["account"] == key:
            return m
    return None


def check(report, assertions):
    errs = []
    for a in assertions:
        if a == "nobroken":
            bad = [m["account"] or m["addresses"] for m in report["machines"] if m["state"] == "broken"]
            if bad:
                errs.append("broken machines: %r" % bad)
        elif a.startswith("users>="):
            if len(report["users"]) < int(a[7:]):
                errs.append("only %d user-failure records" % len(report["users"]))
        elif a.startswith("!"):
            bad = [m["account"] or m["addresses"] for m in report["machines"] if a[1:] in m["causes"]]
            if bad:
                errs.append("cause %s found on %r" % (a[1:], bad))
        elif "!@" in a:
            key, addr = a.split("!@", 1)
            m = find(report, key)
            if not m:
                errs.append("%s: not in the report" % key)
            elif addr in m["addresses"]:
                errs.append("%s: %s among its addresses %r" % (key, addr, m["addresses"]))
            for dc in report.get("domain_controllers", []):
                if addr in dc["addresses"]:
                    errs.append("%s listed among the addresses of the DC %s" % (addr, dc["account"]))
            for o in report["machines"]:
                if o["account"] is None and addr in o["addresses"] and o["role"] == "dc":
                    errs.append("%s is an address-only DC record" % addr)
        elif ">" in a:
            key, addr = a.split(">", 1)
            m = find(report, key)
            want = "%s credentials used from %s " % (key, addr)
            if not m:
                errs.append("%s: not in the report" % key)
            elif not any(f["rule"] == "foreign-use" and f["summary"].startswith(want) for f in m.get("findings", [])):
                errs.append("%s: no foreign-use finding %r" % (key, want))
        elif "=" in a or "~" in a:
            sep = "=" if "=" in a else "~"
            key, val = a.split(sep, 1)
            m = find(report, key)
            if not m:
                errs.append("%s: not in the report" % key)
            elif sep == "=" and m["verdict"] != val:
                errs.append("%s: verdict %s, expected %s (causes %r)" % (key, m["verdict"], val, m["causes"]))
            elif sep == "~" and val not in m["causes"]:
                errs.append("%s: %s not among causes %r" % (key, val, m["causes"]))
        else:
            errs.append("bad assertion %r" % a)
    return errs


def main():
    args = sys.argv[1:]
    regen = "--regen" in args
    args = [a for a in args if a != "--regen"]
    tw, names = args[0], set(args[1:])
    env = dict(os.environ, NO_COLOR="1", COLUMNS="80")  # goldens are made at 80 columns (docs/report.md)
    passed = failed = skipped = 0
    for name, pcap, exit_expected, assertions in load(os.path.join(HERE, "TESTLIST")):
        if names and name not in names:
            continue
        path = os.path.join(REPO, pcap)
        paths = sorted(glob.glob(path)) if any(c in pcap for c in "*?[") else [path]
        if not paths or not all(os.path.exists(x) for x in paths):
            print("SKIP %s (%s absent)" % (name, pcap))
            skipped += 1
            continue
        rargs = [a for x in paths for a in ("-r", x)]
        p = subprocess.run([tw] + rargs, capture_output=True, text=True, env=env, timeout=120)
        expected_file = os.path.join(HERE, name + ".report")
        sha_file = os.path.join(HERE, name + ".sha256")
        h = hashlib.sha256()
        for x in paths:
            h.update(open(x, "rb").read())
        digest = h.hexdigest()
        errs = []
        notes = []
        if regen:
            with open(expected_file, "w", encoding="utf-8") as f:
                f.write(p.stdout)
            with open(sha_file, "w", encoding="utf-8") as f:
                f.write(digest + "\n")
        elif os.path.exists(sha_file) and open(sha_file).read().strip() != digest:
            # The golden text belongs to one exact capture; a re-recorded lab
            # capture keeps its verdict assertions but needs a new reviewed text.
            notes.append("capture differs from the one the golden was made from: text not compared "
                         "(run --regen and review)")
        elif not os.path.exists(expected_file):
            errs.append("no %s (run with --regen and review it)" % os.path.basename(expected_file))
        else:
            want = open(expected_file, encoding="utf-8").read()
            if want != p.stdout:
                diff = difflib.unified_diff(want.splitlines(), p.stdout.splitlines(), "expected", "got", lineterm="")
                errs.append("report differs:\n" + "\n".join(list(diff)[:40]))
        if p.returncode != exit_expected:
            errs.append("exit %d, expected %d (%s)" % (p.returncode, exit_expected, p.stderr.strip()[:200]))
        j = subprocess.run([tw] + rargs + ["-T", "json"], capture_output=True, text=True, env=env, timeout=120)
        try:
            report = json.loads(j.stdout)
            errs += check(report, assertions)
            if j.returncode != p.returncode:
                errs.append("-T json exits %d, -T report %d" % (j.returncode, p.returncode))
            # The same verdicts from saved events (-T events | --from-events -).
            ev = subprocess.run([tw] + rargs + ["-T", "events"], capture_output=True, env=env, timeout=120)
            fe = subprocess.run([tw, "--from-events", "-", "-T", "json"], input=ev.stdout, capture_output=True,
                                env=env, timeout=120)
            direct = sorted((m["account"] or str(m["addresses"]), m["verdict"], m["state"]) for m in report["machines"])
            saved = sorted((m["account"] or str(m["addresses"]), m["verdict"], m["state"])
                           for m in json.loads(fe.stdout)["machines"])
            if direct != saved:
                errs.append("--from-events disagrees: %r vs %r" % (saved, direct))
        except ValueError as e:
            errs.append("-T json output is not JSON: %s" % e)
        if errs:
            failed += 1
            print("FAIL %s" % name)
            for e in errs:
                print("     " + e.replace("\n", "\n     "))
        else:
            passed += 1
            print("ok   %s%s" % (name, "".join("  (%s)" % n for n in notes)))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    if failed:
        return 1
    return 77 if skipped and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
