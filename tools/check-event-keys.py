#!/usr/bin/env python3
"""Every literal event key in the C source against docs/events.schema.json.

Usage: check-event-keys.py [REPO]

Scans the program's C sources (not tests/, bench/, build*/) for event field keys
written as string literals:

  tw_event_set_int(ev, "key", ...)   and every other tw_event_set_* / take_* /
  append_int / get* / has / remove call,
  .key = "key"                       (the Kerberos field tables of dissectors/krb5/),
  { "key", "Name", ... }             in a teaching-view row table (TwTreeRow NAME[],
                                     or a local `} rows[]` / `} tree_names[]`),
  helper(ev, "key"                   the local readers and writers that take an event
                                     and a key (str_or, get_time, get_status, hex_field, …),

core/event-json.c's upgrade of schema-1 lines (rename_field, status_type) reads the old
names on purpose and is not checked.

and fails when a key is not a property of the schema, or when a setter's or a
typed getter's JSON type differs from the schema's (set_int/get_int: integer,
set_bool/get_bool: boolean, set_str/strn/hex/hex32/time/take_str/get_str: string,
take_intlist/append_int: array of integers, take_strlist: array of strings).
A key made at run time (a prefix plus a name) is not seen: the schema test
(tests/schema/validate-events.py) sees its events.  Prints the counts; exits 1 on
any unknown key or type clash.
"""
import json
import os
import re
import sys

TYPES = {
    "set_int": "integer", "get_int": "integer", "set_bool": "boolean", "get_bool": "boolean",
    "set_str": "string", "set_strn": "string", "set_hex": "string", "set_hex32": "string",
    "set_time": "string", "take_str": "string", "get_str": "string",
    "take_intlist": "array<integer>", "append_int": "array<integer>", "take_strlist": "array<string>",
}
# tw_event_FN(EXPR, "key"  -- EXPR without a comma or a parenthesis at its top level
CALL = re.compile(r'\btw_event_(set_\w+|take_\w+|append_int|get\w*|has|remove)\s*\(\s*'
                  r'(?:[^,()"]|\([^()]*\))+,\s*"((?:[^"\\]|\\.)*)"')
HELPERS = ("str_or", "get_time", "get_status", "set_hex64", "hex_field", "time_of", "list_has",
           "tw_event_mark_truncated", "tw_event_is_truncated")
HELPER = re.compile(r'\b(' + "|".join(HELPERS) + r')\(\s*[\w>.-]*(?:ev|hev|e|event)\s*,\s*"((?:[^"\\]|\\.)*)"')
ROWS = re.compile(r'(?:TwTreeRow\s+\w+\[\]|\}\s*(?:rows|tree_names)\[\])\s*=\s*\{(.*?)\n\s*\};', re.S)
ROW = re.compile(r'\{\s*"((?:[^"\\]|\\.)*)"')
NOT_CHECKED = {"core/event-json.c"}
TABLE = re.compile(r'\.key\s*=\s*"((?:[^"\\]|\\.)*)"')
SKIP_DIRS = {"tests", "bench", ".git", "subprojects", "fuzz"}


def schema_type(p):
    t = p.get("type")
    if t == "array":
        return "array<%s>" % p.get("items", {}).get("type")
    if t is None and "const" in p:
        return "integer"
    return t


def sources(repo):
    for root, dirs, files in os.walk(repo):
        rel = os.path.relpath(root, repo)
        top = rel.split(os.sep)[0]
        if top in SKIP_DIRS or top.startswith("build"):
            dirs[:] = []
            continue
        for f in sorted(files):
            if f.endswith(".c") or f.endswith(".h"):
                yield os.path.join(root, f)


def main():
    repo = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    with open(os.path.join(repo, "docs", "events.schema.json"), encoding="utf-8") as f:
        props = json.load(f)["properties"]
    keys, unknown, clashes = {}, [], []
    nfiles = 0
    for path in sources(repo):
        nfiles += 1
        with open(path, encoding="utf-8") as f:
            text = f.read()
        rel = os.path.relpath(path, repo)
        if rel in NOT_CHECKED:
            continue
        hits = [(m.group(1), m.group(2), m.start()) for m in CALL.finditer(text)]
        hits += [("table", m.group(1), m.start()) for m in TABLE.finditer(text)]
        hits += [(m.group(1), m.group(2), m.start()) for m in HELPER.finditer(text)]
        for m in ROWS.finditer(text):
            hits += [("tree_row", r.group(1), m.start(1) + r.start()) for r in ROW.finditer(m.group(1))]
        for fn, key, pos in hits:
            line = text.count("\n", 0, pos) + 1
            where = f"{rel}:{line}"
            keys.setdefault(key, where)
            if key not in props:
                unknown.append(f"{where}: {fn} key \"{key}\" is not in docs/events.schema.json")
                continue
            want = TYPES.get(fn)
            have = schema_type(props[key])
            if want and have != want and not (want == "integer" and have == "number"):
                clashes.append(f"{where}: {fn} \"{key}\" is {want}, the schema says {have}")
    for e in unknown + clashes:
        print(e)
    print(f"{nfiles} C files, {len(keys)} literal event keys: {len(unknown)} unknown to the schema, "
          f"{len(clashes)} with another JSON type")
    return 1 if unknown or clashes or not keys else 0


if __name__ == "__main__":
    sys.exit(main())
