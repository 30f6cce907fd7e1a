#!/usr/bin/env python3
"""NETLOGON with keys end to end on lab captures (--password through the key
store): which generation a refused machine used, "none of these", the reset
by someone else, and that no password or session key reaches any output
unless --show-keys asks for the key in the teaching view.
Usage: test-nl-keys.py TRUSTWIRE SOURCE_ROOT"""
import json, os, subprocess, sys

TW, ROOT = sys.argv[1], sys.argv[2]
fails = []


def run(pcap, *args):
    p = subprocess.run([TW, "-r", os.path.join(ROOT, "pcaps", pcap)] + list(args),
                       capture_output=True, text=True, timeout=120)
    return p.stdout + p.stderr


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


def machine(report, acct):
    return next((m for m in report["machines"] if m["account"] == acct), {})


WP = "04-netlogon-wrong-password.pcap"
keys = ["--password", "current=WS01$:some-current-pw", "--password", "previous=WS01$:not-the-machine-password"]
j = json.loads(run(WP, *keys, "-T", "json"))
m = machine(j, "WS01$")
check(m.get("key_generation_used") == 1, "04: WS01$ used generation 1 (previous): %r" % m.get("key_generation_used"))
check("previous" in (m.get("key_proof") or ""), "04: key_proof names 'previous'")
ev = [json.loads(l) for l in run(WP, *keys, "-T", "events").splitlines() if l.startswith("{")]
auth = [e for e in ev if e.get("op") == "NetrServerAuthenticate3" and e.get("dir") == "request"]
check(len(auth) == 2 and all(e.get("credential_check") == "match" and e.get("credential_generation") == "previous"
                             and e.get("decrypted") is True for e in auth),
      "04: 2/2 Authenticate3 requests recomputed and matched with 'previous' (TCP and SMB2)")
outs = "".join(run(WP, *keys, "-T", t) for t in ("events", "report", "json", "tree", "summary"))
check("not-the-machine-password" not in outs and "some-current-pw" not in outs, "04: no password in any output")
check("5236c9108a093495bdc3c180585f91ef" not in outs, "04: no session key in any output without --show-keys")
check("5236c9108a093495bdc3c180585f91ef" in run(WP, *keys, "-T", "tree", "--show-keys"),
      "04: --show-keys prints the session key in the teaching view")
j = json.loads(run(WP, "-T", "json"))
check("key_generation_used" not in machine(j, "WS01$"), "04 without keys: no key proof")

SR = "11-samr-reset.pcap"
j = json.loads(run(SR, "--password", "current=WS08$:Reset-From-Ws07-1!", "-T", "json"))
m = machine(j, "WS08$")
check(m.get("key_generation_used") == -1, "11: WS08$'s refused credential matches none of the supplied: %r"
      % m.get("key_generation_used"))
check("from 10.77.0.27 (SamrSetInformationUser2, frame 165)" in (m.get("reset_by_other") or ""),
      "11: reset_by_other names 10.77.0.27, SamrSetInformationUser2, frame 165")
# the lab's exported keys (pcaps/keys/11-samr-reset.keytab: WS08$ kvno 1 as joined, kvno 2 the reset's):
# the refused machine used kvno 1, and the reset names the administrator (decrypted Kerberos)
j = json.loads(run(SR, "-K", os.path.join(ROOT, "pcaps", "keys", "11-samr-reset.keytab"), "-T", "json"))
m = machine(j, "WS08$")
check(m.get("key_generation_used") == 1, "11 -K: WS08$ used kvno 1 (the password before the reset): %r"
      % m.get("key_generation_used"))
check("user Administrator@LAB.TRUSTWIRE.TEST, SamrSetInformationUser2, frame 165" in (m.get("reset_by_other") or ""),
      "11 -K: reset_by_other names the administrator who reset it")

sys.exit(1 if fails else 0)
