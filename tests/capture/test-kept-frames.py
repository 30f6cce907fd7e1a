#!/usr/bin/env python3
"""--workers N reads a mapped capture file's frames where they are
(capture/source-keep.h): a batch's frames point into the file's mapping,
which stays mapped, and its pages resident, until the batch is merged.

Each case must give the same -T events output and -S counters with
--workers 1 (no batches), 2 and 3 (batches in flight, several threads):
  - a generated DC mix of ~14 MiB, several TW_SAVEFILE_MAP_DROP (2 MiB)
    over, so pages behind the batches in flight are given back meanwhile;
  - that file, a lab capture and the file again in one run: a file read to
    its end while batches still hold its frames (kept mapped until then);
  - the file through a pipe and gzip-compressed beside the plain file: not
    mapped, so copied into the batch (frames of both kinds in one batch);
  - 400 one-file-per-frame captures, under a limit of 64 open files: every
    batch holds frames of dozens of files read to their end (their
    descriptors closed at once, their mappings kept).
And peak RSS stays small: the file read six times in one run takes little
more memory than the same read from its compressed copy, which is never
mapped (read files are unmapped, read pages given back).

usage: test-kept-frames.py TRUSTWIRE GEN_CAPTURE SOURCE_ROOT
"""
import gzip
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile

TW, GEN, ROOT = sys.argv[1:4]
TMP = tempfile.mkdtemp(prefix="tw-kept-")
failures = 0


def check(name, cond, detail=""):
    global failures
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  " + str(detail)[:300]))
    if not cond:
        failures += 1


def run(args, stdin=None, nofile=None):
    """(exit status, stdout, stderr) of one run."""
    def limit():
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    p = subprocess.Popen([TW] + args, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit)
    out, err = p.communicate(stdin, timeout=600)
    return p.returncode, out, err


def run_rss(args):
    """Exit status and peak RSS (KiB) of one run, measured by wait4 on the
    child.  Linux keeps in a child's peak the peak of the process it was
    spawned from: main measures before this process holds anything big."""
    null = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
    pid = os.posix_spawn(TW, [TW] + args, os.environ, file_actions=null)
    _, status, ru = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), ru.ru_maxrss


def same(label, args, stdin=None, nofile=None):
    base = None
    for n in (1, 2, 3):
        r = run(["--workers", str(n), "-S", "-T", "events"] + args, stdin, nofile)
        got = r
        if base is None:
            base = got
            check(f"{label}: --workers 1 exits 0 with events", r[0] == 0 and r[1].count(b"\n") > 10,
                  (r[0], r[2][-300:]))
            continue
        check(f"{label}: --workers {n} is --workers 1", got == base,
              "exit %d vs %d, %d vs %d bytes, stderr %r" % (got[0], base[0], len(got[1]), len(base[1]), got[2][-200:]))


def one_frame_files(src, n):
    """Up to n classic pcaps of one frame each, from src (a little-endian pcap)."""
    with open(src, "rb") as f:
        data = f.read()
    head, off, paths = data[:24], 24, []
    while off + 16 <= len(data) and len(paths) < n:
        cap = struct.unpack("<I", data[off + 8:off + 12])[0]
        path = os.path.join(TMP, "one-%03d.pcap" % len(paths))
        with open(path, "wb") as g:
            g.write(head + data[off:off + 16 + cap])
        paths.append(path)
        off += 16 + cap
    return paths


def main():
    big = os.path.join(TMP, "dc.pcap")
    subprocess.run([GEN, "-s", "12", "-m", "dc", "-c", "2000", "-o", big], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    size = os.path.getsize(big)
    check("the DC mix is several TW_SAVEFILE_MAP_DROP", size > 4 * 2 * 1024 * 1024, size)
    lab = os.path.join(ROOT, "pcaps", "01-healthy.pcap")
    gz = os.path.join(TMP, "dc.pcap.gz")
    with open(big, "rb") as f, gzip.open(gz, "wb", compresslevel=1) as g:
        shutil.copyfileobj(f, g, 1 << 16)

    # Peak RSS: the file six times (84 MiB read) in one run, mapped, against
    # the same read from the gzip-compressed file (never mapped): the
    # mapping adds only the pages of the batches in flight and the last
    # TW_SAVEFILE_MAP_DROP (5 MiB measured), not whole files.
    rc1, mapped = run_rss(["--workers", "2", "-T", "events"] + ["-r", big] * 6)
    rc2, copied = run_rss(["--workers", "2", "-T", "events"] + ["-r", gz] * 6)
    check("dc mix six times, plain and compressed, exit 0", rc1 == 0 and rc2 == 0, (rc1, rc2))
    check("peak RSS of six mapped reads within 8 MiB of six copied ones", mapped < copied + 8 * 1024,
          f"{mapped} KiB vs {copied} KiB ({6 * size // 1024} KiB read)")
    print(f"peak RSS: {mapped} KiB mapped, {copied} KiB copied")

    same("dc mix", ["-r", big])
    same("dc mix, a lab capture, dc mix", ["-r", big, "-r", lab, "-r", big])
    with open(big, "rb") as f:
        raw = f.read()
    same("dc mix through a pipe", ["-r", "-"], stdin=raw)
    same("dc mix gzip-compressed, then plain", ["-r", gz, "-r", big])
    ones = one_frame_files(big, 400)
    check("400 one-frame files", len(ones) == 400, len(ones))
    many = []
    for p in ones:
        many += ["-r", p]
    same("400 one-frame files, 64 open files at most", many, nofile=64)

    shutil.rmtree(TMP, ignore_errors=True)
    print(f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
