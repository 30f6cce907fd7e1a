#!/usr/bin/env python3
"""Capture health (docs/report.md "Capture health", issue #9 items 1-3).

  1. snaplen-cut variants (editcap -s 64/128/256, made here in a temp dir) of
     every lab capture and every public capture holding Kerberos or NETLOGON:
     no machine account or user in the cut report that the whole capture does
     not name (no identity from a cut name), cut names marked KEY_truncated in
     the events, health reports the cut, and no "No machine has lost its
     trust" / exit 0 when Kerberos/NETLOGON/NTLM messages were cut;
  2. drops (TRUSTWIRE_TEST_DROPS stands in for pcap_stats): warning + exit 3,
     or exit 1 with a broken machine;
  3. several files: each evidence's file + in-file frame is that frame in
     `tshark -r FILE`, its filter selects it; the same through --from-events;
  4. nothing to judge: a BPF filter matching nothing, a capture without
     Kerberos/NETLOGON/NTLM -> exit 3; events partly garbage -> exit 3 and
     events-refused; all garbage -> exit 2 (nothing analysed);
  5. a truncated file (head -c) with a broken machine -> exit 1 + ended-early.

Usage: test-health.py TRUSTWIRE REPO [--quick]  (needs editcap and tshark)
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

TW, REPO = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
QUICK = "--quick" in sys.argv
TMP = tempfile.mkdtemp(prefix="tw-health-")
failures = 0


def check(what, ok, detail=""):
    global failures
    if ok:
        print("ok  ", what)
    else:
        failures += 1
        print("FAIL", what, "\n     ", str(detail)[:600])


def run(args, env=None):
    e = dict(os.environ)
    e.pop("TRUSTWIRE_TEST_DROPS", None)
    if env:
        e.update(env)
    return subprocess.run([TW, *args], capture_output=True, env=e, cwd=REPO)


def report(path, *extra, env=None):
    p = run(["-T", "json", *extra, "-r", path], env=env)
    try:
        return p.returncode, json.loads(p.stdout)
    except ValueError:
        return p.returncode, None


def identities(rep):
    acc = {m["account"] for m in rep["machines"] if m.get("account")}
    users = {u["user"] for u in rep["users"]}
    return acc, users


def events(path):
    p = run(["-T", "events", "-r", path])
    return [json.loads(l) for l in p.stdout.decode().splitlines() if l.startswith("{")]


def report_events(path):
    """-T json and -T events of one capture in one run (--write events:FILE,
    the same bytes as -T events: tests/cli/test-cli.py): (rc, report, events)."""
    evfile = os.path.join(TMP, "events-%s.ndjson" % os.path.basename(path))
    p = run(["-T", "json", "--write", "events:" + evfile, "-r", path])
    try:
        rep = json.loads(p.stdout)
    except ValueError:
        rep = None
    with open(evfile, encoding="utf-8") as f:
        evs = [json.loads(l) for l in f if l.startswith("{")]
    os.unlink(evfile)
    return p.returncode, rep, evs


def relevant(evs):
    return [e for e in evs if e.get("proto") in ("kerberos", "netlogon", "ntlmssp")]


if not shutil.which("editcap") or not shutil.which("tshark"):
    print("SKIP: editcap/tshark not installed")
    sys.exit(77)

# ---- 1. snaplen-cut variants ----
captures = sorted(glob.glob(os.path.join(REPO, "pcaps", "*.pcap")))
public = sorted(glob.glob(os.path.join(REPO, "..", "shared", "pcaps", "public", "**", "*.pcap*"), recursive=True))
variants = cut_identities = 0
for cap in captures + public:
    rc0, whole, whole_ev = report_events(cap)
    if not any(e.get("proto") in ("kerberos", "netlogon") for e in whole_ev):
        continue
    if whole is None:
        continue
    acc0, users0 = identities(whole)
    name = os.path.relpath(cap, REPO)
    for snap in ((128,) if QUICK else (64, 128, 256)):
        cut = os.path.join(TMP, "cut-%d-%s" % (snap, os.path.basename(cap)))
        subprocess.run(["editcap", "-s", str(snap), cap, cut], check=True, capture_output=True)
        variants += 1
        rc, rep, cut_ev = report_events(cut)
        if rep is None:
            check("%s -s %d: a JSON report" % (name, snap), False, rc)
            continue
        acc, users = identities(rep)
        extra = (acc - acc0) | (users - users0)
        cut_identities += len(extra)
        check("%s -s %d: no identity from a cut name" % (name, snap), not extra, sorted(extra))
        src = rep["sources"][0]
        if src["frames_cut"]:
            codes = [i["code"] for i in rep["health"]["issues"]]
            check("%s -s %d: health reports the cut (%d frames)" % (name, snap, src["frames_cut"]),
                  "snaplen" in codes and src["snaplen"] <= snap, rep["health"])
        # Every cut string is marked: a relevant event's name that is not the
        # whole capture's name for the same frame carries KEY_truncated.
        whole_by_frame = {}
        for e in relevant(whole_ev):
            whole_by_frame.setdefault((e["frame"], e.get("msg"), e.get("msg_type")), e)
        unmarked = []
        for e in relevant(cut_ev):
            w = whole_by_frame.get((e["frame"], e.get("msg"), e.get("msg_type")))
            if not w:
                continue
            for k in ("cname", "sname", "realm", "crealm", "user", "domain", "workstation", "for_user"):
                if isinstance(e.get(k), str) and e[k] != w.get(k) and not e.get(k + "_truncated"):
                    unmarked.append((e["frame"], k, e[k], w.get(k)))
        check("%s -s %d: every cut name is marked _truncated" % (name, snap), not unmarked, unmarked[:5])
        if rep["health"]["relevant_messages_cut"] or rep["health"]["names_cut"]:
            check("%s -s %d: evidence lost -> exit %s, not exit 0 'all is well'" % (name, snap, rc),
                  rc in (1, 3) and rep["exit_status"] == rc and not rep["health"]["can_judge"], rc)
            text = run(["-r", cut]).stdout.decode()
            check("%s -s %d: no 'No machine has lost its trust' without a warning" % (name, snap),
                  "No machine has lost its trust" not in text and "Capture health:" in text, text[:300])
print("snaplen variants checked: %d; identities from cut names: %d" % (variants, cut_identities))
check("snaplen variants were made", variants >= (5 if QUICK else 30), variants)

healthy = os.path.join(REPO, "pcaps", "01-healthy.pcap")
broken = os.path.join(REPO, "pcaps", "02-stale-password.pcap")
server = os.path.join(REPO, "pcaps", "10-server-key-http.pcap")

# ---- 2. drops ----
rc, rep = report(healthy, env={"TRUSTWIRE_TEST_DROPS": "286067:222138"})
check("drops on a healthy capture: exit 3", rc == 3 and rep["exit_status"] == 3, rc)
check("drops: health issue with the count",
      any(i["code"] == "drops" and i["text"].startswith("222138 ") for i in rep["health"]["issues"]), rep["health"])
check("drops: sources[].dropped", rep["sources"][0]["dropped"] == 222138, rep["sources"])
p = run(["-r", healthy], env={"TRUSTWIRE_TEST_DROPS": "286067:222138"})
t = p.stdout.decode()
check("drops: text says so, no 'No machine has lost its trust'",
      "drops: 222138 packets were dropped" in t and "No machine has lost its trust" not in t and "Cannot tell" in t, t)
rc, rep = report(broken, env={"TRUSTWIRE_TEST_DROPS": "100:5"})
check("drops with a broken machine: exit 1 and the warning",
      rc == 1 and any(i["code"] == "drops" for i in rep["health"]["issues"]), rc)
rc, rep = report(healthy, env={"TRUSTWIRE_TEST_DROPS": "100:0"})
check("no drops: exit 0, health ok", rc == 0 and rep["health"]["level"] == "ok", rep["health"])

# ---- 3. several files: file + in-file frame as tshark shows them ----
def tshark_frames(path, flt):
    p = subprocess.run(["tshark", "-r", path, "-Y", flt, "-T", "fields", "-e", "frame.number",
                        "-e", "ip.src", "-e", "ip.dst"], capture_output=True, text=True)
    return [l.split("\t") for l in p.stdout.splitlines() if l]


def all_evidence(rep):
    for m in rep["machines"]:
        for f in m["findings"]:
            for e in f["evidence"]:
                yield e


# (path, frame, filter) -> (ip.src, ip.dst) of that frame in `tshark -r path`
# when the filter selects it, else None.  tshark's start-up is most of its
# time: one run per file answers every (frame, filter) asked of that file.
_located = {}


def tshark_locate(path, pairs):
    """Fill _located for each (frame, filter) of path not yet known, with one
    `tshark -Y "(frame.number == N1 && (F1)) || (frame.number == N2 && (F2))..."`
    per file: each frame number once per run, so a row's frame number tells
    which (frame, filter) it answers (a frame asked with two filters takes a
    second run)."""
    todo = [p for p in dict.fromkeys(pairs) if (path,) + p not in _located]
    while todo:
        batch, rest, seen = [], [], set()
        for fr, flt in todo:
            (rest if fr in seen else batch).append((fr, flt))
            seen.add(fr)
        rows = tshark_frames(path, " || ".join("(frame.number == %d && (%s))" % (fr, flt) for fr, flt in batch))
        got = {r[0]: r for r in rows}
        for fr, flt in batch:
            r = got.get(str(fr))
            _located[(path, fr, flt)] = tuple((r + ["", ""])[1:3]) if r else None
        todo = rest


def check_located(label, rep, files):
    n = 0
    bad = []
    evs = list(all_evidence(rep))
    asked = {}
    for e in evs:
        if e["file"] in files:
            asked.setdefault(os.path.join(REPO, e["file"]), []).append((int(e["file_frame"]), e["filter"]))
    for path, pairs in asked.items():
        tshark_locate(path, pairs)
    for e in evs:
        n += 1
        if e["file"] not in files:
            bad.append(("file", e["file"], e["frame"]))
            continue
        hit = _located[(os.path.join(REPO, e["file"]), int(e["file_frame"]), e["filter"])]
        if not hit or set(hit) != {e["src"], e["dst"]}:
            bad.append((e["file"], e["file_frame"], e["filter"], hit))
    check("%s: %d evidence objects, each found by file + frame + filter in tshark" % (label, n), n and not bad, bad[:3])


files = ["pcaps/01-healthy.pcap", "pcaps/02-stale-password.pcap", "pcaps/10-server-key-http.pcap"]
p = run(["-T", "json", *[a for f in files for a in ("-r", f)]])
rep = json.loads(p.stdout)
check("several files: exit 1 (broken machines)", p.returncode == 1, p.returncode)
check("several files: sources lists each with its first frame",
      [s["name"] for s in rep["sources"]] == files and rep["sources"][1]["first_frame"] == rep["sources"][0]["frames"] + 1,
      rep["sources"])
check_located("several files", rep, files)
later = [e for e in all_evidence(rep) if e["file"] != files[0]]
check("several files: in-file frames differ from run frames after the first file",
      later and all(e["file_frame"] < e["frame"] for e in later), later[:2])
text = run([a for f in files for a in ("-r", f)]).stdout.decode()
check("several files: text evidence names its file", "[10-server-key-http.pcap]" in text, text[:400])
evp = run(["-T", "events", *[a for f in files for a in ("-r", f)]])
evfile = os.path.join(TMP, "multi.ndjson")
open(evfile, "wb").write(evp.stdout)
first = json.loads(evp.stdout.decode().splitlines()[0])
check("several files: events carry pcap + pcap_frame", first.get("pcap") == files[0] and first.get("pcap_frame"), first)
p = run(["-T", "json", "--from-events", evfile])
check_located("--from-events of several files", json.loads(p.stdout), files)
# A ring buffer (tcpdump -G/-W, lab scenario 12-ring) read together: every
# evidence object and every request frame a text line names ("(frame 18 of
# 12-ring-2.pcap)") is that frame in `tshark -r` of that file.
ring = sorted(os.path.relpath(f, REPO) for f in glob.glob(os.path.join(REPO, "pcaps", "12-ring-*.pcap")))
if len(ring) >= 2:
    rargs = [a for f in ring for a in ("-r", f)]
    p = run(["-T", "json", *rargs])
    rep = json.loads(p.stdout)
    check("ring buffer (%d files): exit 1 (WS02$ broken)" % len(ring), p.returncode == 1, p.returncode)
    check_located("ring buffer", rep, ring)
    used = {e["file"] for e in all_evidence(rep)}
    check("ring buffer: evidence comes from more than one file", len(used) >= 2, used)
    check("ring buffer: sources are the files in order, frames running on",
          [s["name"] for s in rep["sources"]] == ring and
          all(rep["sources"][i]["first_frame"] == rep["sources"][i - 1]["first_frame"] + rep["sources"][i - 1]["frames"]
              for i in range(1, len(ring))), rep["sources"])
    import re
    text = run(rargs).stdout.decode()
    named = re.findall(r"\(frame (\d+) of ([^)\s]+)\)", text)
    bad = []
    paths = {}
    for no, base in named:
        path = next((f for f in ring if os.path.basename(f) == base), None)
        if path:
            paths.setdefault(os.path.join(REPO, path), []).append((int(no), "ntlmssp || kerberos"))
    for path, pairs in paths.items():
        tshark_locate(path, pairs)
    for no, base in named:
        path = next((f for f in ring if os.path.basename(f) == base), None)
        if not path or not _located[(os.path.join(REPO, path), int(no), "ntlmssp || kerberos")]:
            bad.append((no, base))
    check("ring buffer: %d request frames named in the text are NTLMSSP/Kerberos frames of that file" % len(named),
          named and not bad, bad[:3])
single = run(["-T", "events", "-r", files[0]]).stdout.decode().splitlines()[0]
check("one file: events do not carry pcap", '"pcap"' not in single, single)
for cap in captures:  # every lab capture: every evidence line is found in tshark
    rel = os.path.relpath(cap, REPO)
    rc, rep = report(rel)
    if rep and any(True for _ in all_evidence(rep)):
        check_located("one file " + os.path.basename(cap), rep, [rel])

# ---- 4. nothing to judge ----
rc, rep = report(healthy, "-f", "udp port 9")
check("BPF matching nothing: exit 3, no-relevant", rc == 3 and rep["health"]["level"] == "nothing", (rc, rep and rep["health"]))
t = run(["-f", "udp port 9", "-r", healthy]).stdout.decode()
check("BPF matching nothing: says no frames, no 'all is well'",
      "holds no frames" in t and "No machine has lost its trust" not in t, t)
nokrb = os.path.join(TMP, "no-kerberos.pcap")


def udp_frame(sport, dport, payload):
    import struct
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + udp
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip


import struct
with open(nokrb, "wb") as f:  # DNS queries only: a capture with traffic but nothing relevant
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i in range(5):
        fr = udp_frame(40000 + i, 53, b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6)
        f.write(struct.pack("<IIII", 1764000000 + i, 0, len(fr), len(fr)) + fr)
rc, rep = report(nokrb)
check("capture without Kerberos/NETLOGON/NTLM: exit 3", rc == 3, rc)
check("capture without Kerberos: 'nothing can be said'",
      "This capture holds no Kerberos" in run(["-r", nokrb]).stdout.decode(), "")
good = run(["-T", "events", "-r", broken]).stdout
mixed = os.path.join(TMP, "mixed.ndjson")
open(mixed, "wb").write(b"garbage\n{not json\n" + good)
p = run(["-T", "json", "--from-events", mixed])
rep = json.loads(p.stdout)
check("events partly garbage, machine broken: exit 1 + events-refused",
      p.returncode == 1 and any(i["code"] == "events-refused" for i in rep["health"]["issues"]), p.returncode)
hgood = run(["-T", "events", "-r", healthy]).stdout
open(mixed, "wb").write(b"garbage\n" + hgood)
p = run(["--from-events", mixed])
check("events partly garbage, nothing broken: exit 3", p.returncode == 3 and b"events-refused" in p.stdout, p.returncode)
garbage = os.path.join(TMP, "garbage.ndjson")
open(garbage, "wb").write(b"x\ny\n{\n")
p = run(["--from-events", garbage])
check("events all garbage: exit 2 (nothing analysed), says so", p.returncode == 2 and b"none an event" in p.stderr, p)

# ---- 5. a truncated file ----
size = os.path.getsize(broken)
cutfile = os.path.join(TMP, "truncated.pcap")
open(cutfile, "wb").write(open(broken, "rb").read()[: size - 37])
rc, rep = report(cutfile)
check("truncated file with a broken machine: exit 1", rc == 1 and rep["exit_status"] == 1, rc)
check("truncated file: ended-early in health and sources",
      any(i["code"] == "ended-early" for i in rep["health"]["issues"]) and rep["sources"][0]["ended_early"], rep["health"])
hsize = os.path.getsize(healthy)
open(cutfile, "wb").write(open(healthy, "rb").read()[: hsize - 37])
rc, rep = report(cutfile)
check("truncated file, nothing broken: exit 3", rc == 3, rc)
open(cutfile, "wb").write(open(healthy, "rb").read()[:30])
p = run(["-r", cutfile])
check("file cut inside its first record: exit 2 (nothing analysed)", p.returncode == 2, p.returncode)

shutil.rmtree(TMP, ignore_errors=True)
print("%d failed" % failures)
sys.exit(1 if failures else 0)
