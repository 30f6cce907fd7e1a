#!/usr/bin/env bash
# demo.sh — the main job: trustwire's default report over the bundled
# captures (pcaps/*.pcap*).  If the project has none yet, falls back to a few
# public captures in ../shared/pcaps/public.  Exit status: 0 when every
# machine is healthy, 1 when the report found a machine with a broken trust
# (that is the point of the sample captures), 2 on a usage or read error.
set -uo pipefail
cd "$(dirname "$0")/.."
TW=${TW:-./build/trustwire}

shopt -s nullglob
caps=(pcaps/*.pcap pcaps/*.pcapng)
if [ ${#caps[@]} -eq 0 ]; then
    pub=../shared/pcaps/public
    for f in zeek/krb/kerberos_tso.pcapng suricata-verify/dcerpc/dcerpc-dce-iface-many/input.pcap \
             corelight-zerologon/CVE-2020-1472_exploit_win2019.pcap; do
        [ -f "$pub/$f" ] && caps+=("$pub/$f")
    done
fi
if [ ${#caps[@]} -eq 0 ]; then
    echo "demo.sh: no capture found (pcaps/ is empty and ../shared is absent)" >&2
    exit 2
fi

echo "+ $TW ${caps[*]}" >&2
"$TW" "${caps[@]}"
rc=$?
case $rc in
    0) echo "demo.sh: trustwire finished (exit 0)" >&2 ;;
    1) echo "demo.sh: trustwire finished (exit 1: the report found a machine whose trust is broken)" >&2 ;;
    *) echo "demo.sh: trustwire failed (exit $rc)" >&2; exit "$rc" ;;
esac
exit 0
