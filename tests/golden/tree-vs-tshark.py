#!/usr/bin/env python3
"""The teaching view against tshark -V: every flag word, string-to-key
parameter and EPM tower port that a tree golden (tests/golden/TESTLIST,
@mode=tree) shows must be the value tshark decodes in the same frame.

For each tree golden: its events are split by their summary line (frame
number, proto), the values below are read from our lines, and
`tshark -r PCAP -Y frame.number==N -T fields -e FIELD` gives tshark's values
for that frame; ours must be among them.  Every golden that shows one of
these words is checked; the run fails if nothing at all was compared.

Usage: tree-vs-tshark.py REPO
Exit: 0 all agree, 1 a difference, 77 tshark missing or no capture present.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# (proto of the event or None, heading it must sit under or None, our regex, tshark field, convert)
CHECKS = [
    ("kerberos", None, r"^\s+kdc-options: 0x([0-9a-f]{8})", "kerberos.kdc_options", None),
    ("kerberos", None, r"^\s+ap-options: 0x([0-9a-f]{8})", "kerberos.ap_options", None),
    ("kerberos", None, r"^\s+s2kparams: (\d+) iterations", "kerberos.s2kparams", "s2k"),
    ("ntlmssp", None, r"^\s+NegotiateFlags: 0x([0-9a-f]{8})", "ntlmssp.negotiateflags", None),
    ("netlogon", None, r"^\s+NegotiateFlags: 0x([0-9a-f]{8})", "netlogon.neg_flags", None),
    ("smb2", "SMB2 Header", r"^\s{8}Flags: 0x([0-9a-f]{8})", "smb2.flags", None),
    ("smb2", None, r"^\s+SecurityMode: 0x([0-9a-f]{4})", "smb2.sec_mode", None),
    ("smb2", None, r"^\s+Capabilities: 0x([0-9a-f]{8})", "smb2.capabilities", None),
    ("smb2", None, r"^\s+SessionFlags: 0x([0-9a-f]{4})", "smb2.session_flags", None),
    (None, "DCE/RPC", r"^\s+pfc_flags: 0x([0-9a-f]{2})", "dcerpc.cn_flags", None),
    (None, "DCE/RPC", r"^\s+call_id: (\d+)", "dcerpc.cn_call_id", "dec"),
    (None, None, r"^\s+floor: \d+: 0x07 TCP, port (\d+)", "epm.proto.tcp_port", "dec"),
    (None, None, r"^\s+Flags: 0x([0-9a-f]{8})   \[MS-NRPC 2.2.1.3.1\]", "netlogon.secchan.nl_auth_message.message_flags", None),
    (None, "Transmission Control Protocol", r"^\s+Flags: 0x([0-9a-f]{2})", "tcp.flags", None),
    (None, "Internet Protocol Version 4", r"^\s+Flags / Fragment Offset: 0x([0-9a-f]{4})", "ip.flags", "ipflags"),
    (None, "Internet Protocol Version 4", r"^\s+Time to Live: (\d+)", "ip.ttl", "dec"),
    (None, "User Datagram Protocol", r"^\s+Length: (\d+)", "udp.length", "dec"),
]


def ours(value, conv):
    if conv == "dec":
        return int(value)
    if conv == "s2k":
        return int(value)
    if conv == "ipflags":
        return int(value, 16) >> 13
    return int(value, 16)


def theirs(value, conv):
    value = value.strip()
    if not value:
        return None
    if conv == "dec":
        return int(value)
    if conv == "s2k":  # kerberos.s2kparams: the 4 octets, hex
        return int(value.replace(":", ""), 16)
    if conv == "ipflags":
        return int(value, 16) if value.startswith("0x") else int(value)
    return int(value.replace(":", ""), 16)


def events(path):
    """[(frame, proto, [lines])] of a tree golden."""
    out = []
    head = re.compile(r"^\s*(\d+) \S+ .*? ([a-z0-9]+)/[a-z0-9]+(?: |$)")
    for line in open(path, encoding="utf-8"):
        m = head.match(line)
        if m and not line.startswith("        "):
            out.append((int(m.group(1)), m.group(2), []))
        elif out:
            out[-1][2].append(line.rstrip("\n"))
    return out


def tshark_fill(pcap, wanted, cache):
    """cache[(pcap, frame, field)] = tshark's values of field in that frame,
    for every (frame, field, conv) of wanted: one `tshark -Y "frame.number in
    {N1,N2,...}" -T fields -e frame.number -e FIELD1 -e FIELD2 ...` per
    capture (tshark's start-up and its pass over the file were most of this
    test's time when it ran once per frame and field)."""
    fields = sorted({f for _, f, _ in wanted})
    frames = sorted({fr for fr, _, _ in wanted})
    conv_of = {(fr, f): c for fr, f, c in wanted}
    r = subprocess.run(["tshark", "-r", pcap, "-Y", "frame.number in {%s}" % ",".join(map(str, frames)),
                        "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "frame.number"] +
                       [a for f in fields for a in ("-e", f)], capture_output=True, text=True)
    rows = {}
    for line in r.stdout.splitlines():
        cols = line.split("\t")
        if cols and cols[0].strip().isdigit():
            rows[int(cols[0])] = cols[1:]
    for fr, field, conv in wanted:
        cols = rows.get(fr, [])
        i = fields.index(field)
        vals = set()
        for v in (cols[i] if i < len(cols) else "").split(","):
            t = theirs(v, conv) if v.strip() else None
            if t is not None:
                vals.add(t)
        cache[(pcap, fr, field)] = vals


def tshark_values(pcap, frame, field, conv, cache):
    return cache[(pcap, frame, field)]


def compare(cases, cache, on_value):
    """Every (name, pcap, frame, field, ours) a golden shows, to on_value."""
    for name, pcap, golden in cases:
        for frame, proto, lines in events(golden):
            heading = None
            for line in lines:
                if re.match(r"^    \S", line):  # a layer's heading (depth 0)
                    heading = line.strip()
                for cproto, under, rx, field, conv in CHECKS:
                    if cproto and cproto != proto:
                        continue
                    if under and not (heading or "").startswith(under):
                        continue
                    m = re.match(rx, line)
                    if not m:
                        continue
                    on_value(name, pcap, frame, field, conv, ours(m.group(1), conv))


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(HERE))
    if not shutil.which("tshark"):
        print("SKIP: tshark not installed")
        return 77
    cases = []
    for line in open(os.path.join(HERE, "TESTLIST"), encoding="utf-8"):
        w = shlex.split(line, comments=True)
        if len(w) >= 3 and "@mode=tree" in w[3:]:
            cases.append((w[0], os.path.join(repo, w[1]), os.path.join(HERE, w[2])))
    compared = failed = skipped = 0
    cache = {}
    present = []
    for name, pcap, golden in cases:
        if not os.path.exists(pcap):
            skipped += 1
            continue
        present.append((name, pcap, golden))
    # first the frames and fields each capture is asked about, one tshark run per capture
    wanted = {}
    compare(present, cache, lambda name, pcap, frame, field, conv, mine:
            wanted.setdefault(pcap, set()).add((frame, field, conv)))
    for pcap, w in wanted.items():
        tshark_fill(pcap, w, cache)
    counts = {}

    def check(name, pcap, frame, field, conv, mine):
        nonlocal failed
        got = tshark_values(pcap, frame, field, conv, cache)
        counts[name] = counts.get(name, 0) + 1
        if mine not in got:
            print(f"FAIL {name} frame {frame} {field}: ours {mine:#x} ({mine}), tshark {sorted(got)}")
            failed += 1
    compare(present, cache, check)
    for name, _, _ in present:
        n = counts.get(name, 0)
        compared += n
        print(f"ok   {name}: {n} values agree with tshark" if n else f"--   {name}: no flag word to compare")
    print(f"tree-vs-tshark: {compared} values compared, {failed} differ, {skipped} captures missing")
    if failed:
        return 1
    if compared == 0:
        return 77 if skipped else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
