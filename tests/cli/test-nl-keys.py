#!/usr/bin/env python3
"""NETLOGON with keys end to end on lab captures (--password through the key
store): which generation a refused machine used, "none of these", the reset
by someone else, and that no password or session key reaches any output
unless --show-keys asks for the key in the teaching view.
Usage: test-nl-keys.py TRUSTWIRE SOURCE_ROOT"""
import json, os, subprocess, sys

TW, ROOT = sys.argv[1], sys.argv[2]
fails = []


def run(pcap, *args, stderr=True):
    """stdout and stderr (every output a key must never reach); stderr=False:
    stdout only, for a report parsed as JSON (a key file checked out with
    loose permissions gets a warning on stderr)."""
    p = subprocess.run([TW, "-r", os.path.join(ROOT, "pcaps", pcap)] + list(args),
                       capture_output=True, text=True, timeout=120)
    return p.stdout + p.stderr if stderr else p.stdout


def report(pcap, *args):
    return json.loads(run(pcap, *args, "-T", "json", stderr=False))


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


def machine(report, acct):
    return next((m for m in report["machines"] if m["account"] == acct), {})


WP = "04-netlogon-wrong-password.pcap"
keys = ["--password", "current=WS01$:some-current-pw", "--password", "previous=WS01$:not-the-machine-password"]
j = report(WP, *keys)
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
j = report(WP)
check("key_generation_used" not in machine(j, "WS01$"), "04 without keys: no key proof")

SR = "11-samr-reset.pcap"
j = report(SR, "--password", "current=WS08$:Reset-From-Ws07-1!")
m = machine(j, "WS08$")
check(m.get("key_generation_used") == -1, "11: WS08$'s refused credential matches none of the supplied: %r"
      % m.get("key_generation_used"))
check("from 10.77.0.27 (SamrSetInformationUser2, frame 165)" in (m.get("reset_by_other") or ""),
      "11: reset_by_other names 10.77.0.27, SamrSetInformationUser2, frame 165")
# the lab's exported keys (pcaps/keys/11-samr-reset.keytab: WS08$ kvno 1 as joined, kvno 2 the reset's):
# the refused machine used kvno 1, and the reset names the administrator (decrypted Kerberos)
j = report(SR, "-K", os.path.join(ROOT, "pcaps", "keys", "11-samr-reset.keytab"))
m = machine(j, "WS08$")
check(m.get("key_generation_used") == 1, "11 -K: WS08$ used kvno 1 (the password before the reset): %r"
      % m.get("key_generation_used"))
check("user Administrator@LAB.TRUSTWIRE.TEST, SamrSetInformationUser2, frame 165" in (m.get("reset_by_other") or ""),
      "11 -K: reset_by_other names the administrator who reset it")

# A sealed NetrServerPasswordSet2 whose secure channel setup is in the capture
# (pcaps/13-rotation-sealed.pcap): rotation 1 by `net rpc changetrustpw` (frame 50,
# sealed with the key of the schannel bind, ClearNewPassword under the key of the
# re-authentication inside the connection), rotation 2 by winbindd (frame 331).
RS = "13-rotation-sealed.pcap"
KT = os.path.join(ROOT, "pcaps", "keys", "13-rotation-sealed.keytab")
NT = {}
with open(os.path.join(ROOT, "pcaps", "keys", "13-rotation-sealed.nthash")) as f:
    for line in f:
        a, kv, h = line.split()
        NT[(a, int(kv))] = h


def pwset(*args):
    ev = [json.loads(l) for l in run(RS, *args, "-T", "events").splitlines() if l.startswith("{")]
    return [e for e in ev if e.get("op") == "NetrServerPasswordSet2"]


ps = pwset("-K", KT)
req = [e for e in ps if e.get("dir") == "request"]
rsp = [e for e in ps if e.get("dir") == "response"]
check([e["frame"] for e in req] == [50, 331], "13: two sealed PasswordSet2 requests (frames 50, 331): %r"
      % [e["frame"] for e in req])
check(all(e.get("sealed") is True and e.get("unsealed") is True and e.get("decrypted") is True for e in req),
      "13 -K: both sealed PasswordSet2 requests unsealed and decrypted")
check(all(e.get("new_password_length_valid") is True and e.get("new_password_length") == 240
          and e.get("new_password_zero") is False and e.get("new_password_all_zero") is False for e in req),
      "13 -K: ClearNewPassword decrypted: 240 bytes (Samba's 120 characters), not zero: %r"
      % [(e.get("new_password_length"), e.get("new_password_zero")) for e in req])
check(all(e.get("authenticator_check") == "match" for e in req)
      and all(e.get("return_authenticator_check") == "match" and e.get("nt_status") == "0x00000000" for e in rsp)
      and len(rsp) == 2, "13 -K: authenticators and return authenticators match, both STATUS_SUCCESS")
# the decrypted new password is the one the DC holds after each rotation: its NT hash
# is the keytab's next generation (kvno 2 after frame 50, kvno 3 after frame 331)
check([(e["frame"], e.get("new_password_check"), e.get("new_password_generation")) for e in req]
      == [(50, "match", "kvno 2"), (331, "match", "kvno 3")],
      "13 -K: each new password is the next generation the DC holds: %r"
      % [(e["frame"], e.get("new_password_check"), e.get("new_password_generation")) for e in req])
# only the generation before rotation 1: rotation 1's call opens, winbindd's channel
# (set up with generation 2) does not
ps = pwset("--nthash", "WS18$:" + NT[("WS18$", 1)])
req = {e["frame"]: e for e in ps if e.get("dir") == "request"}
check(req.get(50, {}).get("new_password_length") == 240 and "unsealed" not in req.get(331, {"unsealed": 1}),
      "13 --nthash kvno 1: frame 50 decrypted (240), frame 331 stays sealed")
check(req.get(50, {}).get("new_password_check") == "none" and "new_password_generation" not in req.get(50, {}),
      "13 --nthash kvno 1: frame 50's new password is none of the supplied (kvno 2 not given)")
ps = pwset("--nthash", "WS18$:" + NT[("WS18$", 2)])
req = {e["frame"]: e for e in ps if e.get("dir") == "request"}
check(req.get(331, {}).get("new_password_length") == 240 and "unsealed" not in req.get(50, {"unsealed": 1}),
      "13 --nthash kvno 2: frame 331 decrypted (240), frame 50 stays sealed")
# the report: without keys the sealed PasswordSet2 is WS18$'s by its schannel bind (NL_AUTH_MESSAGE),
# contents unknown; with keys it is read like a clear call
def rotation_evidence(*args):
    j = report(RS, *args)
    m = machine(j, "WS18$")
    f = next((f for f in m.get("findings", []) if f["rule"] == "rotation"), {})
    return m.get("verdict"), [(e.get("frame"), e.get("detail") or "") for e in f.get("evidence", [])]
v, ev = rotation_evidence()
check(v == "rotation" and [fr for fr, _ in ev][:2] == [50, 331] and all("contents encrypted" in w for _, w in ev[:2]),
      "13 without keys: WS18$ rotation from the two sealed PasswordSet2 (frames 50, 331), contents encrypted: %r" % ev)
v, ev = rotation_evidence("-K", KT)
check(v == "rotation" and {50, 331} <= {fr for fr, _ in ev} and not any("contents encrypted" in w for _, w in ev),
      "13 -K: WS18$ rotation from the two PasswordSet2 read unsealed: %r" % ev)
check(dict(ev).get(50, "").endswith("(decrypted: it is kvno 2 of the supplied keys)")
      and dict(ev).get(331, "").endswith("(decrypted: it is kvno 3 of the supplied keys)"),
      "13 -K: the rotation evidence says which generation each new password is: %r" % ev)
ps = pwset()
check(all("unsealed" not in e and "new_password_length" not in e for e in ps) and len(ps) == 4,
      "13 without keys: nothing unsealed")
outs = run(RS, "-K", KT, "-T", "events") + run(RS, "-K", KT, "-T", "tree")
check(not any(h in outs for h in NT.values()), "13: no NT hash in any output")
sys.exit(1 if fails else 0)
