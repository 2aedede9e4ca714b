"""The directory hook in the env files (`env.sh` for zsh and bash, `env.fish`): on entering a
directory, the Go it pins (`pins.py`'s order) first on PATH: its `bin`, then its `gobin` (where
default-go-packages installs that version's tools); the global choice back on leaving (the env
file's own line puts `current/bin` and `current/gobin` there).

It runs from the prompt (bash: appended to PROMPT_COMMAND, the user's commands kept; zsh:
chpwd_functions and precmd_functions; fish: `--on-variable PWD` and the `fish_prompt` event), so
it must cost next to nothing and start no process: shell builtins only (`read` from files,
`[`/`test`, parameter expansion, fish's `string`), no command substitution in bash/zsh, and it
works only when $PWD, $M3TUI_GO_VERSION or which pin files $PWD itself holds changed since the
last prompt (four tests a prompt: a pin written here, by `m3tui versions use X --here`, is
followed at the next prompt; a pin file rewritten in place, or one written in a parent, at the
next `cd`). It reads the same files in the same
order as `pins.resolve_pin` (the mise.toml shapes that function reads; it warns about the
others, which the hook skips silently). A pinned version the store does not have prints one
line (`go 1.22.10 is pinned here; m3tui versions install`) once per pin, and the global choice
stays. GOROOT follows only when the env file exports it (`--export-goroot`).

Text only: `switch.env_text` appends these to the PATH lines; nothing here runs anything.
"""

from __future__ import annotations

# Shared by bash and zsh (one env.sh); zsh-only lines sit behind $ZSH_VERSION tests.
_SH = r"""
# The directory hook: the Go a directory pins ($M3TUI_GO_VERSION, else the nearest directory up
# with a .tool-versions, mise.toml, .mise.toml or .go-version naming go) first on PATH. Builtins only.
_m3tui_go_store=@STORE@
_m3tui_go_read() {  # $1: a pin file, $2: its kind -> _m3tui_go_v (its go version, as written)
    _m3tui_go_v=
    [ -f "$1" ] || return 1
    local _l _k _r _s=
    case $2 in
    v)  # .go-version: the first word of the first line that has one (`read` splits; `#…` goes)
        while IFS=$' \t\r' read -r _r _l || [ -n "$_r" ]; do
            _r=${_r%%#*}
            [ -n "$_r" ] && { _m3tui_go_v=$_r; return 0; }
        done <"$1"
        return 1 ;;
    t)  # .tool-versions: the first version of the first `golang` (or `go`) line
        while IFS=$' \t\r' read -r _k _r _l || [ -n "$_k" ]; do
            case $_k in go|golang) ;; *) continue ;; esac
            _r=${_r%%#*}
            [ -n "$_r" ] && { _m3tui_go_v=$_r; return 0; }
        done <"$1"
        return 1 ;;
    esac
    while IFS= read -r _l || [ -n "$_l" ]; do  # mise.toml: [tools] go = "…", or tools.go = "…"
        _l=${_l%%#*}
        _l=${_l%$'\r'}
        _l=${_l#"${_l%%[![:space:]]*}"}
        case $_l in
        \[*) _s=${_l#\[}; _s=${_s%%\]*}; _s=${_s//[[:space:]]/}; continue ;;
        *=*) ;;
        *) continue ;;
        esac
        _k=${_l%%=*}
        _k=${_k%"${_k##*[![:space:]]}"}
        case "$_s:$_k" in tools:go|tools:golang|:tools.go|:tools.golang) ;; *) continue ;; esac
        _r=${_l#*=}
        _r=${_r#"${_r%%[![:space:]]*}"}
        case $_r in
        \"*) _r=${_r#\"}; _r=${_r%%\"*} ;;
        \'*) _r=${_r#\'}; _r=${_r%%\'*} ;;
        *) return 1 ;;
        esac
        [ -n "$_r" ] && { _m3tui_go_v=$_r; return 0; }
        return 1
    done <"$1"
    return 1
}
_m3tui_go_resolve() {  # -> _m3tui_go_v (the pinned value), _m3tui_go_f (where it is written)
    _m3tui_go_f=M3TUI_GO_VERSION
    _m3tui_go_v=${M3TUI_GO_VERSION-}
    [ -n "$_m3tui_go_v" ] && return 0
    local _d=${PWD%/}
    while :; do
        if [[ -f $_d/.tool-versions || -f $_d/mise.toml || -f $_d/.mise.toml || -f $_d/.go-version ]]; then
            # A function call costs more than a test: only the files that are there are read.
            if [[ -f $_d/.tool-versions ]] && _m3tui_go_read "$_d/.tool-versions" t; then _m3tui_go_f=$_d/.tool-versions; return 0; fi
            if [[ -f $_d/mise.toml ]] && _m3tui_go_read "$_d/mise.toml" m; then _m3tui_go_f=$_d/mise.toml; return 0; fi
            if [[ -f $_d/.mise.toml ]] && _m3tui_go_read "$_d/.mise.toml" m; then _m3tui_go_f=$_d/.mise.toml; return 0; fi
            if [[ -f $_d/.go-version ]] && _m3tui_go_read "$_d/.go-version" v; then _m3tui_go_f=$_d/.go-version; return 0; fi
        fi
        [[ -z $_d ]] && break
        _d=${_d%/*}
    done
    _m3tui_go_f=
    return 1
}
_m3tui_go_pick() {  # $1: a pinned value -> _m3tui_go_dir (the store's install it selects, or empty)
    [ -n "${ZSH_VERSION-}" ] && setopt localoptions nullglob
    local _v=${1#prefix:} _c _p _best=-1
    _v=${_v#go}
    _m3tui_go_dir=
    case $_v in
    *[!0-9.rcbeta]*|'') return 2 ;;
    [0-9]*.[0-9]*rc*|[0-9]*.[0-9]*beta*|[0-9]*.[0-9]*.[0-9]*)
        [ -x "$_m3tui_go_store/go$_v/bin/go" ] && _m3tui_go_dir=$_m3tui_go_store/go$_v ;;
    [0-9]*.[0-9]*)
        for _c in "$_m3tui_go_store/go$_v" "$_m3tui_go_store/go$_v".*; do
            [ -x "$_c/bin/go" ] || continue
            _p=${_c#"$_m3tui_go_store/go$_v"}
            _p=${_p#.}
            case $_p in '') _p=0 ;; *[!0-9]*) continue ;; esac
            [ "$_p" -gt "$_best" ] && { _best=$_p; _m3tui_go_dir=$_c; }
        done ;;
    *) return 2 ;;
    esac
    [ -n "$_m3tui_go_dir" ]
}
_m3tui_go_hook() {
    local _k=
    [[ -f $PWD/.tool-versions ]] && _k=t
    [[ -f $PWD/mise.toml ]] && _k=${_k}m
    [[ -f $PWD/.mise.toml ]] && _k=${_k}M
    [[ -f $PWD/.go-version ]] && _k=${_k}v
    [ "$PWD|${M3TUI_GO_VERSION-}|$_k" = "${_m3tui_go_key-}" ] && return 0
    _m3tui_go_key="$PWD|${M3TUI_GO_VERSION-}|$_k"
    local _new= _p _g _said=
    if _m3tui_go_resolve; then
        _m3tui_go_pick "$_m3tui_go_v"
        _p=$?
        if [ "$_p" = 0 ]; then
            _new=$_m3tui_go_dir/bin
        elif [ "$_p" = 1 ]; then
            _said="$_m3tui_go_f|$_m3tui_go_v"
            [ "$_said" != "${_m3tui_go_said-}" ] && printf 'go %s is pinned here; m3tui versions install\n' "${_m3tui_go_v#go}" >&2
        fi
    fi
    _m3tui_go_said=$_said
    [ "$_new" = "${_m3tui_go_added-}" ] && return 0
    if [ -n "${_m3tui_go_added-}" ]; then  # its bin and gobin (the version's `go install` tools)
        _g=":${_m3tui_go_added%/bin}/gobin:"
        _p=":$PATH:"
        _p=${_p/":$_m3tui_go_added:"/:}
        _p=${_p/"$_g"/:}
        _p=${_p#:}
        PATH=${_p%:}
    fi
    [ -n "$_new" ] && PATH=$_new:${_new%/bin}/gobin:$PATH
    _m3tui_go_added=$_new
@GOROOT_SH@    hash -r
}
if [ -n "${ZSH_VERSION-}" ]; then
    case " ${chpwd_functions[*]-} " in *" _m3tui_go_hook "*) ;; *) chpwd_functions+=(_m3tui_go_hook) ;; esac
    case " ${precmd_functions[*]-} " in *" _m3tui_go_hook "*) ;; *) precmd_functions+=(_m3tui_go_hook) ;; esac
else
    case "${PROMPT_COMMAND-}" in
    *_m3tui_go_hook*) ;;
    *) PROMPT_COMMAND="${PROMPT_COMMAND:+$PROMPT_COMMAND
}_m3tui_go_hook" ;;
    esac
fi
_m3tui_go_hook
"""

_FISH = r"""
# The directory hook: the Go a directory pins ($M3TUI_GO_VERSION, else the nearest directory up
# with a .tool-versions, mise.toml, .mise.toml or .go-version naming go) first on PATH. Builtins
# only, and no command substitution (each costs more than the rest of the hook); a pin file is
# read by one `string match` over the file (the first line that names a version), mise.toml by lines.
set -g _m3tui_go_store @STORE@
function _m3tui_go_mise --argument-names file  # -> _m3tui_go_v: [tools] go = "…" (or tools.go = …)
    set -g _m3tui_go_v
    set -l section ''
    while read -l line
        if string match -rq -- '^\s*\[\s*(?<sec>[^\]]*?)\s*\]' $line
            set section $sec
            continue
        end
        string match -rq -- '^\s*(?<key>[A-Za-z0-9_.-]+)\s*=\s*(?<val>.*)$' $line; or continue
        contains -- "$section:$key" tools:go tools:golang :tools.go :tools.golang; or continue
        if string match -rq -- '^"(?<ver>[^"]*)"' $val; or string match -rq -- "^'(?<ver>[^']*)'" $val
            if test -n "$ver"
                set -g _m3tui_go_v $ver
                return 0
            end
        end
        return 1
    end <$file
    return 1
end
function _m3tui_go_resolve  # -> _m3tui_go_v, _m3tui_go_f
    if test -n "$M3TUI_GO_VERSION"
        set -g _m3tui_go_f M3TUI_GO_VERSION
        set -g _m3tui_go_v $M3TUI_GO_VERSION
        return 0
    end
    set -l parts
    string match -rqa -- '(?<parts>[^/]+)' $PWD  # its components (no pipe: a capture sets them)
    set -l dirs ''
    for p in $parts
        set -p dirs $dirs[1]/$p
    end
    # Every pin file that exists, nearest directory first, in the order of the files (one builtin).
    path filter -f $dirs/{.tool-versions,mise.toml,.mise.toml,.go-version} | read -lz --delimiter \n -a files
    for f in $files
        switch $f
            case '*/.go-version'
                string match -rq -- '^\s*(?<ver>[^\s#]+)' <$f; or continue
                set -g _m3tui_go_v $ver
            case '*/.tool-versions'
                string match -rq -- '^\s*(?:go|golang)\s+(?<ver>[^\s#]+)' <$f; or continue
                set -g _m3tui_go_v $ver
            case '*'
                _m3tui_go_mise $f; or continue
        end
        set -g _m3tui_go_f $f
        return 0
    end
    set -g _m3tui_go_v
    set -g _m3tui_go_f
    return 1
end
function _m3tui_go_pick --argument-names value  # -> _m3tui_go_dir; status 2: not a version
    set -g _m3tui_go_dir
    # v: the minor line; exact: the rest of an exact version (.patch, rcN, betaN), empty for a line.
    string match -rq -- '^(?:prefix:)?(?:go)?(?<v>\d+\.\d+)(?<exact>(?:\.\d+)?(?:(?:rc|beta)\d+)?)$' $value; or return 2
    if test -n "$exact"
        test -x $_m3tui_go_store/go$v$exact/bin/go; and set -g _m3tui_go_dir $_m3tui_go_store/go$v$exact
    else
        set -l best -1
        for c in $_m3tui_go_store/go$v $_m3tui_go_store/go$v.*
            test -x $c/bin/go; or continue
            set -l p 0
            if test $c != $_m3tui_go_store/go$v
                string match -rq -- '/go\d+\.\d+\.(?<p>\d+)$' $c; or continue
            end
            if test $p -gt $best
                set best $p
                set -g _m3tui_go_dir $c
            end
        end
    end
    test -n "$_m3tui_go_dir"
end
function _m3tui_go_hook --on-variable PWD --on-variable M3TUI_GO_VERSION --on-event fish_prompt
    set -l k
    test -f $PWD/.tool-versions; and set k t
    test -f $PWD/mise.toml; and set k "$k"m
    test -f $PWD/.mise.toml; and set k "$k"M
    test -f $PWD/.go-version; and set k "$k"v
    test "$PWD|$M3TUI_GO_VERSION|$k" = "$_m3tui_go_key"; and return 0
    set -g _m3tui_go_key "$PWD|$M3TUI_GO_VERSION|$k"
    set -l new
    set -l said ''
    if _m3tui_go_resolve
        _m3tui_go_pick $_m3tui_go_v
        switch $status
            case 0
                set new $_m3tui_go_dir/bin $_m3tui_go_dir/gobin
            case 1
                set said "$_m3tui_go_f|$_m3tui_go_v"
                if test "$said" != "$_m3tui_go_said"
                    string match -rq -- '^(?:go)?(?<shown>.*)$' $_m3tui_go_v
                    printf 'go %s is pinned here; m3tui versions install\n' $shown >&2
                end
        end
    end
    set -g _m3tui_go_said $said
    test "$new" = "$_m3tui_go_added"; and return 0
    if not set -q _m3tui_go_added[1]
        set -gx PATH $new $PATH
    else if test "$PATH[1]|$PATH[2]" = "$_m3tui_go_added[1]|$_m3tui_go_added[2]"
        set -gx PATH $new $PATH[3..]  # ours are first unless something was put before them since
    else
        set -l kept
        for entry in $PATH
            contains -- $entry $_m3tui_go_added; or set -a kept $entry
        end
        set -gx PATH $new $kept
    end
    set -g _m3tui_go_added $new
@GOROOT_FISH@end
set -q _m3tui_go_key; or set -g _m3tui_go_key ''
set -q _m3tui_go_added; or set -g _m3tui_go_added
set -q _m3tui_go_said; or set -g _m3tui_go_said ''
_m3tui_go_hook
"""


# Only with --export-goroot: GOROOT follows the Go put first on PATH.
_GOROOT_SH = """    if [ -n "$_new" ]; then export GOROOT="${_new%/bin}"; else export GOROOT="$_m3tui_go_store/current"; fi
"""
_GOROOT_FISH = """    if set -q new[1]
        set -gx GOROOT $_m3tui_go_dir
    else
        set -gx GOROOT $_m3tui_go_store/current
    end
"""


def sh_hook(store_quoted: str, *, export_goroot: bool) -> str:
    """The hook for env.sh (zsh and bash); ``store_quoted``: the store directory, quoted for sh."""
    return _SH.replace("@STORE@", store_quoted).replace("@GOROOT_SH@", _GOROOT_SH if export_goroot else "")


def fish_hook(store_quoted: str, *, export_goroot: bool) -> str:
    """The hook for env.fish; ``store_quoted``: the store directory, quoted for fish."""
    return _FISH.replace("@STORE@", store_quoted).replace("@GOROOT_FISH@", _GOROOT_FISH if export_goroot else "")
