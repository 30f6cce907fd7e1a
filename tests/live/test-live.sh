#!/bin/bash
# test-live.sh — live capture end to end, inside network namespaces only.
#
# Usage: test-live.sh TRUSTWIRE SOURCE_ROOT [CAPTURE]
#
# Two namespaces joined by a veth pair (names start with "twlive"; nothing
# leaves them: no addresses, no routes, IPv6 off).  trustwire captures on
# one end (-i, -T events); tcpreplay sends a capture into the other end;
# SIGINT stops trustwire.  Its events must equal those of `trustwire -r` on
# the same file, except the capture time (ts) and values computed from it.
# Skips (exit 77) when not root, when namespaces cannot be made, or when no
# capture is found (the first pcaps/*.pcap by default).
set -u

TW=${1:?usage: test-live.sh TRUSTWIRE SOURCE_ROOT [CAPTURE]}
ROOT=${2:?usage: test-live.sh TRUSTWIRE SOURCE_ROOT [CAPTURE]}
CAPTURE=${3:-}

. "$(dirname "$0")/lib.sh"

live_require
if [ -z "$CAPTURE" ]; then
    CAPTURE=$(ls "$ROOT"/pcaps/*.pcap 2>/dev/null | head -n 1)
fi
[ -n "$CAPTURE" ] && [ -r "$CAPTURE" ] || skip "no capture to replay (pcaps/*.pcap is empty)"

live_setup

# one worker: frames numbered in arrival order, as -r numbers them
# (several workers: tests/live/test-live-fanout.sh)
ip netns exec "$NS_CAP" "$TW" -i "$IF_CAP" --workers 1 -T events >"$WORK/live.ndjson" 2>"$WORK/live.err" &
TW_PID=$!
TW_LIVE_PIDS+=("$TW_PID")
live_wait_capturing 1
kill -0 "$TW_PID" 2>/dev/null || { echo "FAIL: trustwire -i exited early:"; cat "$WORK/live.err"; exit 1; }

live_replay "$CAPTURE"
sleep 1
live_stop "$TW_PID"
rc=$LIVE_RC
[ "$rc" = 0 ] || { echo "FAIL: trustwire -i exited with $rc:"; cat "$WORK/live.err"; exit 1; }

"$TW" -r "$CAPTURE" -T events >"$WORK/file.ndjson" 2>"$WORK/file.err" \
    || { echo "FAIL: trustwire -r failed:"; cat "$WORK/file.err"; exit 1; }

echo "capture: $CAPTURE"
sed -n 's/^/live stderr: /p' "$WORK/live.err"
python3 - "$WORK/file.ndjson" "$WORK/live.ndjson" <<'PY'
import json, sys

# Capture time differs between the file and the replay, and so does what is
# computed from it; everything else must be identical, frame numbers included
# (the namespaces carry nothing but the replayed frames).
def is_time_key(k):
    return k == "ts" or k.endswith("time_us")

def load(path):
    out = []
    for line in open(path):
        line = line.strip()
        if line:
            ev = json.loads(line)
            out.append(json.dumps({k: v for k, v in ev.items() if not is_time_key(k)}, sort_keys=True))
    return out

file_ev, live_ev = load(sys.argv[1]), load(sys.argv[2])
print(f"events: {len(file_ev)} from the file, {len(live_ev)} live")
if not file_ev:
    print("FAIL: the capture gave no events, nothing to compare")
    sys.exit(1)
if file_ev != live_ev:
    import difflib
    for l in list(difflib.unified_diff(file_ev, live_ev, "file", "live", lineterm=""))[:40]:
        print(l[:300])
    print("FAIL: live events differ from file events")
    sys.exit(1)
print("OK: live events equal file events")
PY
