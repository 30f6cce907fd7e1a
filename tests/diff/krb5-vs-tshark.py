#!/usr/bin/env python3
"""Differential test: trustwire's Kerberos events against tshark's dissection.

For every capture under ../shared/pcaps/public (relative to the repo root, or
$TW_PUBLIC_PCAPS), every frame holding a Kerberos message on ports 88/464:
the frame number, msg_type, error_code, realm, crealm, cname and sname must
agree with tshark (`-T json --no-duplicate-keys`, default preferences so TCP
records are desegmented).  tshark's fields are read at the same place in the
ASN.1 tree as trustwire reads them (e.g. the TGS-REQ sname is the req-body
sname, not the PA-TGS-REQ ticket's), so the comparison is field by field.

Usage: krb5-vs-tshark.py TRUSTWIRE [PCAP...]
Exit 0 = all agree (or only documented exceptions), 1 = mismatch, 77 = skip.
"""
import datetime
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PUBLIC = os.environ.get("TW_PUBLIC_PCAPS", os.path.join(REPO, "..", "shared", "pcaps", "public"))
PORTS = {88, 464}
FILTER = "kerberos && (tcp.port==88||udp.port==88||tcp.port==464||udp.port==464)"

# Documented exceptions (see docs/events.md "Differences from tshark"):
# (capture path relative to PUBLIC, frame, field) -> reason.
EXCEPTIONS = {
    # A hand-made KRB-ERROR without pvno/msg-type whose e-data is not wrapped in
    # an OCTET STRING.  tshark's BER decoder stops at the first out-of-order
    # field and shows neither msg_type nor error_code; trustwire takes the type
    # from the APPLICATION 30 tag, reads error-code [6] = 25 and flags the
    # event malformed.
    ("zeek/krb/error-preauth-padata.pcap", 1, "msg_type"): "APPLICATION tag gives the type",
    ("zeek/krb/error-preauth-padata.pcap", 1, "error_code"): "fields read in any order",
}

# The fields the task names, then further fields compared the same way.
FIELDS = ("msg_type", "error_code", "realm", "crealm", "cname", "sname",
          "etypes", "padata", "nonce", "kdc_options", "till", "stime", "susec", "e_text", "nt_status")


def names(elem, key):
    """Join the name-string components of a cname_element / sname_element."""
    if not isinstance(elem, dict):
        return None
    for k, v in elem.items():
        if k.endswith("_string_tree") and isinstance(v, dict):
            for kk, vv in v.items():
                if kk in ("kerberos.CNameString", "kerberos.SNameString", "kerberos.KerberosString"):
                    return "/".join(vv) if isinstance(vv, list) else vv
    return None


def first(v):
    return v[0] if isinstance(v, list) else v


def as_list(v):
    return v if isinstance(v, list) else [v]


def tshark_time(v):
    """'Feb  5, 2019 03:38:49.000000000 UTC' -> '2019-02-05T03:38:49.000000Z'."""
    if v is None:
        return None
    v = " ".join(first(v).split())  # collapse the day's padding
    date, _, rest = v.rpartition(" ")  # drop 'UTC'
    main, _, frac = date.partition(".")
    t = datetime.datetime.strptime(main, "%b %d, %Y %H:%M:%S")
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + (frac + "000000")[:6] + "Z"


def find_key(o, key):
    """First value of `key` anywhere below o (depth first)."""
    if isinstance(o, dict):
        for k, v in o.items():
            if k == key:
                return first(v)
            r = find_key(v, key)
            if r is not None:
                return r
    elif isinstance(o, list):
        for v in o:
            r = find_key(v, key)
            if r is not None:
                return r
    return None


def tshark_message(layer):
    """Reduce one tshark kerberos layer to the compared fields."""
    elem = None
    for k, v in layer.items():
        if k.startswith("kerberos.") and k.endswith("_element") and isinstance(v, dict):
            elem = v
            break
    if elem is None:
        return None
    out = dict.fromkeys(FIELDS)
    mt = elem.get("kerberos.msg_type")
    out["msg_type"] = int(first(mt)) if mt is not None else None
    ec = elem.get("kerberos.error_code")
    out["error_code"] = int(first(ec)) if ec is not None else None
    out["crealm"] = elem.get("kerberos.crealm")
    body = elem.get("kerberos.req_body_element")
    ticket = elem.get("kerberos.ticket_element")
    if body is not None:  # AS-REQ / TGS-REQ
        out["realm"] = body.get("kerberos.realm")
        out["cname"] = names(body.get("kerberos.cname_element"), "c")
        out["sname"] = names(body.get("kerberos.sname_element"), "s")
    elif ticket is not None:  # KDC-REP, AP-REQ
        out["realm"] = ticket.get("kerberos.realm")
        out["sname"] = names(ticket.get("kerberos.sname_element"), "s")
        out["cname"] = names(elem.get("kerberos.cname_element"), "c")
    else:  # KRB-ERROR and the rest
        out["realm"] = elem.get("kerberos.realm")
        out["cname"] = names(elem.get("kerberos.cname_element"), "c")
        out["sname"] = names(elem.get("kerberos.sname_element"), "s")
    if body is not None:
        et = body.get("kerberos.kdc-req-body.etype_tree", {}).get("kerberos.ENCTYPE")
        out["etypes"] = [int(x) for x in as_list(et)] if et is not None else None
        out["nonce"] = int(body["kerberos.nonce"]) if "kerberos.nonce" in body else None
        ko = body.get("kerberos.kdc_options")
        out["kdc_options"] = "0x" + ko.replace(":", "") if ko else None
        out["till"] = tshark_time(body.get("kerberos.till"))
    pa = elem.get("kerberos.padata_tree", {}).get("kerberos.PA_DATA_element")
    if pa is not None:
        out["padata"] = [int(first(p["kerberos.padata_type"])) for p in as_list(pa)]
    out["stime"] = tshark_time(elem.get("kerberos.stime"))
    out["susec"] = int(elem["kerberos.susec"]) if "kerberos.susec" in elem else None
    out["e_text"] = elem.get("kerberos.e_text")
    out["nt_status"] = find_key(elem.get("kerberos.e_data_tree"), "kerberos.smb.nt_status")
    # tshark 4.0 reads e-data as one PA-DATA (or a SEQUENCE OF PA-DATA only in
    # some messages); a METHOD-DATA carrying a KERB-EXT-ERROR PA-DATA (Samba's
    # KDC_ERR_CLIENT_REVOKED) fails with a BER error and no NTSTATUS.
    edt = elem.get("kerberos.e_data_tree")
    out["_tshark_edata_failed"] = isinstance(edt, dict) and any(k.startswith("BER Error") for k in edt)
    return out


def tshark_frames(pcap):
    r = subprocess.run(["tshark", "-r", pcap, "-Y", FILTER, "-T", "json", "--no-duplicate-keys"],
                       capture_output=True, text=True)
    if r.returncode != 0 and not r.stdout.strip():
        raise RuntimeError(f"tshark failed on {pcap}: {r.stderr.strip()}")
    frames = {}
    for pkt in json.loads(r.stdout or "[]"):
        layers = pkt["_source"]["layers"]
        num = int(first(layers["frame"]["frame.number"]))
        krb = layers.get("kerberos")
        krb = as_list(krb) if krb is not None else []
        # RFC 3244 kpasswd: tshark nests the AP-REQ/AP-REP, KRB-PRIV or KRB-ERROR
        # inside its kpasswd layer, in wire order.
        for kp in as_list(layers.get("kpasswd", [])):
            for part in ("kpasswd.ap_req", "kpasswd.ap_rep", "kpasswd.krb_priv", "kpasswd.krb_error"):
                inner = kp.get(part) if isinstance(kp, dict) else None
                if isinstance(inner, dict) and "kerberos" in inner:
                    krb += as_list(inner["kerberos"])
            if isinstance(kp, dict) and "kerberos" in kp:  # a bare KRB-ERROR reply
                krb += as_list(kp["kerberos"])
        if not krb:
            continue
        msgs = [tshark_message(l) for l in krb]
        msgs = [m for m in msgs if m is not None]
        if msgs:
            frames[num] = msgs
    return frames


def trustwire_frames(tw, pcap):
    r = subprocess.run([tw, "-T", "events", "-r", pcap], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"trustwire failed on {pcap} (rc {r.returncode}): {r.stderr.strip()}")
    frames = {}
    for line in r.stdout.splitlines():
        if not line.strip():
            continue
        ev = json.loads(line)
        if ev.get("proto") != "kerberos" or ev.get("transport") not in ("udp", "tcp"):
            continue
        if ev.get("sport") not in PORTS and ev.get("dport") not in PORTS:
            continue
        m = {k: ev.get(k) for k in FIELDS}
        frames.setdefault(ev["frame"], []).append(m)
    return frames


# Documented exceptions by rule (docs/events.md), counted when they apply.
RULE_EXCEPTIONS = {
    "tshark-edata-method-data": "tshark 4.0 cannot decode a METHOD-DATA e-data holding a KERB-EXT-ERROR "
                                "PA-DATA (BER error, no nt_status); trustwire reports nt_status",
}
RULE_HITS = dict.fromkeys(RULE_EXCEPTIONS, 0)
FILLED = dict.fromkeys(FIELDS, 0)  # how many compared values were present (not both absent)


def compare(rel, ts, tw):
    """Returns (agreeing messages, total messages, list of mismatch strings)."""
    agree, total, bad = 0, 0, []
    for frame in sorted(set(ts) | set(tw)):
        a = ts.get(frame, [])
        b = tw.get(frame, [])
        for i in range(max(len(a), len(b))):
            total += 1
            x = a[i] if i < len(a) else None
            y = b[i] if i < len(b) else None
            if x is None or y is None:
                key = (rel, frame, "presence")
                if key in EXCEPTIONS:
                    agree += 1
                    continue
                bad.append(f"{rel} frame {frame} msg {i}: only in {'trustwire' if x is None else 'tshark'}: {x or y}")
                continue
            for f in FIELDS:
                if x[f] is not None or y[f] is not None:
                    FILLED[f] += 1
            diffs = [f for f in FIELDS if x[f] != y[f] and (rel, frame, f) not in EXCEPTIONS]
            if "nt_status" in diffs and x["nt_status"] is None and x.get("_tshark_edata_failed"):
                diffs.remove("nt_status")  # rule exception: see RULE_EXCEPTIONS
                RULE_HITS["tshark-edata-method-data"] += 1
            if diffs:
                bad.append(f"{rel} frame {frame} msg {i}: " +
                           ", ".join(f"{f}: tshark={x[f]!r} trustwire={y[f]!r}" for f in diffs))
            else:
                agree += 1
    return agree, total, bad


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    tw = sys.argv[1]
    if not shutil.which("tshark"):
        print("SKIP: tshark not installed")
        return 77
    pcaps = sys.argv[2:]
    if not pcaps:
        if not os.path.isdir(PUBLIC):
            print(f"note: public captures not found at {PUBLIC}: comparing the lab captures in pcaps/ only")
        for root, _, files in os.walk(PUBLIC):
            for f in files:
                if f.endswith((".pcap", ".pcapng", ".cap")):
                    pcaps.append(os.path.join(root, f))
        # The lab engineer's captures (repository pcaps/), when present.
        lab = os.path.join(REPO, "pcaps")
        if os.path.isdir(lab):
            pcaps += [os.path.join(lab, f) for f in os.listdir(lab) if f.endswith((".pcap", ".pcapng"))]
        pcaps.sort()
        if not pcaps:
            print("SKIP: no capture to compare")
            return 77
    all_agree = all_total = 0
    failures = []
    for p in pcaps:
        rel = os.path.relpath(p, PUBLIC)
        if rel.startswith(".."):
            rel = os.path.relpath(p, REPO)
        ts = tshark_frames(p)
        if not ts:
            continue
        twf = trustwire_frames(tw, p)
        agree, total, bad = compare(rel, ts, twf)
        all_agree += agree
        all_total += total
        print(f"{agree}/{total} {rel}")
        failures += bad
    print(f"TOTAL {all_agree}/{all_total} Kerberos messages agree with tshark")
    print("values compared per field: " + ", ".join(f"{f}={n}" for f, n in FILLED.items()))
    for r, n in RULE_HITS.items():
        if n:
            print(f"documented exception '{r}' applied {n} time(s): {RULE_EXCEPTIONS[r]}")
    for b in failures:
        print("MISMATCH", b)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
