#!/usr/bin/env python3
"""Every event of every capture against the event contract's JSON Schema.

Usage: validate-events.py TRUSTWIRE [--fuzz-dir DIR]

docs/events.schema.json (JSON Schema draft 2020-12) lists every field of docs/events.md with
its one JSON type; a field it does not list fails (additionalProperties: false).  This test:

1. checks the schema itself: each property has exactly one JSON type (no type lists, no
   anyOf/oneOf), and each is named in docs/events.md;
2. runs `TRUSTWIRE -T events` on every capture of pcaps/ (with its keys from pcaps/keys/
   when there are some, so the fields only keys give are covered) and of ../shared/pcaps/public
   (TW_PUBLIC_PCAPS overrides; skipped with a message when absent), and once on two lab
   captures together (the `pcap`/`pcap_frame` fields of several files);
3. with --fuzz-dir (the build's tests/fuzz, replay drivers, not libFuzzer binaries), replays
   every fuzz corpus through its harness with TW_FUZZ_PRINT=1 (damaged and hostile messages:
   the decode_status / truncated paths);
4. reads every tests/rules fixture back (`--from-events … -T events`): hand-written events use
   the contract's names and types too (except hostile-*.ndjson, wrong on purpose);
5. validates every event with jsonschema's Draft202012Validator, and independently checks
   that no field name was seen with two JSON types;
6. writes every rule fixture and event golden back in schema 1 (the old names, no "schema") and checks that
   `--from-events` reads it to exactly the events of the schema-2 fixture (the documented
   schema-1 mapping of core/event-json.c, end to end), and that tools/events-upgrade.py
   turns it back into the fixture itself (the same mapping in Python).

Prints the counts; exits 1 on any invalid event, 77 when python3-jsonschema is missing
(tools/setup.sh --test installs it).
"""
import collections
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PUBLIC = os.environ.get("TW_PUBLIC_PCAPS", os.path.join(REPO, "..", "shared", "pcaps", "public"))
SCHEMA = os.path.join(REPO, "docs", "events.schema.json")
EVENTS_MD = os.path.join(REPO, "docs", "events.md")
UPGRADE = os.path.join(REPO, "tools", "events-upgrade.py")
MAX_ERRORS = 40

try:
    import jsonschema
except ImportError:
    print("SKIP: python module jsonschema not found (Debian: python3-jsonschema; tools/setup.sh --test)")
    sys.exit(77)


def json_type(v):
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        inner = sorted({json_type(x) for x in v})
        return "array<%s>" % ",".join(inner) if inner else None  # [] fits any array type
    if isinstance(v, dict):
        return "object"
    return "null"


def check_schema(schema):
    """The schema may not cheat: one type per property, every property documented."""
    errs = []
    jsonschema.Draft202012Validator.check_schema(schema)
    if schema.get("additionalProperties") is not False:
        errs.append("the schema must set additionalProperties: false (unknown fields fail)")
    with open(EVENTS_MD, encoding="utf-8") as f:
        doc = f.read()
    for name, p in schema["properties"].items():
        for bad in ("anyOf", "oneOf", "allOf", "not", "if"):
            if bad in p:
                errs.append(f"property {name}: '{bad}' (a property has one type, stated by 'type')")
        t = p.get("type")
        if name == "schema":
            if not isinstance(p.get("const"), int):
                errs.append("property schema: must be an integer const")
        elif not isinstance(t, str):
            errs.append(f"property {name}: 'type' must be one JSON type, not {t!r}")
        elif t == "array" and not isinstance(p.get("items", {}).get("type"), str):
            errs.append(f"property {name}: an array needs one item type")
        base = name[: -len("_truncated")] if name.endswith("_truncated") else name
        if not any(q in doc for q in (f"`{name}`", f'"{name}"', f"`{name},", f"`{name}:", f"`{base}`")):
            errs.append(f"property {name} is not named in docs/events.md")
    return errs


class Checker:
    def __init__(self, schema):
        self.validator = jsonschema.Draft202012Validator(schema)
        self.events = 0
        self.invalid = 0
        self.errors = []
        self.types = collections.defaultdict(lambda: collections.defaultdict(set))
        self.by_source = collections.Counter()

    def feed(self, text, source, kind, strip=()):
        for line in text.splitlines():
            if not line.startswith("{"):
                continue
            ev = json.loads(line)
            for k in strip:
                ev.pop(k, None)
            self.events += 1
            self.by_source[kind] += 1
            for k, v in ev.items():
                if json_type(v) is None:
                    continue
                self.types[k][json_type(v)].add(f"{source} frame {ev.get('frame')}")
            errs = list(self.validator.iter_errors(ev))
            if errs:
                self.invalid += 1
                for e in errs[:3]:
                    where = "/".join(str(x) for x in e.absolute_path)
                    self.errors.append(f"{source} frame {ev.get('frame')} ({ev.get('proto')}): {where}: {e.message}")

    def collisions(self):
        out = []
        for k, ts in sorted(self.types.items()):
            if len(ts) > 1:
                out.append(f"field {k} has {len(ts)} JSON types: " +
                           "; ".join(f"{t} (e.g. {sorted(w)[0]})" for t, w in sorted(ts.items())))
        return out


def run(cmd, env=None, ok=(0, 1, 3)):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    if r.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()[:500]}")
    return r.stdout


# schema 2 -> schema 1, by proto (docs/events.md "Schema version", read backwards)
V1_NAMES = {
    "decode_status": {"kerberos": "status", "ntp": "status", "dns": "status", "ntlmssp": "status",
                      "netlogon": "decode_error", "samr": "decode_error", "dcerpc": "decode_error"},
    "nt_status": {"kerberos": "ntstatus", "smb2": "status", "samr": "status", "netlogon": "status"},
    "nt_status_name": {"smb2": "status_name", "samr": "status_name", "netlogon": "status_name"},
    "win32_status": {"netlogon": "status"}, "win32_status_name": {"netlogon": "status_name"},
    "fault_status": {"dcerpc": "status"}, "fault_status_name": {"dcerpc": "status_name"},
    "epm_status": {"dcerpc": "status"}, "if_version": {"dcerpc": "version"},
    "negotiate_flags": {"netlogon": "flags"}, "ntlmssp_flags": {"ntlmssp": "flags"},
    "http_status": {"http": "status"}, "http_reason": {"http": "reason"}, "http_method": {"http": "method"},
    "http_uri": {"http": "uri"}, "http_uri_truncated": {"http": "uri_truncated"},
}


def to_schema1(ev):
    p = ev.get("proto")
    out = {}
    for k, v in ev.items():
        if k == "schema":
            continue
        out[V1_NAMES.get(k, {}).get(p, k)] = v
        if k == "win32_status" and p == "netlogon":
            out["status_type"] = "win32"
    return out


def check_schema1(tw, fixtures, tmp):
    """Returns (events compared, differences)."""
    n, diffs = 0, []
    for name in fixtures:
        v1, fx = os.path.join(tmp, "v1.ndjson"), os.path.join(tmp, "v2.ndjson")
        with open(name, encoding="utf-8") as f, open(v1, "w", encoding="utf-8") as o, \
                open(fx, "w", encoding="utf-8") as o2:
            for line in f:
                if line.startswith("{"):  # a golden's "# stderr" lines are not events
                    o2.write(line)
                    o.write(json.dumps(to_schema1(json.loads(line)), ensure_ascii=False) + "\n")
        if not os.path.getsize(fx):
            continue  # a golden of no events
        a = run([tw, "--from-events", fx, "-T", "events"]).splitlines()
        b = run([tw, "--from-events", v1, "-T", "events"]).splitlines()
        # tools/events-upgrade.py, the same mapping for data outside trustwire: its schema-2
        # lines must read to the same events, and be the fixture's own events
        up = os.path.join(tmp, "upgraded.ndjson")
        with open(up, "w", encoding="utf-8") as o:
            o.write(run([sys.executable, UPGRADE, v1], ok=(0,)))
        c = run([tw, "--from-events", up, "-T", "events"]).splitlines()
        with open(fx, encoding="utf-8") as f, open(up, encoding="utf-8") as g:
            want = [json.loads(x) for x in f if x.strip()]
            got = [json.loads(x) for x in g if x.strip()]
        n += len(a)
        for what, other in (("schema-1", b), ("events-upgrade.py", c)):
            if a != other:
                first = next((i for i, (x, y) in enumerate(zip(a, other)) if x != y), min(len(a), len(other)))
                diffs.append(f"{os.path.relpath(name, REPO)}: {what} line {first + 1} reads differently:\n"
                             f"  2: {a[first] if first < len(a) else '(none)'}\n"
                             f"  1: {other[first] if first < len(other) else '(none)'}")
        if got != want:
            first = next((i for i, (x, y) in enumerate(zip(want, got)) if x != y), min(len(want), len(got)))
            diffs.append(f"{os.path.relpath(name, REPO)}: events-upgrade.py line {first + 1} is not the fixture's:\n"
                         f"  fixture:  {want[first] if first < len(want) else '(none)'}\n"
                         f"  upgraded: {got[first] if first < len(got) else '(none)'}")
    return n, diffs


def key_args(pcap):
    base = os.path.join(REPO, "pcaps", "keys", os.path.basename(pcap).rsplit(".", 1)[0])
    args = []
    if os.path.exists(base + ".keytab"):
        args += ["-K", base + ".keytab"]
    if os.path.exists(base + ".nthash"):
        with open(base + ".nthash", encoding="utf-8") as f:
            for line in f:
                w = line.split()
                if len(w) >= 3 and not line.startswith("#"):
                    args += ["--nthash", f"{w[0]}:{w[2]}"]
    return args


def main():
    argv = sys.argv[1:]
    fuzz_dir = None
    if len(argv) == 3 and argv[1] == "--fuzz-dir":
        fuzz_dir = argv[2]
    elif len(argv) != 1:
        print(__doc__)
        return 2
    tw = os.path.abspath(argv[0])
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    errs = check_schema(schema)
    for e in errs:
        print("SCHEMA:", e)
    if errs:
        return 1
    print(f"schema: {len(schema['properties'])} fields, one JSON type each, all named in docs/events.md")
    c = Checker(schema)

    lab = sorted(glob.glob(os.path.join(REPO, "pcaps", "*.pcap*")))
    public = []
    if os.path.isdir(PUBLIC):
        public = sorted(glob.glob(os.path.join(PUBLIC, "**", "*.pcap*"), recursive=True))
    else:
        print(f"SKIP the public captures: {os.path.normpath(PUBLIC)} not found (a clone without ../shared): "
              "validating pcaps/ and the fuzz corpora only")
    keyed = 0
    for p in lab + public:
        rel = os.path.relpath(p, REPO)
        c.feed(run([tw, "-T", "events", "-r", p]), rel, "captures")
        ka = key_args(p)
        if ka:
            keyed += 1
            c.feed(run([tw, "-T", "events", *ka, "-r", p]), rel + " (keys)", "captures with keys")
    if len(lab) >= 2:
        c.feed(run([tw, "-T", "events", "-r", lab[0], "-r", lab[1]]), "two lab captures", "several files")

    harnesses = 0
    for corpus in sorted(glob.glob(os.path.join(REPO, "tests", "fuzz", "corpus", "*"))) if fuzz_dir else []:
        h = os.path.join(fuzz_dir, "fuzz-" + os.path.basename(corpus))
        if not os.access(h, os.X_OK):
            continue
        out = run([h, corpus], env=dict(os.environ, TW_FUZZ_PRINT="1"), ok=(0,))
        # "fuzz" is fuzz-gssapi.c's own decoration of the events it is handed
        c.feed(out, "fuzz corpus " + os.path.basename(corpus), "fuzz corpora", strip=("fuzz",))
        harnesses += 1

    for fx in sorted(glob.glob(os.path.join(REPO, "tests", "rules", "*.ndjson"))):
        if os.path.basename(fx).startswith("hostile-"):
            print(f"not validated: {os.path.relpath(fx, REPO)} (hostile input on purpose: wrong types)")
            continue
        c.feed(run([tw, "--from-events", fx, "-T", "events"]), os.path.relpath(fx, REPO), "rule fixtures")

    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        fixtures = [f for f in sorted(glob.glob(os.path.join(REPO, "tests", "rules", "*.ndjson")))
                    if not os.path.basename(f).startswith("hostile-")]
        # and the event goldens: every protocol's real events (HTTP, DCE/RPC faults, …)
        goldens = sorted(glob.glob(os.path.join(REPO, "tests", "golden", "*.events")))
        n1, d1 = check_schema1(tw, fixtures + goldens, tmp)
    for d in d1:
        print("SCHEMA 1:", d)
    print(f"schema 1: {n1} events of {len(fixtures)} rule fixtures and {len(goldens)} event goldens written with the old names read back "
          f"(--from-events, and tools/events-upgrade.py) {'identically' if not d1 else f'with {len(d1)} differences'}")
    coll = c.collisions()
    for e in coll:
        print("COLLISION:", e)
    for e in c.errors[:MAX_ERRORS]:
        print("INVALID:", e)
    if len(c.errors) > MAX_ERRORS:
        print(f"... {len(c.errors) - MAX_ERRORS} more")
    print(f"captures: {len(lab)} lab ({keyed} also with their keys), {len(public)} public; "
          f"fuzz harnesses: {harnesses}")
    for k, n in c.by_source.items():
        print(f"  {k}: {n} events")
    print(f"events validated: {c.events}, invalid: {c.invalid}; field names seen: {len(c.types)}, "
          f"with two JSON types: {len(coll)}")
    if c.events == 0:
        print("FAIL: no events validated")
        return 1
    return 1 if c.invalid or coll or d1 else 0


if __name__ == "__main__":
    sys.exit(main())
