# shellcheck shell=bash
# trustwire lab: shared helpers (sourced by run-lab.sh).
#
# Topology: one network namespace "tw-sw" holds the bridge twlab0; every lab
# node (DC, workstations, member server) is a namespace tw-<node> joined to the
# bridge by a veth pair. Each node also gets its own mount, UTS and PID
# namespace (a "holder" process started with unshare): /etc/samba,
# /var/lib/samba, /var/cache/samba, /var/log/samba, /run/samba, /etc/hosts and
# /etc/resolv.conf are bind mounts of per-node directories under $LAB, so
# Samba's compiled-in paths are private to each node. Killing the holder kills
# every process of that node (they all live in its PID namespace).
#
# There is no default route anywhere: traffic can only reach 10.77.0.0/24.

REALM=LAB.TRUSTWIRE.TEST
DNSDOMAIN=lab.trustwire.test
NBDOMAIN=TWLAB
SUBNET=10.77.0
DC_IP=$SUBNET.10
ADMINPASS='Tw-Lab-Admin-1!'
USERPASS='Tw-Lab-User-1!'
RPC_PORT=49152          # Samba DC's fixed DCE/RPC-over-TCP port (rpc server port)
BRIDGE=twlab0
SWNS=tw-sw
PY=/usr/bin/python3     # Debian's python (impacket, samba bindings), not a pyenv shim

# node -> last octet of its IP / hostname / NetBIOS name
declare -A NODE_IP=( [dc]=10 [ws1]=21 [ws2]=22 [ws3]=23 [ws4]=24 [ws5]=25
                     [ws6b]=36 [ws6]=26 [ws7]=27 [ws8]=28 [srv1]=40
                     [dc2]=11 [ntp1]=50 [ws9]=29 [ws10]=30 [ws11]=31 [ws12]=32
                     [ws13]=33 [ws14]=34 [ws15]=35 [ws16]=37 [ws17]=38 [srv2]=41
                     [ws18]=39 [atk]=66 )
declare -A NODE_HOST=( [dc]=dc1 [ws1]=ws01 [ws2]=ws02 [ws3]=ws03 [ws4]=ws04
                       [ws5]=ws05 [ws6b]=ws06 [ws6]=ws06 [ws7]=ws07 [ws8]=ws08
                       [srv1]=srv01
                       [dc2]=dc2 [ntp1]=ntp01 [ws9]=ws09 [ws10]=ws10 [ws11]=ws11 [ws12]=ws12
                       [ws13]=ws13 [ws14]=ws14 [ws15]=ws15 [ws16]=ws16 [ws17]=ws17
                       [srv2]=srv02 [ws18]=ws18 [atk]=atk01 )
DC2_IP=$SUBNET.11
LIBFAKETIME=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
declare -A HOLDER_PID=()   # node -> PID of "unshare" (outer)
declare -A INIT_PID=()     # node -> PID of the node's PID-namespace init
declare -A JOINED=()
BG_PIDS=()                 # other background processes we started (tcpdump)

log()  { printf '[lab %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- packages
lab_install_packages() {
    local pkgs=(samba winbind smbclient krb5-user faketime python3-impacket
                krb5-gss-samples tcpdump ethtool iproute2 tshark util-linux
                python3-samba ldb-tools samba-ad-provision samba-ad-dc samba-dsdb-modules samba-vfs-modules
                chrony sntp apache2-bin libapache2-mod-auth-gssapi curl bind9-dnsutils nftables)
    local missing=() p
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null
    apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# ---------------------------------------------------------------- network
lab_net_up() {
    ip netns add "$SWNS"
    ip -n "$SWNS" link set lo up
    ip -n "$SWNS" link add "$BRIDGE" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    ip -n "$SWNS" link set "$BRIDGE" up
    ip netns exec "$SWNS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
}

mac_of() { printf '02:77:00:00:00:%02x' "${NODE_IP[$1]}"; }

node_net() {   # node
    local n=$1 ns=tw-$1 ip=$SUBNET.${NODE_IP[$1]}
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip -n "$SWNS" link add "p-$n" type veth peer name eth0 netns "$ns"
    ip -n "$ns" link set eth0 address "$(mac_of "$n")"
    ip -n "$SWNS" link set "p-$n" master "$BRIDGE" up
    ip -n "$ns" addr add "$ip/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    # real, MTU-sized frames with correct checksums in the capture
    ip netns exec "$ns"   ethtool -K eth0    tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
    ip netns exec "$SWNS" ethtool -K "p-$n"  tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- nodes
write_krb5_conf() {   # path
    cat > "$1" <<EOF
[libdefaults]
    default_realm = $REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    rdns = false
    # MIT hides clock skew by adjusting to the KDC's time; the lab wants to see it
    kdc_timesync = 0
    default_keytab_name = FILE:/var/lib/samba/private/krb5.keytab
[realms]
    $REALM = {
        kdc = $DC_IP
        admin_server = $DC_IP
        kpasswd_server = $DC_IP
    }
[domain_realm]
    .$DNSDOMAIN = $REALM
    $DNSDOMAIN = $REALM
EOF
}

node_create() {   # node
    local n=$1 d=$LAB/$1 h=${NODE_HOST[$1]}
    node_net "$n"
    mkdir -p "$d"/{etc,lib/private,cache,run,log,tmp}
    chmod 700 "$d/lib/private"
    write_krb5_conf "$d/etc/krb5.conf"
    printf 'nameserver %s\nsearch %s\n' "$DC_IP" "$DNSDOMAIN" > "$d/resolv.conf"
    cp "$LAB/hosts" "$d/hosts"
    # plain client configuration (not for the DCs, which provision and join
    # configure); member_join replaces it with a member's
    [ "$n" = dc ] || [ "$n" = dc2 ] || cat > "$d/etc/smb.conf" <<EOF
[global]
    workgroup = $NBDOMAIN
    realm = $REALM
    netbios name = $(echo "$h" | tr a-z A-Z)
    security = ads
    disable netbios = yes
    log level = 1
EOF
    cat > "$d/init.sh" <<EOF
set -e
mount --bind $d/etc   /etc/samba
mount --bind $d/lib   /var/lib/samba
mount --bind $d/cache /var/cache/samba
mount --bind $d/log   /var/log/samba
mount --bind $d/run   /run/samba
mount --bind $d/hosts /etc/hosts
mount --bind $d/resolv.conf /etc/resolv.conf
hostname $h
exec sleep infinity
EOF
    ip netns exec "tw-$n" unshare --mount --uts --pid --fork --kill-child=SIGKILL \
        --mount-proc --propagation private sh "$d/init.sh" </dev/null >"$d/holder.log" 2>&1 &
    HOLDER_PID[$n]=$!
    local i c=""
    for i in $(seq 50); do
        c=$(cat "/proc/${HOLDER_PID[$n]}/task/${HOLDER_PID[$n]}/children" 2>/dev/null | awk '{print $1}')
        if [ -n "$c" ] && [ "$(readlink "/proc/$c/exe")" = "$(readlink -f /usr/bin/sleep)" ]; then break; fi
        sleep 0.1
    done
    [ -n "$c" ] || die "holder for $n did not start"
    INIT_PID[$n]=$c
    echo "$n ${HOLDER_PID[$n]} $c" >> "$LAB/holders"
}

# run a command inside a node (its net, mount, UTS and PID namespaces)
on() {   # node cmd...
    local n=$1; shift
    # in the background + wait, so that INT/TERM reach the script's trap at once
    nsenter -t "${INIT_PID[$n]}" -m -u -n -p -- \
        env KRB5_CONFIG=/etc/samba/krb5.conf KRB5_KTNAME=FILE:/var/lib/samba/private/krb5.keytab \
        HOME=/var/lib/samba TMPDIR=/tmp "$@" <&0 &
    wait $!
}

# ---------------------------------------------------------------- DC
dc_provision() {
    node_create dc
    log "provisioning Samba AD DC $REALM"
    on dc samba-tool domain provision --server-role=dc --dns-backend=SAMBA_INTERNAL \
        --realm="$REALM" --domain="$NBDOMAIN" --adminpass="$ADMINPASS" \
        --host-name=dc1 --host-ip="$DC_IP" --use-rfc2307 \
        --option="rpc server port = $RPC_PORT" \
        --option="log level = 1" >"$LAB/dc/provision.log" 2>&1 \
        || { tail -20 "$LAB/dc/provision.log"; die "provision failed"; }
    # The DC's own krb5.conf (provision writes one into private/)
    cp "$LAB/dc/etc/krb5.conf" "$LAB/dc/etc/krb5.conf.client"
    dc_start_samba dc single
    on dc samba-tool user setexpiry Administrator --noexpiry >/dev/null
    # let the kpasswd scenario change a user password twice in a row
    on dc samba-tool domain passwordsettings set --min-pwd-age=0 >/dev/null
    on dc samba-tool user create alice "$USERPASS" >/dev/null
    on dc samba-tool user setexpiry alice --noexpiry >/dev/null
    log "DC up"
}

# samba on a DC node, in a process model: 'single' (one process, the lab's
# default) or 'prefork'. Waits until Kerberos, SMB and LDAP answer.
dc_start_samba() {   # node model [env...]
    local n=$1 model=$2 ip=$SUBNET.${NODE_IP[$1]} i
    shift 2
    # (|| true: the job ends when the DC is stopped, which is no error)
    { on "$n" env "$@" sh -c "exec samba -i -M $model --debug-stdout >>/var/log/samba/samba.out 2>&1" || true; } &
    BG_PIDS+=($!)
    for i in $(seq 120); do
        if on "$n" bash -c "exec 3<>/dev/tcp/$ip/88 && exec 4<>/dev/tcp/$ip/445 && exec 5<>/dev/tcp/$ip/389" 2>/dev/null; then
            # give the remaining services (winbindd, dns) a moment
            sleep 3
            return 0
        fi
        sleep 0.5
    done
    tail -30 "$LAB/$n/log/samba.out" >&2
    die "samba on $n did not start"
}

dc_stop_samba() {   # node: by the PID samba recorded in the node's private /run/samba
    on "$1" sh -c 'p=$(cat /run/samba/samba.pid 2>/dev/null) || exit 1; kill "$p"; for i in $(seq 150); do [ -e /proc/$p ] || exit 0; sleep 0.1; done; exit 1' \
        || die "samba on $1 did not stop"
    sleep 1
}

# Two DCs cannot both run in Samba's 'single' process model: a DC's
# replication service asks its own KDC (the same process) for a ticket to
# the other DC synchronously, and the whole DC stalls until the Kerberos
# timeout (seen: DC1 stopped answering CLDAP and Kerberos right after DC2
# joined). So before DC2 joins, DC1's samba is restarted with 'prefork'.
dc_restart_prefork() {
    [ -n "${DC1_PREFORK:-}" ] && return 0
    log "restarting DC1's samba with the prefork process model (a second DC follows)"
    dc_stop_samba dc
    dc_start_samba dc prefork
    DC1_PREFORK=1
}

# NTP server on the DC for scenario 03: chronyd with clock control off (-x),
# serving its own clock (local stratum 10) to the lab subnet only, bound to
# the DC's address, no command socket/port, pid and drift files inside the DC
# node's private /var/lib/samba. Never the host's chrony (its config, socket
# and service are not touched). Samba's MS-SNTP signing socket is configured
# as a real DC's would be; it is used only if a client sends an MS-SNTP request.
dc_start_ntp() {
    [ -n "${DC_NTP:-}" ] && return 0
    mkdir -p "$LAB/dc/lib/chrony"
    cat > "$LAB/dc/lib/chrony/chrony.conf" <<EOF
allow $SUBNET.0/24
local stratum 10
bindaddress $DC_IP
bindcmdaddress /
cmdport 0
pidfile /var/lib/samba/chrony/chronyd.pid
driftfile /var/lib/samba/chrony/drift
ntpsigndsocket /var/lib/samba/ntp_signd
EOF
    on dc sh -c 'exec chronyd -x -d -u root -f /var/lib/samba/chrony/chrony.conf >/var/log/samba/chronyd.out 2>&1' &
    BG_PIDS+=($!)
    local i
    for i in $(seq 50); do
        [ -s "$LAB/dc/lib/chrony/chronyd.pid" ] && { DC_NTP=1; return 0; }
        sleep 0.1
    done
    cat "$LAB/dc/log/chronyd.out" >&2
    die "chronyd on the DC did not start"
}

dc_stop_ntp() {   # by the PID chronyd recorded inside the DC's PID namespace
    [ -n "${DC_NTP:-}" ] || return 0
    on dc sh -c 'p=$(cat /var/lib/samba/chrony/chronyd.pid 2>/dev/null) && kill "$p"; for i in $(seq 50); do [ -e /proc/$p ] || exit 0; sleep 0.1; done' || true
    DC_NTP=
}

# ---------------------------------------------------------------- second DC
# DC2 (10.77.0.11): a second Samba AD DC of the same domain, joined to DC1
# with `samba-tool domain join ... DC` (full replication of every naming
# context at join time). Its samba runs under libfaketime with a
# timestamp file in its private /var/lib/samba (FAKETIME_TIMESTAMP_FILE,
# re-read every second): "+0" is the real clock; the DC-clock-step scenario
# writes another offset there while DC2 serves. Only DC2's processes see the
# faked time (the namespaces share one kernel clock).
dc2_clock() {   # offset as libfaketime reads it ("+0", "+47m", "-2h"...)
    printf '%s\n' "$1" > "$LAB/dc2/lib/faketime.rc"
}

dc2_start_samba() {
    dc_start_samba dc2 prefork LD_PRELOAD="$LIBFAKETIME" FAKETIME_TIMESTAMP_FILE=/var/lib/samba/faketime.rc \
        FAKETIME_CACHE_DURATION=1 FAKETIME_DONT_FAKE_MONOTONIC=1
}

dc2_join() {
    [ -n "${DC2_UP:-}" ] && return 0
    dc_restart_prefork
    node_create dc2
    dc2_clock +0
    log "joining DC2 to $REALM as a second domain controller"
    on dc2 samba-tool domain join "$DNSDOMAIN" DC -U "Administrator%$ADMINPASS" \
        --realm="$REALM" --server="dc1.$DNSDOMAIN" --dns-backend=SAMBA_INTERNAL \
        --option="rpc server port = $RPC_PORT" --option="log level = 1" \
        >"$LAB/dc2/join.log" 2>&1 \
        || { tail -30 "$LAB/dc2/join.log"; die "join of DC2 failed"; }
    dc2_start_samba
    DC2_UP=1
    log "DC2 up"
}

# a client krb5.conf that asks DC2 only (for KRB5_CONFIG)
write_krb5_conf_dc2() {   # node
    sed -e "s/= $DC_IP\$/= $DC2_IP/" "$LAB/$1/etc/krb5.conf" > "$LAB/$1/etc/krb5-dc2.conf"
}

# ---------------------------------------------------------------- members
member_smb_conf() {   # node
    local n=$1 nb
    nb=$(echo "${NODE_HOST[$1]}" | tr a-z A-Z)
    cat > "$LAB/$n/etc/smb.conf" <<EOF
[global]
    workgroup = $NBDOMAIN
    realm = $REALM
    netbios name = $nb
    security = ads
    server role = member server
    password server = dc1.$DNSDOMAIN
    kerberos method = secrets and keytab
    idmap config * : backend = tdb
    idmap config * : range = 100000-199999
    idmap config $NBDOMAIN : backend = rid
    idmap config $NBDOMAIN : range = 200000-299999
    winbind use default domain = yes
    disable netbios = yes
    smb ports = 445
    log level = 1
    load printers = no
    printing = bsd
    printcap name = /dev/null
[share]
    path = /tmp
    read only = yes
EOF
}

member_join() {   # node
    local n=$1
    [ -n "${JOINED[$n]:-}" ] && return 0
    [ -n "${INIT_PID[$n]:-}" ] || node_create "$n"
    member_smb_conf "$n"
    log "joining ${NODE_HOST[$n]} to $REALM"
    on "$n" net ads join -U "Administrator%$ADMINPASS" >"$LAB/$n/join.log" 2>&1 \
        || { cat "$LAB/$n/join.log"; die "join of $n failed"; }
    JOINED[$n]=1
}

member_start_winbindd() {   # node
    on "$1" sh -c 'exec winbindd -F --no-process-group >/var/log/samba/winbindd.out 2>&1' &
    BG_PIDS+=($!)
    local i
    for i in $(seq 60); do
        on "$1" wbinfo -p >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    tail -20 "$LAB/$1/log/winbindd.out" >&2
    die "winbindd on $1 did not start"
}

member_stop_winbindd() {   # node (the pid file is in the node's private /run/samba)
    on "$1" sh -c 'p=$(cat /run/samba/winbindd.pid 2>/dev/null) && kill "$p"; for i in $(seq 50); do [ -e /proc/$p ] || exit 0; sleep 0.1; done' || true
}

member_start_smbd() {   # node
    on "$1" sh -c 'exec smbd -F --no-process-group >/var/log/samba/smbd.out 2>&1' &
    BG_PIDS+=($!)
    local i
    for i in $(seq 60); do
        on "$1" bash -c "exec 3<>/dev/tcp/127.0.0.1/445" 2>/dev/null && return 0
        sleep 0.5
    done
    tail -20 "$LAB/$1/log/smbd.out" >&2
    die "smbd on $1 did not start"
}

# kinit with the machine keytab into the node's default ccache
machine_kinit() {   # node [extra kinit args]
    local n=$1 nb; shift
    nb=$(echo "${NODE_HOST[$n]}" | tr a-z A-Z)
    on "$n" env KRB5CCNAME=FILE:/tmp/machine.ccache kinit "$@" -k "$nb\$@$REALM"
}

# ---------------------------------------------------------------- capture
CAP_FILTER="port 88 or port 464 or port 445 or port 135 or port $RPC_PORT or (ip[6:2] & 0x3fff != 0)"

cap_start() {   # name
    CAP_NAME=$1
    rm -f "$OUT/keys/$1".*     # the keys of an earlier recording of this capture
    CAP_RAW=$LAB/cap-$1.raw.pcap
    ip netns exec "$SWNS" tcpdump -Z root -i "$BRIDGE" -s 0 --immediate-mode -U -n \
        -w "$CAP_RAW" >"$LAB/cap-$1.log" 2>&1 &
    CAP_PID=$!
    echo "cap $CAP_PID $CAP_PID" >> "$LAB/holders"
    local i
    for i in $(seq 50); do grep -qs 'listening on' "$LAB/cap-$1.log" && break; sleep 0.1; done
    sleep 0.3
}

cap_stop() {
    sleep 1
    kill -INT "$CAP_PID" 2>/dev/null || true
    wait "$CAP_PID" 2>/dev/null || true
    CAP_PID=
    # keep only Kerberos, kpasswd, SMB, EPM, the DC's RPC port and IP fragments
    tcpdump -Z root -r "$CAP_RAW" -w "$OUT/$CAP_NAME.pcap" "$CAP_FILTER ${CAP_EXTRA:-}" 2>/dev/null
    log "captured $OUT/$CAP_NAME.pcap ($(stat -c %s "$OUT/$CAP_NAME.pcap") bytes)"
}

# A capture taken on a node itself (its eth0), not on the bridge: the node's
# own traffic only, stamped with the node's clock (cap_local.py, run with
# the node's libfaketime settings given as env assignments).
cap_start_local() {   # name node [env...]
    local n=$2 i
    CAP_NAME=$1
    CAP_NODE=$n
    rm -f "$OUT/keys/$1".* "$LAB/$n/lib/cap.pid"
    CAP_RAW=$LAB/$n/lib/cap-$1.raw.pcap
    shift 2
    on "$n" env "$@" "$PY" "$HERE/cap_local.py" eth0 "/var/lib/samba/cap-$CAP_NAME.raw.pcap" \
        /var/lib/samba/cap.pid >"$LAB/cap-$CAP_NAME.log" 2>&1 &
    CAP_LOCAL_JOB=$!
    for i in $(seq 50); do grep -qs 'listening on' "$LAB/cap-$CAP_NAME.log" && break; sleep 0.1; done
    grep -qs 'listening on' "$LAB/cap-$CAP_NAME.log" || die "cap_local.py on $n did not start"
    sleep 0.3
}

cap_stop_local() {
    sleep 1
    on "$CAP_NODE" sh -c 'kill -INT "$(cat /var/lib/samba/cap.pid)"' || true
    wait "$CAP_LOCAL_JOB" 2>/dev/null || true
    CAP_LOCAL_JOB=
    tcpdump -Z root -r "$CAP_RAW" -w "$OUT/$CAP_NAME.pcap" "$CAP_FILTER ${CAP_EXTRA:-}" 2>/dev/null
    log "captured $OUT/$CAP_NAME.pcap on $CAP_NODE ($(stat -c %s "$OUT/$CAP_NAME.pcap") bytes)"
}

# A ring buffer: tcpdump on the bridge rotating its file every SECONDS
# (-G, at most COUNT files: -W), each file filtered afterwards like any
# capture and written as NAME-1.pcap, NAME-2.pcap, ... in time order.
cap_start_ring() {   # name seconds count
    CAP_NAME=$1
    rm -f "$OUT/keys/$1".* "$OUT/$1"-[0-9]*.pcap
    rm -rf "$LAB/ring-$1"; mkdir -p "$LAB/ring-$1"
    ip netns exec "$SWNS" tcpdump -Z root -i "$BRIDGE" -s 0 --immediate-mode -U -n -G "$2" -W "$3" \
        -w "$LAB/ring-$1/ring-%Y%m%d-%H%M%S.pcap" >"$LAB/cap-$1.log" 2>&1 &
    CAP_PID=$!
    echo "cap $CAP_PID $CAP_PID" >> "$LAB/holders"
    local i
    for i in $(seq 50); do grep -qs 'listening on' "$LAB/cap-$1.log" && break; sleep 0.1; done
    sleep 0.3
}

cap_stop_ring() {
    sleep 1
    kill -INT "$CAP_PID" 2>/dev/null || true
    wait "$CAP_PID" 2>/dev/null || true
    CAP_PID=
    local f k=0
    for f in "$LAB/ring-$CAP_NAME"/ring-*.pcap; do
        k=$((k + 1))
        tcpdump -Z root -r "$f" -w "$OUT/$CAP_NAME-$k.pcap" "$CAP_FILTER ${CAP_EXTRA:-}" 2>/dev/null
        log "captured $OUT/$CAP_NAME-$k.pcap ($(stat -c %s "$OUT/$CAP_NAME-$k.pcap") bytes, ring file $(basename "$f"))"
    done
}

# ---------------------------------------------------------------- teardown
lab_teardown() {
    set +e
    trap - ERR
    [ -n "${CAP_PID:-}" ] && kill -INT "$CAP_PID" 2>/dev/null && wait "$CAP_PID" 2>/dev/null
    local n p
    for n in "${!HOLDER_PID[@]}"; do
        p=${HOLDER_PID[$n]}
        kill -KILL "${INIT_PID[$n]}" 2>/dev/null   # PID-namespace init: takes the node's processes with it
        kill -KILL "$p" 2>/dev/null
    done
    for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    lab_cleanup_netns
    if [ -n "${LAB:-}" ] && [ -d "$LAB" ] && [ -z "${KEEP_LAB:-}" ]; then rm -rf "$LAB"; fi
}

# idempotent: remove anything a previous (killed) run may have left
lab_cleanup_netns() {
    local ns
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
        case $ns in tw-*) ip netns del "$ns" 2>/dev/null ;; esac
    done
}

# ---------------------------------------------------------------- lab keys
# The keys of the accounts a scenario uses, exported from the DC (samba-tool
# domain exportkeytab), so that captures can be decrypted (trustwire -K,
# tshark -K).  Every generation seen during this lab run is kept per account
# in $LAB/keys/ACCOUNT.keytab (+ .notes: "KVNO what this generation is");
# lab_export_keys writes the merged keytab of a scenario next to its
# capture: $OUT/keys/SCENARIO.keytab, SCENARIO.txt (principal, kvno, enctypes,
# generation), SCENARIO.nthash (ACCOUNT KVNO NT-hash, from the RC4 entries).
# They open nothing but this lab.

# lab_key_snapshot ACCOUNT NOTE: export ACCOUNT's current keys now (call
# before and after a rotation/reset so that previous generations exist).
# A kvno already kept is not added again.
lab_key_snapshot() {   # account note
    local a=$1 note=$2 base acc tmp kv
    base=$(echo "${a%\$}" | tr A-Z a-z)
    mkdir -p "$LAB/keys"
    acc=$LAB/keys/$base.keytab
    tmp=$LAB/dc/lib/export.keytab
    rm -f "$tmp"
    on dc samba-tool domain exportkeytab /var/lib/samba/export.keytab --principal="$a" >/dev/null 2>&1 \
        || { log "no keys exported for $a ($note)"; return 0; }
    # (a deleted account exports nothing, with status 0)
    [ -s "$tmp" ] || { log "no keys exported for $a ($note)"; return 0; }
    kv=$(klist -k "$tmp" | awk 'NR>3 && !kv {kv = $1} END {print kv}')
    [ -n "$kv" ] || return 0
    grep -qs "^$kv " "$acc.notes" && return 0
    if [ -f "$acc" ]; then
        printf 'rkt %s\nrkt %s\nwkt %s.new\nq\n' "$acc" "$tmp" "$acc" | ktutil >/dev/null
        mv "$acc.new" "$acc"
    else
        cp "$tmp" "$acc"
    fi
    rm -f "$tmp"
    echo "$kv $note" >> "$acc.notes"
}

# lab_export_keys SCENARIO ACCOUNT...: every kept generation of each ACCOUNT
# (its current keys exported now as well) into $OUT/keys/SCENARIO.*.
lab_export_keys() {   # scenario account...
    local scn=$1 a base acc out=$OUT/keys/$1 cmds="" kv note
    shift
    mkdir -p "$OUT/keys"
    for a in "$@"; do
        lab_key_snapshot "$a" "current at the $scn capture"
        base=$(echo "${a%\$}" | tr A-Z a-z)
        [ -f "$LAB/keys/$base.keytab" ] && cmds+="rkt $LAB/keys/$base.keytab"$'\n'
    done
    rm -f "$out.keytab"
    printf '%swkt %s\nq\n' "$cmds" "$out.keytab" | ktutil >/dev/null
    chmod 600 "$out.keytab"
    {
        echo "# $scn: keys exported from the lab DC (samba-tool domain exportkeytab)"
        echo "# principal | kvno | enctypes | generation"
        for a in "$@"; do
            base=$(echo "${a%\$}" | tr A-Z a-z)
            [ -f "$LAB/keys/$base.keytab.notes" ] || continue
            while read -r kv note; do
                klist -k -e "$LAB/keys/$base.keytab" | awk -v kv="$kv" '
                    NR > 3 && $1 == kv { p = $2; sub(/^\(/, "", $3); sub(/\)$/, "", $3); e = e (e ? "," : "") $3 }
                    END { printf "%s | %s | %s | ", p, kv, e }'
                echo "$note"
            done < "$LAB/keys/$base.keytab.notes"
        done
    } > "$out.txt"
    klist -k -K -e "$out.keytab" | awk '/arcfour-hmac/ { p = $2; sub(/@.*/, "", p); k = $NF; gsub(/[()]|0x/, "", k); print p, $1, k }' \
        > "$out.nthash"
    chmod 600 "$out.nthash"
    log "keys of $* -> $out.keytab ($(wc -l < "$out.nthash") RC4 keys)"
}

# lab_export_password SCENARIO PRINCIPAL PASSWORD NOTE: a password the lab set.
lab_export_password() {   # scenario principal password note
    mkdir -p "$OUT/keys"
    printf '%s\t%s\t%s\n' "$2" "$3" "$4" >> "$OUT/keys/$1.passwords"
    chmod 600 "$OUT/keys/$1.passwords"
}
