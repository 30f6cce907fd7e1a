#!/usr/bin/env python3
"""The events' "checksum_bad" flag vs tshark's own TCP/UDP checksum check,
frame by frame, on every lab capture (pcaps/) and public capture
(../shared/pcaps/public).

For each event whose sender is the sender of its frame, trustwire says
checksum_bad exactly when tshark (-o tcp.check_checksum:TRUE -o
udp.check_checksum:TRUE) finds that frame's TCP or UDP checksum bad
(tcp.checksum.status / udp.checksum.status == 0), except a checksum of 0xffff
where 0x0000 was computed (the same value, RFC 1624).  Frames tshark could not
verify (status 2: an IPv4 UDP checksum of 0, a cut frame) must not be
flagged.  Then the capture host trustwire infers from the flag (-T json
capture.capture_host with the checksum-offload inference) must be the one
the same rule picks from tshark's verdicts on the events' frames: the only
sender of at least 4 events, 90 % of them on bad-checksum frames, with no
other sender above 10 % (and none when there is no such sender).

Prints n/n per capture with checksum faults and fails on any difference.
Exit 77 (skip) without tshark or captures."""
import glob, json, os, shutil, subprocess, sys

TW = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PUB = os.path.join(ROOT, "..", "shared", "pcaps", "public")


def tshark(path):
    p = subprocess.run(["tshark", "-n", "-r", path, "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                        "-Y", "tcp || udp", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=l",
                        "-e", "frame.number", "-e", "ip.src", "-e", "ipv6.src",
                        "-e", "tcp.checksum.status", "-e", "udp.checksum.status",
                        "-e", "tcp.checksum", "-e", "tcp.checksum_calculated",
                        "-e", "udp.checksum", "-e", "udp.checksum_calculated"],
                       capture_output=True, text=True, timeout=600)
    out = {}
    for line in p.stdout.splitlines():
        c = line.split("\t")
        if len(c) < 9:
            continue
        st = c[3] or c[4]
        st = int(st) if st.isdigit() else 2
        sent, calc = (c[5], c[6]) if c[3] else (c[7], c[8])
        # RFC 1624: 0xffff and 0x0000 are the same one's complement value
        # (tshark calls 0xffff "bad"); a receiver's sum accepts both
        if st == 0 and {sent.lower(), calc.lower()} == {"0xffff", "0x0000"}:
            st = 1
        out[int(c[0])] = (c[1] or c[2], st)
    return out


def main():
    if not shutil.which("tshark"):
        print("SKIP: no tshark")
        return 77
    caps = sorted(glob.glob(os.path.join(ROOT, "pcaps", "*.pcap")))
    caps += sorted(glob.glob(os.path.join(PUB, "**", "*.pcap*"), recursive=True))
    if not caps:
        print("SKIP: no captures")
        return 77
    fails = 0
    total = flagged_total = 0
    for path in caps:
        ts = tshark(path)
        p = subprocess.run([TW, "-r", path, "-T", "events"], capture_output=True, text=True, timeout=600)
        n = ok = flagged = 0
        for line in p.stdout.splitlines():
            try:
                e = json.loads(line)
            except ValueError:
                continue
            fr = ts.get(e.get("frame"))
            if e.get("proto") == "anomaly" or not fr or fr[0] != e.get("src"):
                continue
            n += 1
            mine = bool(e.get("checksum_bad"))
            flagged += mine
            theirs = fr[1] == 0
            if mine == theirs:
                ok += 1
            elif fails < 40:
                print("DIFF %s frame %d (%s %s): trustwire checksum_bad=%s, tshark status %d"
                      % (os.path.relpath(path, ROOT), e["frame"], e.get("proto"), e.get("src"), mine, fr[1]))
        fails += n - ok
        total += n
        flagged_total += flagged
        # The capture host from the flag, recomputed from tshark's verdicts on
        # the same event frames: the one sender (at least 4 events) whose
        # events' frames are at least 90 % bad, while no other sender has more
        # than 10 % (analysis/clock.c).
        per = {}
        for line in p.stdout.splitlines():
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("proto") == "anomaly" or not e.get("src"):
                continue
            fr = ts.get(e.get("frame"))
            t = per.setdefault(e["src"], [0, 0])
            t[0] += 1
            t[1] += bool(fr and fr[0] == e["src"] and fr[1] == 0)
        offload = [a for a, (n_ev, bad) in per.items() if n_ev >= 4 and bad * 10 >= n_ev * 9]
        mixed = [a for a, (n_ev, bad) in per.items() if bad and bad * 10 > n_ev and a not in offload]
        want = offload[0] if len(offload) == 1 and not mixed and sum(v[0] for v in per.values()) >= 4 else None
        j = subprocess.run([TW, "-r", path, "-T", "json"], capture_output=True, text=True, timeout=600)
        try:
            host = (json.loads(j.stdout).get("capture") or {}).get("capture_host")
        except ValueError:
            host = None
        by_offload = bool(host and "checksum offload" in host.get("inference", ""))
        got = host["address"] if by_offload else None
        if got != want:
            print("DIFF %s: capture host by checksum offload %s, from tshark's checksums %s (%s)"
                  % (os.path.relpath(path, ROOT), got, want, per))
            fails += 1
        if flagged or by_offload:
            print("%-70s %d/%d events agree, %d flagged; capture host %s"
                  % (os.path.relpath(path, ROOT)[-70:], ok, n, flagged,
                     (host["address"] + (" (offload)" if by_offload else "")) if host else "none"))
    print("%d events compared, %d flagged, %d differences" % (total, flagged_total, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
