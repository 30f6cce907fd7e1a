#!/bin/bash
# trustwire lab: builds a private Samba AD domain in network namespaces,
# replays trust-failure scenarios with real clients, records one capture per
# scenario into pcaps/, and tears everything down.
#
#   sudo tests/lab/run-lab.sh                 # all scenarios
#   sudo tests/lab/run-lab.sh 01 03           # just these (prefix match)
#   OUT=/tmp/x sudo -E tests/lab/run-lab.sh   # write captures elsewhere
#   KEEP_LAB=1 ...                            # keep /tmp/twlab (logs) after the run
#
# Debian 12, root. See docs/lab.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${OUT:-$REPO/pcaps}
LAB=/tmp/twlab
# shellcheck source=lib.sh
. "$HERE/lib.sh"
# shellcheck source=scenarios.sh
. "$HERE/scenarios.sh"

[ "$(id -u)" = 0 ] || die "run as root"


ALL_SCENARIOS=(01-healthy 02-stale-password 03-clock-skew 04-netlogon 05-rotation
               06-disabled-deleted 07-cloned 08-zerologon 09-big-ticket
               10-server-key 10-mixed 10-server-key-http 11-samr-reset
               11-http-5985 11-gss-tsig 11-s4u-deleted 11-dcsync
               12-time-source 12-interrupted-rotation 12-ring 12-client-vantage
               12-clock-step 12-ntlm-passthrough 13-rotation-sealed 13-dc-credentials
               12-dc-replication 12-dc-clock-step)

want=()
if [ "${1:-}" = none ]; then
    :   # setup only (with LAB_DEV)
elif [ $# -eq 0 ]; then
    want=("${ALL_SCENARIOS[@]}")
else
    for a in "$@"; do
        for s in "${ALL_SCENARIOS[@]}"; do
            case $s in "$a"*) want+=("$s") ;; esac
        done
    done
    [ ${#want[@]} -gt 0 ] || die "no scenario matches: $*  (have: ${ALL_SCENARIOS[*]})"
fi

# ---- one lab at a time; leftovers of a killed run (only our own processes,
# by recorded PID, after checking what they are)
if [ -f "$LAB/holders" ]; then
    read -r _ mp _ < "$LAB/holders" || true
    if [ -n "${mp:-}" ] && [ "$mp" != $$ ] && grep -qs 'run-lab.sh' "/proc/$mp/cmdline"; then
        die "another lab run is active (PID $mp)"
    fi
    while read -r n h c; do
        [ "$n" = main ] && continue
        for p in $c $h; do
            case $(readlink "/proc/$p/exe" 2>/dev/null) in
                */sleep|*/unshare|*/tcpdump) kill -KILL "$p" 2>/dev/null || true ;;
            esac
        done
    done < "$LAB/holders"
fi
lab_cleanup_netns
rm -rf "$LAB"
mkdir -p "$LAB" "$OUT"
chmod 755 "$LAB"
echo "main $$ $$" > "$LAB/holders"

set -E
trap 'log "command failed (status $?): $BASH_COMMAND [${FUNCNAME[0]:-main}:$LINENO]"' ERR
trap lab_teardown EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
lab_install_packages

{
    echo "127.0.0.1 localhost"
    for n in "${!NODE_IP[@]}"; do
        [ "$n" = ws6b ] && continue
        h=${NODE_HOST[$n]}
        echo "$SUBNET.${NODE_IP[$n]} $h.$DNSDOMAIN $h"
    done
} > "$LAB/hosts"

lab_net_up
dc_provision

for s in "${want[@]}"; do
    log "=== scenario $s"
    "scn_${s//-/_}"
done

# Debugging aid: keep the lab up and run scenarios written to the FIFO
# $LAB/ctl (e.g. echo 03-clock-skew > /tmp/twlab/ctl; echo quit > /tmp/twlab/ctl).
# scenarios.sh is re-read for each request.
if [ -n "${LAB_DEV:-}" ]; then
    mkfifo "$LAB/ctl"
    while read -r req < "$LAB/ctl"; do
        [ "$req" = quit ] && break
        . "$HERE/scenarios.sh"
        log "=== dev: $req"
        if [ "${req#on }" != "$req" ]; then eval "${req#on }" || log "failed: $req"
        else "scn_${req//-/_}" || log "scenario $req failed"; fi
        log "=== dev: $req finished"
    done
fi

log "done in $(( $(date +%s) - start ))s; captures in $OUT"
