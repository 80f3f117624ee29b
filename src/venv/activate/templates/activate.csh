# Activates this virtual environment in the current csh or tcsh. Source it:
#     source bin/activate.csh
# and leave with `deactivate`. Running it as a program changes nothing.
# Written by fenv; every value below is quoted for csh. csh cannot tell a
# sourced file where it is, so this file holds the env's path: relocatable
# envs do not get one.

# csh expands a whole line before it runs any of it, so each restore is a
# `test … &&` chain (its later commands expand only when they run).
alias deactivate 'test $?_OLD_VIRTUAL_PATH != 0 && setenv PATH "$_OLD_VIRTUAL_PATH:q" && unset _OLD_VIRTUAL_PATH; test $?_OLD_VIRTUAL_PYTHONHOME != 0 && setenv PYTHONHOME "$_OLD_VIRTUAL_PYTHONHOME:q" && unset _OLD_VIRTUAL_PYTHONHOME; test $?_OLD_VIRTUAL_PROMPT != 0 && set prompt = "$_OLD_VIRTUAL_PROMPT:q" && unset _OLD_VIRTUAL_PROMPT; unsetenv VIRTUAL_ENV; unsetenv VIRTUAL_ENV_PROMPT; rehash; test "\!*" != nondestructive && unalias deactivate'

# Leave any environment active now (this one or another) first.
deactivate nondestructive

setenv VIRTUAL_ENV {{ VIRTUAL_ENV }}

set _OLD_VIRTUAL_PATH = "$PATH:q"
setenv PATH "$VIRTUAL_ENV:q/"{{ BIN_NAME }}":$PATH:q"

setenv VIRTUAL_ENV_PROMPT {{ PROMPT }}

if ($?PYTHONHOME) then
    set _OLD_VIRTUAL_PYTHONHOME = "$PYTHONHOME:q"
    unsetenv PYTHONHOME
endif

# Show `(prompt) ` before the prompt of an interactive shell, escaped so
# that tcsh shows it as it is. A multi-line prompt cannot be saved and
# restored by csh, so it is left alone.
set _fenv_show = 1
if ($?VIRTUAL_ENV_DISABLE_PROMPT) then
    if ("$VIRTUAL_ENV_DISABLE_PROMPT:q" != "") set _fenv_show = 0
endif
if (! $?prompt) set _fenv_show = 0
if ($_fenv_show) then
    set _fenv_newline = '\
'
    if ("$prompt:q" =~ *"$_fenv_newline:q"*) set _fenv_show = 0
    unset _fenv_newline
endif
if ($_fenv_show) then
    set _OLD_VIRTUAL_PROMPT = "$prompt:q"
    set prompt = {{ PS1_TCSH }}"$prompt:q"
endif
unset _fenv_show

rehash
