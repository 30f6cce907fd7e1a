#!/usr/bin/env bash
# bench/live.sh — live capture losses: the office mix replayed with tcpreplay
# onto a veth pair between two network namespaces this script creates, while
# `trustwire -i` captures on the other end; prints, per replay rate, the
# packets sent, received and dropped (kernel, interface) and the highest rate
# with no drop.
#
#   bench/live.sh [RATE_MBPS…]      default: 100 200 400 600 800 1000 topspeed
#
# Environment: BUILD_DIR (default build), TW (a trustwire binary, default
# $BUILD_DIR/trustwire), TW_ARGS (extra options, e.g. "-B 2 -s 2048"),
# WORKERS (passed as --workers N when set; default: trustwire's, one per processor), SIZE (office mix in MiB, default
# 128: 158,179 frames), CLIENTS (client machines in the mix, as bench/run.sh),
# LOOPS (replay the capture N times per rate, peak RSS sampled every second
# and printed: the soak figure), BENCH_OUT (default bench/out).  Root only; nothing
# leaves the two namespaces (no addresses, no routes, IPv6 off).  The last
# lines: the highest rate tcpreplay reached with no drop, and the lowest with
# drops (both by the rate reached, not the one asked).
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "bench/live.sh: needs root (network namespaces)" >&2; exit 1; }
for c in ip tcpreplay python3; do
    command -v $c >/dev/null || { echo "bench/live.sh: $c is not installed" >&2; exit 1; }
done
BUILD=${BUILD_DIR:-build}
OUT=${BENCH_OUT:-bench/out}
SIZE=${SIZE:-128}
mkdir -p "$OUT"
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" trustwire bench/gen-capture >/dev/null
TW=${TW:-$BUILD/trustwire}
CAP=$OUT/mixed-${SIZE}m${CLIENTS:+-${CLIENTS}c}.pcap
if [ ! -s "$CAP" ] || [ "$BUILD/bench/gen-capture" -nt "$CAP" ]; then
    "$BUILD/bench/gen-capture" -s "$SIZE" -m mixed ${CLIENTS:+-c "$CLIENTS"} -o "$CAP" -t "${CAP%.pcap}.truth.json"
fi
LOOPS=${LOOPS:-1}
FRAMES=$(python3 - "$CAP" <<'PY'
import struct, sys
f = open(sys.argv[1], "rb"); h = f.read(24)
e = "<" if h[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
n = 0
while True:
    r = f.read(16)
    if len(r) < 16: break
    f.seek(struct.unpack(e + "IIII", r)[2], 1); n += 1
print(n)
PY
)
RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(100 200 400 600 800 1000 topspeed)

ID=$$
NS_CAP=twbench-cap-$ID NS_REP=twbench-rep-$ID
IF_CAP=twbc$((ID % 10000000)) IF_REP=twbr$((ID % 10000000))
WORK=$(mktemp -d /tmp/twbench.XXXXXX)
TW_PID=
cleanup() {
    [ -n "$TW_PID" ] && kill -INT "$TW_PID" 2>/dev/null
    ip netns del "$NS_CAP" 2>/dev/null || true
    ip netns del "$NS_REP" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$NS_CAP"
ip netns add "$NS_REP"
ip link add "$IF_CAP" netns "$NS_CAP" type veth peer name "$IF_REP" netns "$NS_REP"
for pair in "$NS_CAP $IF_CAP" "$NS_REP $IF_REP"; do
    set -- $pair
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$1" link set "$2" mtu 9000
    command -v ethtool >/dev/null && ip netns exec "$1" ethtool -K "$2" rx off tx off tso off gso off gro off >/dev/null 2>&1 || true
    ip -n "$1" link set "$2" up
done

echo "capture: $CAP ($FRAMES frames); trustwire: $TW ${TW_ARGS:-} ${WORKERS:+--workers $WORKERS}"
printf '%-9s %9s %9s %9s %9s %9s %8s\n' rate_mbps actual sent received kdrop ifdrop cpu_s
best=none best_mbps=0 lossy=none lossy_mbps=0
for rate in "${RATES[@]}"; do
    # shellcheck disable=SC2086
    ip netns exec "$NS_CAP" "$TW" -i "$IF_CAP" -T json ${TW_ARGS:-} ${WORKERS:+--workers $WORKERS} >/dev/null 2>"$WORK/tw.err" &
    TW_PID=$!
    for _ in $(seq 50); do
        [ "$(ip netns exec "$NS_CAP" cat /proc/net/packet | wc -l)" -gt 1 ] && break
        sleep 0.1
    done
    sleep 0.3
    if [ "$rate" = topspeed ]; then ropt=--topspeed; else ropt=--mbps=$rate; fi
    : >"$WORK/rss"
    ( while kill -0 "$TW_PID" 2>/dev/null; do
          awk '/^VmRSS:/ {print $2}' "/proc/$TW_PID/status" >>"$WORK/rss" 2>/dev/null; sleep 1
      done ) &
    RSS_PID=$!
    ip netns exec "$NS_REP" tcpreplay -i "$IF_REP" "$ropt" --loop="$LOOPS" "$CAP" >"$WORK/replay.log" 2>&1
    sleep 1.5
    # CPU time (user + system) of trustwire, from /proc before it stops
    cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$TW_PID/stat")
    kill -INT "$TW_PID"
    wait "$TW_PID" || true
    TW_PID=
    wait "$RSS_PID" 2>/dev/null || true
    if [ "$LOOPS" -gt 1 ]; then
        python3 - "$WORK/rss" <<'PY'
import sys
v = [int(x) for x in open(sys.argv[1]) if x.strip()]
if v:
    q = len(v) // 4
    warm = v[q:] or v
    print(f"  RSS KiB over {len(v)} s: first {v[0]}, after warm-up (first quarter) min {min(warm)} max {max(warm)}, "
          f"peak {max(v)}; growth after warm-up {100 * (max(warm) - min(warm)) / min(warm):.1f} %")
PY
    fi
    actual=$(sed -n 's/.*Rated: [0-9.]* Bps, \([0-9.]*\) Mbps.*/\1/p' "$WORK/replay.log" | head -1)
    sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$WORK/replay.log" | head -1)
    line=$(grep 'packets received' "$WORK/tw.err" | tail -1)
    recv=$(echo "$line" | sed -n 's/.*: \([0-9]*\) packets received.*/\1/p')
    kdrop=$(echo "$line" | sed -n 's/.* \([0-9]*\) dropped by the kernel.*/\1/p')
    ifdrop=$(echo "$line" | sed -n 's/.* \([0-9]*\) dropped by the interface.*/\1/p')
    printf '%-9s %9s %9s %9s %9s %9s %8s\n' "$rate" "${actual:-?}" "${sent:-?}" "${recv:-?}" \
        "${kdrop:-?}" "${ifdrop:-?}" "$cpu"
    if [ "${kdrop:-1}" = 0 ] && [ "${ifdrop:-1}" = 0 ] && [ "${sent:-0}" = "$((FRAMES * LOOPS))" ]; then
        # the rate tcpreplay reached, not the one asked: topspeed varies with the load
        if [ "$best" = none ] || python3 -c "import sys; sys.exit(not float('${actual:-0}') > float('$best_mbps'))"; then
            best="$rate (${actual} Mbit/s)"
            best_mbps=${actual:-0}
        fi
    elif [ "$lossy" = none ] || python3 -c "import sys; sys.exit(not float('${actual:-0}') < float('$lossy_mbps'))"; then
        lossy="$rate (${actual} Mbit/s: ${kdrop:-?} kernel, ${ifdrop:-?} interface drops)"
        lossy_mbps=${actual:-0}
    fi
done
echo "highest lossless rate: $best"
echo "lowest rate with drops: $lossy"
