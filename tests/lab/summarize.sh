#!/bin/bash
# Key frames of each lab capture, as tshark dissects them: the oracle behind
# pcaps/README.md and pcaps/tshark-summary.txt.
#   tests/lab/summarize.sh [pcaps/*.pcap]
#   tests/lab/summarize.sh > pcaps/tshark-summary.txt     (after regenerating pcaps/)
# One line per Kerberos / kpasswd / NETLOGON / EPM / sealed DCE/RPC message,
# SMB2 session setup, first IP fragment, or NTP message; '|'-separated columns:
COLS="frame|src|dst|proto|krb_msg_type|krb_error_code|krb_cname|krb_sname|nl_opnum|nl_rc|nl_account|nl_computer|smb2_cmd|smb2_nt_status|dcerpc_opnum|dcerpc_auth_type|info"
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- "$HERE"/../../pcaps/*.pcap
echo "# $(tshark --version 2>/dev/null | head -1)"
echo "# $COLS"
for f in "$@"; do
    echo "== $(basename "$f")  $(stat -c %s "$f") bytes, $(capinfos -c -M "$f" 2>/dev/null | awk '/Number of packets/ {print $NF}') frames"
    tshark -r "$f" -o tcp.desegment_tcp_streams:TRUE \
        -Y 'kerberos || kpasswd || rpc_netlogon || (dcerpc.opnum && !epm) || smb2.cmd == 1 || (ip.flags.mf == 1) || epm || ntp' \
        -T fields -E separator='|' -E aggregator=',' \
        -e frame.number -e ip.src -e ip.dst -e _ws.col.Protocol \
        -e kerberos.msg_type -e kerberos.error_code -e kerberos.CNameString -e kerberos.SNameString \
        -e netlogon.opnum -e netlogon.rc -e netlogon.acct_name -e netlogon.computer_name \
        -e smb2.cmd -e smb2.nt_status \
        -e dcerpc.opnum -e dcerpc.auth_type -e _ws.col.Info 2>/dev/null | cut -c1-240
done
