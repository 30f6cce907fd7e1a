#!/usr/bin/env bash
# bench/floods.sh — peak RSS of trustwire on captures made to grow its memory
# with the input (bench/gen-floods.c; one per memory budget of core/tw-limits.h).
#
#   bench/floods.sh [SIZE_MIB] [KIND...]     default 64 MiB each, every kind
#
# Environment: BUILD_DIR (default build), TW (binary; default
# $BUILD_DIR/trustwire, e.g. TW=/path/to/older/trustwire to compare),
# FLOODS_OUT (default bench/out/floods, gitignored; captures are cached
# there until the generator changes).
#
# For each flood: trustwire -S -T events and -S -T report under
# /usr/bin/time -v; prints file size, peak RSS, wall time, and the eviction
# counters (-S prints counters on stderr).  A benchmark, not a test: no
# timing is asserted anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-64}
shift || true
KINDS=("$@")
[ ${#KINDS[@]} -gt 0 ] || KINDS=(tcp-ooo dcerpc-frag smb2-prefix dcerpc-prefix dcerpc-conns smb2-sessions)
BUILD=${BUILD_DIR:-build}
OUT=${FLOODS_OUT:-bench/out/floods}
mkdir -p "$OUT"
[ -x /usr/bin/time ] || { echo "floods: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD"
ninja -C "$BUILD" trustwire bench/gen-floods >/dev/null
TW=${TW:-$BUILD/trustwire}
GEN=$BUILD/bench/gen-floods

# Counters that say what a budget or cap evicted or dropped.
EVICT_RE='evict|budget|_cap|ooo|dropped|skipped|suppressed|limit|too_large|abandoned|flows\.created'

printf '%-14s %-7s %9s %9s %8s  %s\n' flood mode file_MiB rss_MiB wall_s counters
for k in "${KINDS[@]}"; do
    cap=$OUT/$k-${SIZE}m.pcap
    if [ ! -f "$cap" ] || [ "$cap" -ot "$GEN" ]; then
        "$GEN" "$k" "$SIZE" "$cap"
    fi
    fsize=$(( $(stat -c %s "$cap") / 1048576 ))
    for mode in events report; do
        log=$OUT/$k-${SIZE}m.$mode.time
        /usr/bin/time -v "$TW" -S -T "$mode" -r "$cap" >/dev/null 2>"$log" || true
        rss=$(awk -F: '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
        wall=$(awk '/Elapsed \(wall clock\)/ {n=split($NF,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; printf "%.1f", s}' "$log")
        ctr=$(grep -E "^[a-z0-9_.]+ +[0-9]+$" "$log" | grep -E "$EVICT_RE" | awk '{printf "%s=%s ", $1, $2}')
        printf '%-14s %-7s %9s %9s %8s  %s\n' "$k" "$mode" "$fsize" "$rss" "$wall" "$ctr"
    done
done
