#!/bin/bash
# test-live-report.sh — live verdicts end to end, inside network namespaces only.
#
# Usage: test-live-report.sh TRUSTWIRE SOURCE_ROOT [CAPTURE]
#
# Replays a lab capture with a broken machine (pcaps/02-stale-password.pcap by
# default: WS02$ has a stale machine password) onto a veth pair between two
# namespaces this test creates (see lib.sh), while two `trustwire -i` capture
# on the other end: one in the default report mode, one with -T json.  After
# tcpreplay has finished both are stopped with SIGINT, and:
#   (a) the live finding lines each printed on stderr while capturing name the
#       broken machine and its cause (BROKEN WS02$ stale-password);
#   (b) the final report at SIGINT has the same machines, states, verdicts and
#       causes as `trustwire -r` on the same file (-T json compared, except a
#       domain controller's clock skew equal to the replay delay, see below;
#       the text reports' BROKEN headlines compared too);
#   (c) every run exits 1 (a broken machine was found);
#   (d) each live run prints its capture statistics (packets received, dropped)
#       on stderr at the end, having received at least every replayed frame.
# Skips (exit 77) when not root or when namespaces cannot be made.
set -u

TW=${1:?usage: test-live-report.sh TRUSTWIRE SOURCE_ROOT [CAPTURE]}
ROOT=${2:?usage: test-live-report.sh TRUSTWIRE SOURCE_ROOT [CAPTURE]}
CAPTURE=${3:-$ROOT/pcaps/02-stale-password.pcap}
# What the default capture must show (pcaps/README.md, scenario 2).
EXPECT_ACCOUNT=${TW_LIVE_EXPECT_ACCOUNT:-WS02\$}
EXPECT_CAUSE=${TW_LIVE_EXPECT_CAUSE:-stale-password}

. "$(dirname "$0")/lib.sh"

live_require
[ -r "$CAPTURE" ] || skip "capture $CAPTURE is not readable"

live_setup

# Both captures run at once on the same interface: each gets its own copy of
# every frame, and one replay serves both.
ip netns exec "$NS_CAP" "$TW" -i "$IF_CAP" >"$WORK/live.txt" 2>"$WORK/live-txt.err" &
PID_TXT=$!
TW_LIVE_PIDS+=("$PID_TXT")
ip netns exec "$NS_CAP" "$TW" -i "$IF_CAP" -T json >"$WORK/live.json" 2>"$WORK/live-json.err" &
PID_JSON=$!
TW_LIVE_PIDS+=("$PID_JSON")
live_wait_capturing 2
for pid in "$PID_TXT" "$PID_JSON"; do
    kill -0 "$pid" 2>/dev/null || {
        echo "FAIL: trustwire -i exited early:"; cat "$WORK"/live-*.err; exit 1; }
done

live_replay "$CAPTURE"
# Let the last frames reach both processes before SIGINT.
sleep 1
live_stop "$PID_TXT"
RC_LIVE_TXT=$LIVE_RC
live_stop "$PID_JSON"
RC_LIVE_JSON=$LIVE_RC

"$TW" -r "$CAPTURE" >"$WORK/file.txt" 2>"$WORK/file-txt.err"
RC_FILE_TXT=$?
"$TW" -r "$CAPTURE" -T json >"$WORK/file.json" 2>"$WORK/file-json.err"
RC_FILE_JSON=$?

echo "capture: $CAPTURE"
for f in live-txt.err live-json.err; do
    sed -n "s/^/$f: /p" "$WORK/$f"
done

python3 - "$WORK" "$CAPTURE" "$EXPECT_ACCOUNT" "$EXPECT_CAUSE" \
    "$RC_LIVE_TXT" "$RC_LIVE_JSON" "$RC_FILE_TXT" "$RC_FILE_JSON" <<'PY'
import json, os, re, struct, sys

work, capture, account, cause = sys.argv[1:5]
rc = dict(zip(["live report", "live json", "file report", "file json"], map(int, sys.argv[5:9])))
failures = []

def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)

def read(name):
    with open(os.path.join(work, name), errors="replace") as f:
        return f.read()

# (c) exit status 1 = at least one broken machine, in every run.
for what, status in rc.items():
    if status != 1:
        fail(f"{what}: exit status {status}, expected 1 (a broken machine)")

# Frames in the capture (classic pcap), for the received count below.
def count_frames(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = hdr[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            endian = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            endian = ">"
        else:
            return None  # pcapng: not counted
        n = 0
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return n
            incl = struct.unpack(endian + "IIII", rec)[2]
            f.seek(incl, 1)
            n += 1

frames = count_frames(capture)

stats_re = re.compile(r"^trustwire: \S+: (\d+) packets received, (\d+) dropped by the kernel, "
                      r"(\d+) dropped by the interface$", re.M)
# "YYYY-MM-DD HH:MM:SS STATE ACCOUNT RULE: summary (frame N)" (output/report.c)
finding_re = re.compile(r"^[\d:. -]+ (BROKEN|AT RISK|RECOVERED) (\S+) (\S+): .*$", re.M)

for what, err_name in (("live report", "live-txt.err"), ("live json", "live-json.err")):
    err = read(err_name)
    # (a) a live finding line naming the machine and the cause.
    found = [m.groups() for m in finding_re.finditer(err)]
    if ("BROKEN", account, cause) not in found:
        fail(f"{what}: no live finding line 'BROKEN {account} {cause}' on stderr (found {found})")
    else:
        print(f"OK: {what}: live finding BROKEN {account} {cause}")
    # (d) capture statistics at the end.
    st = stats_re.findall(err)
    if len(st) != 1:
        fail(f"{what}: expected one capture statistics line on stderr, found {len(st)}")
    else:
        recv, kdrop, ifdrop = map(int, st[0])
        if not err.rstrip("\n").splitlines()[-1].startswith("trustwire: ") or \
                stats_re.search(err.rstrip("\n").splitlines()[-1]) is None:
            fail(f"{what}: the capture statistics are not the last line on stderr")
        if frames is not None and recv < frames:
            fail(f"{what}: {recv} packets received, fewer than the {frames} frames replayed")
        if kdrop:
            fail(f"{what}: {kdrop} packets dropped by the kernel at 400 packets/s")
        print(f"OK: {what}: statistics {recv} received, {kdrop}+{ifdrop} dropped ({frames} frames replayed)")

# (b) same machines, states, verdicts and causes as the file.
#
# One difference is expected and checked, not ignored: the replay re-stamps
# every frame with the time it is sent, but the domain controller's clock
# inside the Kerberos replies still says when the lab recorded them.  Live,
# the DC's clock is therefore (record time - replay time) off the capture
# host's, and when that is over the warning threshold but under a day the
# clock-skew rule rightly reports it (analysis/rules.c).  Such a finding is
# accepted only on a domain controller, only with that offset (within the
# capture's duration + 5 s), and is then removed before comparing.
from datetime import datetime

def load(name):
    try:
        return json.loads(read(name))
    except ValueError as e:
        fail(f"{name}: not JSON: {e}")
        return None

def ts(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()

def machines(doc, replay_offset=None, slack=0.0):
    dc_offset = {d.get("account"): d.get("clock_offset_vs_capture_s")
                 for d in doc.get("domain_controllers", [])}
    out = []
    for m in doc.get("machines", []):
        causes = list(m.get("causes") or [])
        state, verdict = m.get("state"), m.get("verdict")
        if replay_offset is not None and "clock-skew" in causes:
            off = dc_offset.get(m.get("account"))
            if m.get("role") != "dc" or off is None or abs(off - replay_offset) > slack:
                fail(f"live clock-skew on {m.get('account')} (role {m.get('role')}, offset {off} s) "
                     f"is not the replay's {replay_offset:+.0f} s")
            else:
                print(f"OK: live clock-skew on DC {m.get('account')}: {off:+.0f} s, the replay's "
                      f"{replay_offset:+.0f} s; not compared")
                causes.remove("clock-skew")
                if not causes or causes == ["healthy"]:
                    state = verdict = "healthy"
                    causes = ["healthy"]
                elif verdict == "clock-skew":
                    verdict = causes[0]
        out.append((m.get("account"), state, verdict, tuple(causes)))
    return sorted(out)

live_doc, file_doc = load("live.json"), load("file.json")
if live_doc is not None and file_doc is not None:
    fc, lc = file_doc.get("capture", {}), live_doc.get("capture", {})
    replay_offset = ts(fc["first"]) - ts(lc["first"])
    slack = ts(fc["last"]) - ts(fc["first"]) + 5.0
    file_m = machines(file_doc)
    live_m = machines(live_doc, replay_offset, slack)
    if not file_m:
        fail("the file report lists no machine: nothing to compare")
    elif live_m != file_m:
        fail(f"live machines differ from the file's:\n  file: {file_m}\n  live: {live_m}")
    else:
        print(f"OK: live -T json machines equal the file's: {file_m}")
    if not any(m[0] == account and cause in m[3] for m in file_m):
        fail(f"the file report does not find {account} {cause}: wrong capture?")

# The text reports: the broken machines' headlines carry no times.
head_re = re.compile(r"^BROKEN .*$", re.M)
live_h = head_re.findall(read("live.txt"))
file_h = head_re.findall(read("file.txt"))
if not file_h:
    fail("the file's text report has no BROKEN machine")
elif live_h != file_h:
    fail(f"live text report BROKEN lines differ:\n  file: {file_h}\n  live: {live_h}")
else:
    print(f"OK: live text report BROKEN lines equal the file's: {file_h}")

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("OK: live report equals file report")
PY
