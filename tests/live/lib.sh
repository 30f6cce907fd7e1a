# lib.sh — shared set-up for the live capture tests (sourced by bash, not run).
#
# Two network namespaces joined by a veth pair (names start with "twlive";
# nothing leaves them: no addresses, no routes, IPv6 off).  trustwire
# captures on one end ($IF_CAP in $NS_CAP); tcpreplay sends a capture into the
# other end ($IF_REP in $NS_REP).  The caller must set TW_LIVE_PIDS (an array
# of the PIDs it started inside the namespaces) for the EXIT trap to stop
# them; nothing else is ever signalled.

skip() { echo "SKIP: $*"; exit 77; }

# live_require: skip (exit 77) unless this host can run the test at all.
live_require() {
    [ "$(id -u)" = 0 ] || skip "live capture test needs root to create network namespaces"
    command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
    command -v tcpreplay >/dev/null || skip "tcpreplay is not installed"
    command -v python3 >/dev/null || skip "python3 is not installed"
}

TW_LIVE_PIDS=()

live_cleanup() {
    local pid
    for pid in "${TW_LIVE_PIDS[@]}"; do
        kill -INT "$pid" 2>/dev/null
    done
    ip netns del "$NS_CAP" 2>/dev/null
    ip netns del "$NS_REP" 2>/dev/null
    rm -rf "$WORK"
}

# live_setup: make $WORK, the namespaces and the veth pair; install the trap.
# Skips when namespaces or veth pairs are not permitted here.
live_setup() {
    local id=$$ pair
    NS_CAP=twlive-cap-$id
    NS_REP=twlive-rep-$id
    IF_CAP=twlivec$((id % 100000000))
    IF_REP=twliver$((id % 100000000))
    WORK=$(mktemp -d /tmp/twlive.XXXXXX)
    trap live_cleanup EXIT

    ip netns add "$NS_CAP" 2>"$WORK/err" || skip "cannot create a network namespace: $(cat "$WORK/err")"
    ip netns add "$NS_REP" || skip "cannot create a second network namespace"
    # The veth pair exists only inside the two namespaces.
    ip link add "$IF_CAP" netns "$NS_CAP" type veth peer name "$IF_REP" netns "$NS_REP" \
        || skip "cannot create a veth pair"
    for pair in "$NS_CAP $IF_CAP" "$NS_REP $IF_REP"; do
        set -- $pair
        ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" 2>/dev/null
        ip -n "$1" link set "$2" mtu 9000 2>/dev/null
        if command -v ethtool >/dev/null; then
            ip netns exec "$1" ethtool -K "$2" rx off tx off tso off gso off gro off lro off >/dev/null 2>&1
        fi
        ip -n "$1" link set "$2" up
        ip -n "$1" link set lo up
    done
}

# live_wait_capturing N: wait (at most 5 s) until N packet sockets are open
# in the capture namespace, i.e. N trustwire -i processes are capturing.
live_wait_capturing() {
    local want=${1:-1} n
    for _ in $(seq 50); do
        n=$(ip netns exec "$NS_CAP" sh -c 'cat /proc/net/packet' 2>/dev/null | awk 'NR>1' | wc -l)
        [ "$n" -ge "$want" ] && break
        sleep 0.1
    done
    sleep 0.3
}

# live_replay CAPTURE: send CAPTURE into the replay end; fail the test if
# tcpreplay fails.
live_replay() {
    ip netns exec "$NS_REP" tcpreplay -q -i "$IF_REP" --pps=400 "$1" >"$WORK/replay.log" 2>&1 \
        || { echo "FAIL: tcpreplay:"; cat "$WORK/replay.log"; exit 1; }
}

# live_stop PID: SIGINT one process this test started; its exit status is
# left in $LIVE_RC.
live_stop() {
    local pid=$1 i
    kill -INT "$pid"
    wait "$pid"
    LIVE_RC=$?
    for i in "${!TW_LIVE_PIDS[@]}"; do
        [ "${TW_LIVE_PIDS[$i]}" = "$pid" ] && unset 'TW_LIVE_PIDS[i]'
    done
}
