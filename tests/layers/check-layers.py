#!/usr/bin/env python3
"""The layering rule of docs/architecture.md, checked on every #include.

Data flows one way: core <- keys <- dissectors <- capture, core <- analysis <- output,
and cli/ wires them all.  This test reads every C file of the source folders,
resolves each `#include "..."` to the folder that holds the header, and fails
when
  - a top-level folder includes one it may not (ALLOWED below), or
  - two source folders include each other's headers (a cycle of two, at any
    depth: dissectors/dcerpc <-> dissectors/netlogon counts too).

Usage: check-layers.py REPO_ROOT
Exit: 0 clean, 1 a violation (each printed as FILE:LINE: ...).
"""
import os
import re
import sys

# What each top-level folder may include besides itself.
ALLOWED = {
    "core": set(),
    "keys": {"core"},
    "dissectors": {"core", "keys"},
    "capture": {"core", "dissectors"},
    "analysis": {"core"},
    "output": {"core", "analysis"},
    "cli": {"core", "keys", "dissectors", "capture", "analysis", "output"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def folder_of(repo, path):
    """Folder of a file, relative to the repository root ('dissectors/krb5')."""
    return os.path.relpath(os.path.dirname(path), repo)


def resolve(repo, src, name):
    """The file an #include "name" in src refers to (the including file's
    folder first, then the repository root, as meson's include path does).
    A header meson generates from NAME.in (cli/tw-version.h) counts as NAME."""
    for base in (os.path.dirname(src), repo):
        cand = os.path.normpath(os.path.join(base, name))
        if os.path.exists(cand):
            return cand
        if os.path.exists(cand + ".in"):
            return cand
    return None


def main():
    repo = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    edges = {}   # (from_folder, to_folder) -> first "file:line"
    problems = []
    for top in ALLOWED:
        for dirpath, _, files in os.walk(os.path.join(repo, top)):
            for fn in sorted(files):
                if not fn.endswith((".c", ".h")):
                    continue
                src = os.path.join(dirpath, fn)
                with open(src, encoding="utf-8", errors="replace") as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = resolve(repo, src, m.group(1))
                        where = f"{os.path.relpath(src, repo)}:{lineno}"
                        if target is None:
                            problems.append(f"{where}: #include \"{m.group(1)}\" resolves to no file")
                            continue
                        a, b = folder_of(repo, src), folder_of(repo, target)
                        ta, tb = a.split(os.sep)[0], b.split(os.sep)[0]
                        if tb not in ALLOWED:
                            problems.append(f"{where}: includes {os.path.relpath(target, repo)} outside the source folders")
                            continue
                        if ta != tb and tb not in ALLOWED[ta]:
                            problems.append(f"{where}: {ta}/ may not include {tb}/ ({m.group(1)})")
                        if a != b:
                            edges.setdefault((a, b), where)
    for (a, b), where in sorted(edges.items()):
        if a < b and (b, a) in edges:
            problems.append(f"{where}: {a} and {b} include each other's headers "
                            f"(the other way: {edges[(b, a)]})")
    for p in problems:
        print(p)
    print(f"{len(edges)} folder-to-folder include edges, {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
