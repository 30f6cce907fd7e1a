#!/bin/bash
# test-live-fanout.sh — live --workers: how the PACKET_FANOUT group splits
# the traffic, and `-i --workers 2` finds what `-r` finds.
#
# Usage: test-live-fanout.sh TRUSTWIRE SOURCE_ROOT FANOUT_CHECK
#
# In namespaces this test creates (lib.sh):
#   (a) a capture made for it (make-fanout-capture.py: 160 IPv4 clients with
#       4 servers, UDP datagrams in 2-3 fragments, every 8th sent last
#       fragment first, TCP connections both ways; 32 IPv6 clients with
#       fragmented UDP) is replayed into a 2-socket fan-out group with our
#       classic-BPF program (fanout-check, the code trustwire uses): every
#       address pair, every flow (both directions) and every fragmented
#       datagram reached one socket only, each socket got at least a
#       quarter of the frames, and no frame was lost or doubled;
#   (b) the same with the kernel's PACKET_FANOUT_HASH, for comparison: its
#       splits are counted and printed, not asserted (its flow hash takes
#       the ports of whole packets and not of fragments, so an address
#       pair's connections and its fragmented datagrams part);
#   (c) lab captures replayed into `trustwire -i --workers 2 --alerts`
#       give the same findings as `trustwire -r --alerts` on the file
#       (frame numbers and times aside: with several workers, frames are
#       numbered in the order the workers take them), each says no packet
#       was lost, both workers dissected frames over the captures, and the
#       capture statistics count every replayed frame once; on the first,
#       with -Z nobody, every thread runs as nobody with no capability
#       while capturing, and SIGUSR1 makes a report.
# Skips (exit 77) when not root or when namespaces cannot be made.
set -u

TW=${1:?usage: test-live-fanout.sh TRUSTWIRE SOURCE_ROOT FANOUT_CHECK}
ROOT=${2:?usage: test-live-fanout.sh TRUSTWIRE SOURCE_ROOT FANOUT_CHECK}
CHECK=${3:?usage: test-live-fanout.sh TRUSTWIRE SOURCE_ROOT FANOUT_CHECK}
HERE=$(dirname "$0")

. "$HERE/lib.sh"

live_require
live_setup
fails=0

python3 "$HERE/make-fanout-capture.py" "$WORK/fanout.pcap" >"$WORK/frames"
FRAMES=$(cat "$WORK/frames")

for MODE in 0 1; do
    ip netns exec "$NS_CAP" "$CHECK" "$IF_CAP" 2 $MODE "$FRAMES" >"$WORK/split$MODE.txt" 2>"$WORK/split$MODE.err" &
    PID=$!
    TW_LIVE_PIDS+=("$PID")
    live_wait_capturing 2
    ip netns exec "$NS_REP" tcpreplay -q -i "$IF_REP" --pps=4000 "$WORK/fanout.pcap" >"$WORK/replay.log" 2>&1 \
        || { echo "FAIL: tcpreplay:"; cat "$WORK/replay.log"; exit 1; }
    for _ in $(seq 30); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PID" 2>/dev/null && live_stop "$PID" || wait "$PID"
    cat "$WORK/split$MODE.err"
done

python3 - "$WORK" "$FRAMES" <<'PY' || fails=$((fails + 1))
import collections, sys
work, frames = sys.argv[1], int(sys.argv[2])
bad = []
for mode, name in ((0, "symmetric address-pair program (PACKET_FANOUT_CBPF)"), (1, "kernel flow hash (PACKET_FANOUT_HASH)")):
    lines = [l.split() for l in open(f"{work}/split{mode}.txt") if l.strip()]
    per_socket = collections.Counter(l[0] for l in lines)
    pairs, flows, dgrams = collections.defaultdict(set), collections.defaultdict(set), collections.defaultdict(set)
    for sock, ver, src, dst, proto, ident, frag, sport, dport in lines:
        pair = tuple(sorted((src, dst)))
        pairs[pair].add(sock)
        if frag == "1":
            dgrams[(ver, src, dst, proto, ident)].add(sock)
        else:
            flows[(proto,) + tuple(sorted(((src, sport), (dst, dport))))].add(sock)
    split = lambda d: sum(1 for v in d.values() if len(v) > 1)
    print(f"{name}: {len(lines)} of {frames} frames, per socket {dict(sorted(per_socket.items()))}; split: "
          f"{split(pairs)} of {len(pairs)} address pairs, {split(flows)} of {len(flows)} flows (both directions), "
          f"{split(dgrams)} of {len(dgrams)} fragmented datagrams")
    if mode == 0:
        if len(lines) != frames:
            bad.append(f"{name}: {len(lines)} frames seen, {frames} replayed (lost or doubled)")
        if split(pairs) or split(flows) or split(dgrams):
            bad.append(f"{name} split traffic that belongs together")
        if len(per_socket) != 2 or min(per_socket.values()) < frames // 4:
            bad.append(f"{name}: uneven split {dict(per_socket)}")
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
PY

# (c) -i --workers 2 against -r
CAPS=("$ROOT"/pcaps/10-mixed.pcap "$ROOT"/pcaps/07-cloned.pcap "$ROOT"/pcaps/08-zerologon.pcap
      "$ROOT"/pcaps/02-stale-password.pcap)
n=0
for CAPTURE in "${CAPS[@]}"; do
    [ -r "$CAPTURE" ] || continue
    n=$((n + 1))
    D=$WORK/cmp$n
    mkdir -p "$D"
    ZOPT=()
    [ $n = 1 ] && getent passwd nobody >/dev/null && ZOPT=(-Z nobody) && chmod 755 "$WORK" "$D"
    ip netns exec "$NS_CAP" "$TW" -i "$IF_CAP" --workers 2 "${ZOPT[@]}" --alerts "$D/live.ndjson" -S \
        >"$D/report.txt" 2>"$D/live.err" &
    PID=$!
    TW_LIVE_PIDS+=("$PID")
    live_wait_capturing 2
    if [ ${#ZOPT[@]} -gt 0 ]; then
        # every thread (the capture workers start after the drop) as nobody, no capability
        for t in /proc/$PID/task/*; do
            eff=$(awk '/^CapEff:/ {print $2}' "$t/status")
            prm=$(awk '/^CapPrm:/ {print $2}' "$t/status")
            uid=$(awk '/^Uid:/ {print $2}' "$t/status")
            if [ "$eff$prm" != 00000000000000000000000000000000 ] || [ "$uid" != "$(id -u nobody)" ]; then
                echo "FAIL: -Z nobody --workers 2: thread $(basename "$t") uid $uid CapEff $eff CapPrm $prm"
                fails=$((fails + 1))
            fi
        done
        echo "-Z nobody --workers 2: $(ls /proc/$PID/task | wc -l) threads checked while capturing"
    fi
    live_replay "$CAPTURE"
    sleep 1
    if [ ${#ZOPT[@]} -gt 0 ]; then
        kill -USR1 "$PID"
        for _ in $(seq 30); do grep -q 'SIGUSR1 report' "$D/report.txt" && break; sleep 0.1; done
        grep -q 'SIGUSR1 report' "$D/report.txt" || { echo "FAIL: --workers 2: no SIGUSR1 report"; fails=$((fails + 1)); }
    fi
    live_stop "$PID"
    "$TW" -r "$CAPTURE" --alerts "$D/file.ndjson" -q >/dev/null 2>&1
    python3 - "$D" "$CAPTURE" "$(capinfos -c "$CAPTURE" 2>/dev/null | awk '/Number of packets/ {print $NF}')" <<'PY' \
        || fails=$((fails + 1))
import json, os, re, sys
d, capture, frames = sys.argv[1], sys.argv[2], sys.argv[3]
bad = []
TIMES = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z?")
LIVE_ONLY = {"capture_drops_before", "may_have_missed_packets"}
def replay_artifact(r):
    # the replay re-stamps frames; the DC's clock inside its replies does not move
    return r.get("rule") == "clock-skew" and "domain controller" in r.get("summary", "")
def findings(path, live):
    out = []
    for l in open(path):
        r = json.loads(l)
        if "record" in r or (live and replay_artifact(r)):
            continue
        if live and r.get("may_have_missed_packets") is not False:
            bad.append(f"live finding does not say no packet was lost: {r}")
        out.append(json.dumps({k: TIMES.sub("T", v) if isinstance(v, str) else v for k, v in r.items()
                               if k not in LIVE_ONLY and not k.endswith(("_ts", "_frame"))}, sort_keys=True))
    return sorted(out)
f, l = findings(f"{d}/file.ndjson", False), findings(f"{d}/live.ndjson", True)
err = open(f"{d}/live.err").read()
w = {int(k): int(v) for k, v in re.findall(r"^fanout\.worker(\d)\.frames\s+(\d+)$", err, re.M)}
st = re.search(r"(\d+) packets received, (\d+) dropped by the kernel, (\d+) dropped by the interface", err)
print(f"{os.path.basename(capture)}: findings file {len(f)}, live --workers 2 {len(l)}; frames per worker {w}; "
      f"capture statistics {st.group(0) if st else None} ({frames} frames replayed)")
if not f:
    bad.append("the capture gives no finding to compare")
if f != l:
    bad.append("live --workers 2 findings differ from -r:\n    file: " + "\n    file: ".join(f) +
               "\n    live: " + "\n    live: ".join(l))
if "in 2 fan-out sockets" not in err:
    bad.append("the start line does not say the capture is on 2 fan-out sockets")
if not st or (frames and int(st.group(1)) != int(frames)) or int(st.group(2)):
    bad.append(f"capture statistics {st.group(0) if st else 'missing'}, {frames} frames replayed")
if sum(w.values()) != int(frames or 0):
    bad.append(f"the workers dissected {sum(w.values())} frames, {frames} were replayed")
with open(f"{d}/workers", "w") as o:
    o.write(" ".join(str(w.get(i, 0)) for i in (0, 1)) + "\n")
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
PY
done
python3 - "$WORK" <<'PY' || fails=$((fails + 1))
import glob, sys
tot = [0, 0]
for p in glob.glob(f"{sys.argv[1]}/cmp*/workers"):
    a, b = map(int, open(p).read().split())
    tot[0] += a
    tot[1] += b
print(f"frames per worker over the lab captures: {tot}")
if not all(tot):
    print("FAIL: one worker dissected nothing: the comparison did not exercise the fan-out")
    sys.exit(1)
PY
[ $fails = 0 ] || exit 1
echo "OK: the fan-out keeps address pairs, flows and fragments together, and --workers 2 finds what -r finds"
