#!/usr/bin/env python3
"""SAMR events vs tshark, frame by frame, on every public capture holding SAMR
(../shared/pcaps/public) and the lab captures (pcaps/).  Compared per frame:
samr.opnum; samr.rid (OpenUser request, LookupNames response RIDs, CreateUser2
response; tshark's samr.rid of other calls is not compared, trustwire does not read them); the SetUserInfo/SetUserInfo2 level (info_class).  Exit 77 (skip)
without tshark or captures.  Prints per-field n/n and fails on any difference."""
import glob, json, os, shutil, subprocess, sys

TW = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PUB = os.path.join(ROOT, "..", "shared", "pcaps", "public")
FIELDS = ["frame.number", "samr.opnum", "samr.rid", "samr.samr_SetUserInfo2.level", "samr.samr_SetUserInfo.level"]


def tshark(path):
    p = subprocess.run(["tshark", "-n", "-r", path, "-Y", "samr", "-T", "fields", "-E", "occurrence=a",
                        "-E", "separator=\t"] + sum([["-e", f] for f in FIELDS], []),
                       capture_output=True, text=True, timeout=300)
    out = {}
    for line in p.stdout.splitlines():
        c = line.split("\t")
        frame = int(c[0])
        opnums = [int(x) for x in c[1].split(",") if x]
        rids = [int(x) for x in c[2].split(",") if x]
        # only the calls trustwire reads a RID from (OpenUser, CreateUser2InDomain,
        # LookupNamesInDomain); tshark files LookupNames' Types (SID_NAME_USE)
        # under samr.rid too, after the RIDs: the first half are the RIDs
        if not set(opnums) & {17, 34, 50}:
            rids = []
        elif 17 in opnums and len(rids) % 2 == 0:
            rids = rids[: len(rids) // 2]
        rids = sorted(set(rids))
        level = [int(x) for x in (c[3] + "," + c[4]).split(",") if x]
        out[frame] = {"opnum": opnums, "rid": rids, "level": level[:1]}
    return out


def trustwire(path):
    p = subprocess.run([TW, "-r", path, "-T", "events"], capture_output=True, text=True, timeout=300)
    out = {}
    for line in p.stdout.splitlines():
        e = json.loads(line)
        if e.get("proto") != "samr":
            continue
        d = out.setdefault(e["frame"], {"opnum": [], "rid": set(), "level": []})
        if "opnum" in e:
            d["opnum"].append(e["opnum"])
        # a response repeats its request's rid; tshark shows only what the frame holds
        if e.get("op") in ("SamrOpenUser",) and e.get("dir") == "request" and "rid" in e:
            d["rid"].add(e["rid"])
        if e.get("op") == "SamrCreateUser2InDomain" and e.get("dir") == "response" and "rid" in e:
            d["rid"].add(e["rid"])
        for r in e.get("rids", []):
            d["rid"].add(r)
        if e.get("dir") == "request" and "info_class" in e:
            d["level"].append(e["info_class"])
    for d in out.values():
        d["rid"] = sorted(d["rid"])
    return out


def main():
    if not shutil.which("tshark"):
        return 77
    files = [f for f in glob.glob(os.path.join(PUB, "**", "*.pcap*"), recursive=True)]
    files += glob.glob(os.path.join(ROOT, "pcaps", "*.pcap"))
    total = {k: [0, 0] for k in ("opnum", "rid", "level")}
    frames = agree = 0
    bad = []
    for f in sorted(files):
        t = tshark(f)
        if not t:
            continue
        w = trustwire(f)
        for frame, tv in sorted(t.items()):
            wv = w.get(frame, {"opnum": [], "rid": [], "level": []})
            frames += 1
            ok = True
            for k in total:
                if not tv[k] and not wv[k]:
                    continue
                total[k][1] += 1
                if sorted(tv[k]) == sorted(wv[k]):
                    total[k][0] += 1
                else:
                    ok = False
                    bad.append("%s frame %d %s: tshark %r trustwire %r" % (os.path.relpath(f, ROOT), frame, k, tv[k], wv[k]))
            agree += ok
    print("frames: %d/%d agree; %s" % (agree, frames, ", ".join("%s %d/%d" % (k, v[0], v[1]) for k, v in total.items())))
    for b in bad[:40]:
        print("  " + b)
    if frames == 0:
        return 77
    return 0 if not bad else 1


sys.exit(main())
