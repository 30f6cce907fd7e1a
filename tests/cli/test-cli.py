#!/usr/bin/env python3
"""The command line's contracts (cli/): one pass for several outputs
(--write), live findings as NDJSON (--alerts), one event order whatever the
path (-r or --from-events), what cannot be read said plainly, and lost output
reported as an error.

usage: test-cli.py TRUSTWIRE SOURCE_ROOT
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from importlib import import_module

shift = import_module("shift-frame").shift

TW, ROOT = sys.argv[1], sys.argv[2]
PCAPS = os.path.join(ROOT, "pcaps")
TMP = tempfile.mkdtemp(prefix="tw-cli-")
failures = []


def run(args, stdin=None, close=None, **kw):
    def pre():
        for fd in close or []:
            os.close(fd)
    return subprocess.run([TW] + args, input=stdin, capture_output=close is None or 1 not in close,
                          stdout=subprocess.DEVNULL if close and 1 in close else None,
                          stderr=subprocess.PIPE if close and 1 in close else None,
                          preexec_fn=pre if close else None, timeout=120, **kw)


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + detail))
    if not cond:
        failures.append(name)


def verdicts(report_json):
    r = json.loads(report_json)
    return sorted((m["account"] or ",".join(m["addresses"]), m["state"], m["verdict"], tuple(m["causes"]),
                   tuple(e["frame"] for e in m["evidence"])) for m in r["machines"])


def tmp(name):
    return os.path.join(TMP, name)


# 1. One order, one verdict: a frame stamped an hour early.  -r folds events
# in capture order; --from-events of the same events, a single input, keeps
# its file order.  (Sorting by time stamp turned DC1$ "at risk: zerologon"
# into "broken: stale-password".)
shift(os.path.join(PCAPS, "08-zerologon.pcap"), tmp("early.pcap"), 23, -3600)
r = run(["-T", "json", "-r", tmp("early.pcap")])
ev = run(["-T", "events", "-r", tmp("early.pcap")])
open(tmp("early.ndjson"), "wb").write(ev.stdout)
fe = run(["-T", "json", "--from-events", tmp("early.ndjson")])
check("early frame: -r and --from-events agree", verdicts(r.stdout) == verdicts(fe.stdout),
      "%r vs %r" % (verdicts(r.stdout), verdicts(fe.stdout)))
check("early frame: DC1$ at risk, zerologon",
      any(v[0] == "DC1$" and v[1] == "at-risk" and v[2] == "zerologon" for v in verdicts(fe.stdout)),
      repr(verdicts(fe.stdout)))
for p in sorted(os.listdir(PCAPS)):
    if not p.endswith(".pcap"):
        continue
    f = os.path.join(PCAPS, p)
    r = run(["-T", "json", "-r", f])
    fe = run(["-T", "json", "--from-events", "-"], stdin=run(["-T", "events", "-r", f]).stdout)
    check("%s: -r and --from-events agree" % p, verdicts(r.stdout) == verdicts(fe.stdout))

# The merge of several inputs: by time stamp, and events stamped the same
# instant come in the order the inputs were given (then each input's own
# order), so a span and a tap seen in one order give one stream.
def ev_line(frame, ts, src):
    return json.dumps({"frame": frame, "ts": ts, "proto": "ntp", "src": src, "sport": 123,
                       "dst": "10.9.9.9", "dport": 123, "transport": "udp"}) + "\n"
open(tmp("tie-a.ndjson"), "w").write(ev_line(1, "2026-01-01T00:00:00.000000Z", "10.0.0.1") +
                                     ev_line(2, "2026-01-01T00:00:02.000000Z", "10.0.0.1"))
open(tmp("tie-b.ndjson"), "w").write(ev_line(1, "2026-01-01T00:00:00.000000Z", "10.0.0.2") +
                                     ev_line(2, "2026-01-01T00:00:01.000000Z", "10.0.0.2"))
for order, want in (((tmp("tie-a.ndjson"), tmp("tie-b.ndjson")), ["10.0.0.1", "10.0.0.2", "10.0.0.2", "10.0.0.1"]),
                    ((tmp("tie-b.ndjson"), tmp("tie-a.ndjson")), ["10.0.0.2", "10.0.0.1", "10.0.0.2", "10.0.0.1"])):
    args = ["-T", "events"]
    for f in order:
        args += ["--from-events", f]
    out = run(args)
    got = [json.loads(l)["src"] for l in out.stdout.decode().splitlines()]
    check("merge: ties in input order, then by time (%s first)" % os.path.basename(order[0]), got == want,
          "%r, expected %r (rc %d: %s)" % (got, want, out.returncode, out.stderr.decode().strip()))

# 2. Several outputs in one pass: -T on stdout, --write MODE:FILE.
cap = os.path.join(PCAPS, "02-stale-password.pcap")
ref = {m: run(["-T", m, "-r", cap], env=dict(os.environ, NO_COLOR="1")).stdout
       for m in ("report", "json", "events", "summary", "tree")}
p = run(["-r", cap, "--write", "events:" + tmp("ev.ndjson")], env=dict(os.environ, NO_COLOR="1"))
check("report + --write events: exit 1 (a broken machine)", p.returncode == 1, str(p.returncode))
check("report + --write events: stdout is the report", p.stdout == ref["report"])
check("report + --write events: the file is -T events", open(tmp("ev.ndjson"), "rb").read() == ref["events"])
args = ["-T", "events", "-r", cap]
for m in ("report", "json", "summary", "tree"):
    args += ["--write", "%s:%s" % (m, tmp("out." + m))]
p = run(args, env=dict(os.environ, NO_COLOR="1"))
check("events + --write every mode: exit 1", p.returncode == 1, str(p.returncode))
check("events + --write every mode: stdout is -T events", p.stdout == ref["events"])
for m in ("report", "json", "summary", "tree"):
    check("events + --write %s: the file is -T %s" % (m, m), open(tmp("out." + m), "rb").read() == ref[m])
p = run(["-r", cap, "--write", "nosuch:" + tmp("x")])
check("--write unknown mode: exit 2", p.returncode == 2 and b"unknown output mode" in p.stderr, repr(p.stderr))

# 3. --alerts: one JSON object per finding, as established, with a stable id.
zl = os.path.join(PCAPS, "08-zerologon.pcap")
p = run(["-T", "events", "-r", zl, "--alerts", tmp("alerts.ndjson")])
alerts = [json.loads(l) for l in open(tmp("alerts.ndjson"))]
check("--alerts: findings written", len(alerts) >= 1, repr(alerts))
keys = {"finding_id", "account", "machine", "state", "rule", "confidence", "summary", "first_frame", "first_ts"}
check("--alerts: every key", all(keys <= set(a) for a in alerts), repr(alerts))
check("--alerts: DC1$ zerologon", any(a["account"] == "DC1$" and a["rule"] == "zerologon" for a in alerts))
check("--alerts: ids unique", len({a["finding_id"] for a in alerts}) == len(alerts))
run(["-T", "events", "-r", zl, "--alerts", tmp("alerts2.ndjson")])
check("--alerts: ids stable across runs",
      [a["finding_id"] for a in alerts] == [json.loads(l)["finding_id"] for l in open(tmp("alerts2.ndjson"))])
p = run(["-T", "json", "--from-events", tmp("early.ndjson"), "--alerts", "-"])
lines = p.stdout.decode().split("\n")
check("--alerts -: NDJSON lines on stdout before the report", lines[0].startswith('{"finding_id":'), lines[0])

# 4. What cannot be read is said plainly; nothing analysed is exit 2.
empty = tmp("empty")
open(empty, "w").close()
for what, args, kw, msg in [
    ("-r DIR", ["-r", TMP], {}, "is a directory"),
    ("-r empty file", ["-r", empty], {}, "is empty"),
    ("-r - with stdin closed", ["-r", "-"], {"close": [0]}, "stdin is closed"),
    ("--from-events empty file", ["--from-events", empty], {}, "it is empty"),
    ("--from-events a pcap", ["--from-events", cap], {}, "none an event"),
]:
    p = run(args, **kw)
    check(what + ": exit 2 and says " + msg, p.returncode == 2 and msg in p.stderr.decode(), repr(p.stderr))

# Over-long lines are skipped unread, deep nesting refused, neither crashes.
with open(tmp("hostile.ndjson"), "wb") as f:
    f.write(b'{"proto":"x","pad":"' + b"a" * (3 << 20) + b'"}\n')
    f.write(b'{"proto":"x","deep":' + b"[" * 100000 + b"]" * 100000 + b"}\n")
    f.write(ev.stdout)
p = run(["-T", "json", "--from-events", tmp("hostile.ndjson")])
err = p.stderr.decode()
check("hostile lines: the rest analysed", p.returncode in (1, 3) and json.loads(p.stdout)["machines"], err)
check("hostile lines: health says 2 refused",
      [i for i in json.loads(p.stdout)["health"]["issues"] if i["code"] == "events-refused" and i["text"].startswith("2 ")],
      p.stdout[:400])
check("hostile lines: over-long counted", "1 line(s) longer than" in err, err)
check("hostile lines: deep nesting counted", "1 line(s) nested deeper than 64" in err, err)

# 5. Lost output is an error, not a success.
for what, args, kw, name, reason in [
    ("-T events > /dev/full", ["-T", "events", "-r", cap], {"stdout": open("/dev/full", "wb")}, "stdout",
     "No space left on device"),
    ("report > /dev/full", ["-r", cap], {"stdout": open("/dev/full", "wb")}, "stdout", "No space left on device"),
    ("--write events:/dev/full", ["-r", cap, "--write", "events:/dev/full"], {"stdout": subprocess.DEVNULL},
     "/dev/full", "No space left on device"),
    ("--alerts /dev/full", ["-r", zl, "--alerts", "/dev/full"], {"stdout": subprocess.DEVNULL}, "/dev/full",
     "No space left on device"),
]:
    p = subprocess.run([TW] + args, stderr=subprocess.PIPE, timeout=120, **kw)
    msg = "trustwire: writing %s: %s" % (name, reason)
    check(what + ": exit 2, " + msg, p.returncode == 2 and msg in p.stderr.decode(), repr(p.stderr))
p = run(["-T", "events", "-r", cap], close=[1])
check(">&- (stdout closed): exit 2", p.returncode == 2 and b"writing stdout: Bad file descriptor" in p.stderr,
      repr(p.stderr))

# 5b. A file run announces nothing: the machines it touches are not queued for live
# announcements, so the report names no such limit (every lab capture at once: 30+ machines).
import glob
p = run(["-T", "json"] + sum([["-r", f] for f in sorted(glob.glob(os.path.join(ROOT, "pcaps", "*.pcap")))], []))
limits = json.loads(p.stdout)["capture"].get("limits", {})
check("file run: no live_announcements limit hit", "live_announcements" not in limits, repr(limits))
p = run(["-T", "json", "--alerts", os.devnull] + sum([["-r", f] for f in sorted(glob.glob(os.path.join(ROOT, "pcaps", "*.pcap")))], []))
check("file run with --alerts: the findings are announced, no limit hit",
      "live_announcements" not in json.loads(p.stdout)["capture"].get("limits", {}), p.stdout[-300:])

# 5c. --previous REPORT.json (docs/report.md "--previous"): a malformed report is a usage
# error with a clear message; a real earlier report changes no verdict it cannot justify.
healthy, vantage = os.path.join(PCAPS, "01-healthy.pcap"), os.path.join(PCAPS, "12-client-vantage.pcap")
prev = tmp("prev-healthy.json")
open(prev, "wb").write(run(["-T", "json", "-r", healthy]).stdout)
good = json.load(open(prev))
for what, content, msg in [
    ("missing file", None, "--previous %s: No such file or directory" % tmp("absent.json")),
    ("not JSON", b"{ this is not json", "not JSON"),
    ("events NDJSON", b'{"schema": 2, "frame": 1}\n{"schema": 2, "frame": 2}\n', "not a trustwire report"),
    ("JSON, not a report", b'{"machines": []}', "not a trustwire report"),
    ("another version", json.dumps(dict(good, trustwire_report=2)).encode(), "report version 2, this trustwire reads 1"),
    ("addresses not an array", json.dumps(dict(good, domain_controllers=[{"account": "DC1$", "addresses": "10.77.0.10"}])).encode(),
     "domain_controllers[0]: addresses is not an array"),
    ("clock_vs_capture without numbers", json.dumps(dict(good, domain_controllers=[{"account": "DC1$", "addresses": ["10.77.0.10"], "clock_vs_capture": {"first_s": "x"}}])).encode(),
     "domain_controllers[0]: clock_vs_capture lacks its numbers"),
    ("capture time not RFC 3339", json.dumps(dict(good, capture=dict(good["capture"], first="yesterday"))).encode(), "capture.first/last is not an RFC 3339 time"),
    ("a directory", "DIR", "not a regular file"),
]:
    path = tmp("absent.json") if content is None else TMP if content == "DIR" else tmp("bad-prev.json")
    if isinstance(content, bytes):
        open(path, "wb").write(content)
    p = run(["-T", "json", "-r", healthy, "--previous", path])
    check("--previous %s: exit 2 and says %r" % (what, msg), p.returncode == 2 and msg in p.stderr.decode() and not p.stdout,
          repr(p.stderr))
p = run(["-T", "json", "-r", healthy] + ["--previous", prev] * 17)
check("--previous 17 times: exit 2, at most 16", p.returncode == 2 and b"--previous: at most 16 reports" in p.stderr, repr(p.stderr))
p = run(["-T", "events", "-r", healthy, "--previous", prev])
check("--previous with -T events: a warning, the events unchanged",
      p.returncode == 0 and b"--previous only changes the verdicts" in p.stderr and p.stdout == run(["-T", "events", "-r", healthy]).stdout,
      repr(p.stderr))
# The same capture against its own report: nothing moved ("same"), the verdicts unchanged.
p = run(["-T", "json", "-r", healthy, "--previous", prev, "--previous", prev])
r = json.loads(p.stdout)
check("--previous of itself: DC1$ compared, kind same",
      [d.get("previous_clock", {}).get("kind") for d in r["domain_controllers"]] == ["same"] and
      [x["related"] for x in r["previous"]] == [True, True], repr(r["domain_controllers"]))
check("--previous of itself: the verdicts unchanged", verdicts(p.stdout) == verdicts(open(prev).read()))
# Two lab captures of the same network: 12-client-vantage was taken on WS16$, whose clock is
# 1200 s ahead, so DC1$ is -1200 s against that capture clock; no member's clock is in both
# reports, so that is no proof that DC1$ moved: inconclusive, and the verdicts are those without it.
p = run(["-T", "json", "-r", vantage, "--previous", prev])
r = json.loads(p.stdout)
pc = [d.get("previous_clock") for d in r["domain_controllers"] if d["account"] == "DC1$"]
check("lab: 12-client-vantage against 01-healthy: DC1$ -1200 s, inconclusive (no member in both)",
      pc and pc[0]["kind"] == "inconclusive" and -1201 <= pc[0]["dc_delta_s"] <= -1199 and pc[0]["members"] == 0, repr(pc))
check("lab: 12-client-vantage against 01-healthy: the verdicts unchanged",
      verdicts(p.stdout) == verdicts(run(["-T", "json", "-r", vantage]).stdout))
t = run(["-r", vantage, "--previous", prev], env=dict(os.environ, NO_COLOR="1", COLUMNS="200")).stdout.decode()
check("lab: the text report lists the previous report", "Previous report %s (capture of 2026-12-02 20:50 UTC): 1 domain controller in common" % prev in t, t[-600:])
# Caps (core/tw-limits.h TW_PREV_MAX_ADDRS, TW_PREV_MAX_HOSTS): what is not read is counted.
clock = {"first_s": 0.0, "last_s": 0.0, "steps": 0}
many = dict(good, domain_controllers=[dict(good["domain_controllers"][0], addresses=["10.77.0.10"] + ["10.78.%d.%d" % (i // 250, i % 250) for i in range(39)])],
            machines=[{"account": "M%05d$" % i, "addresses": ["10.79.%d.%d" % (i // 250, i % 250)], "role": "member", "clock_vs_capture": clock} for i in range(16390)])
open(tmp("many-prev.json"), "w").write(json.dumps(many))
r = json.loads(run(["-T", "json", "-r", healthy, "--previous", tmp("many-prev.json")]).stdout)
# 40 addresses: 8 beyond 32; 1 DC + 16390 members: 7 beyond 16384 hosts
check("--previous caps: 8 addresses and 7 hosts not read, counted as previous_hosts",
      r["capture"].get("limits", {}).get("previous_hosts") == 15 and
      [d.get("previous_clock", {}).get("kind") for d in r["domain_controllers"]] == ["same"], repr(r["capture"]))
# A previous report from an older trustwire (no clock_vs_capture): the DCs' median is read.
old = dict(good, domain_controllers=[{k: v for k, v in d.items() if k != "clock_vs_capture"} for d in good["domain_controllers"]])
open(tmp("old-prev.json"), "w").write(json.dumps(old))
r = json.loads(run(["-T", "json", "-r", healthy, "--previous", tmp("old-prev.json")]).stdout)
check("--previous of an older report: the DC's clock_offset_vs_capture_s is read",
      [d.get("previous_clock", {}).get("kind") for d in r["domain_controllers"]] == ["same"], repr(r["domain_controllers"]))

# 6. --help documents the new options.
h = run(["--help"]).stdout.decode()
check("--help: --write and --alerts", "--write=MODE:FILE" in h and "--alerts=FILE" in h, h)

print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
