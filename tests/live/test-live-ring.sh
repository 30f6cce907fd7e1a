#!/bin/bash
# test-live-ring.sh — -w DIR keeps only the frames the dissectors used, and
# the file + frame a live finding names is the packet its evidence cites.
#
# Usage: test-live-ring.sh TRUSTWIRE SOURCE_ROOT [WORKERS [CAPTURE…]]
#
# Each capture (default pcaps/07-cloned.pcap, whose kpasswd datagrams are IP
# fragments, and pcaps/02-stale-password.pcap, Kerberos over TCP and UDP) is
# replayed onto a veth pair between two namespaces this test creates, while
# `trustwire -i IF --workers WORKERS -w DIR --alerts FILE` captures.  Then:
#   (a) the ring holds fewer frames than were replayed, none of them a pure
#       TCP ACK or a frame no dissector wants (tshark reads the ring);
#   (b) every IP fragment of the capture's used datagrams is in the ring
#       (tshark reassembles as many kpasswd/Kerberos messages from it);
#   (c) for every live finding, the ring file and in-file frame it names for
#       its first and establishing evidence hold the same packet (tshark:
#       length, protocol, info) as the frame `trustwire -r` cites on the
#       capture for the same finding;
#   (d) `trustwire -r` on the ring files gives the same findings as on the
#       capture (frames and times aside): nothing the verdicts used is
#       missing from the ring.
# Skips (exit 77) when not root, when namespaces cannot be made, or without tshark.
set -u

TW=${1:?usage: test-live-ring.sh TRUSTWIRE SOURCE_ROOT [WORKERS [CAPTURE…]]}
ROOT=${2:?usage: test-live-ring.sh TRUSTWIRE SOURCE_ROOT [WORKERS [CAPTURE…]]}
WORKERS=${3:-1}
shift $(($# < 3 ? $# : 3))
CAPTURES=("$@")
[ ${#CAPTURES[@]} -gt 0 ] || CAPTURES=("$ROOT/pcaps/07-cloned.pcap" "$ROOT/pcaps/02-stale-password.pcap")

. "$(dirname "$0")/lib.sh"

live_require
command -v tshark >/dev/null || skip "tshark is not installed"
for c in "${CAPTURES[@]}"; do [ -r "$c" ] || skip "capture $c is not readable"; done
live_setup

fails=0
n=0
for CAPTURE in "${CAPTURES[@]}"; do
    n=$((n + 1))
    D=$WORK/run$n
    mkdir -p "$D"
    ip netns exec "$NS_CAP" "$TW" -i "$IF_CAP" --workers "$WORKERS" -w "$D/ring" --alerts "$D/alerts.ndjson" -q \
        >/dev/null 2>"$D/live.err" &
    TW_PID=$!
    TW_LIVE_PIDS+=("$TW_PID")
    live_wait_capturing "$WORKERS"
    kill -0 "$TW_PID" 2>/dev/null || { echo "FAIL: trustwire -i exited early:"; cat "$D/live.err"; exit 1; }
    live_replay "$CAPTURE"
    sleep 1
    live_stop "$TW_PID"
    sed -n "s|^|live stderr ($(basename "$CAPTURE")): |p" "$D/live.err"
    "$TW" -r "$CAPTURE" --alerts "$D/file-alerts.ndjson" -q >/dev/null 2>&1
    ls "$D"/ring/*.pcapng >/dev/null 2>&1 || { echo "FAIL: no ring file in $D/ring"; fails=$((fails + 1)); continue; }
    # shellcheck disable=SC2046
    "$TW" -r $(ls "$D"/ring/*.pcapng) --alerts "$D/ring-alerts.ndjson" -q >/dev/null 2>&1

    python3 - "$D" "$CAPTURE" <<'PY' || fails=$((fails + 1))
import glob, json, os, re, subprocess, sys
d, capture = sys.argv[1:3]
bad = []
rings = sorted(glob.glob(f"{d}/ring/*.pcapng"))
def tshark(path, *args):
    p = subprocess.run(["tshark", "-r", path, *args], capture_output=True, text=True)
    if p.returncode != 0:
        bad.append(f"tshark -r {path}: {p.stderr.strip()[:300]}")
    return p.stdout
def count(path, filt=None):
    return len(tshark(path, *(["-Y", filt] if filt else []), "-T", "fields", "-e", "frame.number").split())
cap_frames = count(capture)
ring_frames = sum(count(r) for r in rings)
print(f"{os.path.basename(capture)}: {cap_frames} frames replayed, {ring_frames} kept in {len(rings)} ring file(s)")
# (a) only used frames
if not 0 < ring_frames < cap_frames:
    bad.append(f"the ring holds {ring_frames} of {cap_frames} frames: not only the used ones")
pure_acks = sum(count(r, "tcp && tcp.len == 0 && tcp.flags.syn == 0 && tcp.flags.fin == 0 && tcp.flags.reset == 0")
                for r in rings)
if pure_acks:
    bad.append(f"{pure_acks} pure TCP ACKs in the ring")
others = sum(count(r, "!(kerberos || kpasswd || smb2 || smb || nbss || dcerpc || ldap || http || ntp || dns || "
                   "tcp.port == 88 || udp.port == 88 || tcp.port == 445 || tcp.port == 135 || udp.port == 464 || "
                   "tcp.port == 464 || tcp.port == 389 || udp.port == 123 || ip.flags.mf == 1 || ip.frag_offset > 0 || "
                   "tcp.port >= 49152)") for r in rings)
if others:
    bad.append(f"{others} frames in the ring that no dissector wants")
# (b) fragments: as many reassembled Kerberos/kpasswd messages
filt = "(kerberos || kpasswd) && ip.fragment"
want = count(capture, filt)
got = sum(count(r, filt) for r in rings)
print(f"  reassembled-from-fragments Kerberos/kpasswd messages: capture {want}, ring {got}")
if got != want:
    bad.append(f"{want} Kerberos/kpasswd messages reassembled from fragments in the capture, {got} in the ring")
# (c) evidence frames
def load(p):
    return [json.loads(l) for l in open(p) if l.strip()] if os.path.exists(p) else []
live = [r for r in load(f"{d}/alerts.ndjson") if "record" not in r]
filer = [r for r in load(f"{d}/file-alerts.ndjson") if "record" not in r]
def replay_artifact(r):
    # a replay re-stamps the frames, the DC's clock inside the replies does not move
    return r.get("rule") == "clock-skew" and "domain controller" in r.get("summary", "")
def key(r):
    return (r.get("account"), r.get("rule"), r.get("state"))
by_key = {key(r): r for r in filer}
PKT = {}  # (path, frame) -> "len<TAB>protocol<TAB>info" as tshark shows that frame
def pkt_fill(asked):
    """One tshark per file for every frame asked of it (frame.number in {...};
    each row starts with its frame number): tshark's start-up was this
    check's time when it ran once per frame."""
    by_path = {}
    for path, n in asked:
        by_path.setdefault(path, set()).add(int(n))
    for path, frames in by_path.items():
        out = tshark(path, "-Y", "frame.number in {%s}" % ",".join(map(str, sorted(frames))), "-T", "fields",
                     "-e", "frame.number", "-e", "frame.len", "-e", "_ws.col.Protocol", "-e", "_ws.col.Info")
        rows = {}
        for line in out.splitlines():
            no, _, rest = line.partition("\t")
            if no.strip().isdigit():
                rows[int(no)] = rest.strip()
        for n in frames:
            PKT[(path, n)] = rows.get(n, "")
def pkt(path, n):
    return PKT[(path, int(n))]
asked = []
for r in live:
    f = by_key.get(key(r))
    if replay_artifact(r) or not f:
        continue
    for which in ("first", "established"):
        if f"{which}_file" in r:
            asked += [(r[f"{which}_file"], r[f"{which}_file_frame"]), (capture, f[f"{which}_frame"])]
pkt_fill(asked)
checked = 0
for r in live:
    if replay_artifact(r):
        continue
    f = by_key.get(key(r))
    if not f:
        bad.append(f"live finding {key(r)} is not among the file's")
        continue
    for which in ("first", "established"):
        if f"{which}_file" not in r:
            bad.append(f"live finding {key(r)}: no {which}_file (its frame is not in the ring)")
            continue
        got, want = pkt(r[f"{which}_file"], r[f"{which}_file_frame"]), pkt(capture, f[f"{which}_frame"])
        if not want or got != want:
            bad.append(f"{key(r)} {which}: ring {os.path.basename(r[which + '_file'])} frame "
                       f"{r[which + '_file_frame']} is '{got}', the capture's frame {f[which + '_frame']} is '{want}'")
        checked += 1
print(f"  evidence frames checked in the ring with tshark: {checked}")
if not checked:
    bad.append("no live finding named a ring frame")
# (d) the ring alone gives the file's findings
TIMES = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z?")
def findings(recs):
    out = []
    for r in recs:
        if replay_artifact(r):
            continue
        out.append(json.dumps({k: TIMES.sub("T", v) if isinstance(v, str) else v for k, v in r.items()
                               if not k.endswith(("_ts", "_frame", "_file", "_pcap"))}, sort_keys=True))
    return sorted(out)
fr, rr = findings(filer), findings(load(f"{d}/ring-alerts.ndjson"))
print(f"  findings: capture {len(fr)}, the ring re-read {len(rr)}")
if fr != rr:
    bad.append("-r on the ring differs from -r on the capture:\n    capture: " + "\n    capture: ".join(fr) +
               "\n    ring:    " + "\n    ring:    ".join(rr))
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
PY
done
[ $fails = 0 ] || exit 1
echo "OK: the ring keeps only the used frames, and each finding's ring frame is its evidence ($WORKERS worker(s))"
