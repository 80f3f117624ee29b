# Activates this virtual environment in the current shell. Source it:
#     source bin/activate    (bash, zsh)
#     . bin/activate         (sh, dash, ksh, mksh)
# and leave with `deactivate`. Running it as a program changes nothing.
# Written by fenv; every value below is quoted for the shell.

# This very file, when the shell says where it is (bash, zsh, ksh93);
# otherwise where fenv wrote it.
_fenv_self=
if [ -n "${BASH_VERSION:-}" ]; then
    _fenv_self=${BASH_SOURCE:-}
elif [ -n "${ZSH_VERSION:-}" ]; then
    eval '_fenv_self=${(%):-%x}'
else
    case ${KSH_VERSION:-} in
        *93*) eval '_fenv_self=${.sh.file}' ;;
    esac
fi
if [ -z "$_fenv_self" ]; then
    _fenv_self={{ VIRTUAL_ENV }}/{{ BIN_NAME }}/activate
fi

# Run as a program (`bash bin/activate`), this file would change only its
# own short-lived process: say how to use it, and fail. Only a
# non-interactive shell can be running it that way.
case $- in
    *i*) ;;
    *)
        if [ -n "${ZSH_VERSION:-}" ]; then
            # zsh sets $0 to a sourced file too; its eval context tells.
            _fenv_run=${ZSH_EVAL_CONTEXT:-}
        elif [ "$0" -ef "$_fenv_self" ]; then
            _fenv_run=toplevel
        else
            _fenv_run=
        fi
        if [ "$_fenv_run" = toplevel ]; then
            printf 'You must source this script: $ source %s\n' "$0" >&2
            exit 1
        fi
        unset _fenv_run
        ;;
esac

deactivate () {
    # Put back what activation saved; an empty value counts as a value.
    if [ -n "${_OLD_VIRTUAL_PATH+set}" ]; then
        PATH=$_OLD_VIRTUAL_PATH
        export PATH
        unset _OLD_VIRTUAL_PATH
    fi
    if [ -n "${_OLD_VIRTUAL_PYTHONHOME+set}" ]; then
        PYTHONHOME=$_OLD_VIRTUAL_PYTHONHOME
        export PYTHONHOME
        unset _OLD_VIRTUAL_PYTHONHOME
    fi
    if [ -n "${_OLD_VIRTUAL_PS1+set}" ]; then
        PS1=$_OLD_VIRTUAL_PS1
        unset _OLD_VIRTUAL_PS1
    fi
    unset VIRTUAL_ENV VIRTUAL_ENV_PROMPT
    # Forget the commands found in the env's bin folder.
    hash -r 2>/dev/null || true
    if [ "${1:-}" != nondestructive ]; then
        unset -f deactivate
    fi
}

# Leave any environment active now (this one or another) first.
deactivate nondestructive

VIRTUAL_ENV={{ VIRTUAL_ENV }}
# A Windows env used from Git Bash, MSYS2 or Cygwin: make the path POSIX.
case ${OSTYPE:-} in
    cygwin* | msys*)
        if _fenv_dir=$(cygpath -u "$VIRTUAL_ENV" 2>/dev/null); then
            VIRTUAL_ENV=$_fenv_dir
        fi
        ;;
esac
# A relocatable env is wherever this file is now.
if [ {{ RELOCATABLE }} = yes ]; then
    case $_fenv_self in
        */*) _fenv_dir=${_fenv_self%/*}/.. ;;
        *) _fenv_dir=.. ;;
    esac
    # The builtin cd, not a user's function of that name: `builtin` in bash
    # and zsh, `command` elsewhere; no CDPATH, in a subshell.
    if [ -n "${BASH_VERSION:-}${ZSH_VERSION:-}" ]; then
        _fenv_builtin=builtin
    else
        _fenv_builtin=command
    fi
    if _fenv_dir=$(CDPATH= $_fenv_builtin cd -- "$_fenv_dir" 2>/dev/null && $_fenv_builtin pwd); then
        VIRTUAL_ENV=$_fenv_dir
    fi
    unset _fenv_builtin
fi
export VIRTUAL_ENV

_OLD_VIRTUAL_PATH=${PATH:-}
PATH=$VIRTUAL_ENV/{{ BIN_NAME }}${PATH:+:$PATH}
export PATH

VIRTUAL_ENV_PROMPT={{ PROMPT }}
export VIRTUAL_ENV_PROMPT

if [ -n "${PYTHONHOME+set}" ]; then
    _OLD_VIRTUAL_PYTHONHOME=$PYTHONHOME
    unset PYTHONHOME
fi

# Show `(prompt) ` before the prompt of an interactive shell. Each shell
# expands different things in PS1 when it draws it, so each gets the
# prompt escaped its own way: drawing it can never run a command. PS1 is
# not exported (child shells build their own).
if [ -z "${VIRTUAL_ENV_DISABLE_PROMPT:-}" ] && [ -n "${PS1+set}" ]; then
    _OLD_VIRTUAL_PS1=$PS1
    if [ -n "${ZSH_VERSION:-}" ]; then
        if [[ -o promptsubst ]]; then
            _fenv_prefix={{ PS1_ZSH_SUBST }}
        else
            _fenv_prefix={{ PS1_ZSH }}
        fi
        if [[ -o promptbang ]]; then
            _fenv_prefix=${_fenv_prefix//!/!!}
        fi
    elif [ -n "${BASH_VERSION:-}" ]; then
        if shopt -q promptvars || shopt -qo posix; then
            _fenv_prefix={{ PS1_BASH }}
        else
            _fenv_prefix={{ PS1_BASH_LITERAL }}
        fi
    else
        case ${KSH_VERSION:-} in
            *93*) _fenv_prefix={{ PS1_KSH93 }} ;;
            ?*) _fenv_prefix={{ PS1_MKSH }} ;;
            *) _fenv_prefix={{ PS1_SH }} ;;
        esac
    fi
    PS1=$_fenv_prefix$PS1
    unset _fenv_prefix
fi

unset _fenv_self _fenv_dir
# Forget commands found before PATH changed.
hash -r 2>/dev/null || true
