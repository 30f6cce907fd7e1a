#!/usr/bin/env python3
"""A tshark user's reflexes (issue 13 item 4): -V is the tree, -v the
versions, a trailing expression is a BPF filter (as tcpdump), -Y selects the
events shown but not what the analysis sees, -q, -c on files, -l, -n, -t,
warnings for options that do nothing on files, the help text rendered.

Usage: test-tshark-cli.py TRUSTWIRE SOURCE_ROOT
"""
import json
import os
import subprocess
import sys
import tempfile

TW, ROOT = sys.argv[1], sys.argv[2]
CAP = os.path.join(ROOT, "pcaps", "02-stale-password.pcap")
failures = 0


def run(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([TW, *args], capture_output=True, text=True, env=e)


def check(name, cond, detail=""):
    global failures
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  " + detail[:400]))
    if not cond:
        failures += 1


def frames(ndjson):
    return [json.loads(l)["frame"] for l in ndjson.splitlines() if l.strip()]


# -V = -T tree; -v = versions
tree = run("-r", CAP, "-T", "tree")
v = run("-r", CAP, "-V")
check("-V is -T tree", v.returncode == tree.returncode and v.stdout == tree.stdout and "kerberos" in v.stdout)
ver = run("-v")
check("-v: git version and libraries", ver.returncode == 0 and "(git " in ver.stdout and
      all(w in ver.stdout for w in ("libpcap", "krb5", "GLib", "json-glib", "nettle")), ver.stdout)
check("--version is -v", run("--version").stdout == ver.stdout)
check("-V with another -T is refused", run("-r", CAP, "-V", "-T", "events").returncode == 2)

# help renders (setlocale): no [OPTION?]
h = run("--help", env={"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
check("--help renders the ellipsis", "[OPTION…]" in h.stdout and "?]" not in h.stdout, h.stdout[:200])

# trailing BPF filter
allev = frames(run("-r", CAP, "-T", "events").stdout)
bpf = run("-r", CAP, "-T", "events", "port", "88")
viaf = run("-r", CAP, "-T", "events", "-f", "port 88")
check("trailing 'port 88' is a filter, as -f", bpf.returncode == 0 and bpf.stdout == viaf.stdout and
      0 < len(frames(bpf.stdout)) < len(allev), bpf.stderr)
udp = run("-r", CAP, "-T", "events", "udp", "and", "port", "88")
check("trailing filter of several words", udp.returncode == 0 and frames(udp.stdout) ==
      frames(run("-r", CAP, "-T", "events", "-f", "udp and port 88").stdout))
bad = run("-r", CAP, "port", "8x")
check("a trailing word that is neither file nor filter: exit 2, says why",
      bad.returncode == 2 and "neither an existing file nor a valid capture filter" in bad.stderr
      and bad.stdout == "", bad.stderr)
both = run("-r", CAP, "-f", "udp", "port", "88")
check("-f and a trailing filter: refused", both.returncode == 2 and "give one" in both.stderr)
two = run("-T", "events", CAP, CAP)
check("positional existing files are still files", two.returncode in (0, 1) and len(frames(two.stdout)) == 2 * len(allev))

# -Y: display only; analysis sees everything
y = run("-r", CAP, "-T", "events", "-Y", 'proto == "kerberos" && error_code == 24')
ys = frames(y.stdout)
ev = [json.loads(l) for l in run("-r", CAP, "-T", "events").stdout.splitlines()]
want = [e["frame"] for e in ev if e["proto"] == "kerberos" and e.get("error_code") == 24]
check("-Y selects the matching events", ys == want and len(want) > 0, f"{ys} vs {want}")
rep = run("-r", CAP, "-T", "json")
repy = run("-r", CAP, "-T", "json", "-Y", 'proto == "nosuch"')
check("-Y leaves the report (analysis) unchanged", rep.stdout == repy.stdout and rep.returncode == repy.returncode)
wr = os.path.join(tempfile.mkdtemp(), "ev.ndjson")
run("-r", CAP, "-T", "report", "--write", "events:" + wr, "-Y", "error_code == 24")
check("-Y filters --write events too", frames(open(wr).read()) == want)
se = run("-r", CAP, "-Y", "proto == \"kerberos\" && (error_code == 24")
check("-Y syntax error: exit 2, the column and a caret", se.returncode == 2 and "column 41" in se.stderr
      and "^" in se.stderr and se.stdout == "", se.stderr)
rx = frames(run("-r", CAP, "-T", "events", "-Y", r'cname ~ "\\$$"').stdout)
check("-Y regex on cname", rx == [e["frame"] for e in ev if e.get("cname", "").endswith("$")] and rx)

# -q: report only
q = run("-r", CAP, "-T", "events", "-q")
r = run("-r", CAP)
check("-q: the report, no per-event lines", q.stdout == r.stdout and q.returncode == r.returncode)

# -c on files
c = frames(run("-r", CAP, "-T", "events", "-c", "3").stdout)
check("-c 3 on a file stops after 3 frames", c == [f for f in allev if f <= 3], f"{c}")

# -n, -l accepted; -l output equals unbuffered
check("-n and -l accepted", run("-r", CAP, "-n", "-l", "-T", "events").stdout == run("-r", CAP, "-T", "events").stdout)

# -t for the summary
su = run("-r", CAP, "-T", "summary").stdout.splitlines()[0].split()
se_ = run("-r", CAP, "-T", "summary", "-t", "e").stdout.splitlines()[0].split()
loc = run("-r", CAP, "-T", "summary", "-t", "local", env={"TZ": "Asia/Kolkata"}).stdout.splitlines()[0].split()
check("-t utc is the default", su[1].endswith("Z"))
import datetime
t = datetime.datetime.fromisoformat(su[1].replace("Z", "+00:00"))
check("-t e: epoch seconds of the same instant", abs(float(se_[1]) - t.timestamp()) < 1e-6, se_[1])
check("-t local: the TZ's offset, same instant", loc[1].endswith("+05:30") and
      datetime.datetime.fromisoformat(loc[1]) == t, loc[1])
check("-t bad: exit 2", run("-r", CAP, "-t", "x").returncode == 2)

# options without effect on files: a warning, same output
s = run("-r", CAP, "-s", "100", "-B", "8", "-p")
check("-s/-B/-p on files: warnings, same report",
      all(w in s.stderr for w in ("-s has no effect", "-B has no effect", "-p has no effect")) and s.stdout == r.stdout,
      s.stderr)
check("no warning without them", "warning" not in r.stderr, r.stderr)

print(f"{failures} failure(s)")
sys.exit(1 if failures else 0)
