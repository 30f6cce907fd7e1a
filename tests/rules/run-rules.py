#!/usr/bin/env python3
"""Rule tests: hand-written NDJSON event fixtures → `trustwire --from-events -T json`
→ assertions from NAME.expect.json (see tests/rules/README.md for the keys).

usage: run-rules.py TRUSTWIRE [NAME…]
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

MACHINE_KEYS = ["account", "addresses", "macs", "verdict", "causes", "clock_offset_s", "evidence", "evidence_more", "fix",
                "state", "role", "first_seen", "last_seen", "findings"]
RULES = {"dc-replication", "interrupted-rotation", "time-source", "foreign-use", "stale-password", "server-key-mismatch", "clock-skew", "account-missing", "account-disabled",
         "trust-failure", "duplicate-identity", "rotation", "zerologon", "healthy", "unknown",
         "spn-unknown", "tgt-refused", "s4u-unknown-user", "rc4-service-ticket", "dcsync-non-dc"}


def find_machine(report, key):
    for m in report["machines"]:
        if key.startswith("ip:"):
            if m["account"] is None and key[3:] in m["addresses"]:
                return m
        elif m["account"] == key:
            return m
    return None


def check_schema(report, errs):
    for k in ["trustwire_report", "capture", "domain_controllers", "summary", "machines", "users",
              "password_sprays", "named_only", "exit_status"]:
        if k not in report:
            errs.append("top-level key %r missing" % k)
    for k in ["limits_hit", "machines_refused"]:
        if not isinstance(report.get("capture", {}).get(k), int):
            errs.append("capture.%s missing" % k)
    for m in report.get("machines", []):
        for k in MACHINE_KEYS:
            if k not in m:
                errs.append("machine %s lacks %r" % (m.get("account"), k))
        if m.get("verdict") not in RULES:
            errs.append("machine %s: verdict %r is not a rule name" % (m.get("account"), m.get("verdict")))
        for c in m.get("causes", []):
            if c not in RULES:
                errs.append("machine %s: cause %r is not a rule name" % (m.get("account"), c))
        if not isinstance(m.get("evidence_more"), int) or m["evidence_more"] < 0:
            errs.append("machine %s: evidence_more %r" % (m.get("account"), m.get("evidence_more")))
        for e in m.get("evidence", []):
            if not isinstance(e.get("frame"), int) or "msg" not in e or ("error" not in e and "status" not in e):
                errs.append("machine %s: malformed evidence %r" % (m.get("account"), e))


def check_machine(key, m, exp, errs):
    def err(msg):
        errs.append("%s: %s" % (key, msg))

    for k in ["state", "verdict", "confidence", "role", "rid"]:
        if k in exp and m.get(k) != exp[k]:
            err("%s is %r, expected %r" % (k, m.get(k), exp[k]))
    if "account" in exp and m["account"] != exp["account"]:
        err("account is %r, expected %r" % (m["account"], exp["account"]))
    if "addresses" in exp and sorted(m["addresses"]) != sorted(exp["addresses"]):
        err("addresses %r, expected %r" % (m["addresses"], exp["addresses"]))
    for a in exp.get("addresses_exclude", []):
        if a in m["addresses"]:
            err("address %s must not be attributed to it" % a)
    if "os" in exp and m.get("os", {}).get("family") != exp["os"]:
        err("os %r, expected %r" % (m.get("os"), exp["os"]))
    for sign in exp.get("os_signs", []):
        if sign not in [x["sign"] for x in m.get("os", {}).get("signs", [])]:
            err("os sign %s missing from %r" % (sign, m.get("os")))
    if "macs" in exp and sorted(m["macs"]) != sorted(exp["macs"]):
        err("macs %r, expected %r" % (m["macs"], exp["macs"]))
    for c in exp.get("causes_include", []):
        if c not in m["causes"]:
            err("cause %s missing from %r" % (c, m["causes"]))
    for c in exp.get("causes_exclude", []):
        if c in m["causes"]:
            err("cause %s must not be there (%r)" % (c, m["causes"]))
    frames = [e["frame"] for e in m["evidence"]]
    for f in exp.get("evidence_frames", []):
        if f not in frames:
            err("frame %d not in evidence %r" % (f, frames))
    for f in exp.get("evidence_frames_exclude", []):
        if f in frames:
            err("frame %d must not be evidence" % f)
    sources = {os.path.basename(e.get("source") or "") for e in m["evidence"]}
    for s in exp.get("evidence_sources", []):
        if s not in sources:
            err("source %s not in evidence sources %r" % (s, sorted(sources)))
    if "clock_offset_s" in exp:
        off = m["clock_offset_s"]
        if exp["clock_offset_s"] is None:
            if off is not None:
                err("clock_offset_s %r, expected null (not measured)" % off)
        else:
            lo, hi = exp["clock_offset_s"]
            if off is None or not (lo <= off <= hi):
                err("clock_offset_s %r not in [%s, %s]" % (off, lo, hi))
    for t in exp.get("summary_contains_all", []):
        if t not in (m.get("summary") or ""):
            err("summary lacks %r: %r" % (t, m.get("summary")))
    for t in exp.get("summary_excludes", []):
        if t in (m.get("summary") or ""):
            err("summary has %r: %r" % (t, m.get("summary")))
    if "summary_contains" in exp and exp["summary_contains"] not in (m.get("summary") or ""):
        err("summary lacks %r: %r" % (exp["summary_contains"], m.get("summary")))
    if "key_generation_used" in exp and m.get("key_generation_used") != exp["key_generation_used"]:
        err("key_generation_used %r, expected %r" % (m.get("key_generation_used"), exp["key_generation_used"]))
    if "key_proof_contains" in exp and exp["key_proof_contains"] not in (m.get("key_proof") or ""):
        err("key_proof lacks %r: %r" % (exp["key_proof_contains"], m.get("key_proof")))
    for x in exp.get("key_proof_excludes", []):
        if x in (m.get("key_proof") or ""):
            err("key_proof holds %r: %r" % (x, m.get("key_proof")))
    if "reset_by_other_contains" in exp and exp["reset_by_other_contains"] not in (m.get("reset_by_other") or ""):
        err("reset_by_other lacks %r: %r" % (exp["reset_by_other_contains"], m.get("reset_by_other")))
    if "kvno_timeline_contains" in exp and exp["kvno_timeline_contains"] not in (m.get("kvno_timeline") or ""):
        err("kvno_timeline lacks %r: %r" % (exp["kvno_timeline_contains"], m.get("kvno_timeline")))
    if exp.get("reset_by_other_absent") and m.get("reset_by_other"):
        err("reset_by_other must be absent: %r" % m.get("reset_by_other"))
    for want in exp.get("fix_contains", []):
        if want not in (m.get("fix") or ""):
            err("fix lacks %r: %r" % (want, m.get("fix")))
    for bad in exp.get("fix_excludes", []):
        if bad in (m.get("fix") or ""):
            err("fix has %r: %r" % (bad, m.get("fix")))
    if not m["fix"]:
        err("no fix")


def run_case(tw, name):
    exp = json.load(open(os.path.join(HERE, name + ".expect.json")))
    files = [os.path.join(HERE, f) for f in exp.get("files", [name + ".ndjson"])]
    args = [tw]
    if exp.get("positional"):  # trustwire --from-events a.ndjson b.ndjson
        args += ["--from-events"] + files
    else:
        for f in files:
            args += ["--from-events", f]
    errs = []
    # previous: fixtures whose -T json report is written first (as NAME.json in
    # a temporary directory) and given with --previous, in order.
    tmp = tempfile.TemporaryDirectory(prefix="tw-rules-prev-")
    for prev in exp.get("previous", []):
        out = os.path.join(tmp.name, prev + ".json")
        with open(out, "w") as f:
            q = subprocess.run([tw, "--from-events", os.path.join(HERE, prev + ".ndjson"), "-T", "json"], stdout=f,
                               stderr=subprocess.PIPE, text=True, timeout=60)
        if q.returncode not in (0, 1):
            return ["previous %s: exit %d: %s" % (prev, q.returncode, q.stderr.strip())]
        args += ["--previous", out]
    p = subprocess.run(args + ["-T", "json"], capture_output=True, text=True, timeout=60)
    if p.returncode not in (0, 1):
        return ["exit %d: %s" % (p.returncode, p.stderr.strip())]
    try:
        report = json.loads(p.stdout)
    except ValueError as e:
        return ["output is not JSON: %s" % e]
    check_schema(report, errs)
    if "exit" in exp and p.returncode != exp["exit"]:
        errs.append("exit status %d, expected %d" % (p.returncode, exp["exit"]))
    if report.get("exit_status") != p.returncode:
        errs.append("exit_status field %r differs from the exit status %d" % (report.get("exit_status"), p.returncode))
    for key, mexp in exp.get("machines", {}).items():
        m = find_machine(report, key)
        if m is None:
            errs.append("%s: no such machine in %r" % (key, [x["account"] or x["addresses"] for x in report["machines"]]))
            continue
        check_machine(key, m, mexp, errs)
    for k, v in exp.get("capture", {}).items():
        if report["capture"].get(k) != v:
            errs.append("capture.%s is %r, expected %r" % (k, report["capture"].get(k), v))
    for key in exp.get("absent", []):
        if find_machine(report, key):
            errs.append("%s must not be a machine" % key)
    if "named_only" in exp:
        got = sorted(n["account"] for n in report.get("named_only", []))
        if got != sorted(exp["named_only"]):
            errs.append("named_only %r, expected %r" % (got, sorted(exp["named_only"])))
        for n in report.get("named_only", []):
            if find_machine(report, n["account"]):
                errs.append("%s is both a machine and named only" % n["account"])
    for st in exp.get("no_state", []):
        bad = [m["account"] or m["addresses"] for m in report["machines"] if m["state"] == st]
        if bad:
            errs.append("machines in state %s: %r" % (st, bad))
    for v in exp.get("no_verdict", []):
        bad = [m["account"] or m["addresses"] for m in report["machines"] if m["verdict"] == v]
        if bad:
            errs.append("machines with verdict %s: %r" % (v, bad))
    if "users_min" in exp and len(report["users"]) < exp["users_min"]:
        errs.append("users: %d entries, expected at least %d" % (len(report["users"]), exp["users_min"]))
    if "password_sprays" in exp and len(report["password_sprays"]) != exp["password_sprays"]:
        errs.append("password_sprays: %d, expected %d" % (len(report["password_sprays"]), exp["password_sprays"]))
    if "spray_address" in exp and not any(s["address"] == exp["spray_address"] for s in report["password_sprays"]):
        errs.append("no spray from %s" % exp["spray_address"])
    # Ticket requests and replication (analysis/tickets.c): failures as
    # [requester, error_code, frame], findings as {kind, account, frames}, exact sets.
    if "ticket_failures" in exp:
        got = sorted(([f["requester"], f["error_code"], f["frame"]] for f in report.get("ticket_failures", [])), key=repr)
        want = sorted(exp["ticket_failures"], key=repr)  # requester may be null
        if got != want:
            errs.append("ticket_failures %r, expected %r" % (got, want))
    if "ticket_findings" in exp:
        got = sorted((f["kind"], f["account"], tuple(f["frames"])) for f in report.get("ticket_findings", []))
        want = sorted((f["kind"], f["account"], tuple(f["frames"])) for f in exp["ticket_findings"])
        if got != want:
            errs.append("ticket_findings %r, expected %r" % (got, want))
    dc_addrs = {a for d in report["domain_controllers"] for a in d["addresses"]}
    for a in exp.get("dc_addresses", []):
        if a not in dc_addrs:
            errs.append("DC %s not listed (%r)" % (a, sorted(dc_addrs)))
    # dc_view: {"ADDR": {"accepted": [...], "refused": [...], "refused_skew": [...]}}: the per-DC
    # view, exact sets; "refusals" / "skew_refusals": exact counts.
    for addr, want in exp.get("dc_view", {}).items():
        d = next((d for d in report["domain_controllers"] if addr in d["addresses"]), None)
        if d is None:
            errs.append("dc_view: no DC with address %s" % addr)
            continue
        for k in ("accepted", "refused", "refused_skew"):
            if k in want and sorted(d.get(k, [])) != sorted(want[k]):
                errs.append("dc_view %s %s: %r, expected %r" % (addr, k, d.get(k), want[k]))
        for k in ("refusals", "skew_refusals"):
            if k in want and d.get(k) != want[k]:
                errs.append("dc_view %s %s: %r, expected %r" % (addr, k, d.get(k), want[k]))
    # previous_clock: {"ADDR": {"kind": …, "dc_delta_s": [lo, hi], "members": n}}: the DC's
    # comparison with the --previous reports; null: none.  previous_related: {NAME: bool}.
    for addr, want in exp.get("previous_clock", {}).items():
        d = next((d for d in report["domain_controllers"] if addr in d["addresses"]), None)
        got = d.get("previous_clock") if d else None
        if want is None or got is None:
            if want != got:
                errs.append("previous_clock %s: %r, expected %r" % (addr, got, want))
            continue
        for k, v in want.items():
            if isinstance(v, list) and not (v[0] <= got.get(k, float("nan")) <= v[1]):
                errs.append("previous_clock %s %s: %r, expected in %r" % (addr, k, got.get(k), v))
            elif not isinstance(v, list) and got.get(k) != v:
                errs.append("previous_clock %s %s: %r, expected %r" % (addr, k, got.get(k), v))
    for name, want in exp.get("previous_related", {}).items():
        got = [x["related"] for x in report.get("previous", []) if os.path.basename(x["file"]) == name + ".json"]
        if got != [want]:
            errs.append("previous %s: related %r, expected %r" % (name, got, want))
    codes = {i["code"] for i in report.get("health", {}).get("issues", [])}
    for c in exp.get("health_codes_exclude", []):
        if c in codes:
            errs.append("health issue %s must not be raised" % c)
    for c in exp.get("health_codes", []):
        if c not in codes:
            errs.append("health issue %s missing from %r" % (c, sorted(codes)))
    # The text report must agree on the exit status and print its result line.
    t = subprocess.run(args + ["-T", "report"], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, NO_COLOR="1", COLUMNS="80"))
    if t.returncode != p.returncode:
        errs.append("-T report exits %d but -T json exits %d" % (t.returncode, p.returncode))
    if "Result:" not in t.stdout or "\033[" in t.stdout:
        errs.append("text report lacks its result line or has colour on a pipe")
    # The text wraps to 80 columns (docs/report.md "Width and folding"): a
    # phrase is looked for with line breaks and indents read as one space.
    flat = " ".join(t.stdout.split())
    for want in exp.get("report_contains", []):
        if " ".join(want.split()) not in flat:
            errs.append("text report lacks %r" % want)
    return errs


def run_stdin(tw):
    """'-' reads events from standard input."""
    data = open(os.path.join(HERE, "stale-password-krb.ndjson"), "rb").read()
    p = subprocess.run([tw, "--from-events", "-", "-T", "json"], input=data, capture_output=True, timeout=60)
    if p.returncode != 1:
        return ["stdin: exit %d" % p.returncode]
    r = json.loads(p.stdout)
    m = find_machine(r, "WS1$")
    if not m or m["verdict"] != "stale-password" or m["evidence"][0].get("source") != "stdin":
        return ["stdin: WS1$ not found as stale-password with source 'stdin'"]
    return []


def run_bad_input(tw):
    """Garbage lines are skipped with a message; input holding no event at all
    (garbage, a pcap, an empty or closed stdin, a directory) is said on stderr
    and is exit 2 with no report (an empty report would read as "all is
    well"); a missing file is exit 2."""
    errs = []
    pcap = os.path.join(HERE, "..", "..", "pcaps", "01-healthy.pcap")
    cases = [
        ("garbage", ["-"], b"not json\n{\"x\":1}\n[1,2]\n", "no events in stdin: 3 lines, none an event"),
        ("empty stdin", ["-"], b"", "no events in stdin: it is empty"),
        ("closed stdin", ["-"], None, "stdin is closed"),
        ("a pcap", [pcap], b"", "none an event"),
        ("a directory", [HERE], b"", "is a directory"),
        ("missing file", ["/nonexistent/events.ndjson"], b"", "No such file"),
    ]
    for what, files, data, msg in cases:
        args = [tw, "-T", "json"] + [a for f in files for a in ("--from-events", f)]
        if data is None:
            p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                               preexec_fn=lambda: os.close(0))
        else:
            p = subprocess.run(args, input=data, capture_output=True, timeout=60)
        err = p.stderr.decode("utf-8", "replace")
        if p.returncode != 2:
            errs.append("%s: exit %d, expected 2" % (what, p.returncode))
        if msg not in err:
            errs.append("%s: stderr lacks %r: %r" % (what, msg, err))
        if p.stdout:
            errs.append("%s: a report was written for no events: %r" % (what, p.stdout[:80]))
    # One good input among bad ones: analysed, the bad one named, exit as the report says.
    good = os.path.join(HERE, "stale-password-krb.ndjson")
    p = subprocess.run([tw, "-T", "json", "--from-events", good, "--from-events", "-"], input=b"junk\n",
                       capture_output=True, timeout=60)
    if p.returncode != 1 or "no events in stdin: 1 line, none an event" not in p.stderr.decode():
        errs.append("good + garbage: exit %d, stderr %r" % (p.returncode, p.stderr))
    return errs


def main():
    tw = sys.argv[1]
    names = sys.argv[2:] or sorted(f[:-len(".expect.json")] for f in os.listdir(HERE) if f.endswith(".expect.json"))
    passed = failed = 0
    cases = [(n, lambda n=n: run_case(tw, n)) for n in names]
    if len(sys.argv) == 2:
        cases += [("stdin", lambda: run_stdin(tw)), ("bad-input", lambda: run_bad_input(tw))]
    for name, fn in cases:
        errs = fn()
        if errs:
            failed += 1
            print("FAIL %s" % name)
            for e in errs:
                print("     %s" % e)
        else:
            passed += 1
            print("ok   %s" % name)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
