#!/usr/bin/env python3
"""events-upgrade.py — rewrite saved trustwire events (NDJSON) of schema 1 as schema 2.

Usage: events-upgrade.py [FILE…]   (stdin when no file; writes stdout)
       events-upgrade.py --in-place FILE…

trustwire itself reads schema-1 lines (`--from-events`) through the same mapping
(core/event-json.c upgrade_v1); this script is for data already indexed elsewhere (a SIEM)
or for fixtures.  The mapping is the table of docs/events.md "Schema version": every
schema-1 field has exactly one schema-2 name given its event's `proto` (and, for DCE/RPC
and NETLOGON, its `pdu` / `status_type`).  Lines that already carry `"schema"` are passed
through unchanged; lines that are not JSON objects are passed through as they are.
Each line keeps its key order and its separator style.
"""
import json
import sys

SCHEMA = 2


def upgrade_v1(ev):
    """Returns a new dict: ev (a schema-1 event) with schema-2 names, "schema" first."""
    p = ev.get("proto")
    ren = {}
    if p in ("kerberos", "ntp", "dns", "ntlmssp"):
        ren["status"] = "decode_status"
    if p == "kerberos":
        ren["ntstatus"] = "nt_status"
    if p == "ntlmssp":
        ren["flags"] = "ntlmssp_flags"
    if p in ("smb2", "samr"):
        ren["status"] = "nt_status"
        ren["status_name"] = "nt_status_name"
    drop = set()
    if p == "netlogon":
        win32 = ev.get("status_type") == "win32"
        ren["status"] = "win32_status" if win32 else "nt_status"
        ren["status_name"] = "win32_status_name" if win32 else "nt_status_name"
        ren["flags"] = "negotiate_flags"
        drop.add("status_type")
    if p in ("netlogon", "samr", "dcerpc"):
        ren["decode_error"] = "decode_status"
    if p == "dcerpc":
        fault = ev.get("pdu") == "fault"
        ren["status"] = "fault_status" if fault else "epm_status"
        ren["status_name"] = "fault_status_name"
        ren["version"] = "if_version"
    if p == "http":
        ren.update(status="http_status", reason="http_reason", method="http_method", uri="http_uri",
                   uri_truncated="http_uri_truncated")
    out = {"schema": SCHEMA}
    for k, v in ev.items():
        if k in drop:
            continue
        nk = ren.get(k, k)
        if nk != k and nk in ev:
            continue  # both were written (NTLMSSP status + decode_status): keep the new one
        out[nk] = v
    return out


def upgrade_line(line):
    try:
        ev = json.loads(line)
    except ValueError:
        return line
    if not isinstance(ev, dict) or "schema" in ev or "proto" not in ev:
        return line
    new = upgrade_v1(ev)
    spaced = '", "' in line or '": ' in line
    if spaced:
        return json.dumps(new, ensure_ascii=False)
    return json.dumps(new, separators=(",", ":"), ensure_ascii=False)


def main(argv):
    in_place = "--in-place" in argv
    files = [a for a in argv if a != "--in-place"]
    if in_place:
        for f in files:
            with open(f, encoding="utf-8") as fh:
                lines = fh.read().split("\n")
            with open(f, "w", encoding="utf-8") as fh:
                fh.write("\n".join(upgrade_line(l) if l.strip() else l for l in lines))
        return 0
    srcs = [open(f, encoding="utf-8") for f in files] or [sys.stdin]
    for s in srcs:
        for l in s:
            l = l.rstrip("\n")
            print(upgrade_line(l) if l.strip() else l)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
