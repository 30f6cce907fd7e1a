#!/usr/bin/env bash
# pgo-build.sh — build trustwire in DIR with GCC's profile-guided
# optimisation: build it instrumented (-Db_pgo=generate), run it over the
# project's own captures in pcaps/ (every output mode, one and two workers),
# then build again with the profile (-Db_pgo=use).  On the DC mix that is
# 10 % less wall and user time than the same build without (bench/README.md
# "Round 13"); the training set is pcaps/, never the benchmark's captures.
#
#   tools/pgo-build.sh [DIR]     default: build (must be configured already)
#
# The two-stage build runs again only when a source file, a meson.build or a
# capture of pcaps/ is newer than DIR/pgo-trained; otherwise this is `ninja`.
# A file edited since (a plain `ninja -C DIR`) is compiled without profile
# (meson.build: -Wno-error=coverage-mismatch).  TW_PGO=0: no profile at all
# (-Db_pgo=off), e.g. to profile or debug.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-build}
[ -f "$DIR/build.ninja" ] || { echo "pgo-build.sh: $DIR is not configured (meson setup $DIR)" >&2; exit 1; }

if [ "${TW_PGO:-1}" = 0 ]; then
    meson configure "$DIR" -Db_pgo=off
    rm -f "$DIR/pgo-trained"
    exec ninja -C "$DIR"
fi

# GCC's profiles only (clang's need llvm-profdata merged by hand).
compiler=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print(t[0]["target_sources"][0]["compiler"][0])' \
    "$DIR/meson-info/intro-targets.json")
if ! "$compiler" -v 2>&1 | grep -q '^gcc version'; then
    exec ninja -C "$DIR"
fi

stamp=$DIR/pgo-trained
current=$(meson introspect "$DIR" --buildoptions | python3 -c \
    'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "b_pgo"))')
stale=1
if [ -f "$stamp" ] && [ "$current" = use ]; then
    stale=$(find . -path ./.git -prune -o -path "./$DIR" -prune -o -path './build*' -prune -o \
        \( -name '*.[ch]' -o -name meson.build -o -name meson_options.txt -o -path './pcaps/*' \) \
        -newer "$stamp" -print -quit | grep -c . || true)
fi
if [ "$stale" = 0 ]; then
    exec ninja -C "$DIR"
fi

echo "pgo-build.sh: instrumented build of $DIR, training on pcaps/" >&2
meson configure "$DIR" -Db_pgo=generate
find "$DIR" -name '*.gcda' -delete
ninja -C "$DIR" trustwire
shopt -s nullglob
caps=(pcaps/*.pcap pcaps/*.pcapng)
[ ${#caps[@]} -gt 0 ] || { echo "pgo-build.sh: no captures in pcaps/ to train on" >&2; exit 1; }
for workers in 1 2; do
    for mode in "-T events" "" "-T json"; do
        # shellcheck disable=SC2086 # mode is words
        "$DIR/trustwire" --workers "$workers" $mode "${caps[@]}" >/dev/null 2>&1 || true
    done
done
n=$(find "$DIR" -name '*.gcda' | wc -l)
[ "$n" -gt 0 ] || { echo "pgo-build.sh: the training wrote no profile" >&2; exit 1; }
echo "pgo-build.sh: $n profiles; building $DIR with them" >&2
meson configure "$DIR" -Db_pgo=use
ninja -C "$DIR"
touch "$stamp"
