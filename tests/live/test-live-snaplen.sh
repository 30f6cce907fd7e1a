#!/bin/bash
# test-live-snaplen.sh — a live capture with a small snapshot length reports
# what it cut, as a file read does (issue #9: live frames feed the same
# capture-health accounting as file frames).
#
# Usage: test-live-snaplen.sh TRUSTWIRE SOURCE_ROOT [CAPTURE]
#
# Replays pcaps/02-stale-password.pcap onto a veth pair between two
# namespaces (lib.sh) while `trustwire -i IF -s 128 -T json` and
# `trustwire -i IF -s 128` capture on the other end, and checks:
#   (a) the JSON health has the issue "snaplen" at level "lost", counts cut
#       Kerberos/NETLOGON/NTLM messages and names, and the live source says
#       how many frames were cut and to what length (at most 128 bytes);
#   (b) the text report opens its health section with "EVIDENCE WAS LOST"
#       and the snaplen issue;
#   (c) no identity comes from a cut name: no user "WS" (the cut WS02$);
#   (d) a control run at the default snapshot length reports no snaplen issue.
# Skips (exit 77) when not root or when namespaces cannot be made.
set -u

TW=${1:?usage: test-live-snaplen.sh TRUSTWIRE SOURCE_ROOT [CAPTURE]}
ROOT=${2:?usage: test-live-snaplen.sh TRUSTWIRE SOURCE_ROOT [CAPTURE]}
CAPTURE=${3:-$ROOT/pcaps/02-stale-password.pcap}

. "$(dirname "$0")/lib.sh"

live_require
[ -r "$CAPTURE" ] || skip "capture $CAPTURE is not readable"

live_setup

ip netns exec "$NS_CAP" "$TW" -i "$IF_CAP" -s 128 -T json >"$WORK/cut.json" 2>"$WORK/cut-json.err" &
PID_JSON=$!
TW_LIVE_PIDS+=("$PID_JSON")
ip netns exec "$NS_CAP" "$TW" -i "$IF_CAP" -s 128 >"$WORK/cut.txt" 2>"$WORK/cut-txt.err" &
PID_TXT=$!
TW_LIVE_PIDS+=("$PID_TXT")
ip netns exec "$NS_CAP" "$TW" -i "$IF_CAP" -T json >"$WORK/whole.json" 2>"$WORK/whole.err" &
PID_WHOLE=$!
TW_LIVE_PIDS+=("$PID_WHOLE")
live_wait_capturing 3
for pid in "$PID_JSON" "$PID_TXT" "$PID_WHOLE"; do
    kill -0 "$pid" 2>/dev/null || {
        echo "FAIL: trustwire -i exited early:"; cat "$WORK"/*.err; exit 1; }
done

live_replay "$CAPTURE"
sleep 1
live_stop "$PID_JSON"
live_stop "$PID_TXT"
live_stop "$PID_WHOLE"

python3 - "$WORK" "$IF_CAP" <<'PY'
import json, os, sys

work, iface = sys.argv[1:3]
failures = []

def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)

def ok(msg):
    print("OK: " + msg)

def load(name):
    try:
        return json.load(open(os.path.join(work, name)))
    except ValueError as e:
        fail(f"{name}: not JSON: {e}")
        return {}

cut = load("cut.json")
h = cut.get("health", {})
issues = {i["code"]: i for i in h.get("issues", [])}
sn = issues.get("snaplen")
if not sn:
    fail(f"-s 128: no snaplen issue in the health ({sorted(issues)})")
elif sn["level"] != "lost":
    fail(f"-s 128: snaplen issue at level {sn['level']}, expected lost")
else:
    ok("-s 128: snaplen issue, level lost: " + sn["text"])
if h.get("level") != "lost" or h.get("can_judge") is not False:
    fail(f"-s 128: health level {h.get('level')}, can_judge {h.get('can_judge')}")
if not h.get("relevant_messages_cut") or not h.get("names_cut"):
    fail(f"-s 128: relevant_messages_cut {h.get('relevant_messages_cut')}, names_cut {h.get('names_cut')}")
else:
    ok(f"-s 128: {h['relevant_messages_cut']} messages and {h['names_cut']} names cut")
live = [s for s in cut.get("sources", []) if s.get("kind") == "live"]
if len(live) != 1 or live[0].get("name") != iface:
    fail(f"-s 128: sources {cut.get('sources')}, expected one live source {iface}")
else:
    s = live[0]
    if not s.get("frames") or not s.get("frames_cut") or not (0 < s.get("snaplen", 0) <= 128):
        fail(f"-s 128: live source {s}")
    else:
        ok(f"-s 128: live source {s['frames_cut']} of {s['frames']} frames cut to {s['snaplen']} bytes")
users = [u["user"] for u in cut.get("users", [])]
if any(u.upper().startswith("WS") for u in users):
    fail(f"-s 128: a user from a cut name: {users}")
if cut.get("exit_status") not in (1, 3):
    fail(f"-s 128: exit_status {cut.get('exit_status')}, expected 3 (degraded) or 1 (broken)")

txt = open(os.path.join(work, "cut.txt"), errors="replace").read()
if "Capture health: EVIDENCE WAS LOST" not in txt or "- snaplen:" not in txt:
    fail("-s 128 text report: no 'Capture health: EVIDENCE WAS LOST' with a snaplen line")
else:
    ok("-s 128 text report: EVIDENCE WAS LOST, snaplen")

whole = load("whole.json")
wcodes = [i["code"] for i in whole.get("health", {}).get("issues", [])]
if "snaplen" in wcodes or "names-cut" in wcodes:
    fail(f"default snaplen: cut issues {wcodes}")
elif not any(s.get("kind") == "live" and s.get("frames") for s in whole.get("sources", [])):
    fail(f"default snaplen: no live source with frames: {whole.get('sources')}")
else:
    ok(f"default snaplen: no cut reported (issues {wcodes})")
sys.exit(1 if failures else 0)
PY
