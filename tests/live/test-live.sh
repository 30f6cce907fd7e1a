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

skip() { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" = 0 ] || skip "live capture test needs root to create network namespaces"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
command -v tcpreplay >/dev/null || skip "tcpreplay is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
if [ -z "$CAPTURE" ]; then
    CAPTURE=$(ls "$ROOT"/pcaps/*.pcap 2>/dev/null | head -n 1)
fi
[ -n "$CAPTURE" ] && [ -r "$CAPTURE" ] || skip "no capture to replay (pcaps/*.pcap is empty)"

ID=$$
NS_CAP=twlive-cap-$ID
NS_REP=twlive-rep-$ID
IF_CAP=twlivec$((ID % 100000000))
IF_REP=twliver$((ID % 100000000))
WORK=$(mktemp -d /tmp/twlive.XXXXXX)
TW_PID=

cleanup() {
    [ -n "$TW_PID" ] && kill -INT "$TW_PID" 2>/dev/null
    ip netns del "$NS_CAP" 2>/dev/null
    ip netns del "$NS_REP" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

ip netns add "$NS_CAP" 2>"$WORK/err" || skip "cannot create a network namespace: $(cat "$WORK/err")"
ip netns add "$NS_REP" || skip "cannot create a second network namespace"
# The veth pair exists only inside the two namespaces.
ip link add "$IF_CAP" netns "$NS_CAP" type veth peer name "$IF_REP" netns "$NS_REP" \
    || skip "cannot create a veth pair"
for pair in "$NS_CAP $IF_CAP" "$NS_REP $IF_REP"; do
    set -- $pair
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" 2>/dev/null
    ip -n "$1" link set "$2" mtu 9000 2>/dev/null
    if command -v ethtool >/dev/null; then
        ip netns exec "$1" ethtool -K "$2" rx off tx off tso off gso off gro off lro off >/dev/null 2>&1
    fi
    ip -n "$1" link set "$2" up
    ip -n "$1" link set lo up
done

ip netns exec "$NS_CAP" "$TW" -i "$IF_CAP" -T events >"$WORK/live.ndjson" 2>"$WORK/live.err" &
TW_PID=$!
# Wait until the capture is open (its socket shows up), at most 5 s.
for _ in $(seq 50); do
    if ip netns exec "$NS_CAP" sh -c 'cat /proc/net/packet' 2>/dev/null | awk 'NR>1' | grep -q .; then
        break
    fi
    sleep 0.1
done
sleep 0.3
kill -0 "$TW_PID" 2>/dev/null || { echo "FAIL: trustwire -i exited early:"; cat "$WORK/live.err"; exit 1; }

ip netns exec "$NS_REP" tcpreplay -q -i "$IF_REP" --pps=400 "$CAPTURE" >"$WORK/replay.log" 2>&1 \
    || { echo "FAIL: tcpreplay:"; cat "$WORK/replay.log"; exit 1; }
sleep 1
kill -INT "$TW_PID"
wait "$TW_PID"
rc=$?
TW_PID=
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
