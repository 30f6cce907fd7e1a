#!/usr/bin/env python3
"""Oracle: every Kerberos message tshark finds anywhere, trustwire finds too.

For every capture in pcaps/ and ../shared/pcaps/public (or $TW_PUBLIC_PCAPS),
`tshark -Y kerberos -T fields -e frame.number -e kerberos.msg_type` lists the
frames holding Kerberos messages on any carrier (UDP/TCP 88 and 464, SMB2,
DCE/RPC, LDAP, HTTP on any port, DNS TKEY...) and the msg_type of each.  The
test asserts that trustwire's events (-T events) hold the same msg_types in
the same frames.  tshark also counts the AP-REQ inside a TGS-REQ's PA-TGS-REQ
(msg_type 14 next to 12); trustwire's TGS-REQ event stands for both when its
padata lists PA-TGS-REQ (1).

Only misses are failures (tshark saw it, trustwire did not); messages
trustwire sees and tshark does not are printed as notes.  Exceptions are
listed in EXCEPTIONS with a reason.

With --synthetic, the lab's HTTP Negotiate capture (pcaps/10-server-key-http,
port 80) is rewritten with tcprewrite to ports 5985 (WinRM) and 3128 (a
proxy), and cut so that a flow is first seen from its server's side: HTTP
must be found by its first bytes, not by its port.  Its tokens are also put
in a DNS GSS-TSIG TKEY exchange over UDP and TCP 53 (make-gss-tsig.py).

Usage: krb5-anywhere-vs-tshark.py TRUSTWIRE [--synthetic | PCAP...]
Exit 0 = nothing missed (or only listed exceptions), 1 = misses, 77 = skip.
"""
import atexit
import collections
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PUBLIC = os.environ.get("TW_PUBLIC_PCAPS", os.path.join(REPO, "..", "shared", "pcaps", "public"))
PCAPS = os.path.join(REPO, "pcaps")
PA_TGS_REQ = 1
AP_REQ = 14

# (capture path relative to its root, frame, msg_type) -> reason.  Every
# entry is a message tshark shows that trustwire rightly does not emit.
EXCEPTIONS = {
    # Windows 2000 copies its AP-REP into the SPNEGO mechListMIC (the same
    # bytes as responseToken).  tshark decodes both; it is one message, and
    # trustwire emits it once so the reply is not counted twice.
    ("zeek/krb/smb_gssapi.pcap", 8, 15): "W2K mechListMIC repeats the AP-REP",
}


# Messages trustwire must find although tshark does not: (capture, frame,
# msg_type) -> why.  tshark does not decode the 401's token once the
# request that opened the flow is cut away; trustwire finds the flow by its
# status line (the probe_reply of dissectors/http/http.c).
MUST_FIND_BEYOND = {
    ("http-on-5985-reply-first.pcap", 34, 30): "flow first seen from the server: KRB-ERROR in the 401",
}


def captures(args):
    if args:
        return [(os.path.dirname(a), a) for a in args]
    out = []
    for root in (PCAPS, PUBLIC):
        if not os.path.isdir(root):
            continue
        for p in sorted(glob.glob(os.path.join(root, "**", "*"), recursive=True)):
            if p.endswith((".pcap", ".pcapng", ".cap")) and os.path.isfile(p):
                out.append((root, p))
    return out


def synthetic():
    src = os.path.join(PCAPS, "10-server-key-http.pcap")
    if not (shutil.which("tcprewrite") and shutil.which("editcap") and os.path.isfile(src)):
        return None
    tmp = tempfile.mkdtemp(prefix="tw-anywhere-")
    atexit.register(shutil.rmtree, tmp, True)
    out = []
    for port in (5985, 3128):
        dst = os.path.join(tmp, f"http-on-{port}.pcap")
        subprocess.run(["tcprewrite", f"--portmap=80:{port}", "--fixcsum", "-i", src, "-o", dst],
                       check=True, capture_output=True)
        out.append((tmp, dst))
    # Frames 34-37 hold the first request and its ACKs: the flow's first
    # payload is then the server's 401 (frame 38 of the original).
    cut = os.path.join(tmp, "http-on-5985-reply-first.pcap")
    subprocess.run(["editcap", out[0][1], cut, "34-37"], check=True, capture_output=True)
    out.append((tmp, cut))
    # DNS GSS-TSIG: the same capture's tokens in TKEY over UDP and TCP 53.
    dns = os.path.join(tmp, "gss-tsig-tkey.pcap")
    subprocess.run([sys.executable, os.path.join(HERE, "make-gss-tsig.py"), src, dns], check=True)
    out.append((tmp, dns))
    return out


def tshark_msgs(path):
    r = subprocess.run(["tshark", "-n", "-r", path, "-Y", "kerberos", "-T", "fields",
                        "-e", "frame.number", "-e", "kerberos.msg_type"],
                       capture_output=True, text=True)
    got = collections.Counter()
    for line in r.stdout.splitlines():
        if not line.strip():
            continue
        frame, _, types = line.partition("\t")
        for t in types.split(","):
            if t.strip():
                got[(int(frame), int(t))] += 1
    return got


def trustwire_msgs(tw, path):
    r = subprocess.run([tw, "-T", "events", path], capture_output=True, text=True)
    if r.returncode not in (0, 1, 3):
        raise RuntimeError(f"trustwire exit {r.returncode} on {path}: {r.stderr[-500:]}")
    got = collections.Counter()
    for line in r.stdout.splitlines():
        ev = json.loads(line)
        if ev.get("proto") not in ("kerberos", "kpasswd") or "msg_type" not in ev:
            continue
        frame, mt = ev["frame"], ev["msg_type"]
        got[(frame, mt)] += 1
        if mt == 12 and PA_TGS_REQ in ev.get("padata", []):
            got[(frame, AP_REQ)] += 1
    return got


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    tw = sys.argv[1]
    if not shutil.which("tshark"):
        print("SKIP: no tshark")
        return 77
    if sys.argv[2:] == ["--synthetic"]:
        caps = synthetic()
        if caps is None:
            print("SKIP: no tcprewrite/editcap or no pcaps/10-server-key-http.pcap")
            return 77
    else:
        caps = captures(sys.argv[2:])
    if not caps:
        print("SKIP: no captures in pcaps/ or ../shared")
        return 77
    total_ts = total_tw = 0
    failures = []
    for root, path in caps:
        rel = os.path.relpath(path, root)
        ts = tshark_msgs(path)
        if not ts:
            continue
        tw_got = trustwire_msgs(tw, path)
        found = 0
        for (frame, mt), n in sorted(ts.items()):
            have = min(n, tw_got.get((frame, mt), 0))
            found += have
            if have < n:
                reason = EXCEPTIONS.get((rel, frame, mt))
                if reason:
                    print(f"  exception {rel} frame {frame} msg_type {mt}: {reason}")
                    found += n - have
                else:
                    failures.append(f"{rel}: frame {frame} msg_type {mt}: tshark {n}, trustwire {have}")
        for (f, fr, mt), why in MUST_FIND_BEYOND.items():
            if f == rel and not tw_got.get((fr, mt)):
                failures.append(f"{rel}: frame {fr} msg_type {mt}: not found ({why})")
        extra = sum((tw_got - ts).values())
        total_ts += sum(ts.values())
        total_tw += found
        print(f"{found}/{sum(ts.values())} {rel}" + (f" (+{extra} not in tshark)" if extra else ""))
    print(f"total {total_tw}/{total_ts}")
    for f in failures:
        print("MISS " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
