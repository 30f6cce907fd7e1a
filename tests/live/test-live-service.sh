#!/bin/bash
# test-live-service.sh — service mode end to end, inside network namespaces only.
#
# Usage: test-live-service.sh TRUSTWIRE SOURCE_ROOT [CAPTURE]
#
# Replays a lab capture with a broken machine (pcaps/02-stale-password.pcap by
# default) onto a veth pair between two namespaces this test creates (lib.sh)
# while `trustwire -i IF --alerts FILE -Z nobody` captures, then checks:
#   (a) the finding records of the alerts stream equal those of `trustwire -r
#       --alerts` on the same file (times aside), frame numbers included, and
#       each says no packet was lost before it;
#   (b) SIGUSR1 makes a report (its capture-health line, then the verdicts)
#       while the capture goes on, and SIGINT the final one; the alerts get a
#       capture record (received, kernel and interface drops) for each;
#   (c) while capturing, /proc/PID/status shows nobody's uid and CapEff 0;
#   (d) a second run with -c N stops by itself after N packets.
# Skips (exit 77) when not root, when namespaces cannot be made, or when the
# user nobody does not exist.
set -u

TW=${1:?usage: test-live-service.sh TRUSTWIRE SOURCE_ROOT [CAPTURE]}
ROOT=${2:?usage: test-live-service.sh TRUSTWIRE SOURCE_ROOT [CAPTURE]}
CAPTURE=${3:-$ROOT/pcaps/02-stale-password.pcap}

. "$(dirname "$0")/lib.sh"

live_require
[ -r "$CAPTURE" ] || skip "capture $CAPTURE is not readable"
getent passwd nobody >/dev/null || skip "no user 'nobody' to drop privileges to"
NOBODY_UID=$(id -u nobody)

live_setup
chmod 755 "$WORK"

# a record of an earlier run: live alerts are appended, never truncated
echo '{"record":"earlier run"}' >"$WORK/alerts.ndjson"
# one worker: the finding records' frame numbers are -r's (several workers
# number frames in the order they take them: tests/live/test-live-fanout.sh)
ip netns exec "$NS_CAP" "$TW" -i "$IF_CAP" --workers 1 -Z nobody --alerts "$WORK/alerts.ndjson" -w "$WORK/ring" -b filesize:1,files:2 \
    >"$WORK/report.txt" 2>"$WORK/live.err" &
TW_PID=$!
TW_LIVE_PIDS+=("$TW_PID")
live_wait_capturing 1
kill -0 "$TW_PID" 2>/dev/null || { echo "FAIL: trustwire -i exited early:"; cat "$WORK/live.err"; exit 1; }

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# (c) privileges while capturing
uid_line=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$TW_PID/status")
capeff=$(awk '/^CapEff:/ {print $2}' "/proc/$TW_PID/status")
capprm=$(awk '/^CapPrm:/ {print $2}' "/proc/$TW_PID/status")
echo "while capturing: Uid $uid_line, CapEff $capeff, CapPrm $capprm"
[ "$uid_line" = "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" ] || fail "uid is '$uid_line', not nobody ($NOBODY_UID)"
[ "$capeff" = 0000000000000000 ] || fail "CapEff $capeff while capturing"
[ "$capprm" = 0000000000000000 ] || fail "CapPrm $capprm while capturing"

live_replay "$CAPTURE"
sleep 1
# (b) a report on SIGUSR1, the capture going on
kill -USR1 "$TW_PID"
for _ in $(seq 50); do grep -q 'SIGUSR1 report' "$WORK/report.txt" && break; sleep 0.1; done
sleep 0.3
kill -0 "$TW_PID" 2>/dev/null || fail "SIGUSR1 stopped the capture"
cp "$WORK/report.txt" "$WORK/report-usr1.txt"
live_stop "$TW_PID"
[ "$LIVE_RC" = 1 ] || fail "trustwire -i exited with $LIVE_RC, expected 1 (a broken machine)"

"$TW" -r "$CAPTURE" --alerts "$WORK/file-alerts.ndjson" >/dev/null 2>"$WORK/file.err"

sed -n 's/^/live stderr: /p' "$WORK/live.err"
grep -q "capturing on $IF_CAP" "$WORK/live.err" || fail "no start line saying what is captured"

python3 - "$WORK" "$CAPTURE" <<'PY' || fails=$((fails + 1))
import json, re, sys
work = sys.argv[1]
def untimed(v):
    # the summary says since when, in capture time, which differs on replay
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "TIME", v) if isinstance(v, str) else v
bad = []
def load(p):
    return [json.loads(l) for l in open(p) if l.strip()]
live = load(f"{work}/alerts.ndjson")
if not live or live[0].get("record") != "earlier run":
    bad.append("the alerts file of an earlier run was truncated")
filer = load(f"{work}/file-alerts.ndjson")
TIME = {"first_ts", "established_ts"}
LIVE_ONLY = {"capture_drops_before", "may_have_missed_packets", "first_file", "first_file_frame",
             "established_file", "established_file_frame"}
def replay_artifact(r):
    return r.get("rule") == "clock-skew" and "domain controller" in r.get("summary", "")
def findings(recs, live):
    out = []
    for r in recs:
        if "record" in r:
            continue
        # A replay stamps every frame with the time it is sent, while the
        # DC's KRB-ERROR stime inside stays at the recording time: live, the
        # DC looks as far off as the capture is old (unless so old that the
        # sample is implausible and dropped). That finding is the replay's,
        # not the code's: it is left out of the comparison, nothing else.
        if live and replay_artifact(r):
            continue
        if live and r.get("may_have_missed_packets") is not False:
            bad.append(f"live finding {r.get('finding_id')} does not say no packet was lost: {r}")
        out.append(json.dumps({k: untimed(v) for k, v in r.items() if k not in TIME | LIVE_ONLY}, sort_keys=True))
    return out
lf, ff = findings(live, True), findings(filer, False)
print(f"findings: {len(ff)} from the file, {len(lf)} live")
if not ff:
    bad.append("the capture gave no findings to compare")
if lf != ff:
    bad.append("live alerts differ from file alerts:\n  file: " + "\n  file: ".join(ff) + "\n  live: " + "\n  live: ".join(lf))
caps = [r for r in live if r.get("record") == "capture"]
whys = [c["why"] for c in caps]
print("capture records:", whys)
if "SIGUSR1" not in whys or whys[-1] != "final":
    bad.append(f"capture records {whys}: expected one for SIGUSR1 and a final one")
for c in caps:
    for k in ("received", "kernel_drops", "if_drops", "interval_received", "lossless"):
        if k not in c:
            bad.append(f"capture record without {k}: {c}")
if caps and caps[-1]["received"] < sum(1 for _ in open(f"{work}/file-alerts.ndjson")) :
    bad.append("final capture record received fewer packets than findings")
usr1 = open(f"{work}/report-usr1.txt").read()
final = open(f"{work}/report.txt").read()
if "Capture health (SIGUSR1 report" not in usr1 or "BROKEN" not in usr1:
    bad.append("no SIGUSR1 report with its health line and a BROKEN verdict before SIGINT:\n" + usr1[:800])
if "Capture health (final report" not in final[len(usr1):]:
    bad.append("no final report after the SIGUSR1 one")
# (e) -w DIR: the ring file a finding names opens in tshark, and its frame
# there is the capture's frame the evidence cites (same bytes).
import subprocess
def frame_hex(path, n):
    out = subprocess.run(["tshark", "-r", path, "-Y", f"frame.number == {n}", "-T", "fields", "-e", "frame.len",
                          "-e", "_ws.col.Protocol", "-e", "_ws.col.Info"], capture_output=True, text=True)
    if out.returncode != 0:
        bad.append(f"tshark cannot read {path}: {out.stderr.strip()}")
    return out.stdout.strip()
capture = sys.argv[2]
checked = 0
for r in live:
    if "record" in r or replay_artifact(r):
        continue
    for which in ("first", "established"):
        if f"{which}_file" not in r:
            bad.append(f"live finding without {which}_file: {r}")
            continue
        got = frame_hex(r[f"{which}_file"], r[f"{which}_file_frame"])
        want = frame_hex(capture, r[f"{which}_frame"])
        if not want or got != want:
            bad.append(f"ring {r[which + '_file']} frame {r[which + '_file_frame']} is '{got}', the capture's frame {r[which + '_frame']} is '{want}'")
        checked += 1
print(f"ring frames checked against the capture with tshark: {checked}")
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
PY

# (d) -c N: stops by itself
N=25
ip netns exec "$NS_CAP" "$TW" -i "$IF_CAP" -c $N -T events -S >"$WORK/c.ndjson" 2>"$WORK/c.err" &
C_PID=$!
TW_LIVE_PIDS+=("$C_PID")
live_wait_capturing 1
live_replay "$CAPTURE"
for _ in $(seq 50); do kill -0 "$C_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$C_PID" 2>/dev/null; then
    fail "-c $N: still running after the replay"
    live_stop "$C_PID"
else
    wait "$C_PID"
    frames=$(awk '$1 == "frames" {print $2}' "$WORK/c.err")
    echo "-c $N: stopped by itself; frames dissected: ${frames:-?}"
    [ "${frames:-}" = "$N" ] || fail "-c $N: ${frames:-no} frames dissected"
fi

# (f) a non-root start with CAP_NET_RAW only (systemd's DynamicUser= +
# AmbientCapabilities=CAP_NET_RAW) captures, and drops that capability too
if command -v setpriv >/dev/null; then
    ip netns exec "$NS_CAP" setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
        --inh-caps=-all,+net_raw --ambient-caps=-all,+net_raw --bounding-set=-all,+net_raw \
        "$TW" -i "$IF_CAP" -T json >"$WORK/np.json" 2>"$WORK/np.err" &
    NP_PID=$!
    TW_LIVE_PIDS+=("$NP_PID")
    live_wait_capturing 1
    if kill -0 "$NP_PID" 2>/dev/null; then
        np_eff=$(awk '/^CapEff:/ {print $2}' "/proc/$NP_PID/status")
        np_amb=$(awk '/^CapAmb:/ {print $2}' "/proc/$NP_PID/status")
        echo "CAP_NET_RAW-only start: CapEff $np_eff, CapAmb $np_amb while capturing"
        [ "$np_eff" = 0000000000000000 ] && [ "$np_amb" = 0000000000000000 ] \
            || fail "a CAP_NET_RAW-only start keeps capabilities (CapEff $np_eff, CapAmb $np_amb)"
        live_replay "$CAPTURE"
        sleep 0.5
        live_stop "$NP_PID"
        grep -q '"broken" : 1' "$WORK/np.json" || fail "CAP_NET_RAW-only capture found no broken machine"
    else
        fail "a non-root start with CAP_NET_RAW cannot capture: $(cat "$WORK/np.err")"
    fi
else
    echo "setpriv missing: the CAP_NET_RAW-only start is not checked"
fi

[ $fails = 0 ] || exit 1
echo "OK: service mode (alerts = file findings, SIGUSR1 report, no privileges while capturing, -c)"
