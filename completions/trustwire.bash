# bash completion for trustwire(1)
_trustwire()
{
    local cur prev
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    case $prev in
        -r|--read|--from-events|--alerts|--html|--nats-creds|--nats-ca|--nats-cert|--nats-key|--publish-spool|-K|--keytab)
            COMPREPLY=($(compgen -f -- "$cur")); return ;;
        -w|--ring-dir)
            COMPREPLY=($(compgen -d -- "$cur")); return ;;
        -i|--interface)
            COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")); return ;;
        -T|--output)
            COMPREPLY=($(compgen -W "report json summary events tree html ladder ecs" -- "$cur")); return ;;
        --write)
            COMPREPLY=($(compgen -W "report: json: summary: events: tree: html: ecs:" -- "$cur")); compopt -o nospace; return ;;
        --alerts-format)
            COMPREPLY=($(compgen -W "native ecs" -- "$cur")); return ;;
        -t|--time-format)
            COMPREPLY=($(compgen -W "utc local e" -- "$cur")); return ;;
        -O|--tree-layers)
            COMPREPLY=($(compgen -W "lower frame eth ip tcp udp" -- "$cur")); return ;;
        -Z|--user)
            COMPREPLY=($(compgen -u -- "$cur")); return ;;
        -s|--snaplen|-B|--buffer-size|-c|--count|-b|--ring-buffer|--report-every|--retire-after|--workers|-f|--filter|-Y|--display-filter|--publish|--sensor-name|--durable|--password|--nthash|--frame|--machine)
            return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "-r --read --from-events -i --interface -f --filter -s --snaplen -T --output
            --write --alerts --alerts-format -B --buffer-size -p --no-promiscuous-mode -D --list-interfaces -c --count
            -Z --user -w --ring-dir -b --ring-buffer --report-every --retire-after --workers --publish
            --sensor-name --nats-creds --nats-ca --nats-cert --nats-key --publish-spool --durable --follow --html --machine --previous --ascii
            -K --keytab --password --nthash --show-keys -S --stats -V --tree -O --tree-layers --frame -Y --display-filter
            -q --quiet -l --line-buffered -n --no-resolve -t --time-format -v --version -h --help" -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _trustwire trustwire
