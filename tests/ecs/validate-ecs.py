#!/usr/bin/env python3
"""ECS documents of every capture against the ECS 9.4 field list and the index template.

Usage: validate-ecs.py TRUSTWIRE
       validate-ecs.py --docs FILE [KIND…]   every line of FILE an ECS document (checks 1, 2 and the
                                             per-document ones of 3), and each KIND (event.kind) among them

1. tests/ecs/ecs-fields-9.4.0-subset.csv holds the ECS 9.4.0 rows of the fields trustwire writes,
   copied unchanged from elastic/ecs (generated/csv/fields.csv); when ../shared/reference/ecs/
   is present every row must be byte-identical to the full list's (the subset is not edited).
2. docs/ecs-index-template.json must equal `tools/ecs-template.py` (generated from that CSV and
   docs/events.schema.json).
3. For every capture of pcaps/ and ../shared/pcaps/public (skipped with a message when absent),
   `-T ecs --write events:FILE` in one pass; and every tests/rules fixture through
   `--from-events -T ecs` and `--alerts - --alerts-format ecs` (the findings of every rule):
   - every field outside `trustwire.*` is an ECS 9.4 field, its value of the ECS type (keyword /
     text: string; long: integer; ip: an IP address; date: RFC 3339), an array exactly when ECS
     normalises it to one;
   - event.kind / category / type / outcome take ECS's allowed values, each event.type one that
     ECS expects for one of the document's categories;
   - every `trustwire.*` field is in the template with a fitting JSON type;
   - an event document carries exactly its native event: `trustwire.*` = the event's own fields,
     source/destination/network.community_id = its header.
Prints the counts; exit 1 on any error.
"""
import csv
import glob
import importlib.util
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PUBLIC = os.environ.get("TW_PUBLIC_PCAPS", os.path.join(REPO, "..", "shared", "pcaps", "public"))
SHARED_ECS = os.environ.get("TW_SHARED_ECS", os.path.join(REPO, "..", "shared", "reference", "ecs",
                                                          "fields-9.4.0.csv"))
SUBSET = os.path.join(HERE, "ecs-fields-9.4.0-subset.csv")
TEMPLATE = os.path.join(REPO, "docs", "ecs-index-template.json")
MAX_ERRORS = 40

# ECS 9.4 categorisation (elastic.co/docs/reference/ecs/ecs-category-field-values-reference):
# allowed values, and the event.type values expected for each category we use.
KINDS = {"alert", "asset", "enrichment", "event", "metric", "state", "pipeline_error", "signal"}
CATEGORIES = {"api", "authentication", "configuration", "database", "driver", "file", "host", "iam",
              "intrusion_detection", "library", "malware", "network", "package", "process", "registry",
              "session", "threat", "vulnerability", "web"}
EXPECTED_TYPES = {
    "authentication": {"start", "end", "info"},
    "iam": {"admin", "change", "creation", "deletion", "group", "info", "user"},
    "network": {"access", "allowed", "connection", "denied", "end", "info", "protocol", "start"},
    "intrusion_detection": {"allowed", "denied", "info"},
    "web": {"access", "error", "info"},
    "host": {"access", "change", "end", "info", "start"},
}
OUTCOMES = {"failure", "success", "unknown"}
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$")
MAC = re.compile(r"^([0-9A-F]{2}-){5}[0-9A-F]{2}$")
HEADER = {"schema", "frame", "ts", "proto", "src", "sport", "dst", "dport", "transport", "ip_proto",
          "community_id", "src_mac", "dst_mac"}


def load_subset():
    with open(SUBSET, encoding="utf-8", newline="") as f:
        text = f.read()
    rows = {r["Field"]: r for r in csv.DictReader(text.splitlines())}
    return rows, text.splitlines()


def check_subset_rows(lines, errs):
    if not os.path.exists(SHARED_ECS):
        print(f"SKIP the subset-vs-full check: {os.path.normpath(SHARED_ECS)} not found")
        return
    with open(SHARED_ECS, encoding="utf-8", newline="") as f:
        full = set(f.read().split("\n"))
    for l in lines:
        if l not in full:
            errs.append(f"subset row not in the ECS 9.4 list unchanged: {l[:120]}")
    print(f"subset: {len(lines) - 1} ECS rows, each identical to {os.path.relpath(SHARED_ECS, REPO)}")


def es_type_of(template_props, dotted):
    node = {"properties": template_props}
    for p in dotted.split("."):
        node = node.get("properties", {}).get(p)
        if node is None:
            return None
    return node.get("type")


def flatten(o, prefix=""):
    for k, v in o.items():
        if isinstance(v, dict) and not (prefix == "trustwire." and False):
            yield from flatten(v, prefix + k + ".")
        else:
            yield prefix + k, v


def fits_json(es_type, v):
    if es_type in ("keyword", "match_only_text", "wildcard", "text"):
        return isinstance(v, str)
    if es_type in ("long", "integer", "short", "byte"):
        return isinstance(v, int) and not isinstance(v, bool)
    if es_type in ("double", "float", "scaled_float"):
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if es_type == "boolean":
        return isinstance(v, bool)
    if es_type == "date":
        return isinstance(v, str) and bool(DATE.match(v))
    if es_type == "ip":
        try:
            ipaddress.ip_address(v)
            return True
        except (ValueError, TypeError):
            return False
    return False


class Checker:
    def __init__(self, ecs, template_props):
        self.ecs = ecs
        self.tprops = template_props
        self.errors = []
        self.docs = {"event": 0, "alert": 0, "state": 0}
        self.used = set()

    def err(self, where, msg):
        self.errors.append(f"{where}: {msg}")

    def doc(self, d, where, native=None):
        kind = d.get("event", {}).get("kind")
        self.docs[kind] = self.docs.get(kind, 0) + 1
        for req in ("@timestamp", "ecs", "event", "observer"):
            if req not in d:
                self.err(where, f"no {req}")
        for name, v in flatten(d):
            if name.startswith("trustwire."):
                t = es_type_of(self.tprops, name)
                if t is None:
                    self.err(where, f"{name} is not in docs/ecs-index-template.json")
                    continue
                vals = v if isinstance(v, list) else [v]
                for x in vals:
                    if not fits_json(t, x):
                        self.err(where, f"{name} = {x!r} does not fit the template type {t}")
                continue
            row = self.ecs.get(name)
            if row is None:
                self.err(where, f"{name} is not an ECS 9.4 field (or not in the subset)")
                continue
            self.used.add(name)
            is_array = row["Normalization"] == "array"
            if isinstance(v, list) != is_array:
                self.err(where, f"{name}: {'an array' if is_array else 'a single value'} expected, got {v!r}")
            for x in (v if isinstance(v, list) else [v]):
                if not fits_json(row["Type"], x):
                    self.err(where, f"{name} = {x!r} is not an ECS {row['Type']}")
            es = es_type_of(self.tprops, name)
            if es != row["Type"]:
                self.err(where, f"{name}: template maps {es}, ECS says {row['Type']}")
        ev = d.get("event", {})
        if ev.get("kind") not in KINDS:
            self.err(where, f"event.kind {ev.get('kind')!r}")
        cats = ev.get("category", [])
        for c in cats:
            if c not in CATEGORIES:
                self.err(where, f"event.category {c!r} is not an ECS category")
        for t in ev.get("type", []):
            if not any(t in EXPECTED_TYPES.get(c, set()) for c in cats):
                self.err(where, f"event.type {t!r} is expected by none of {cats}")
        if "outcome" in ev and ev["outcome"] not in OUTCOMES:
            self.err(where, f"event.outcome {ev['outcome']!r}")
        for side in ("source", "destination"):
            mac = d.get(side, {}).get("mac")
            if mac is not None and not MAC.match(mac):
                self.err(where, f"{side}.mac {mac!r} is not RFC 7042 (AA-BB-CC-DD-EE-FF)")
        if native is not None:
            self.same_as_native(d, native, where)

    def same_as_native(self, d, n, where):
        tw = dict(d.get("trustwire", {}))
        if tw.pop("frame", None) != n["frame"] or tw.pop("proto", None) != n["proto"] or \
                tw.pop("transport", None) != n.get("transport"):
            self.err(where, "trustwire.frame/proto/transport differ from the event's header")
        own = {k: v for k, v in n.items() if k not in HEADER}
        if tw != own:
            diff = sorted(set(tw) ^ set(own)) or [k for k in own if own[k] != tw.get(k)]
            self.err(where, f"trustwire.* is not the event's own fields: {diff[:5]}")
        if d.get("source", {}).get("ip") != n.get("src") or d.get("destination", {}).get("port") != n.get("dport"):
            self.err(where, "source/destination differ from the event's header")
        if d.get("network", {}).get("community_id") != n.get("community_id"):
            self.err(where, "network.community_id differs from the event's community_id")
        if "@timestamp" in d and d["@timestamp"] != n["ts"]:
            self.err(where, "@timestamp differs from the event's ts")


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if r.returncode not in (0, 1, 3):
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()[:400]}")
    return r.stdout


def main():
    docs_file = None
    if len(sys.argv) >= 3 and sys.argv[1] == "--docs":
        docs_file, want_kinds = sys.argv[2], set(sys.argv[3:])
    elif len(sys.argv) != 2:
        print(__doc__)
        return 2
    errs = []
    ecs, lines = load_subset()
    check_subset_rows(lines, errs)
    spec = importlib.util.spec_from_file_location("ecs_template", os.path.join(REPO, "tools", "ecs-template.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    with open(TEMPLATE, encoding="utf-8") as f:
        committed = f.read()
    if committed != gen.render():
        errs.append("docs/ecs-index-template.json differs from tools/ecs-template.py (run it with --write)")
    template = json.loads(committed)
    c = Checker(ecs, template["template"]["mappings"]["properties"])
    if docs_file:
        kinds = set()
        with open(docs_file, encoding="utf-8") as f:
            for i, l in enumerate(f, 1):
                if l.strip():
                    d = json.loads(l)
                    kinds.add(d.get("event", {}).get("kind"))
                    c.doc(d, f"{docs_file}:{i}")
        errs += c.errors
        errs += [f"no {k} document in {docs_file}" for k in sorted(want_kinds - kinds)]
        for e in errs[:MAX_ERRORS]:
            print("ERROR:", e)
        print(f"{docs_file}: {sum(c.docs.values())} ECS documents ({', '.join(sorted(str(k) for k in kinds))}); "
              f"errors: {len(errs)}")
        return 1 if errs or not sum(c.docs.values()) else 0
    tw = os.path.abspath(sys.argv[1])

    caps = sorted(glob.glob(os.path.join(REPO, "pcaps", "*.pcap*")))
    if os.path.isdir(PUBLIC):
        caps += sorted(glob.glob(os.path.join(PUBLIC, "**", "*.pcap*"), recursive=True))
    else:
        print(f"SKIP the public captures: {os.path.normpath(PUBLIC)} not found")
    with tempfile.TemporaryDirectory() as tmp:
        evf = os.path.join(tmp, "events.ndjson")
        for p in caps:
            rel = os.path.relpath(p, REPO)
            out = run([tw, "-T", "ecs", "--sensor-name", "test-sensor", "--write", "events:" + evf, "-r", p])
            docs = [json.loads(l) for l in out.splitlines()]
            with open(evf, encoding="utf-8") as f:
                natives = [json.loads(l) for l in f]
            evdocs = [d for d in docs if d["event"]["kind"] == "event"]
            if len(evdocs) != len(natives):
                errs.append(f"{rel}: {len(evdocs)} ECS event documents for {len(natives)} events")
            for d, n in zip(evdocs, natives):
                c.doc(d, f"{rel} frame {n['frame']}", n)
                if d["observer"]["name"] != "test-sensor":
                    errs.append(f"{rel}: observer.name {d['observer']['name']!r}, not the --sensor-name")
                    break
            for d in docs[len(evdocs):]:
                c.doc(d, f"{rel} finding {d.get('rule', {}).get('name')}")
        for fx in sorted(glob.glob(os.path.join(REPO, "tests", "rules", "*.ndjson"))):
            rel = os.path.relpath(fx, REPO)
            if os.path.basename(fx).startswith("hostile-"):
                continue  # wrong types on purpose (tests/schema says so too)
            for l in run([tw, "--from-events", fx, "-T", "ecs"]).splitlines():
                d = json.loads(l)
                c.doc(d, f"{rel} ({d['event']['kind']})")
            for l in run([tw, "--from-events", fx, "-T", "json", "--alerts", "-", "--alerts-format", "ecs"]).splitlines():
                if l.startswith('{"@timestamp"'):
                    c.doc(json.loads(l), f"{rel} --alerts")
    errs += c.errors
    for e in errs[:MAX_ERRORS]:
        print("ERROR:", e)
    if len(errs) > MAX_ERRORS:
        print(f"... {len(errs) - MAX_ERRORS} more")
    print(f"captures: {len(caps)}; ECS documents validated: {sum(c.docs.values())} "
          f"({c.docs['event']} events, {c.docs['alert']} alerts, {c.docs['state']} states); "
          f"ECS fields used: {len(c.used)} of {len(ecs)} in the subset; errors: {len(errs)}")
    unused = sorted(set(ecs) - c.used)
    if unused:
        print("subset fields never written:", ", ".join(unused))
    if sum(c.docs.values()) == 0:
        return 1
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
