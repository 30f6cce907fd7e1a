#!/usr/bin/env python3
"""The man page lints clean and documents every option --help lists.

groff -ww -z -man: any warning fails.  Every short and long option of
`trustwire --help-all` must appear in docs/trustwire.1 as \\fB-x / --long
(written \\-x, \\-\\-long in roff), and every -T mode too; so must every
option in the bash and zsh completions, and the completions must offer every
long option.

Usage: check-man.py TRUSTWIRE SOURCE_ROOT      (77 = skip without groff)
"""
import os
import re
import shutil
import subprocess
import sys

TW, ROOT = sys.argv[1], sys.argv[2]
if not shutil.which("groff"):
    print("SKIP: groff not installed (apt-get install groff-base)")
    sys.exit(77)
failures = 0


def check(name, cond, detail=""):
    global failures
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  " + str(detail)[:600]))
    if not cond:
        failures += 1


man_path = os.path.join(ROOT, "docs", "trustwire.1")
lint = subprocess.run(["groff", "-ww", "-z", "-man", man_path], capture_output=True, text=True)
check("groff -ww -z -man: no warning", lint.returncode == 0 and lint.stderr == "", lint.stderr)
man = open(man_path).read().replace("\\-", "-")

helptext = subprocess.run([TW, "--help-all"], capture_output=True, text=True, env=dict(os.environ, LC_ALL="C.UTF-8")).stdout
longs = sorted(set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z-]*)", helptext, re.M)))
shorts = sorted(set(re.findall(r"^\s+(-\w), --", helptext, re.M)))
check("--help lists options", len(longs) > 20, longs)
missing = [o for o in longs + shorts if not re.search(r"\\fB" + re.escape(o) + r"(?![a-z-])|" + re.escape(o) + r"\b", man)]
check(f"man page documents all {len(longs)} long and {len(shorts)} short options of --help", not missing, missing)
modes = ["report", "json", "summary", "events", "tree"]
check("man page documents every -T mode", all(re.search(r"^\.B " + m + "$", man, re.M) for m in modes))
for sect in ("EXIT STATUS", "FILES", "EXAMPLES", "SYNOPSIS"):
    check(f"man page has {sect}", f".SH {sect}" in man)
for code in "0123":
    check(f"exit status {code} documented", re.search(r"^\.B " + code + "$", man, re.M) is not None)

for comp in ("completions/trustwire.bash", "completions/_trustwire"):
    text = open(os.path.join(ROOT, comp)).read()
    missing = [o for o in longs if o not in text]
    check(f"{comp} offers every long option", not missing, missing)
    extra = sorted(set(o for o in re.findall(r"(--[a-z][a-z-]+)", text) if o not in longs and o not in ("--help-all",)))
    check(f"{comp} offers no option trustwire lacks", not extra, extra)
print(f"{failures} failure(s)")
sys.exit(1 if failures else 0)
