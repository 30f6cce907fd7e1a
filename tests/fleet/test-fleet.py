#!/usr/bin/env python3
"""The fleet: sensors publish to a real NATS JetStream broker, one central
analysis consumes; and the merge of several sensors' events.

1. two sensors (-r FILE --publish) publish; --from-events nats:// gives the
   same report as --from-events on both sensors' event files;
2. the broker is stopped and started again while a sensor is publishing
   (frames fed slowly through stdin): nothing is lost, nothing doubled;
3. one event file given twice to --from-events gives the report of once;
4. a sensor whose capture clock is 10 minutes behind: alone it makes the
   healthy DC "at risk: clock skew"; beside a sensor with a good clock it
   is corrected, the DC stays healthy, and the report equals the one with
   its clock right;
5. requests seen by one sensor and replies by another still pair;
6. --from-events nats:// --follow keeps consuming while sensors publish:
   findings alerted as established, SIGUSR1 and --report-every reports, a
   broker restart in the middle loses and doubles nothing, and SIGTERM's
   final report has the findings of --from-events on the sensors' files;
7. TLS: with a self-made CA and broker certificate (openssl), --nats-ca
   reaches libnats (publish and consume over tls://), and without it, or
   with the wrong CA, the broker is refused.

nats-server (Debian package nats-server) is installed if missing (root), or
the NATS parts are skipped with a message (exit 77 when nothing else ran).

usage: test-fleet.py TRUSTWIRE SOURCE_ROOT
"""
import datetime
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

TW, ROOT = sys.argv[1], sys.argv[2]
PCAPS = os.path.join(ROOT, "pcaps")
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL", what)


def tw(args, stdin=None, cwd=None):
    p = subprocess.run([TW] + args, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       cwd=cwd, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def events_of(pcap, dest):
    r, out, err = tw(["-T", "events", "-r", pcap])
    with open(dest, "w") as f:
        f.write(out)
    return out


def shift(src, dest, seconds):
    with open(src) as f, open(dest, "w") as o:
        for line in f:
            e = json.loads(line)
            t = datetime.datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ") + datetime.timedelta(seconds=seconds)
            e["ts"] = t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            o.write(json.dumps(e, separators=(",", ":"), ensure_ascii=False) + "\n")


def nats_server():
    exe = shutil.which("nats-server")
    if exe:
        return exe
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-q",
                        "--no-install-recommends", "nats-server"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return shutil.which("nats-server")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Broker:
    def __init__(self, exe, port, store):
        self.exe, self.port, self.store, self.proc = exe, port, store, None

    def start(self):
        self.proc = subprocess.Popen([self.exe, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", self.store],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nats-server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        self.proc = None


def main():
    tmp = tempfile.mkdtemp(prefix="tw-fleet-")
    a_pcap = os.path.join(PCAPS, "01-healthy.pcap")
    b_pcap = os.path.join(PCAPS, "02-stale-password.pcap")
    try:
        # ---- without a broker: the merge ----
        ev_a = os.path.join(tmp, "A")
        ev_b = os.path.join(tmp, "B")
        events_of(a_pcap, ev_a)
        events_of(b_pcap, ev_b)

        once = tw(["--from-events", "B"], cwd=tmp)
        twice = tw(["--from-events", "B", "B"], cwd=tmp)
        check(once[:2] == twice[:2], "one file given twice: the report of once")
        check("counted once" in twice[2], "one file given twice: the copies are said on stderr")
        j1 = json.loads(tw(["-T", "json", "--from-events", "B"], cwd=tmp)[1])
        j2 = json.loads(tw(["-T", "json", "--from-events", "B", "B"], cwd=tmp)[1])
        check(j1 == j2, "one file given twice: the JSON report of once")

        # A sensor 10 minutes behind, seeing B's traffic.
        shift(ev_b, os.path.join(tmp, "B-slow"), -600)
        os.symlink("B", os.path.join(tmp, "B-good"))
        alone = tw(["--from-events", "B-slow"], cwd=tmp)[1]
        check("clock-skew" in alone, "the slow sensor alone makes the DC look skewed (fixture is meaningful)")
        fleet = tw(["--from-events", "A", "B-slow"], cwd=tmp)
        good = tw(["--from-events", "A", "B-good"], cwd=tmp)
        check("clock-skew" not in fleet[1], "slow sensor beside a good one: no clock skew")
        check(fleet[1].replace("B-slow", "B-good") == good[1], "slow sensor corrected: the report of a good clock")
        check("corrected by +600.0 s" in fleet[2], "the correction is said on stderr")

        # Requests seen by one sensor, replies by another.
        req, rsp = os.path.join(tmp, "REQ"), os.path.join(tmp, "RSP")
        with open(ev_b) as f, open(req, "w") as q, open(rsp, "w") as r:
            for line in f:
                e = json.loads(line)
                (q if e.get("dport", 0) < e.get("sport", 0) else r).write(line)
        split = tw(["--from-events", "REQ", "RSP"], cwd=tmp)[1]
        whole = tw(["--from-events", "B"], cwd=tmp)[1]
        # The "Inputs:" block (capture health: one line per --from-events
        # input) is the only part that must differ: two inputs, not one.
        split = re.sub(r"Inputs:\n(  .*\n)+\n", "", split)
        norm = split.replace("from REQ, RSP", "from B").replace("[REQ]", "[B]").replace("[RSP]", "[B]")
        check(norm == whole, "requests and replies from two sensors pair as from one")

        # ---- with a broker ----
        exe = nats_server()
        probe = tw(["--publish", "nats://127.0.0.1:1/x", "-r", os.path.join(tmp, "missing.pcap")])
        if "without libnats" in probe[2]:
            print("SKIP NATS parts: this trustwire was built without libnats (-Dnats=disabled)")
        elif not exe:
            print("SKIP NATS parts: nats-server is not installed and could not be (not root)")
        else:
            run_nats(exe, tmp, a_pcap, b_pcap, ev_a, ev_b)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL", f)
    print(f"{checks} checks, {len(failures)} failed")
    return 1 if failures else 0


def run_nats(exe, tmp, a_pcap, b_pcap, ev_a, ev_b):
    port = free_port()
    store = os.path.join(tmp, "js")
    os.mkdir(store)
    broker = Broker(exe, port, store)
    broker.start()
    try:
        url = f"nats://127.0.0.1:{port}/fleet"
        for name, pcap in (("A", a_pcap), ("B", b_pcap)):
            r = tw(["-r", pcap, "--publish", url, "--sensor-name", name, "-T", "events",
                    "--publish-spool", os.path.join(tmp, "spool-" + name)])
            check(r[0] in (0, 1), f"sensor {name} publishes (exit {r[0]}: {r[2][-300:]})")
        central = tw(["--from-events", url, "--durable", "central"])
        files = tw(["--from-events", "A", "B"], cwd=tmp)
        check(central[1] == files[1] and central[1], "central analysis over NATS = --from-events on both files")
        jc = tw(["-T", "json", "--from-events", url, "--durable", "central-json"])[1]
        jf = tw(["-T", "json", "--from-events", "A", "B"], cwd=tmp)[1]
        check(jc == jf, "central JSON report over NATS = --from-events on both files")
        n_a = sum(1 for _ in open(ev_a))
        n_b = sum(1 for _ in open(ev_b))
        check(f"{n_a + n_b} event message(s) read" in central[2], "every event of both sensors was read once")
        again = tw(["--from-events", url, "--durable", "central"])
        check(again[0] == 2 and "0 event message(s) read" in again[2],
              "the durable consumer does not read the same messages twice")

        # Broker restart while a sensor publishes: frames fed slowly on stdin.
        url2 = f"nats://127.0.0.1:{port}/restart"
        spool = os.path.join(tmp, "spool-C")
        with open(os.path.join(PCAPS, "10-mixed.pcap"), "rb") as f:
            data = f.read()
        p = subprocess.Popen([TW, "--workers", "1", "-r", "-", "--publish", url2, "--sensor-name", "C", "-T",
                              "events", "--publish-spool", spool],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        records = split_pcap(data)
        half = len(records) // 2
        p.stdin.write(records[0] + b"".join(records[1:half]))
        p.stdin.flush()
        time.sleep(1.0)
        broker.stop()
        time.sleep(0.5)
        p.stdin.write(b"".join(records[half:]))
        p.stdin.flush()
        time.sleep(1.0)
        broker.start()
        out, err = p.communicate(timeout=60)
        err = err.decode()
        check(p.returncode in (0, 1), f"sensor across a broker restart exits {p.returncode}: {err[-300:]}")
        check("spooling" in err, "the sensor said it spooled while the broker was away")
        sensor_events = out.decode().count("\n")
        c = tw(["--from-events", url2, "--durable", "restart"])
        check(f"{sensor_events} event message(s) read" in c[2],
              f"broker restart: all {sensor_events} events arrived once ({c[2].strip()[:200]})")
        with open(os.path.join(tmp, "C"), "wb") as f:
            f.write(out)
        ref = tw(["--from-events", "C"], cwd=tmp)[1]
        check(c[1] == ref, "broker restart: the central report = the sensor's own events")

        # A sensor that starts while the broker is away: it does not wait
        # for it, spools, and replays when it comes back.
        broker.stop()
        url3 = f"nats://127.0.0.1:{port}/late"
        p = subprocess.Popen([TW, "-r", a_pcap, "--publish", url3, "--sensor-name", "L", "-T", "events",
                              "--publish-spool", os.path.join(tmp, "spool-L")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.5)
        broker.start()
        out, err = p.communicate(timeout=60)
        err = err.decode()
        check(p.returncode in (0, 1) and "spooling" in err, f"sensor started without a broker spools ({err[-200:]})")
        c = tw(["--from-events", url3, "--durable", "late"])
        check(f"{n_a} event message(s) read" in c[2], "sensor started without a broker: every event arrives")

        run_follow(broker, tmp, port, a_pcap, b_pcap, n_a, n_b, records)
        if os.path.exists(os.path.join(tmp, "tls")) or shutil.which("openssl"):
            run_tls(exe, tmp, a_pcap, n_a)
    finally:
        broker.stop()


def wait_for(pred, seconds):
    for _ in range(int(seconds * 10)):
        if pred():
            return True
        time.sleep(0.1)
    return pred()


def findings_of(path):
    """The findings of an alerts file: which machine, what, how sure.  (Which
    sensor's frame established one depends on the order sensors published in
    when they saw the same machine at different times: --follow analyses in
    arrival order, --from-events on files in time order across them.)"""
    out = []
    if not os.path.exists(path):
        return out
    for line in open(path):
        r = json.loads(line)
        if "record" in r:
            continue
        out.append(json.dumps({k: r.get(k) for k in ("account", "machine", "rule", "state", "confidence")},
                              sort_keys=True))
    return sorted(out)


def run_follow(broker, tmp, port, a_pcap, b_pcap, n_a, n_b, records):
    """6. --follow: a central analysis that keeps consuming while sensors
    publish, with a broker restart in the middle."""
    url = f"nats://127.0.0.1:{port}/follow"
    alerts = os.path.join(tmp, "follow-alerts.ndjson")
    jpath = os.path.join(tmp, "follow.json")
    rpath = os.path.join(tmp, "follow-report.txt")
    epath = os.path.join(tmp, "follow.err")
    with open(rpath, "w") as rout, open(epath, "w") as eout:
        f = subprocess.Popen([TW, "--from-events", url, "--follow", "--durable", "follower", "--alerts", alerts,
                              "--write", "json:" + jpath, "-q", "--report-every", "1s"],
                             stdout=rout, stderr=eout)
    try:
        check(wait_for(lambda: "following " in open(epath).read(), 10), "--follow says what it follows")
        for name, pcap in (("FA", a_pcap), ("FB", b_pcap)):
            tw(["-r", pcap, "--publish", url, "--sensor-name", name, "-T", "events",
                "--publish-spool", os.path.join(tmp, "spool-" + name)])
        check(wait_for(lambda: any('"stale-password"' in x for x in findings_of(alerts)), 15),
              "--follow: the broken machine's finding is alerted while it keeps running")
        check(f.poll() is None, "--follow is still running after the sensors are done")
        os.kill(f.pid, signal.SIGUSR1)
        check(wait_for(lambda: "Fleet (SIGUSR1 report" in open(rpath).read(), 10), "--follow: SIGUSR1 makes a report")
        check(wait_for(lambda: "Fleet (periodic report" in open(rpath).read(), 10), "--follow: --report-every reports")
        rep = open(rpath).read()
        check("BROKEN" in rep and "WS02$" in rep, "--follow: the report names the broken machine")

        # A sensor publishes slowly; the broker stops and starts again in the middle.
        spool = os.path.join(tmp, "spool-FC")
        p = subprocess.Popen([TW, "--workers", "1", "-r", "-", "--publish", url, "--sensor-name", "FC", "-T",
                              "events", "--publish-spool", spool],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        half = len(records) // 2
        p.stdin.write(records[0] + b"".join(records[1:half]))
        p.stdin.flush()
        time.sleep(1.0)
        broker.stop()
        time.sleep(1.0)
        p.stdin.write(b"".join(records[half:]))
        p.stdin.flush()
        time.sleep(0.5)
        broker.start()
        out, err = p.communicate(timeout=60)
        n_c = out.decode().count("\n")
        with open(os.path.join(tmp, "FC"), "wb") as fc:
            fc.write(out)
        check(wait_for(lambda: "the broker is back" in open(epath).read(), 15),
              "--follow said the broker went away and came back")
        time.sleep(2.5)
        check(f.poll() is None, "--follow survived the broker restart")
    finally:
        if f.poll() is None:
            os.kill(f.pid, signal.SIGTERM)
        f.wait(timeout=30)
    err = open(epath).read()
    check(f.returncode == 1, f"--follow exits 1 at SIGTERM (a broken machine): {f.returncode}")
    m = re.search(r"(\d+) event\(s\) analysed from (\d+) sensor", err)
    want = n_a + n_b + n_c
    check(m is not None and int(m.group(1)) == want and m.group(2) == "3",
          f"--follow across a broker restart: every event of the 3 sensors once ({want} expected; {err[-400:]})")
    # The same findings as --from-events on the three sensors' files.
    for name, src in (("FA", os.path.join(tmp, "A")), ("FB", os.path.join(tmp, "B"))):
        shutil.copy(src, os.path.join(tmp, name))
    ref_alerts = os.path.join(tmp, "ref-alerts.ndjson")
    tw(["--from-events", "FA", "FB", "FC", "--alerts", ref_alerts, "-q"], cwd=tmp)
    got, ref = findings_of(alerts), findings_of(ref_alerts)
    check(got == ref and ref, "--follow findings = --from-events findings on the sensors' files:\n  follow: " +
          "\n  follow: ".join(got) + "\n  files:  " + "\n  files:  ".join(ref))
    docs, text, i = [], open(jpath).read(), 0
    dec = json.JSONDecoder()
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        d, i = dec.raw_decode(text, i)
        docs.append(d)
    check(len(docs) >= 3, f"--follow --write json: periodic, SIGUSR1 and final reports ({len(docs)} documents)")
    if docs:
        ref_json = json.loads(tw(["-T", "json", "--from-events", "FA", "FB", "FC"], cwd=tmp)[1])
        strip = lambda d: {k: v for k, v in d.items() if k not in ("generated", "health", "sources")}
        check(sorted(m["account"] for m in docs[-1].get("machines", [])) ==
              sorted(m["account"] for m in ref_json.get("machines", [])),
              "--follow final JSON report: the machines of --from-events on the files")


def run_tls(exe, tmp, a_pcap, n_a):
    """7. TLS to the broker: --nats-ca reaches libnats (a self-signed CA and
    server certificate made here); without the CA the connection fails."""
    d = os.path.join(tmp, "tls")
    os.makedirs(d, exist_ok=True)
    def ssl(*args):
        return subprocess.run(["openssl", *args], cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
    ok = ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=trustwire test CA") == 0
    ok = ok and ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr",
                    "-subj", "/CN=127.0.0.1") == 0
    with open(os.path.join(d, "ext"), "w") as e:
        e.write("subjectAltName=IP:127.0.0.1\n")
    ok = ok and ssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", "srv.pem", "-days", "2", "-extfile", "ext") == 0
    if not ok:
        print("SKIP TLS: openssl could not make the test certificates")
        return
    port = free_port()
    store = os.path.join(tmp, "js-tls")
    os.makedirs(store, exist_ok=True)
    proc = subprocess.Popen([exe, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", store, "--tls",
                             "--tlscert", os.path.join(d, "srv.pem"), "--tlskey", os.path.join(d, "srv.key")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: subprocess.run(["sh", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}"],
                                        stderr=subprocess.DEVNULL).returncode == 0, 5)
        url = f"tls://127.0.0.1:{port}/secure"
        ca = ["--nats-ca", os.path.join(d, "ca.pem")]
        r = tw(["-r", a_pcap, "--publish", url, "--sensor-name", "T", "-T", "events",
                "--publish-spool", os.path.join(tmp, "spool-T")] + ca)
        check(r[0] in (0, 1) and f"{n_a} message(s) published at once" in r[2],
              f"TLS: a sensor publishes through --nats-ca ({r[2].strip()[-300:]})")
        c = tw(["--from-events", url, "--durable", "tls"] + ca)
        check(f"{n_a} event message(s) read" in c[2], f"TLS: the central consumer reads through --nats-ca ({c[2][-300:]})")
        bad = tw(["--from-events", url, "--durable", "tls2"])
        check(bad[0] == 2, f"TLS: without --nats-ca the broker's certificate is refused (exit {bad[0]})")
        wrong = tw(["--from-events", url, "--durable", "tls3", "--nats-ca", os.path.join(d, "srv.pem")])
        check(wrong[0] == 2, f"TLS: a CA file that did not sign the broker's certificate is refused (exit {wrong[0]})")
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def split_pcap(data):
    """Classic pcap: [global header, record, record, ...]."""
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    out = [data[:24]]
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        out.append(data[off:off + 16 + incl])
        off += 16 + incl
    return out


if __name__ == "__main__":
    sys.exit(main())
