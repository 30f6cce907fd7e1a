#!/bin/bash
# test-live-ecs.sh — a live sensor with --alerts-format ecs: every record of its alerts
# stream (findings, capture intervals, the final capture record) is an ECS document that
# tests/ecs/validate-ecs.py accepts, and the findings are those of the same capture read
# from the file (same finding_id set).
# Usage: test-live-ecs.sh TRUSTWIRE SOURCE_ROOT [CAPTURE]; root only (skips otherwise).
TW=${1:?usage: test-live-ecs.sh TRUSTWIRE SOURCE_ROOT [CAPTURE]}
ROOT=${2:?usage: test-live-ecs.sh TRUSTWIRE SOURCE_ROOT [CAPTURE]}
CAPTURE=${3:-$ROOT/pcaps/02-stale-password.pcap}

. "$(dirname "$0")/lib.sh"

live_require
[ -r "$CAPTURE" ] || skip "capture $CAPTURE is not readable"
live_setup

ip netns exec "$NS_CAP" "$TW" -i "$IF_CAP" --alerts "$WORK/alerts.ndjson" --alerts-format ecs \
    --sensor-name live-test --report-every 1s -T json >/dev/null 2>"$WORK/live.err" &
TW_PID=$!
TW_LIVE_PIDS+=("$TW_PID")
live_wait_capturing 1
kill -0 "$TW_PID" 2>/dev/null || { echo "FAIL: trustwire -i exited early:"; cat "$WORK/live.err"; exit 1; }
live_replay "$CAPTURE"
sleep 1.5
live_stop "$TW_PID"

"$TW" -r "$CAPTURE" --alerts "$WORK/file.ndjson" --alerts-format ecs -T json >/dev/null 2>"$WORK/file.err"
fails=0
python3 "$ROOT/tests/ecs/validate-ecs.py" --docs "$WORK/alerts.ndjson" alert metric || fails=$((fails + 1))
python3 - "$WORK" <<'PY' || fails=$((fails + 1))
import json, sys
w = sys.argv[1]
live = [json.loads(l) for l in open(f"{w}/alerts.ndjson")]
filed = [json.loads(l) for l in open(f"{w}/file.ndjson")]
# A replay stamps frames with the time they are sent while the DC's KRB-ERROR stime stays at
# the recording time: live, the DC looks as far off as the capture is old (test-live-service.sh
# leaves that finding out of its comparison too).
def replay_artifact(d):
    return d.get("rule", {}).get("name") == "clock-skew" and "domain controller" in d.get("message", "")
live = [d for d in live if not replay_artifact(d)]
ids = lambda ds: {d["event"]["id"] for d in ds if d["event"]["kind"] == "alert"}
for d in live:
    if d["event"]["kind"] == "alert" and d["trustwire"].get("may_have_missed_packets") is not False:
        print(f"FAIL: live alert {d['event']['id']} does not say no packet was lost")
        sys.exit(1)
if ids(live) != ids(filed) or not ids(filed):
    print(f"FAIL: live findings {sorted(ids(live))} != file findings {sorted(ids(filed))}")
    sys.exit(1)
if any(d["observer"]["name"] != "live-test" for d in live):
    print("FAIL: observer.name is not the --sensor-name")
    sys.exit(1)
caps = [d for d in live if d["event"]["kind"] == "metric"]
print(f"live ECS alerts stream: {len(ids(live))} findings as the file gives, {len(caps)} capture records, "
      f"last received {caps[-1]['trustwire']['capture']['received'] if caps else '?'}")
PY
[ "$fails" = 0 ] || { sed -n 's/^/live stderr: /p' "$WORK/live.err"; exit 1; }
echo "OK: live --alerts-format ecs"
