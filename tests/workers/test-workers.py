#!/usr/bin/env python3
"""--workers N gives the same output as --workers 1, byte for byte.

Every capture in pcaps/ and ../shared/pcaps/public, in every output mode,
with --workers 1 and --workers 2 (stdout, exit status, and the -S counters in
events mode); all of them read in one run (times step back between files, so
flows expire out of order); and generated captures that hit the caps and the
anomaly-event limit in every shard: each memory flood of bench/gen-floods and
a domain-controller mix of bench/gen-capture with thousands of machines, with
1, 2, 3 and 7 workers (and -T events alone, whose lines the workers render and
whose events they free at once, with 1, 2 and 3); and a capture whose flows
expire with events in shards other than the expiring frame's.  The order
itself is checked against tw-single (one pipeline with the whole caps, as
before --workers): the events of every capture, of the DC mix and of the
expiring flows are the same; and in the floods no kind has more
than TW_ANOMALY_EVENTS_MAX (100) anomaly events although more were raised.

The modes of one comparison share a run: -T events -S on stdout with
--write report/json/summary to files (the same sinks as -T MODE on stdout,
cli/main.c add_write; tests/cli/test-cli.py and tests/golden/check-utf8.py
check the bytes are the same), and -T tree in a run of its own (the tree
makes the pipeline build trees: the other modes still run without).  The
events of the --workers 1 and 2 runs are the ones tw-single's are compared
with, and those of --workers 2 on a flood the ones whose anomalies are
counted.  That is 5 runs per capture instead of 13 (process start-up and
the pass over the capture were the test's time, three times that in ASan).

usage: test-workers.py TRUSTWIRE SOURCE_ROOT GEN_FLOODS GEN_CAPTURE TW_SINGLE
"""
import glob
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

MODES = ["report", "json", "events", "summary", "tree"]


# ---- a capture whose flows expire with events (no capture of pcaps/ has one) ----
def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), hex(magic)
    off = 24
    while off + 16 <= len(data):
        ts, tu, cap, orig = struct.unpack("<IIII", data[off:off + 16])
        yield data[off + 16:off + 16 + cap]
        off += 16 + cap

def krb_tcp_record(path):
    """The TCP payload of the first client segment to port 88 holding one whole record."""
    for fr in read_pcap(path):
        if len(fr) < 54 or fr[12:14] != b"\x08\x00" or fr[23] != 6:
            continue
        ihl = (fr[14] & 15) * 4
        tcp = fr[14 + ihl:]
        total = struct.unpack(">H", fr[16:18])[0]
        dport = struct.unpack(">H", tcp[2:4])[0]
        doff = (tcp[12] >> 4) * 4
        payload = fr[14 + ihl + doff:14 + total]
        if dport == 88 and len(payload) > 4 and struct.unpack(">I", payload[:4])[0] + 4 == len(payload):
            return payload
    raise SystemExit("no Kerberos TCP record in " + path)

def shard_of(a, b):
    """capture/workers.c shard_for: FNV-1a over the version, the lower then the higher address."""
    lo, hi = sorted([a, b])
    h = 2166136261
    for byte in bytes([4]) + lo + hi:
        h = ((h ^ byte) * 16777619) & 0xffffffff
    h ^= h >> 16
    return h % 16

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def frame(src, dst, proto, l4):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    pseudo = src + dst + struct.pack("!BBH", 0, proto, len(l4))
    c = csum(pseudo + l4)
    at = 16 if proto == 6 else 6
    l4 = l4[:at] + struct.pack("!H", c if c or proto == 6 else 0xffff) + l4[at + 2:]
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip + l4

def tcp(src, sport, dst, dport, seq, payload):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x18, 65535, 0, 0)  # PSH|ACK, ack 0
    return frame(src, dst, 6, hdr + payload)

def udp(src, sport, dst, dport, payload):
    return frame(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)

def expiry_capture(path, record_source):
    rec = krb_tcp_record(record_source)
    kdc = bytes([10, 9, 0, 1])
    hosts = [bytes([10, 9, 1, i]) for i in range(1, 255)]
    by_shard = {}
    for h in hosts:
        by_shard.setdefault(shard_of(h, kdc), h)
    shards = sorted(by_shard)
    s1, s2 = shards[0], shards[-1]       # flow 1 in a lower shard than flow 2
    c1, c2 = by_shard[s1], by_shard[s2]
    # time passes through a frame of a third shard (not the flows')
    t1, t2 = next((a, b) for a in hosts for b in hosts
                  if a < b and shard_of(a, b) not in (s1, s2))
    frames = [
        # flow 2 first (touched first), then flow 1: each a partial record, then a
        # whole record after a hole, held out of order until the flow expires
        (0.0, tcp(c2, 40002, kdc, 88, 1000, rec[:10])),
        (0.1, tcp(c2, 40002, kdc, 88, 1030, rec)),
        (1.0, tcp(c1, 40001, kdc, 88, 5000, rec[:10])),
        (1.1, tcp(c1, 40001, kdc, 88, 5030, rec)),
        # past TW_FLOW_TCP_IDLE_US: both flows expire at this frame of another
        # shard, their held records parsed then (phase EXPIRE, same LRU list:
        # flow 2 first, the one touched first, though its shard is higher)
        (700.0, udp(t1, 5353, t2, 9, b"tick")),
        # an event of a later frame: after the expired flows' ones
        (701.0, udp(c1, 40003, kdc, 88, rec[4:])),
    ]
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        base = 1765000000
        for t, fr in frames:
            sec = int(t)
            f.write(struct.pack("<IIII", base + sec, int(round((t - sec) * 1e6)), len(fr), len(fr)))
            f.write(fr)


def run(tw, args):
    p = subprocess.run([tw] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return p.returncode, p.stdout, p.stderr


def main():
    tw, root, gen_floods, gen_capture, tw_single = sys.argv[1:6]
    caps = sorted(glob.glob(os.path.join(root, "pcaps", "*.pcap*")))
    public = os.path.join(root, "..", "shared", "pcaps", "public")
    caps += sorted(p for p in glob.glob(os.path.join(public, "**", "*"), recursive=True)
                   if p.endswith((".pcap", ".pcapng", ".cap")))
    if not caps:
        print("no captures found")
        return 1
    failures = []
    compared = 0
    tmp = tempfile.mkdtemp(prefix="tw-workers-")

    def same(label, args, workers=(1, 2), stats=False, writes=()):
        """Run args with each --workers n (and --write MODE:FILE for each of
        writes): exit status, stdout, the -S counters when stats, and each
        written file must be those of the first n.  {n: (rc, stdout, stderr)}."""
        nonlocal compared
        base = None
        outs = {}
        for n in workers:
            files = {m: os.path.join(tmp, "out." + m) for m in writes}
            a = ["--workers", str(n)] + (["-S"] if stats else [])
            for m in writes:
                a += ["--write", "%s:%s" % (m, files[m])]
            r = run(tw, a + args)
            written = []
            for m in writes:
                try:
                    with open(files[m], "rb") as f:
                        written.append(f.read())
                    os.unlink(files[m])
                except OSError:
                    written.append(None)
            outs[n] = r
            got = (r[0], r[1], r[2] if stats else b"", written)
            if base is None:
                base = got
                if r[0] not in (0, 1, 3):
                    failures.append(f"{label}: --workers {n} exit {r[0]}: {r[2][:200]!r}")
                if None in written:
                    failures.append(f"{label}: --workers {n} wrote no " + writes[written.index(None)])
                continue
            compared += 1 + len(writes)
            if got != base:
                if got[0] != base[0]:
                    what = "exit status"
                elif got[1] != base[1]:
                    what = "stdout"
                elif got[2] != base[2]:
                    what = "-S counters"
                else:
                    what = "--write " + ", ".join(m for m, x, y in zip(writes, got[3], base[3]) if x != y)
                failures.append(f"{label}: --workers {n} differs from --workers {workers[0]} ({what})")
        return outs

    def modes(label, rargs, stats):
        """Every mode of MODES: -T events (-S) + --write report/json/summary, and -T tree."""
        outs = same(f"{label} -T events + --write report,json,summary", ["-T", "events"] + rargs, stats=stats,
                    writes=("report", "json", "summary"))
        same(f"{label} -T tree", ["-T", "tree"] + rargs)
        return outs

    def reference(label, files, outs):
        """tw-single's events of files are the events of --workers 1 and 2 (outs)."""
        nonlocal compared
        ref = subprocess.run([tw_single] + files, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=600)
        for n in (1, 2):
            compared += 1
            if outs[n][1] != ref.stdout:
                failures.append(f"{label}: --workers {n} events differ from one pipeline (tw-single)")

    for cap in caps:
        name = os.path.relpath(cap, root)
        outs = modes(name, ["-r", cap], stats=True)
        reference(name, [cap], outs)
    nfiles = len(caps)

    every = []
    for cap in caps:
        every += ["-r", cap]
    outs = same(f"all {nfiles} captures in one run -T events + --write report,json,summary", ["-T", "events"] + every,
                stats=True, writes=("report", "json", "summary"))
    same(f"all {nfiles} captures in one run -T tree", ["-T", "tree"] + every, stats=True)
    reference(f"all {nfiles} captures in one run", caps, outs)

    gen = []
    for kind in ["tcp-ooo", "dcerpc-frag", "smb2-prefix", "dcerpc-prefix", "dcerpc-conns", "smb2-sessions"]:
        out = os.path.join(tmp, kind + ".pcap")
        subprocess.run([gen_floods, kind, "12", out], check=True, stdout=subprocess.DEVNULL)
        gen.append((kind, out))
    dc = os.path.join(tmp, "dc.pcap")
    subprocess.run([gen_capture, "-s", "24", "-m", "dc", "-c", "6000", "-o", dc], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    gen.append(("dc mix", dc))
    limited = 0
    for kind, path in gen:
        # -T events, report and json with 1, 2, 3 and 7 workers
        outs = same(f"{kind} -T events + --write report,json", ["-T", "events", "-r", path], workers=(1, 2, 3, 7),
                    stats=True, writes=("report", "json"))
        if kind == "dc mix":
            reference("dc mix", [dc], outs)
        # -T events alone: the workers render each line and free the event at
        # once (capture/workers.h lines_only); with --alerts the analysis
        # reads the events too, so they are kept for it
        alone = same(f"{kind} -T events alone", ["-T", "events", "-r", path], workers=(1, 2, 3), stats=True)
        if kind == "dc mix":
            reference("dc mix -T events alone", [dc], alone)
        # -Y: the workers ask the filter on the lines they render (len 0:
        # rejected); alone, and beside --write summary/report, which -Y
        # filters (summary) or not (report: the analysis sees every event)
        yexpr = 'proto == "kerberos" || proto == "anomaly"'
        yalone = same(f"{kind} -T events -Y", ["-T", "events", "-Y", yexpr, "-r", path], workers=(1, 2, 3), stats=True)
        same(f"{kind} -T events -Y + --write summary,report", ["-T", "events", "-Y", yexpr, "-r", path],
             workers=(1, 2, 3), stats=True, writes=("summary", "report"))
        want = [l for l in alone[1][1].splitlines(keepends=True)
                if json.loads(l).get("proto") in ("kerberos", "anomaly")]
        compared += 1
        if yalone[2][1].splitlines(keepends=True) != want:
            failures.append(f"{kind} -T events -Y: --workers 2 is not the {len(want)} matching lines of -T events")
        if kind == "dc mix" and not want:
            failures.append("dc mix: no Kerberos event to filter")
            same(f"{kind} -T events --alerts", ["-T", "events", "--alerts", os.path.join(tmp, "alerts"), "-r", path],
                 workers=(1, 2), stats=True)
        r = outs[2]  # --workers 2 -S -T events
        per_kind = {}
        for line in r[1].splitlines():
            ev = json.loads(line)
            if ev.get("proto") == "anomaly":
                per_kind[ev["kind"]] = per_kind.get(ev["kind"], 0) + 1
        raised = {l.split()[0][len("anomaly."):]: int(l.split()[1])
                  for l in r[2].decode().splitlines() if l.startswith("anomaly.")}
        for k, n in per_kind.items():
            compared += 1
            if n > 100:
                failures.append(f"{kind}: {n} anomaly events of kind {k} (at most 100)")
            if raised.get(k, 0) > 100:
                limited += 1
    if not limited:
        failures.append("no flood raised more than 100 anomalies of a kind: the limit was not exercised")

    # Events of flows that expire in shards the expiring frame is not in
    # (merged by LRU list and last touch, not by shard), then a later frame's.
    exp = os.path.join(tmp, "expiry.pcap")
    expiry_capture(exp, os.path.join(root, "pcaps", "01-healthy.pcap"))
    outs = same("expiry -T events", ["-T", "events", "-r", exp], workers=(1, 2, 3), stats=True)
    reference("expiry", [exp], outs)
    got = [(e["frame"], e["transport"]) for e in map(json.loads, outs[1][1].splitlines()) if e["proto"] == "kerberos"]
    compared += 1
    if got != [(2, "tcp"), (4, "tcp"), (6, "udp")]:
        failures.append(f"expiry: Kerberos events {got}, not those of flow 2, flow 1 (expired), then frame 6")
    shutil.rmtree(tmp, ignore_errors=True)

    for f in failures:
        print("FAIL", f)
    print(f"{nfiles} captures x {len(MODES)} modes, plus one run of all of them and "
          f"{len(gen)} generated captures: {compared} comparisons, {len(failures)} differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
