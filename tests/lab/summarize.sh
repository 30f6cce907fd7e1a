#!/bin/bash
# Print the key frames of each lab capture (the data behind pcaps/README.md).
#   tests/lab/summarize.sh [pcaps/*.pcap]
# Columns: frame, src, dst, proto/port, Kerberos msg-type, Kerberos error-code,
# NETLOGON opnum, NETLOGON rc, SMB2 command, SMB2 NTSTATUS, DCE/RPC opnum+auth, info.
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- "$HERE"/../../pcaps/*.pcap
for f in "$@"; do
    echo "== $(basename "$f")  $(stat -c %s "$f") bytes, $(capinfos -c -M "$f" 2>/dev/null | awk '/Number of packets/ {print $NF}') frames"
    tshark -r "$f" -o tcp.desegment_tcp_streams:TRUE \
        -Y 'kerberos || kpasswd || rpc_netlogon || (dcerpc.opnum && !epm) || smb2.cmd == 1 || (ip.flags.mf == 1) || epm' \
        -T fields -E separator='|' \
        -e frame.number -e ip.src -e ip.dst -e _ws.col.Protocol \
        -e kerberos.msg_type -e kerberos.error_code \
        -e netlogon.opnum -e netlogon.rc -e smb2.cmd -e smb2.nt_status \
        -e dcerpc.opnum -e dcerpc.auth_type -e _ws.col.Info 2>/dev/null | cut -c1-200
done
