#!/usr/bin/env python3
"""Golden tests in tcpdump's spirit: run trustwire on a capture and diff its
output against a reviewed expected file.

tests/golden/TESTLIST has one case per line (shell-style quoting, # comments):

    NAME  PCAP  EXPECTED  [OPTION...]

  NAME      unique case name
  PCAP      capture path, relative to the repository root
            (public captures: ../shared/pcaps/public/...; lab: pcaps/...)
  EXPECTED  expected output, relative to tests/golden/
  OPTION    @proto=a,b       keep only events whose proto is listed
            @transport=a,b   keep only events whose transport is listed
            @ports=a,b       keep only events whose sport or dport is listed
            @mode=events     trustwire -T mode (default events; summary/tree are text)
            @harness=NAME    run the fuzz harness tests/fuzz/fuzz-NAME (of the build
                             TRUSTWIRE belongs to) on the input with TW_FUZZ_PRINT=1:
                             the events it decoded (for fuzz findings that are not
                             captures: segment-format conversations, DCE/RPC streams)
            @events          the input is saved events: trustwire --from-events
            @exit=N          expected exit status (default: 0, 1 or 3, not checked
                             further); with @exit the stderr lines are part of the
                             expected output, appended as "# stderr: ..."
            anything else is passed to trustwire as an argument

Adding a case is adding a line (then `run-golden.py --regen TRUSTWIRE NAME`,
and review the new file by hand before committing it).

Usage: run-golden.py [--regen] TRUSTWIRE [NAME...]
Exit: 0 all passed, 1 a difference, 77 every selected case skipped.
"""
import difflib
import json
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def load_testlist(path):
    cases = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            words = shlex.split(line, comments=True)
            if not words:
                continue
            if len(words) < 3:
                raise SystemExit(f"{path}:{lineno}: need NAME PCAP EXPECTED [OPTION...]")
            name, pcap, expected, *opts = words
            case = {"name": name, "pcap": pcap, "expected": expected, "proto": None,
                    "transport": None, "ports": None, "mode": "events", "args": [],
                    "exit": None, "harness": None, "events": False}
            for o in opts:
                if o.startswith("@proto="):
                    case["proto"] = set(o[7:].split(","))
                elif o.startswith("@transport="):
                    case["transport"] = set(o[11:].split(","))
                elif o.startswith("@ports="):
                    case["ports"] = {int(x) for x in o[7:].split(",")}
                elif o.startswith("@mode="):
                    case["mode"] = o[6:]
                elif o.startswith("@harness="):
                    case["harness"] = o[9:]
                elif o == "@events":
                    case["events"] = True
                elif o.startswith("@exit="):
                    case["exit"] = int(o[6:])
                else:
                    case["args"].append(o)
            if any(c["name"] == name for c in cases):
                raise SystemExit(f"{path}:{lineno}: duplicate case name {name}")
            cases.append(case)
    return cases


def run_case(tw, case):
    pcap = os.path.join(REPO, case["pcap"])
    # Run from the repository root with the input's relative path, so that
    # what an output says of its input (a --from-events report names it) is
    # the same on every machine.
    # Text reports wrap to COLUMNS when not on a terminal: goldens are made at 80 (docs/report.md).
    env = dict(os.environ, COLUMNS="80")
    tw = os.path.abspath(tw)
    if case["harness"]:
        cmd = [os.path.join(os.path.dirname(tw), "tests", "fuzz", "fuzz-" + case["harness"]), case["pcap"]]
        env["TW_FUZZ_PRINT"] = "1"
    else:
        cmd = [tw, "-T", case["mode"], *case["args"], "--from-events" if case["events"] else "-r", case["pcap"]]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    if case["exit"] is not None:
        if r.returncode != case["exit"]:
            raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}, expected {case['exit']}: {r.stderr.strip()}")
    elif r.returncode not in (0, 1, 3):  # 3: too degraded to judge (docs/report.md)
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()}")
    lines = r.stdout.splitlines()
    if case["harness"]:
        lines = [l for l in lines if l.startswith("{")]  # not the driver's "replayed N inputs"
    if case["mode"] == "events" and (case["proto"] or case["transport"] or case["ports"]):
        kept = []
        for line in lines:
            ev = json.loads(line)
            if case["proto"] and ev.get("proto") not in case["proto"]:
                continue
            if case["transport"] and ev.get("transport") not in case["transport"]:
                continue
            if case["ports"] and ev.get("sport") not in case["ports"] and ev.get("dport") not in case["ports"]:
                continue
            kept.append(line)
        lines = kept
    if case["exit"] is not None:
        # The error line names the capture by the path given; keep it stable.
        err = r.stderr.strip().replace(pcap, case["pcap"])
        lines = lines + [f"# stderr: {l}" for l in err.splitlines()]
    return [l + "\n" for l in lines]


def main():
    argv = sys.argv[1:]
    regen = False
    if argv and argv[0] == "--regen":
        regen = True
        argv = argv[1:]
    if not argv:
        print(__doc__)
        return 2
    tw, only = argv[0], set(argv[1:])
    cases = load_testlist(os.path.join(HERE, "TESTLIST"))
    if only:
        cases = [c for c in cases if c["name"] in only]
    passed = failed = skipped = 0
    for case in cases:
        pcap = os.path.join(REPO, case["pcap"])
        if not os.path.exists(pcap):
            print(f"SKIP {case['name']}: capture not found: {case['pcap']}")
            skipped += 1
            continue
        got = run_case(tw, case)
        exp_path = os.path.join(HERE, case["expected"])
        if regen:
            with open(exp_path, "w", encoding="utf-8") as f:
                f.writelines(got)
            print(f"REGEN {case['name']}: {len(got)} lines -> {case['expected']} (review it by hand)")
            passed += 1
            continue
        if not os.path.exists(exp_path):
            print(f"FAIL {case['name']}: expected file missing: {case['expected']}")
            failed += 1
            continue
        with open(exp_path, encoding="utf-8") as f:
            want = f.readlines()
        if got == want:
            print(f"ok   {case['name']} ({len(got)} lines)")
            passed += 1
        else:
            print(f"FAIL {case['name']}:")
            sys.stdout.writelines(list(difflib.unified_diff(want, got, "expected", "trustwire", n=1))[:60])
            failed += 1
    print(f"golden: {passed} passed, {failed} failed, {skipped} skipped")
    if failed:
        return 1
    if skipped and not passed:
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
