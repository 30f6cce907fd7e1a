#!/usr/bin/env python3
"""Golden -T ladder output on lab captures, and --machine NAME.

Each case runs `trustwire -T ladder ARGS` under a locale and compares with
tests/reports/ladder/NAME.ladder, reviewed by hand against the text report
and tshark (frames, directions, error codes) before it was committed.
--machine: the text and JSON reports keep only the machine it names (by
account, NetBIOS name in any case, FQDN or address), and a name that is no
machine of the input is exit status 2 with a message.

Usage: run-ladders.py [--regen] TRUSTWIRE SOURCE_ROOT
"""
import difflib
import json
import os
import subprocess
import sys

args = sys.argv[1:]
regen = bool(args) and args[0] == "--regen"
if regen:
    args = args[1:]
TW, ROOT = args
HERE = os.path.join(ROOT, "tests", "reports", "ladder")
UTF8, C = "C.UTF-8", "C"

# name, locale, arguments (captures relative to the repository)
CASES = [
    ("02-stale-password", UTF8, ["pcaps/02-stale-password.pcap"]),
    ("03-clock-skew", UTF8, ["pcaps/03-clock-skew.pcap"]),
    ("04-netlogon-wrong-password-ascii", UTF8, ["--ascii", "pcaps/04-netlogon-wrong-password.pcap"]),
    ("06-deleted-c-locale", C, ["pcaps/06-deleted.pcap"]),
    ("07-cloned-ws06", UTF8, ["--machine", "ws06", "pcaps/07-cloned.pcap"]),
    ("08-zerologon", UTF8, ["pcaps/08-zerologon.pcap"]),
    ("10-mixed", UTF8, ["pcaps/10-mixed.pcap"]),
    ("01-healthy-ws01", UTF8, ["--machine", "WS01$", "pcaps/01-healthy.pcap"]),
    # saved events: six failing logons 10 s apart (the last 4 drawn), 15 in one second
    ("many-exchanges", UTF8, ["--from-events", "tests/reports/ladder/many-exchanges.ndjson"]),
    # --frame N: only the exchanges holding those frames (one exchange of four, and of another
    # machine; a healthy machine's teaching ladder; a frame no ladder draws)
    ("many-exchanges-frames-8-16", UTF8, ["--frame", "8", "--frame", "16", "--from-events",
                                          "tests/reports/ladder/many-exchanges.ndjson"]),
    ("10-mixed-frame-52", UTF8, ["--frame", "52", "pcaps/10-mixed.pcap"]),
    ("10-mixed-frame-1", UTF8, ["--frame", "1", "pcaps/10-mixed.pcap"]),
]
failures = 0


def check(name, cond, detail=""):
    global failures
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  " + str(detail)[:2000]))
    if not cond:
        failures += 1


def tw(argv, locale=UTF8):
    env = dict(os.environ, LC_ALL=locale, NO_COLOR="1")
    return subprocess.run([TW] + argv, capture_output=True, cwd=ROOT, env=env)


for name, locale, argv in CASES:
    r = tw(["-T", "ladder"] + argv, locale)
    got = r.stdout.decode("utf-8")
    path = os.path.join(HERE, name + ".ladder")
    if regen:
        os.makedirs(HERE, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(got)
        print(f"wrote {path}")
        continue
    want = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "golden", "got"))
    check(f"ladder {name}", got == want and want, diff or "empty golden")
    if "--frame" in argv:
        frames = {argv[i + 1] for i, x in enumerate(argv) if x == "--frame"}
        drawn = [l.rsplit("frame ", 1)[1].strip() for l in got.splitlines() if l.rstrip().split(" ")[-2:-1] == ["frame"]]
        blocks = got.split("\nExchange ")[1:] + got.split("\nNo failing exchange")[1:]
        check(f"ladder {name}: every exchange drawn holds a frame of --frame",
              all(any(f"frame {f}\n" in b for f in frames) for b in blocks) and
              (bool(blocks) == any(f in drawn for f in frames)), (frames, drawn))
    ascii_case = locale == C or "--ascii" in argv
    if "Exchange" in got:
        check(f"ladder {name}: {'ASCII only' if ascii_case else 'box drawing'}",
              got.isascii() == ascii_case and ("│" in got) != ascii_case)
    # the exit status is the report's
    rep = tw(["-T", "json"] + argv)
    check(f"ladder {name}: exit status {r.returncode} as the report's",
          r.returncode == json.loads(rep.stdout)["exit_status"], (r.returncode, r.stderr))

if not regen:
    # --machine restricts the text and JSON reports
    cap = "pcaps/10-mixed.pcap"
    full = json.loads(tw(["-T", "json", cap]).stdout)
    check("10-mixed has several machines", len(full["machines"]) > 2, [m["account"] for m in full["machines"]])
    for sel in ("WS02", "ws02$", "WS02$", "ws02.lab.trustwire.test"):
        j = json.loads(tw(["-T", "json", "--machine", sel, cap]).stdout)
        check(f"--machine {sel}: JSON has WS02$ only", [m["account"] for m in j["machines"]] == ["WS02$"],
              [m["account"] for m in j["machines"]])
    addr = next(m for m in full["machines"] if m["account"] == "WS02$")["addresses"][0]
    j = json.loads(tw(["-T", "json", "--machine", addr, cap]).stdout)
    check(f"--machine {addr}: JSON has WS02$ only", [m["account"] for m in j["machines"]] == ["WS02$"],
          [m["account"] for m in j["machines"]])
    t = tw(["--machine", "WS02", cap])
    text = t.stdout.decode()
    others = [m["account"] for m in full["machines"] if m["account"] and m["account"] != "WS02$"]
    # verdict blocks ("BROKEN    WS02$ — …") and the summed-up lines ("Healthy (3): …")
    heads = [l for l in text.splitlines() if l.split(" ", 1)[0] in ("BROKEN", "AT", "RECOVERED", "Healthy", "Unknown")]
    check("--machine WS02: the text report shows WS02$'s verdict and no other machine's",
          heads and heads[0].startswith("BROKEN    WS02$") and not any(o in h for h in heads for o in others), heads)
    check("--machine WS02: Result counts one machine", "Result: 1 broken, 0 at risk, 0 recovered, 0 healthy" in text,
          text[-300:])
    check("--machine WS02: exit status 1 (WS02 is broken)", t.returncode == 1, t.returncode)
    h = tw(["--machine", "WS01", cap])
    check("--machine WS01 (healthy): exit status 0", h.returncode == 0, h.returncode)
    n = tw(["--machine", "NOSUCH", cap])
    check("--machine NOSUCH: exit status 2 and a message", n.returncode == 2 and b"no such machine" in n.stderr,
          (n.returncode, n.stderr))
    # --machine restricts every section about machines and users, not only the
    # verdicts: the ticket refusals and findings, the user failures and sprays,
    # the names only others used (text, JSON and the HTML page alike)
    def sections(argv):
        text = tw(argv).stdout.decode()
        j = json.loads(tw(["-T", "json"] + argv).stdout)
        page = tw(["-T", "html"] + argv).stdout.decode()
        tick = text.split("Ticket requests the KDC refused", 1)[1].split("\n\n", 1)[0] if \
            "Ticket requests the KDC refused" in text else ""
        return text, j, page, tick

    for sel in ("WS01", "WS05", "WS08"):
        text, j, page, tick = sections(["--machine", sel, cap])
        want = [f["requester"] for f in full["ticket_failures"] if f["requester"] == sel + "$"]
        check(f"--machine {sel}: JSON ticket_failures are {sel}$'s only",
              [f["requester"] for f in j["ticket_failures"]] == want and want, j["ticket_failures"])
        named = {w for w in tick.replace(",", " ").split() if w.endswith("$")}
        check(f"--machine {sel}: the text ticket section names {sel}$ only", named == {sel + "$"}, tick)
        others = {f["requester"] for f in full["ticket_failures"]} - {sel + "$"}
        check(f"--machine {sel}: the page's ticket section names no other machine",
              "Ticket requests" in page and not any(f"{o} →" in page or f"{o} &rarr;" in page for o in others),
              sorted(others))
    dcs = "pcaps/11-dcsync.pcap"
    text, j, page, tick = sections(["--machine", "WS01", dcs])
    check("--machine WS01 on 11-dcsync: the DCSync finding stays (text, JSON, page)",
          "DCSync from a host that is not a DC" in text and [k["kind"] for k in j["ticket_findings"]] == ["dcsync-non-dc"]
          and "DRSGetNCChanges" in page, (text[-600:], j["ticket_findings"]))
    text, j, page, tick = sections(["--machine", "DC1", dcs])
    check("--machine DC1 on 11-dcsync: no DCSync finding nor WS01$'s refusals (text, JSON, page)",
          "DCSync" not in text and not j["ticket_findings"] and not j["ticket_failures"] and not tick
          and "DRSGetNCChanges" not in page and "WS01$" not in text, (text[-600:], j["ticket_findings"]))
    s4u = "pcaps/11-s4u-deleted.pcap"
    fs = json.loads(tw(["-T", "json", s4u]).stdout)
    check("11-s4u-deleted: user failures from 10.77.0.21", fs["users"] and
          all(u["address"] == "10.77.0.21" for u in fs["users"]), fs["users"])
    text, j, page, tick = sections(["--machine", "WS01", s4u])
    check("--machine WS01 on 11-s4u-deleted: the user failures from its address stay",
          j["users"] == fs["users"] and "User logons that failed (2" in text and "nosuchuser" in page, j["users"])
    text, j, page, tick = sections(["--machine", "10.77.0.10", s4u])
    check("--machine 10.77.0.10 on 11-s4u-deleted: no user failure, no ticket refusal from another machine",
          not j["users"] and not j["ticket_failures"] and "User logons" not in text and not tick
          and "nosuchuser" not in page and "User logons" not in page, (j["users"], text[-500:]))
    np_ = "pcaps/12-ntlm-passthrough.pcap"
    full_np = json.loads(tw(["-T", "json", np_]).stdout)
    if full_np["named_only"] and full_np["machines"]:
        m0 = full_np["machines"][0]["account"] or full_np["machines"][0]["addresses"][0]
        j = json.loads(tw(["-T", "json", "--machine", m0, np_]).stdout)
        check(f"--machine {m0} on 12-ntlm-passthrough: no name only others used", not j["named_only"],
              j["named_only"])
    print(f"{failures} failure(s)")
sys.exit(1 if failures else 0)
