#!/usr/bin/env bash
# bench/run.sh — trustwire against tshark on the same large capture, same facts.
#
#   bench/run.sh [SIZE_MIB]        default 1024 (a 1 GiB capture)
#
# Environment: BUILD_DIR (default build), BENCH_OUT (default bench/out,
# gitignored), TSHARK=0 to skip tshark (trustwire numbers only), CLIENTS=N
# client machines in the capture (default 4000, at most 60000), REPEAT=N,
# MIX=dc for a capture of a domain controller's port (nearly all Kerberos,
# SMB2 and DCE/RPC) instead of the default office mix.
#
# Steps: build trustwire and bench/gen-capture; generate the capture (cached
# in BENCH_OUT until the generator changes) with its ground truth; read it
# once to warm the page cache; then run, one after the other, under
# /usr/bin/time -v:
#   trustwire --workers 1 -T events -r CAP > events.ndjson (the facts, as NDJSON)
#   trustwire --workers 2 -T events -r CAP > events-w2.ndjson (must be the same bytes)
#   trustwire --workers 1 -T events -Y 'proto == "kerberos"' -r CAP > krb.ndjson
#                                                    (tshark's display filter; also --workers 2)
#   trustwire -T events -r CAP   > /dev/null
#   trustwire -r CAP             > /dev/null         (default output)
#   tshark -r CAP -Y kerberos -T fields -e frame.number -e kerberos.msg_type
#       -e kerberos.error_code -e kerberos.CNameString -e kerberos.realm
#       -e kerberos.SNameString > tshark.tsv        (the same facts)
# and print wall time, MB/s, peak RSS of each, the speed ratio, and the
# Kerberos message counts of both tools against the generator's truth.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${1:-1024}
OUT=${BENCH_OUT:-bench/out}
BUILD=${BUILD_DIR:-build}
mkdir -p "$OUT"

[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD"
fi
# The build users get from tools/setup.sh: profile-guided, trained on pcaps/
# (tools/pgo-build.sh; TW_PGO=0 measures a plain build).
bash tools/pgo-build.sh "$BUILD" >/dev/null
ninja -C "$BUILD" trustwire bench/gen-capture bench/vcpu-pingpong >/dev/null
PGO=$(meson introspect "$BUILD" --buildoptions | python3 -c \
    'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "b_pgo"))')
echo "bench: $BUILD/trustwire, b_pgo=$PGO" >&2
TW=$BUILD/trustwire
GEN=$BUILD/bench/gen-capture
PINGPONG=$BUILD/bench/vcpu-pingpong

MIX=${MIX:-mixed}
NAME=$MIX-${SIZE}m${CLIENTS:+-${CLIENTS}c}
CAP=$OUT/$NAME.pcap
TRUTH=$OUT/$NAME.truth.json
if [ ! -s "$CAP" ] || [ ! -s "$TRUTH" ] || [ "$GEN" -nt "$CAP" ]; then
    echo "bench: generating $CAP (${SIZE} MiB target)…" >&2
    t0=$(date +%s.%N)
    "$GEN" -s "$SIZE" -m "$MIX" ${CLIENTS:+-c "$CLIENTS"} -o "$CAP" -t "$TRUTH"
    t1=$(date +%s.%N)
    echo "bench: generated in $(python3 -c "print(round($t1 - $t0, 1))") s" >&2
fi
BYTES=$(stat -c %s "$CAP")
RUN=$OUT/run-$NAME # this capture's timings and outputs
rm -rf "$RUN"
mkdir -p "$RUN"
cat "$CAP" >/dev/null # page cache: both tools read from memory

REPEAT=${REPEAT:-5} # trustwire runs are short: repeat them, report the median
run() { # label, repeats, expected-ok exit codes ("0" or "0 1"), output file, command…
    local label=$1 reps=$2 ok=$3 out=$4
    shift 4
    echo "bench: $label: $*" >&2
    for ((i = 1; i <= reps; i++)); do
        local rc=0
        # How far apart the two vCPUs are just before this run (vcpu-pingpong.c).
        "$PINGPONG" >"$RUN/$label.rt.$i" 2>/dev/null || rm -f "$RUN/$label.rt.$i"
        /usr/bin/time -v -o "$RUN/$label.time.$i" "$@" >"$out" 2>"$RUN/$label.stderr" || rc=$?
        case " $ok " in
            *" $rc "*) ;;
            *) echo "bench: $label exited $rc (see $RUN/$label.stderr)" >&2; tail -5 "$RUN/$label.stderr" >&2 ;;
        esac
    done
}

run tw-events-file "$REPEAT" "0" "$RUN/events.ndjson" "$TW" --workers 1 -T events -r "$CAP"
run tw-events-file-w2 "$REPEAT" "0" "$RUN/events-w2.ndjson" "$TW" --workers 2 -T events -r "$CAP"
# tshark's question exactly: the same display filter (-Y kerberos), the Kerberos facts to a
# file; both tools still dissect every packet (trustwire's analysis sees every event).
run tw-krb-file "$REPEAT" "0" "$RUN/krb.ndjson" "$TW" --workers 1 -T events -Y 'proto == "kerberos"' -r "$CAP"
run tw-krb-file-w2 "$REPEAT" "0" "$RUN/krb-w2.ndjson" "$TW" --workers 2 -T events -Y 'proto == "kerberos"' -r "$CAP"
run tw-events "$REPEAT" "0" /dev/null "$TW" -T events -r "$CAP"
run tw-report "$REPEAT" "0 1" /dev/null "$TW" -r "$CAP"
# --workers: the same runs on 1, 2, … threads (WORKERS_LIST="", none).
for n in ${WORKERS_LIST-1 2}; do
    run "tw-events-w$n" "$REPEAT" "0" /dev/null "$TW" --workers "$n" -T events -r "$CAP"
    run "tw-report-w$n" "$REPEAT" "0 1" /dev/null "$TW" --workers "$n" -r "$CAP"
done
if [ "${TSHARK:-1}" != 0 ]; then
    run tshark 1 "0" "$RUN/tshark.tsv" tshark -r "$CAP" -Y kerberos -T fields -e frame.number \
        -e kerberos.msg_type -e kerberos.error_code -e kerberos.CNameString -e kerberos.realm \
        -e kerberos.SNameString
fi

python3 - "$RUN" "$BYTES" "$TRUTH" <<'PY' | tee "$RUN/results.txt"
import json, os, re, sys
from collections import Counter
out, size, truth_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
truth = json.load(open(truth_path))

def timing(label):
    runs = []
    i = 1
    while os.path.exists(os.path.join(out, f"{label}.time.{i}")):
        runs.append(timing1(open(os.path.join(out, f"{label}.time.{i}")).read()))
        i += 1
    if not runs:
        return None
    runs.sort()
    wall, _, cpu = runs[len(runs) // 2]          # median wall time
    return wall, max(r[1] for r in runs), cpu  # worst peak RSS

def timing1(t):
    m = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", t)
    wall = (int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))) if m else float("nan")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", t).group(1))
    sysm = float(re.search(r"System time \(seconds\): ([\d.]+)", t).group(1))
    return wall, rss, user + sysm

mb = size / 1e6
print(f"capture: {size} bytes ({size / 2**20:.0f} MiB), {truth['packets']} packets, "
      f"{truth['tcp_flows']} TCP connections, {truth['udp_flows']} UDP flows, "
      f"{truth['client_hosts']} client hosts, {truth['kerberos_messages']} Kerberos messages "
      f"(udp {truth['kerberos_udp']}, tcp {truth['kerberos_tcp']})")
print(f"{'run':<16} {'wall s':>8} {'cpu s':>8} {'MB/s':>9} {'peak RSS MiB':>13}")
res = {}
for label in ("tw-events-file", "tw-events-file-w2", "tw-krb-file", "tw-krb-file-w2", "tw-events", "tw-report", "tshark"):
    r = timing(label)
    if r is None:
        continue
    res[label] = r
    wall, rss, cpu = r
    print(f"{label:<16} {wall:8.2f} {cpu:8.2f} {mb / wall if wall else float('inf'):9.1f} {rss / 1024:13.1f}")
if "tshark" in res and "tw-events-file" in res:
    ratio = res["tshark"][0] / res["tw-events-file"][0]
    cratio = res["tshark"][2] / res["tw-events-file"][2]
    print(f"speed ratio trustwire/tshark (events to a file vs fields to a file): {ratio:.1f}x wall, "
          f"{cratio:.1f}x CPU  (target >= 50x)")
    if "tw-events-file-w2" in res:
        print(f"speed ratio with --workers 2 (events to a file): {res['tshark'][0] / res['tw-events-file-w2'][0]:.1f}x wall, "
              f"{res['tshark'][2] / res['tw-events-file-w2'][2]:.1f}x CPU")
        # Every run, with the two vCPUs' cache-line round trip measured just before it
        # (bench/vcpu-pingpong.c): two threads of one process slow down when the host
        # puts the vCPUs far apart; the median above mixes both placements.
        i, each = 1, []
        while os.path.exists(os.path.join(out, f"tw-events-file-w2.time.{i}")):
            w, _, c = timing1(open(os.path.join(out, f"tw-events-file-w2.time.{i}")).read())
            rtp = os.path.join(out, f"tw-events-file-w2.rt.{i}")
            rt = open(rtp).read().strip() if os.path.exists(rtp) else "?"
            each.append(f"{w:.2f} s {res['tshark'][0] / w:.1f}x (CPU {c:.2f} s, vCPU round trip {rt} ns)")
            i += 1
        print("  each --workers 2 run: " + "; ".join(each))
    for label, what in (("tw-krb-file", "1 worker"), ("tw-krb-file-w2", "--workers 2")):
        if label in res:
            print(f"speed ratio, both with -Y kerberos ({what}): {res['tshark'][0] / res[label][0]:.1f}x wall, "
                  f"{res['tshark'][2] / res[label][2]:.1f}x CPU")
    if "tw-report" in res:
        print(f"speed ratio trustwire report/tshark: {res['tshark'][0] / res['tw-report'][0]:.1f}x wall, "
              f"{res['tshark'][2] / res['tw-report'][2]:.1f}x CPU")
    print(f"(load average during the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; wall times "
          "suffer when other jobs share the machine, CPU times much less)")
workers = sorted({int(m.group(1)) for f in os.listdir(out) for m in [re.match(r"tw-events-w(\d+)\.time\.1$", f)] if m})
if workers:
    print(f"--workers (wall s / CPU s / peak RSS MiB; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}):")
    base = {}
    for n in workers:
        line = f"  {n:>2} worker(s):"
        for kind in ("events", "report"):
            r = timing(f"tw-{kind}-w{n}")
            if r is None:
                continue
            base.setdefault(kind, r[0])
            line += f"  {kind} {r[0]:.2f} / {r[2]:.2f} / {r[1] / 1024:.1f} ({base[kind] / r[0]:.2f}x)"
        print(line)
if "tw-events" in res:
    print(f"trustwire peak RSS: {max(v[1] for k, v in res.items() if k != 'tshark') / 1024:.1f} MiB (target < 200 MiB)")

# Same facts?  Kerberos messages by type and error code, per tool, vs truth.
tw_types, tw_errs, tw_total, other, nl_msgs = Counter(), Counter(), 0, Counter(), Counter()
keys_seen = set()
evp = os.path.join(out, "events.ndjson")
if os.path.exists(evp):
    for line in open(evp, encoding="utf-8", errors="replace"):
        try:
            ev = json.loads(line)
        except ValueError:
            other["(unparsable line)"] += 1
            continue
        if ev.get("proto") == "netlogon":
            nl_msgs[f'{ev.get("op")} {ev.get("dir")}'] += 1
            if ev.get("dir") == "response" and ev.get("nt_status") == "0xc0000022":
                nl_msgs["STATUS_ACCESS_DENIED"] += 1
        if ev.get("proto") != "kerberos":
            other[ev.get("proto")] += 1
            continue
        tw_total += 1
        keys_seen.update(ev.keys())
        mt = ev.get("msg_type", ev.get("msg-type"))
        tw_types[str(mt)] += 1
        if "error_code" in ev:
            tw_errs[str(ev["error_code"])] += 1
ts_types, ts_errs, ts_total = Counter(), Counter(), 0
tsp = os.path.join(out, "tshark.tsv")
if os.path.exists(tsp):
    for line in open(tsp, encoding="utf-8", errors="replace"):
        f = line.rstrip("\n").split("\t")
        ts_total += 1
        # msg_type may list an inner AP-REQ too ("12,14"): the first is the message
        ts_types[f[1].split(",")[0] if len(f) > 1 else ""] += 1
        if len(f) > 2 and f[2]:
            ts_errs[f[2].split(",")[0]] += 1
ran_tshark = os.path.exists(tsp)
same = tw_total == truth["kerberos_messages"] and (not ran_tshark or ts_total == tw_total)
print(f"Kerberos messages: truth {truth['kerberos_messages']}, trustwire {tw_total}, "
      + (f"tshark {ts_total}" if ran_tshark else "tshark not run")
      + ("  -> SAME" if same else "  -> DIFFERENT"))
types = sorted(set(truth["kerberos_by_msg_type"]) | set(tw_types) | set(ts_types), key=lambda x: (len(x), x))
for t in types:
    print(f"  msg_type {t:>4}: truth {truth['kerberos_by_msg_type'].get(t, 0):7}  trustwire {tw_types.get(t, 0):7}  "
          f"tshark {ts_types.get(t, 0):7}")
for c in sorted(set(truth["kerberos_error_codes"]) | set(tw_errs) | set(ts_errs), key=lambda x: (len(x), x)):
    print(f"  error_code {c:>2}: truth {truth['kerberos_error_codes'].get(c, 0):7}  trustwire {tw_errs.get(c, 0):7}  "
          f"tshark {ts_errs.get(c, 0):7}")
if other:
    print("other trustwire events: " + ", ".join(f"{k} {v}" for k, v in other.most_common()))
nl = truth.get("netlogon_requests", {})
print(f"NETLOGON calls written: NetrServerReqChallenge {nl.get('4', 0)}, NetrServerAuthenticate3 {nl.get('26', 0)} "
      f"({truth.get('netlogon_access_denied', 0)} denied); trustwire netlogon events (requests + responses): "
      + ", ".join(f"{k} {v}" for k, v in sorted(nl_msgs.items())))
# The -Y kerberos runs must hold exactly the Kerberos lines of the unfiltered events.
if os.path.exists(evp):
    krb_lines = [l for l in open(evp, encoding="utf-8", errors="replace") if '"proto":"kerberos"' in l]
    w2 = os.path.join(out, "events-w2.ndjson")
    if os.path.exists(w2):
        print("events-w2.ndjson (--workers 2): " + ("the same bytes as events.ndjson" if open(w2, "rb").read() == open(evp, "rb").read()
              else "DIFFERENT from events.ndjson"))
    for f in ("krb.ndjson", "krb-w2.ndjson"):
        p = os.path.join(out, f)
        if os.path.exists(p):
            got = open(p, encoding="utf-8", errors="replace").readlines()
            print(f"{f}: {len(got)} lines, " + ("the same as the Kerberos lines of events.ndjson"
                  if got == krb_lines else f"DIFFERENT from the {len(krb_lines)} Kerberos lines of events.ndjson"))
if tw_total and "msg_type" not in keys_seen:
    print("note: trustwire kerberos events carry keys " + ", ".join(sorted(keys_seen)))
PY
