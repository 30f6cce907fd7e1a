#!/usr/bin/env python3
"""Differential test: Kerberos decrypted with keys, trustwire against `tshark -K`.

For every lab capture that has keys (pcaps/keys/NAME.keytab next to
pcaps/NAME.pcap), and for the public x2nn capture whose README gives the
user's password (a keytab is made from it with ktutil; trustwire gets
--password), both tools decrypt the Kerberos traffic:

    trustwire -r PCAP -K KEYTAB -T events
    tshark -r PCAP -K KEYTAB -o kerberos.decrypt:TRUE -Y kerberos -T fields
           -e frame.number -e kerberos.patimestamp -e kerberos.ctime ...

tshark's fields mix clear and decrypted values (a KRB-ERROR's ctime is in
the clear, an authenticator's is not), so tshark runs a second time without
keys: what a frame gains with keys is what tshark decrypted.  For every
frame and every tshark field below, that multiset must equal the multiset
of trustwire's decrypted fields mapped to it (docs/events.md "Kerberos with
keys").  Which key opened a part is compared too: tshark's expert info
"Decrypted keytype K usage U using keytab principal P … (xxxxxxxx...)"
names the principal and the key's first 4 bytes, which klist -K maps to a
kvno; trustwire says key_principal/key_kvno (usage 1, 3) and
ticket_key_principal/ticket_key_kvno (usage 2).

Usage: krb5-keys-vs-tshark.py TRUSTWIRE [NAME...]
Exit 0 = every frame agrees, 1 = a mismatch, 77 = skip (no tshark).
"""
import collections
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PCAPS = os.path.join(REPO, "pcaps")
PUBLIC = os.environ.get("TW_PUBLIC_PCAPS", os.path.join(REPO, "..", "shared", "pcaps", "public"))
# x2nn/kerberos-network-packets README: "普通域用户bob的密码qwer@1234" (user bob's password).
X2NN = ("x2nn-kerberos-network-packets/kerberos.pcapng", "bob@TEST.MYDOMAIN", "qwer@1234")

# tshark field -> (kind, trustwire's decrypted event keys that map to it)
FIELDS = {
    "kerberos.patimestamp": ("time", ["patimestamp"]),
    "kerberos.pausec": ("int", ["pausec"]),
    "kerberos.ctime": ("time", ["authenticator_ctime", "ap_rep_ctime"]),
    "kerberos.cusec": ("int", ["authenticator_cusec", "ap_rep_cusec"]),
    "kerberos.authtime": ("time", ["ticket_authtime", "enc_authtime", "delegated_ticket_authtime", "cred_authtime"]),
    "kerberos.starttime": ("time", ["ticket_starttime", "enc_starttime", "delegated_ticket_starttime", "cred_starttime"]),
    "kerberos.endtime": ("time", ["ticket_endtime", "enc_endtime", "delegated_ticket_endtime", "cred_endtime"]),
    "kerberos.renew_till": ("time", ["ticket_renew_till", "enc_renew_till", "delegated_ticket_renew_till",
                                     "cred_renew_till"]),
    "kerberos.key_expiration": ("time", ["enc_key_expiration"]),
    "kerberos.till": ("time", ["fast_req_till"]),
    "kerberos.timestamp": ("time", ["fast_timestamp", "priv_timestamp", "cred_timestamp"]),
    "kerberos.usec": ("int", ["fast_usec", "priv_usec", "cred_usec"]),
    "kerberos.nonce": ("int", ["enc_nonce", "fast_nonce", "fast_req_nonce", "cred_nonce"]),
    "kerberos.seq_number": ("int", ["authenticator_seq_number", "ap_rep_seq_number", "priv_seq_number"]),
    "kerberos.keytype": ("int", ["ticket_session_etype", "enc_key_etype", "authenticator_subkey_etype",
                                 "ap_rep_subkey_etype", "fast_strengthen_key_etype", "delegated_ticket_session_etype",
                                 "cred_key_etype"]),
    "kerberos.flags": ("hex", ["ticket_flags", "enc_flags", "delegated_ticket_flags", "cred_flags"]),
    "kerberos.crealm": ("str", ["ticket_crealm", "authenticator_crealm", "fast_crealm", "delegated_ticket_crealm"]),
    "kerberos.prealm": ("str", ["cred_prealm"]),
    "kerberos.srealm": ("str", ["enc_srealm", "cred_srealm"]),
    "kerberos.realm": ("str", ["fast_req_realm", "delegated_ticket_realm"]),
    "kerberos.targrealm": ("str", ["kpasswd_target_realm"]),
    "kerberos.CNameString": ("name", ["ticket_cname", "authenticator_cname", "fast_req_cname", "delegated_ticket_cname"]),
    "kerberos.SNameString": ("name", ["enc_sname", "fast_req_sname", "delegated_ticket_sname", "cred_sname"]),
    "kerberos.KerberosString": ("name", ["fast_cname", "kpasswd_target", "cred_pname"]),
    "kerberos.addr_ip": ("addr", ["ticket_caddr", "enc_caddr", "priv_s_address", "priv_r_address", "delegated_ticket_caddr",
                                  "cred_caddr", "cred_s_address", "cred_r_address"]),
    "kerberos.gssapi.checksum.flags.deleg": ("bit1", ["authenticator_gss_flags"]),
    "kerberos.gssapi.checksum.flags.mutual": ("bit2", ["authenticator_gss_flags"]),
    "kerberos.gssapi.checksum.flags.replay": ("bit4", ["authenticator_gss_flags"]),
    "kerberos.gssapi.checksum.flags.sequence": ("bit8", ["authenticator_gss_flags"]),
    "kerberos.gssapi.checksum.flags.conf": ("bit16", ["authenticator_gss_flags"]),
    "kerberos.gssapi.checksum.flags.integ": ("bit32", ["authenticator_gss_flags"]),
    "kerberos.gssapi.checksum.flags.dce-style": ("bit4096", ["authenticator_gss_flags"]),
    "kpasswd.result": ("int", ["kpasswd_result"]),
    "kpasswd.result_string": ("str", ["kpasswd_result_string"]),
    "kerberos.pac.entries": ("int", ["pac_buffers", "delegated_pac_buffers"]),
    "kerberos.pac.name": ("str", ["pac_client_name", "delegated_pac_client_name"]),
    "netlogon.acct_name": ("str", ["pac_logon_name", "delegated_pac_logon_name"]),
    "netlogon.domain": ("str", ["pac_logon_domain", "delegated_pac_logon_domain"]),
    "netlogon.num_rids": ("int", ["pac_group_count", "delegated_pac_group_count"]),
    "netlogon.rid": ("int", ["pac_user_rid", "delegated_pac_user_rid"]),
}
# Every decrypted field trustwire outputs is compared (or is about which key opened a part).
KEY_FIELDS = {"decrypted", "pa_enc_timestamp_decrypted", "ticket_decrypted", "enc_part_decrypted",
              "authenticator_decrypted", "fast_decrypted", "delegated_ticket_decrypted", "cred_decrypted",
              "delegated_ticket_key_generations", "delegated_ticket_key_label", "delegated_ticket_key_generation_index",
              "delegated_ticket_key_kvno", "delegated_ticket_key_principal",
              "key_generations", "key_label", "key_generation_index", "key_kvno", "key_principal",
              "ticket_key_generations", "ticket_key_label", "ticket_key_generation_index", "ticket_key_kvno",
              "ticket_key_principal"}
# Fields trustwire derives from a compared one (not a tshark field of their own).
DERIVED = {"kpasswd_result_name"}
# The one documented difference (docs/events.md): a kpasswd change-password
# *request* (RFC 3244 version 1, sent to port 464) is taken by tshark for a
# reply (pcaps/README.md: "Wireshark labels it Reply"), which reads the
# decrypted new password as a result code and result string.  trustwire
# knows it is the request (the key that opened it is the AP-REQ's subkey)
# and never reads the password out.  Frames where trustwire decrypted such a
# request skip these two tshark fields.
KPASSWD_REQUEST_FIELDS = ("kpasswd.result", "kpasswd.result_string")
KPASSWD_REQUESTS = set()
EXPERT = re.compile(r"Decrypted keytype (-?\d+) usage (\d+) using keytab principal (\S+) .*\(([0-9a-f]{8})\.\.\.\)")


def tshark_time(v):
    """'Dec  2, 2026 20:50:55.000000000 UTC' -> '2026-12-02T20:50:55.000000'."""
    v = " ".join(v.replace(" UTC", "").split())
    date, frac = v.rsplit(".", 1) if "." in v.split()[-1] else (v, "0")
    t = datetime.datetime.strptime(date, "%b %d, %Y %H:%M:%S")
    return t.strftime("%Y-%m-%dT%H:%M:%S") + "." + (frac + "000000")[:6]


def norm(kind, v):
    if kind.startswith("bit"):
        if isinstance(v, str):
            return 1 if v in ("1", "True", "true") else 0
        return 1 if int(v) & int(kind[3:]) else 0
    if kind == "time":
        return v.replace("Z", "")[:26] if re.match(r"^\d{4}-", v) else tshark_time(v)
    if kind == "int":
        return (int(v, 16) if v.startswith("0x") else int(v)) if isinstance(v, str) else int(v)
    if kind == "hex":
        return int(v, 16)
    return v


def tshark(pcap, keytab, fields):
    cmd = ["tshark", "-n", "-r", pcap, "-Y", "kerberos", "-T", "fields", "-E", "occurrence=a",
           "-E", "aggregator=|", "-e", "frame.number"]
    if keytab:
        cmd[1:1] = ["-K", keytab, "-o", "kerberos.decrypt:TRUE"]
    for f in fields:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        sys.exit("tshark failed on %s: %s" % (pcap, p.stderr.strip()[:300]))
    out = {}
    for line in p.stdout.splitlines():
        cols = line.split("\t")
        frame = int(cols[0])
        vals = {}
        for f, c in zip(fields, cols[1:]):
            kind = FIELDS[f][0] if f in FIELDS else "str"
            items = [x for x in c.split("|") if x != ""] if c else []
            if kind == "name":
                pass
            vals[f] = collections.Counter(norm(kind, x) if kind not in ("name", "addr", "str") else x for x in items)
        out[frame] = vals
    return out


def ours(events):
    """frame -> tshark field -> Counter of trustwire's decrypted values; frame -> key proofs."""
    per, keys, unknown = {}, {}, set()
    for e in events:
        if e.get("proto") != "kerberos":
            continue
        if (e.get("msg") == "KRB-PRIV" and e.get("kpasswd_version") == 1 and e.get("dport") == 464
                and e.get("enc_part_decrypted") is True and "kpasswd_result" not in e):
            KPASSWD_REQUESTS.add(e["frame"])
        fr = per.setdefault(e["frame"], {f: collections.Counter() for f in FIELDS})
        for f, (kind, evkeys) in FIELDS.items():
            for k in evkeys:
                if k not in e:
                    continue
                v = e[k]
                if kind == "name":
                    fr[f].update(v.split("/"))
                elif kind == "addr":
                    fr[f].update(x for x in (v if isinstance(v, list) else [v]) if re.match(r"^\d+\.\d+\.\d+\.\d+$", x))
                else:
                    fr[f][norm(kind, v)] += 1
        kp = keys.setdefault(e["frame"], collections.Counter())
        if e.get("pa_enc_timestamp_decrypted") is True:
            kp[(1, e.get("key_principal"), e.get("key_kvno"))] += 1
        if e.get("msg") == "AS-REP" and e.get("enc_part_decrypted") is True:
            kp[(3, e.get("key_principal"), e.get("key_kvno"))] += 1
        if e.get("ticket_decrypted") is True:
            kp[(2, e.get("ticket_key_principal"), e.get("ticket_key_kvno"))] += 1
        if e.get("delegated_ticket_decrypted") is True:
            kp[(2, e.get("delegated_ticket_key_principal"), e.get("delegated_ticket_key_kvno"))] += 1
        if e.get("decrypted"):
            mapped = {k for _, ks in FIELDS.values() for k in ks}
            base = set(plain_fields(e))
            for k in e:
                if (k not in mapped and k not in KEY_FIELDS and k not in DERIVED and k not in base
                        and not k.endswith("_truncated")):
                    unknown.add(k)
    return per, keys, unknown


_PLAIN = {}


def plain_fields(e):
    """The fields the same message has without keys (set by run())."""
    return _PLAIN.get((e["frame"], e.get("msg"), e.get("transport")), ())


def keytab_kvnos(keytab):
    """First 4 key bytes (hex) -> (principal, kvno), from klist -K."""
    p = subprocess.run(["klist", "-kteK", keytab], capture_output=True, text=True)
    m = {}
    for line in p.stdout.splitlines():
        r = re.match(r"\s*(\d+)\s+\S+\s+\S+\s+(\S+)\s+\(.*\)\s+\(0x([0-9a-f]+)\)", line)
        if r:
            m[r.group(3)[:8]] = (r.group(2), int(r.group(1)))
    return m


def tshark_keys(pcap, keytab, kvnos, with_kvno=True):
    p = subprocess.run(["tshark", "-n", "-r", pcap, "-K", keytab, "-o", "kerberos.decrypt:TRUE", "-Y", "kerberos",
                        "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|", "-e", "frame.number",
                        "-e", "_ws.expert.message"], capture_output=True, text=True, timeout=600)
    out = {}
    for line in p.stdout.splitlines():
        cols = line.split("\t")
        c = out.setdefault(int(cols[0]), collections.Counter())
        for msg in (cols[1].split("|") if len(cols) > 1 else []):
            r = EXPERT.match(msg)
            if r and int(r.group(2)) in (1, 2, 3):
                princ, kvno = kvnos.get(r.group(4), (r.group(3), None))
                c[(int(r.group(2)), princ, kvno if with_kvno else None)] += 1
    return out


def events(pcap, args):
    p = subprocess.run([TW, "-r", pcap, "-T", "events"] + args, capture_output=True, text=True, timeout=600)
    if p.returncode not in (0, 1, 3):
        sys.exit("trustwire failed on %s (%d): %s" % (pcap, p.returncode, p.stderr[:300]))
    return [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]


def run(name, pcap, keytab, tw_args):
    global _PLAIN
    KPASSWD_REQUESTS.clear()
    plain_ev = events(pcap, [])
    _PLAIN = {}
    for e in plain_ev:
        _PLAIN[(e["frame"], e.get("msg"), e.get("transport"))] = set(e)
    ev = events(pcap, tw_args)
    fields = list(FIELDS)
    with_k = tshark(pcap, keytab, fields)
    without = tshark(pcap, None, fields)
    mine, mykeys, unknown = ours(ev)
    # a --password key has no kvno (the keytab made for tshark has a made-up one)
    thkeys = tshark_keys(pcap, keytab, keytab_kvnos(keytab), with_kvno="--password" not in tw_args)
    bad = []
    frames = values = 0
    for fr in sorted(set(with_k) | set(mine)):
        w, wo = with_k.get(fr, {}), without.get(fr, {})
        m = mine.get(fr, {f: collections.Counter() for f in FIELDS})
        frame_has = False
        for f in FIELDS:
            dec = w.get(f, collections.Counter()) - wo.get(f, collections.Counter())
            if dec or m[f]:
                frame_has = True
            if dec != m[f] and fr in KPASSWD_REQUESTS and f in KPASSWD_REQUEST_FIELDS and not m[f]:
                print("  documented: %s frame %d %s: tshark reads a kpasswd request's new password as a result"
                      % (name, fr, f))
            elif dec != m[f]:
                bad.append("%s frame %d %s: tshark %s, trustwire %s" % (name, fr, f, dict(dec), dict(m[f])))
            values += sum(m[f].values())
        tk, mk = thkeys.get(fr, collections.Counter()), mykeys.get(fr, collections.Counter())
        if tk or mk:
            frame_has = True
            if tk != mk:
                bad.append("%s frame %d keys: tshark %s, trustwire %s" % (name, fr, dict(tk), dict(mk)))
            values += sum(mk.values())
        frames += frame_has
    for k in sorted(unknown):
        bad.append("%s: decrypted field %s is compared with nothing (add it to FIELDS)" % (name, k))
    print("%-28s %3d frames with decrypted fields, %4d values: %s" % (name, frames, values,
                                                                      "agree" if not bad else "%d MISMATCH" % len(bad)))
    for b in bad:
        print("  " + b)
    return frames, values, bad


def main():
    global TW
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    TW = sys.argv[1]
    only = set(sys.argv[2:])
    if not shutil.which("tshark") or not shutil.which("klist"):
        print("SKIP: tshark or klist not found")
        return 77
    cases = []
    for kt in sorted(os.listdir(os.path.join(PCAPS, "keys"))):
        if kt.endswith(".keytab"):
            name = kt[:-7]
            pcap = os.path.join(PCAPS, name + ".pcap")
            if os.path.exists(pcap) and (not only or name in only):
                k = os.path.join(PCAPS, "keys", kt)
                cases.append((name, pcap, k, ["-K", k]))
    tmp = tempfile.TemporaryDirectory()
    x2nn = os.path.join(PUBLIC, X2NN[0])
    if os.path.exists(x2nn) and shutil.which("ktutil") and (not only or "x2nn" in only):
        kt = os.path.join(tmp.name, "bob.keytab")
        script = "".join("addent -password -p %s -k 1 -e %s\n%s\n" % (X2NN[1], et, X2NN[2])
                         for et in ("aes256-cts-hmac-sha1-96", "aes128-cts-hmac-sha1-96", "arcfour-hmac"))
        subprocess.run(["ktutil"], input=script + "wkt %s\nquit\n" % kt, capture_output=True, text=True)
        if os.path.exists(kt):
            cases.append(("x2nn (--password)", x2nn, kt, ["--password", "%s:%s" % (X2NN[1], X2NN[2])]))
    if not cases:
        print("SKIP: no capture with keys")
        return 77
    tf = tv = 0
    allbad = []
    for name, pcap, kt, args in cases:
        f, v, bad = run(name, pcap, kt, args)
        tf += f
        tv += v
        allbad += bad
    print("TOTAL %d captures, %d frames with decrypted fields, %d decrypted values: %s"
          % (len(cases), tf, tv, "all agree with tshark -K" if not allbad else "%d mismatches" % len(allbad)))
    return 1 if allbad else 0


if __name__ == "__main__":
    sys.exit(main())
