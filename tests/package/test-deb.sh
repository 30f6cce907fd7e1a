#!/usr/bin/env bash
# test-deb.sh — the Debian package builds (dpkg-buildpackage -us -uc -b from
# debian/), unpacks with dpkg -x into a scratch root, and runs from there:
# --version, the man page, completions, docs and the systemd unit in place;
# runtime-only dependencies (no compiler, no tshark).
# Usage: test-deb.sh SOURCE_ROOT      exit 77 = skip (no dpkg-buildpackage/debhelper)
set -euo pipefail
ROOT=$1
if ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null; then
    echo "SKIP: dpkg-buildpackage or debhelper missing (apt-get install dpkg-dev debhelper)"
    exit 77
fi
TMP=$(mktemp -d /tmp/tw-deb.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir "$TMP/src"
# The tree as it is (tracked and new files), without build dirs or captures.
(cd "$ROOT" && git ls-files -co --exclude-standard | grep -v -e '^pcaps/.*\.pcap' -e '^build' |
    tar -cf - -T -) | tar -xf - -C "$TMP/src"
cd "$TMP/src"
if ! DEB_BUILD_OPTIONS="parallel=2 nocheck" dpkg-buildpackage -us -uc -b >"$TMP/build.log" 2>&1; then
    tail -40 "$TMP/build.log"
    echo "FAIL: dpkg-buildpackage"
    exit 1
fi
deb=$(ls "$TMP"/trustwire_*.deb)
fail=0
ok() { echo "ok   $1"; }
no() { echo "FAIL $1"; fail=1; }
dpkg -x "$deb" "$TMP/root"
out=$(LD_LIBRARY_PATH= "$TMP/root/usr/bin/trustwire" --version) && [[ $out == "trustwire "* ]] &&
    ok "trustwire --version from the unpacked package: ${out%%$'\n'*}" || no "--version: $out"
for f in usr/share/man/man1/trustwire.1.gz usr/share/bash-completion/completions/trustwire \
         usr/share/zsh/vendor-completions/_trustwire usr/share/doc/trustwire/events.md \
         usr/share/doc/trustwire/display-filter.md usr/share/doc/trustwire/ecs.md \
         usr/share/doc/trustwire/events.schema.json usr/share/doc/trustwire/html.md \
         usr/share/doc/trustwire/img/html-clone.png lib/systemd/system/trustwire@.service etc/default/trustwire; do
    # dh_compress gzips larger docs; the unit may land in /lib or /usr/lib
    found=
    for c in "$f" "$f.gz" "usr/$f"; do [ -e "$TMP/root/$c" ] && found=$c; done
    [ -n "$found" ] && ok "installs /$found" || no "missing /$f"
done
grep -q "/usr/bin/trustwire" "$TMP/root"/{,usr/}lib/systemd/system/trustwire@.service 2>/dev/null &&
    ok "the unit runs /usr/bin/trustwire" || no "the unit's ExecStart is not /usr/bin/trustwire"
deps=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $deps"
[[ $deps == *libpcap* && $deps == *libkrb5* && $deps == *libglib* ]] && ok "Depends from shlibs (libpcap, krb5, GLib)" ||
    no "Depends lacks the shared libraries"
[[ $deps != *clang* && $deps != *tshark* && $deps != *gcc* && $deps != *-dev* ]] && ok "no build or test tools in Depends" ||
    no "Depends has build/test tools"
zcat "$TMP/root/usr/share/man/man1/trustwire.1.gz" | groff -ww -z -man 2>"$TMP/groff.err" && [ ! -s "$TMP/groff.err" ] &&
    ok "installed man page lints clean" || no "installed man page: $(cat "$TMP/groff.err")"
exit $fail
