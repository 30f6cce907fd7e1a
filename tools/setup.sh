#!/usr/bin/env bash
# setup.sh — install what is missing (Debian 12, as root), then configure and
# build trustwire in ./build.  Idempotent: a second run installs nothing and
# only rebuilds what changed.
#
#   tools/setup.sh          what building and running need, nothing more
#   tools/setup.sh --test   also the test and benchmark extras (tools/test.sh
#                           runs this itself): clang for the fuzzers, tshark
#                           (the oracle), tcpreplay, nats-server, debhelper…
#   TW_SKIP_APT=1   do not touch packages (you installed them yourself)
#   BUILD_DIR=dir   build directory (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."

# Building and running trustwire.
PACKAGES=(
    meson ninja-build gcc pkg-config git ca-certificates
    libpcap-dev libkrb5-dev libglib2.0-dev libjson-glib-dev nettle-dev libnats-dev zlib1g-dev libzstd-dev
)
# Tests and benchmarks only (never needed by a user of trustwire).
TEST_PACKAGES=(
    clang libclang-rt-14-dev llvm tshark tcpreplay nats-server python3 python3-jsonschema iproute2 ethtool time
    zstd groff-base dpkg-dev debhelper chromium krb5-user poppler-utils
)
case ${1:-} in
    --test) PACKAGES+=("${TEST_PACKAGES[@]}") ;;
    "") ;;
    *) echo "usage: tools/setup.sh [--test]" >&2; exit 2 ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${TW_SKIP_APT:-0}" != 1 ] && [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup.sh: missing packages (${missing[*]}); run as root or install them yourself" >&2
        exit 1
    fi
    echo "setup.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # tshark asks whether non-root users may capture: answer it up front.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get -o DPkg::Lock::Timeout=600 update -q
    apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" </dev/null
fi

BUILD_DIR=${BUILD_DIR:-build}
if [ -f "$BUILD_DIR/build.ninja" ]; then
    meson setup --reconfigure "$BUILD_DIR" >/dev/null || meson setup --wipe "$BUILD_DIR"
else
    meson setup "$BUILD_DIR"
fi
# Profile-guided (tools/pgo-build.sh: trained on pcaps/; TW_PGO=0 for a plain build).
bash tools/pgo-build.sh "$BUILD_DIR"
