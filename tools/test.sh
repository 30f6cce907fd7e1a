#!/usr/bin/env bash
# test.sh — the whole test suite, twice: in a normal build (./build) and in an
# ASan+UBSan build (./build-asan).  Every meson suite runs (unit,
# fuzz-regress, golden, diff, live, rules…).  Ends with one line
#   N passed, N failed, N skipped
# counted from meson's build*/meson-logs/testlog.json, and exits non-zero if
# anything failed (a build failure counts as one failure).
#
#   TW_TEST_BUILDS="build build-asan"   which of the two builds to run
#   TW_TEST_ARGS="--suite unit"         extra arguments for `meson test`
set -uo pipefail
cd "$(dirname "$0")/.."

# ASan finds the same errors and LeakSanitizer the same leaks whichever
# unwinder records where each block was allocated: the unwinder only decides
# how deep a report's allocation stack goes.  The slow one
# (fast_unwind_on_malloc=0) gives leaks through libc/GLib (built without frame
# pointers) whole stacks instead of stopping at vasprintf, but walks the
# stack on every malloc: about half the ASan build's test time.  So the
# suite runs with the fast one, and the ASan tests that fail run once more
# with fast_unwind_on_malloc=0, for whole stacks in their reports (the first
# run's result is the one counted).  An ASAN_OPTIONS of your own is used as
# it is, for both runs.
if [ -n "${ASAN_OPTIONS:-}" ]; then
    ASAN_RERUN_OPTIONS=$ASAN_OPTIONS
else
    ASAN_OPTIONS=detect_leaks=1
    ASAN_RERUN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0
fi
export ASAN_OPTIONS
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
BUILDS=${TW_TEST_BUILDS:-build build-asan}
read -r -a EXTRA <<<"${TW_TEST_ARGS:-}"

setup_dir() { # dir, meson options…
    local dir=$1; shift
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" "$@" >/dev/null || meson setup --wipe "$dir" "$@"
    else
        meson setup "$dir" "$@"
    fi
}

# The test and benchmark extras (tshark, clang, tcpreplay, nats-server…);
# the build itself is tools/setup.sh's (README: setup.sh && test.sh).
bash tools/setup.sh --test </dev/null >&2 || exit 1

build_failures=()
ran=()
start=$(date +%s)
for dir in $BUILDS; do
    case $dir in
        *asan*) opts=(-Db_sanitize=address,undefined -Db_lundef=false); mult=3
            # The oracle comparisons (tshark), the browser test (Chromium), the
            # JSON Schema/ECS validation (Python) and the package build spend
            # their time outside trustwire's code and run once, in the normal
            # build; every capture, snaplen variant and fuzz input still goes
            # through the sanitizers (golden, health, fuzz-regress, cli, live…).
            # TW_TEST_ASAN_ALL=1 runs them here too.
            skip=()
            [ "${TW_TEST_ASAN_ALL:-0}" = 1 ] ||
                skip=(--no-suite diff --no-suite html --no-suite schema --no-suite package) ;;
        *) opts=(); mult=1; skip=() ;;
    esac
    echo "=== $dir: configure and build" >&2
    rm -f "$dir/meson-logs/testlog.json"
    if ! setup_dir "$dir" "${opts[@]}"; then
        echo "=== $dir: CONFIGURE FAILED" >&2
        build_failures+=("$dir")
        continue
    fi
    # -k 0: build everything that can be built, so the tests of the parts
    # that compile still run and report.
    if ! ninja -C "$dir" -k 0; then
        echo "=== $dir: BUILD FAILED (running the tests that were built)" >&2
        build_failures+=("$dir")
    fi
    echo "=== $dir: meson test" >&2
    meson test -C "$dir" --no-rebuild --print-errorlogs --timeout-multiplier "$mult" "${skip[@]}" "${EXTRA[@]}" || true
    ran+=("$dir")
    if [ "$mult" != 1 ] && [ "$ASAN_RERUN_OPTIONS" != "$ASAN_OPTIONS" ]; then
        mapfile -t again < <(python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
try:
    lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
except OSError:
    lines = []
names = set()
for line in lines:
    t = json.loads(line) if line.strip() else {}
    if t and t.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP"):
        names.add(t["name"].split(" / ", 1)[-1])
print("\n".join(sorted(names)))
PY
)
        if [ ${#again[@]} -gt 0 ] && [ -n "${again[0]}" ]; then
            echo "=== $dir: the ${#again[@]} failed test(s) again with $ASAN_RERUN_OPTIONS (whole stacks; not counted)" >&2
            ASAN_OPTIONS=$ASAN_RERUN_OPTIONS meson test -C "$dir" --no-rebuild --print-errorlogs \
                --timeout-multiplier 6 --logbase rerun "${again[@]}" >&2 || true
        fi
    fi
done

python3 - "${#build_failures[@]}" "${ran[@]}" <<'PY'
import json, os, sys
build_failed = int(sys.argv[1])
passed = failed = skipped = 0
bad = []
per_suite = {}  # (build, suite) -> [passed, failed, skipped]
for d in sys.argv[2:]:
    log = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        print(f"{d}: no testlog.json (meson test did not run)", file=sys.stderr)
        failed += 1
        bad.append(f"{d}: (no test log)")
        continue
    for line in open(log, encoding="utf-8", errors="replace"):
        line = line.strip()
        if not line:
            continue
        t = json.loads(line)
        r = t.get("result", "")
        # names look like "trustwire:unit / cursor"
        suite = t.get("name", "").split(" / ")[0].split(":")[-1]
        cell = per_suite.setdefault((d, suite), [0, 0, 0])
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
            cell[0] += 1
        elif r == "SKIP":
            skipped += 1
            cell[2] += 1
        else:
            failed += 1
            cell[1] += 1
            bad.append(f"{d}: {t.get('name')} [{r}]")
for (d, suite), (p, f, k) in sorted(per_suite.items()):
    print(f"  {d:<12} {suite:<14} {p} passed, {f} failed, {k} skipped")
for b in bad:
    print("FAILED " + b)
failed += build_failed
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
rc=$?
for d in "${build_failures[@]}"; do echo "FAILED build in $d" >&2; done
echo "test.sh: $(( $(date +%s) - start )) s" >&2
exit $rc
