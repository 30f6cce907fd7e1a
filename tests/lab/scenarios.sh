# shellcheck shell=bash
# trustwire lab scenarios. Each scn_* function brings the nodes it needs to the
# required state, records exactly one capture (cap_start/cap_stop), and leaves
# the other nodes alone. Output file names match pcaps/README.md.

# 1. Healthy machine: TGT with the machine key, service tickets, SMB2 with Kerberos
scn_01_healthy() {
    member_join ws1
    cap_start 01-healthy
    machine_kinit ws1
    on ws1 env KRB5CCNAME=FILE:/tmp/machine.ccache kvno "cifs/dc1.$DNSDOMAIN" "host/dc1.$DNSDOMAIN"
    on ws1 env KRB5CCNAME=FILE:/tmp/machine.ccache smbclient "//dc1.$DNSDOMAIN/netlogon" \
        --use-kerberos=required -c 'ls' >/dev/null
    cap_stop
}
