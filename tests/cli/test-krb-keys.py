#!/usr/bin/env python3
"""Kerberos with keys end to end on the lab captures (pcaps/keys/): which
generation a refused machine's PA-ENC-TIMESTAMP used, "none of these" when
only a newer key is supplied, its own clock from the decrypted timestamp
(exact on KRB_AP_ERR_SKEW), the service-key generation of a refused ticket,
the kpasswd result read from the encrypted reply, the public x2nn capture
through --password, and that no key or password reaches any output unless
--show-keys asks for key bytes in the teaching view.
Usage: test-krb-keys.py TRUSTWIRE SOURCE_ROOT"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

TW, ROOT = sys.argv[1], sys.argv[2]
PCAPS = os.path.join(ROOT, "pcaps")
PUBLIC = os.path.abspath(os.environ.get("TW_PUBLIC_PCAPS", os.path.join(ROOT, "..", "shared", "pcaps", "public")))
fails = []


def run(pcap, *args, want_err=False):
    path = pcap if os.path.isabs(pcap) else os.path.join(PCAPS, pcap)
    p = subprocess.run([TW, "-r", path] + list(args), capture_output=True, text=True, timeout=300)
    return (p.stdout, p.stderr) if want_err else p.stdout


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


def machine(report, acct):
    return next((m for m in report["machines"] if m["account"] == acct), {})


def events(pcap, *args):
    return [json.loads(l) for l in run(pcap, "-T", "events", *args).splitlines() if l.startswith("{")]


def keytab(name):
    return os.path.join(PCAPS, "keys", name + ".keytab")


# 02: the snapshot's password (kvno 1) of three generations, Kerberos and NETLOGON alike
K02 = ["-K", keytab("02-stale-password")]
j = json.loads(run("02-stale-password.pcap", *K02, "-T", "json"))
m = machine(j, "WS02$")
check(m.get("verdict") == "stale-password", "02: WS02$ stale-password with keys (verdict unchanged)")
check(m.get("key_generation_used") == 2, "02: WS02$ used generation index 2 (kvno 1 of 3): %r" % m.get("key_generation_used"))
proof = m.get("key_proof") or ""
check("older password on its refused Kerberos pre-authentication" in proof and "opens with kvno 1, generation 3 of 3" in proof,
      "02: key_proof says the refused PA-ENC-TIMESTAMP opens with kvno 1, generation 3 of 3")
check(re.search(r"its own clock read 2026-12-02 20:51:13\.039317 UTC \(decrypted PA-ENC-TIMESTAMP, frame 14\): [+-]0\.000 s", proof)
      is not None, "02: the machine's own clock from the decrypted timestamp of frame 14")
ev = events("02-stale-password.pcap", *K02)
pa = [e for e in ev if e.get("msg") == "AS-REQ" and "pa_enc_timestamp_decrypted" in e]
check([(e["frame"], e["key_kvno"], e["key_generation_index"], e["patimestamp"], e["pausec"]) for e in pa] ==
      [(3, 1, 2, "2026-12-02T20:51:12.000000Z", 803702), (14, 1, 2, "2026-12-02T20:51:13.000000Z", 39317)],
      "02: frames 3 and 14 decrypted with kvno 1, patimestamp/pausec as tshark -K shows them")
# only the DC's current key (kvno 3) supplied: none of these
with tempfile.TemporaryDirectory() as tmp:
    kt3 = os.path.join(tmp, "kvno3.keytab")
    slots = subprocess.run(["klist", "-k", keytab("02-stale-password")], capture_output=True, text=True).stdout
    rows = [l.split() for l in slots.splitlines() if re.match(r"^\s*\d+\s", l)]
    keep = [i + 1 for i, r in enumerate(rows) if r[0] == "3"]
    script = "rkt %s\n" % keytab("02-stale-password")
    for slot in reversed([i + 1 for i in range(len(rows)) if i + 1 not in keep]):
        script += "delent %d\n" % slot
    script += "wkt %s\nquit\n" % kt3
    subprocess.run(["ktutil"], input=script, capture_output=True, text=True)
    if os.path.exists(kt3):
        j = json.loads(run("02-stale-password.pcap", "-K", kt3, "-T", "json"))
        m = machine(j, "WS02$")
        check(m.get("key_generation_used") == -1, "02 with kvno 3 only: none of the supplied keys: %r" % m.get("key_generation_used"))
        check("matches none of the 1 supplied keys" in (m.get("key_proof") or ""),
              "02 with kvno 3 only: key_proof says the PA-ENC-TIMESTAMP matches none of the supplied keys")
    else:
        check(False, "ktutil made the kvno-3-only keytab")
check("key_generation_used" not in machine(json.loads(run("02-stale-password.pcap", "-T", "json")), "WS02$"),
      "02 without keys: no key proof")

# 03: the skewed clock, exact from the decrypted PA-ENC-TIMESTAMP and authenticators
K03 = ["-K", keytab("03-clock-skew")]
j = json.loads(run("03-clock-skew.pcap", *K03, "-T", "json"))
m = machine(j, "WS01$")
check(m.get("verdict") == "clock-skew" and m.get("clock_offset_s") == 900.0, "03: WS01$ clock-skew, +900.0 s")
# the evidence as JSON: the text report groups repeated lines and wraps them
skews = [e for e in m.get("evidence", []) if (e.get("error") or "").startswith("KRB_AP_ERR_SKEW")]
exact = [e for e in skews if "(exact, with the supplied keys)" in (e.get("detail") or "")]
check(len(skews) == 6 and len(exact) == 6, "03: the 6 SKEW refusals carry the exact decrypted offset (%d of %d)" % (len(exact), len(skews)))
f4 = [e for e in skews if e.get("frame") == 4]
check(bool(f4) and "the machine's own clock read 2026-12-02 21:06:27.103998 UTC (decrypted PA-ENC-TIMESTAMP, frame 3): +900.0 s"
      in f4[0].get("detail", ""), "03: frame 4's offset comes from the PA-ENC-TIMESTAMP of frame 3")
# the retry after the refusals carries MIT's KDC-corrected time: not a clock step of WS01$
rep = run("03-clock-skew.pcap", *K03)
check("stepped" not in rep and j["capture"].get("clock_samples_corrected") == 1,
      "03: the KDC-corrected client time of the retry is no clock sample (no step; capture.clock_samples_corrected 1)")

# 10: the ticket the server refused is under the DC's newest key of SRV01$
for c in ("10-server-key-kvno", "10-server-key-mismatch"):
    j = json.loads(run(c + ".pcap", "-K", keytab(c), "-T", "json"))
    m = machine(j, "SRV01$")
    check(m.get("verdict") == "server-key-mismatch" and "is under SRV01$@LAB.TRUSTWIRE.TEST kvno 2, generation 1 of 2"
          in (m.get("key_proof") or ""), "%s: the refused ticket is under SRV01$ kvno 2, the newest of 2" % c)

# 10c: BADKEYVER first (no kvno-2 key), then BAD_INTEGRITY (a wrong kvno-2 key): the keytab was rewritten
j = json.loads(run("10-server-key-http.pcap", "-K", keytab("10-server-key-http"), "-T", "json"))
proof = machine(j, "SRV01$").get("key_proof") or ""
check("refused (frame 94) a ticket encrypted with the newest supplied key" in proof and
      "at frame 38 it had no key of that version at all (KRB_AP_ERR_BADKEYVER): its keytab was rewritten" in proof,
      "10-server-key-http: BADKEYVER at 38 then BAD_INTEGRITY at 94 under kvno 2: a rewritten keytab")

# 05: kpasswd over TCP: the reply's result read from the KRB-PRIV; the new password never shown
K05 = ["-K", keytab("05-rotation-kpasswd-tcp")]
ev = events("05-rotation-kpasswd-tcp.pcap", *K05)
priv = [e for e in ev if e.get("msg") == "KRB-PRIV"]
check(len(priv) == 2 and priv[1].get("kpasswd_result") == 0 and priv[1].get("kpasswd_result_name") == "KRB5_KPASSWD_SUCCESS"
      and "kpasswd_result" not in priv[0], "05: the kpasswd reply (frame 28) decrypts to result 0, the request has no result")
outs = "".join(run("05-rotation-kpasswd-tcp.pcap", *K05, "-T", t) for t in ("events", "report", "json", "tree", "summary"))
check("Tw-Lab-Machine-2!" not in outs and "Tw-Lab-Machine-1!" not in outs, "05: no password in any output")

# no key bytes anywhere, except in the tree with --show-keys
kl = subprocess.run(["klist", "-kteK", keytab("02-stale-password")], capture_output=True, text=True).stdout
kvno1 = re.search(r"^\s*1 .*WS02\$@\S+ \(aes256-cts-hmac-sha1-96\)\s+\(0x([0-9a-f]+)\)", kl, re.M).group(1)
outs = "".join(run("02-stale-password.pcap", *K02, "-T", t) for t in ("events", "report", "json", "tree", "summary"))
check(kvno1 not in outs, "02: WS02$'s key in no output without --show-keys")
check(kvno1 in run("02-stale-password.pcap", *K02, "-T", "tree", "--show-keys"),
      "02: --show-keys prints the key that opened the PA-ENC-TIMESTAMP in the teaching view")
tree = run("02-stale-password.pcap", *K02, "-T", "tree")
check("PA-ENC-TIMESTAMP arithmetic" in tree and "salt: LAB.TRUSTWIRE.TESThostws02.lab.trustwire.test (frame 2)" in tree
      and "key 3 of 3: WS02$@LAB.TRUSTWIRE.TEST kvno 1 aes256-cts (02-stale-password.keytab): checksum verified" in tree,
      "02: the teaching view shows the salt with its frame and each candidate key")

# keys and --workers: one worker
out, err = run("01-healthy.pcap", "-K", keytab("01-healthy"), "--workers", "2", "-T", "events", want_err=True)
check("runs as 1" in err and "session_keys" not in out, "01: with keys, --workers 2 runs as 1 (said on stderr)")

# the public x2nn capture: bob's password from its README, through --password and the salt of frame 7
x2nn = os.path.join(PUBLIC, "x2nn-kerberos-network-packets", "kerberos.pcapng")
if os.path.exists(x2nn):
    pw = ["--password", "bob@TEST.MYDOMAIN:qwer@1234"]
    ev = events(x2nn, *pw)
    dec = {(e["frame"], e["msg"]) for e in ev if e.get("decrypted")}
    check({(15, "AS-REQ"), (16, "AS-REP"), (24, "TGS-REQ"), (26, "TGS-REP"), (43, "AP-REQ")} <= dec,
          "x2nn: the AS-REQ, AS-REP, TGS-REQ, TGS-REP and AP-REQ decrypt along the chain from bob's password")
    outs = "".join(run(x2nn, *pw, "-T", t) for t in ("events", "report", "json", "tree", "summary"))
    check("qwer@1234" not in outs, "x2nn: the password in no output")
else:
    print("skip x2nn: %s absent" % x2nn)
sys.exit(1 if fails else 0)
