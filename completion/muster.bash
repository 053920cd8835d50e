# bash completion for muster(1)                       -*- shell-script -*-
#
# Installed as <datadir>/bash-completion/completions/muster.  Everything
# that follows the installation (subcommands, options, agents, actions,
# inputs) is asked of the muster being completed itself, through its
# hidden `muster complete ...` (see muster(1), COMPLETION), so the words
# follow its DDLs and options and no JSON is parsed here.  Fact names (after
# -F, -W, --fields, --count-by and `facts`) come from `muster complete
# facts`, the names in the inventory store (-c FILE's or --db PATH's): none
# where no store is.  Needs nothing from the bash-completion package.

# _muster_ask WORDS...: `muster [-c FILE] complete WORDS...`, quietly.
_muster_ask() {
    "${_muster_bin[@]}" complete "$@" 2>/dev/null
}

# _muster_offer WORDS: COMPREPLY = the words of WORDS that start with $cur.
_muster_offer() {
    local IFS=$'\n'
    # shellcheck disable=SC2207 # one word a line, split on newlines only
    COMPREPLY=($(compgen -W "$1" -- "$cur"))
}

# _muster_facts [SEP]: COMPREPLY = the inventory store's fact names that
# complete the last SEP-separated part of $cur (--fields a,b: ","; -W "a b":
# " ").
_muster_facts() {
    local sep=${1:-} head='' IFS=$'\n'
    [ -n "$sep" ] && [[ $cur == *"$sep"* ]] && head=${cur%"$sep"*}$sep
    # shellcheck disable=SC2207 # one word a line, split on newlines only
    COMPREPLY=($(compgen -P "$head" -W "$(_muster_ask facts)" -- "${cur#"$head"}"))
}

# _muster_nospace: no space after the word (a filter goes on with "=VALUE",
# a list with its separator).
_muster_nospace() {
    compopt -o nospace 2>/dev/null
}

# _muster_cert: `muster cert ...`: its subcommands, options and files.
_muster_cert() {
    local n=$1
    if [ "$n" -eq 0 ]; then
        _muster_offer $'init\nissue\nshow'
    elif [[ $cur == -* ]]; then
        _muster_offer $'--client\n--server\n--days\n--key-type\n--san\n--start-days\n--help'
    elif [ "$prev" = --key-type ]; then
        _muster_offer $'ec\nrsa\ned25519'
    else
        local IFS=$'\n'
        # shellcheck disable=SC2207
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

# _muster_rpc N ARGS...: the Nth argument after `rpc` (0: the agent, 1: the
# action, then inputs as "NAME=", with no space after).
_muster_rpc() {
    local n=$1
    shift
    case $n in
        0) _muster_offer "$(_muster_ask agents)" ;;
        1) _muster_offer "$(_muster_ask actions "$1")" ;;
        *)
            [[ $cur == *=* ]] && return 0 # values are the user's
            _muster_offer "$(_muster_ask inputs "$1" "$2")"
            _muster_nospace
            ;;
    esac
}

_muster() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    # bash splits KEY=VALUE at '=' (COMP_WORDBREAKS): a word after '=' is
    # a value, which is not completed.
    [ "$prev" = "=" ] && return 0
    # Seen by the helpers below (bash scopes locals dynamically).
    local -a _muster_bin=("${COMP_WORDS[0]}")
    local -A takes_arg=()
    local opt kind
    while IFS=$'\t' read -r opt kind; do
        [ "$kind" = arg ] && takes_arg[$opt]=1
    done < <(_muster_ask options)
    # The subcommand is the first word that is neither an option nor an
    # option's argument; the words after it that are neither are its
    # arguments (KEY=VALUE counts as three: KEY, "=", VALUE).
    local i w cmd='' args=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [ -n "${takes_arg[$w]:-}" ]; then
            case $w in
                -c | --config) _muster_bin+=(-c "${COMP_WORDS[i + 1]}") ;;
                --db) _muster_bin+=(--db "${COMP_WORDS[i + 1]}") ;;
            esac
            ((i++))
        elif [[ $w == -* ]]; then
            continue
        elif [ -z "$cmd" ]; then
            cmd=$w
        else
            args+=("$w")
        fi
    done
    case $prev in
        -c | --config | --nodes | --db)
            local IFS=$'\n'
            # shellcheck disable=SC2207
            COMPREPLY=($(compgen -f -- "$cur"))
            return 0
            ;;
        -A | --wa | --with-agent)
            _muster_offer "$(_muster_ask agents)"
            return 0
            ;;
        -F | --with-fact)
            _muster_facts
            _muster_nospace
            return 0
            ;;
        -W | --wf | --with)
            _muster_facts ' '
            _muster_nospace
            return 0
            ;;
        --fields)
            _muster_facts ,
            _muster_nospace
            return 0
            ;;
        --count-by)
            _muster_facts
            return 0
            ;;
    esac
    [ -n "${takes_arg[$prev]:-}" ] && return 0
    if [ -z "$cmd" ]; then
        if [[ $cur == -* ]]; then
            _muster_offer "$(_muster_ask options | cut -f1)"
        else
            _muster_offer "$(_muster_ask commands)"
        fi
        return 0
    fi
    case $cmd in
        cert) _muster_cert "${#args[@]}" ;;
        ddl)
            if [ "${#args[@]}" -eq 0 ]; then
                _muster_offer convert
            else
                local IFS=$'\n'
                # shellcheck disable=SC2207
                COMPREPLY=($(compgen -f -- "$cur"))
            fi
            ;;
        collect) _muster_offer $'--db\n--follow\n--poll\n-v\n--verbose' ;;
        web) _muster_offer $'--listen\n--read-only\n-c\n--config' ;;
        *)
            if [[ $cur == -* ]]; then
                _muster_offer "$(_muster_ask options | cut -f1)"
            elif [ "$cmd" = rpc ]; then
                _muster_rpc "${#args[@]}" "${args[@]}"
            elif [ "$cmd" = help ] && [ "${#args[@]}" -eq 0 ]; then
                _muster_offer "$(_muster_ask agents)"
            elif [ "$cmd" = facts ] && [ "${#args[@]}" -eq 0 ]; then
                _muster_facts
            fi
            ;;
    esac
    return 0
}

complete -F _muster muster
