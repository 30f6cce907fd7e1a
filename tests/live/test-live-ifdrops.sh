#!/bin/bash
# test-live-ifdrops.sh — packets the interface dropped (pcap_stats ps_ifdrop)
# reach the capture records, the health of the verdict and the exit status.
#
# Usage: test-live-ifdrops.sh TRUSTWIRE SOURCE_ROOT [WORKERS]
#
# A veth has no hardware drop counters, so this test gives it one: in a
# mount namespace of its own, a file of the test is bind-mounted over
# /sys/class/net/IF/statistics/rx_missed_errors, the counter libpcap reads
# for ps_ifdrop (in promiscuous mode, since the capture was opened).  The
# counter starts at 100 (not a drop of this run), goes to 105 while the
# capture runs and to 112 before it stops, while pcaps/02-stale-password.pcap
# is replayed.  Then:
#   (a) the alerts' capture records say if_drops 5 in the interval that saw
#       them, 12 in all at the end, and lossless false;
#   (b) the final -T json report's health lists the 12 drops (source
#       "dropped" 12, the "drops" issue) and its exit status says evidence
#       was lost (1: the broken machine is still found);
#   (c) with WORKERS > 1 (several sockets in one fan-out group, all reading
#       the same interface counter) the interface's drops are counted once,
#       not once per socket.
# Skips (exit 77) when not root, when namespaces cannot be made, or when
# unshare/mount cannot make the private mount namespace.
set -u

TW=${1:?usage: test-live-ifdrops.sh TRUSTWIRE SOURCE_ROOT [WORKERS]}
ROOT=${2:?usage: test-live-ifdrops.sh TRUSTWIRE SOURCE_ROOT [WORKERS]}
WORKERS=${3:-1}
CAPTURE=$ROOT/pcaps/02-stale-password.pcap

. "$(dirname "$0")/lib.sh"

live_require
command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
[ -r "$CAPTURE" ] || skip "capture $CAPTURE is not readable"
live_setup

COUNTER=$WORK/rx_missed_errors
echo 100 >"$COUNTER"
SYSF=/sys/class/net/$IF_CAP/statistics/rx_missed_errors
ip netns exec "$NS_CAP" unshare -m sh -c "mount --bind '$COUNTER' '$SYSF' && cat '$SYSF'" >"$WORK/probe" 2>&1
[ "$(cat "$WORK/probe")" = 100 ] || skip "cannot bind-mount over $SYSF: $(cat "$WORK/probe")"

# exec all the way down: $! is trustwire's PID
ip netns exec "$NS_CAP" unshare -m sh -c "mount --bind '$COUNTER' '$SYSF' && exec '$TW' -i '$IF_CAP' \
    --workers $WORKERS -T json --alerts '$WORK/alerts.ndjson' --report-every 1s" \
    >"$WORK/live.json" 2>"$WORK/live.err" &
TW_PID=$!
TW_LIVE_PIDS+=("$TW_PID")
live_wait_capturing "$WORKERS"
kill -0 "$TW_PID" 2>/dev/null || { echo "FAIL: trustwire -i exited early:"; cat "$WORK/live.err"; exit 1; }

echo 105 >"$COUNTER"
live_replay "$CAPTURE"
sleep 1.5 # a periodic record sees the first 5
echo 112 >"$COUNTER"
sleep 0.3
live_stop "$TW_PID"
RC=$LIVE_RC
sed -n 's/^/live stderr: /p' "$WORK/live.err"

python3 - "$WORK" "$RC" <<'PY'
import json, sys
work, rc = sys.argv[1], int(sys.argv[2])
bad = []
recs = [json.loads(l) for l in open(f"{work}/alerts.ndjson") if l.strip()]
caps = [r for r in recs if r.get("record") == "capture"]
print("capture records (why, if_drops, interval_if_drops):",
      [(c["why"], c["if_drops"], c["interval_if_drops"]) for c in caps])
if not caps or caps[-1]["why"] != "final":
    bad.append("no final capture record")
else:
    fin = caps[-1]
    if fin["if_drops"] != 12:
        bad.append(f"final if_drops {fin['if_drops']}, expected 12 (112 - 100 at open)")
    if fin["lossless"] is not False:
        bad.append("final capture record says lossless with 12 interface drops")
    if fin["kernel_drops"] != 0:
        bad.append(f"{fin['kernel_drops']} kernel drops at 400 packets/s")
    if sum(c["interval_if_drops"] for c in caps) != 12:
        bad.append("the intervals' interface drops do not add up to 12")
    if not any(c["interval_if_drops"] == 5 for c in caps):
        bad.append("no interval record with the first 5 interface drops")
    if caps[0]["if_drops"] not in (0, 5):
        bad.append(f"first record if_drops {caps[0]['if_drops']}: the 100 before the capture counted")
# periodic reports, then the final one: the last JSON document is the final report
text, docs, i = open(f"{work}/live.json").read(), [], 0
dec = json.JSONDecoder()
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    d, i = dec.raw_decode(text, i)
    docs.append(d)
print(f"{len(docs)} JSON reports on stdout (periodic, then final)")
doc = docs[-1] if docs else {}
h = doc.get("health", {})
srcs = [s for s in doc.get("sources", h.get("sources", [])) if s.get("kind") == "live"]
print("live sources:", srcs)
if not srcs or srcs[0].get("dropped") != 12:
    bad.append(f"the report's live source does not say 12 dropped: {srcs}")
issues = json.dumps(h)
if "12 packets were dropped" not in issues:
    bad.append("the health section has no drops issue for the 12 packets: " + issues[:600])
if rc != 1:
    bad.append(f"exit status {rc}, expected 1 (a broken machine, found despite the drops)")
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
PY
st=$?
[ $st = 0 ] && echo "OK: interface drops counted once, in the records, the health and the verdict ($WORKERS worker(s))"
exit $st
