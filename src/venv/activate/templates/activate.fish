# Activates this virtual environment in the current fish shell. Source it:
#     source bin/activate.fish
# and leave with `deactivate`. Running it as a program changes nothing.
# Written by fenv; every value below is quoted for fish. Commands a user
# function could shadow are called through `builtin`.

function deactivate -d 'Leave the virtual environment and restore the shell'
    # Put back what activation saved; an empty list counts as a value.
    if set -q _OLD_VIRTUAL_PATH
        set -gx PATH $_OLD_VIRTUAL_PATH
        set -e _OLD_VIRTUAL_PATH
    end
    if set -q _OLD_VIRTUAL_PYTHONHOME
        set -gx PYTHONHOME $_OLD_VIRTUAL_PYTHONHOME
        set -e _OLD_VIRTUAL_PYTHONHOME
    end
    if set -q _OLD_FISH_PROMPT_OVERRIDE
        set -e _OLD_FISH_PROMPT_OVERRIDE
        if builtin functions -q _old_fish_prompt
            # With no function path, erasing fish_prompt cannot autoload
            # the default one in its place (idea from virtualenv).
            set -l fish_function_path
            builtin functions -e fish_prompt
            builtin functions -c _old_fish_prompt fish_prompt
            builtin functions -e _old_fish_prompt
        end
    end
    set -e VIRTUAL_ENV
    set -e VIRTUAL_ENV_PROMPT
    if builtin test "$argv[1]" != nondestructive
        builtin functions -e deactivate
    end
end

# Leave any environment active now (this one or another) first.
deactivate nondestructive

set -gx VIRTUAL_ENV {{ VIRTUAL_ENV }}
# A relocatable env is wherever this file is now.
if builtin test {{ RELOCATABLE }} = yes
    set -l self (status filename)
    if builtin string match -q -- '*activate.fish' $self
        set -gx VIRTUAL_ENV (builtin realpath -s -- $self/../..)
    end
end

set -g _OLD_VIRTUAL_PATH $PATH
set -gx PATH $VIRTUAL_ENV/{{ BIN_NAME }} $PATH

set -gx VIRTUAL_ENV_PROMPT {{ PROMPT }}

# Only the global variable: a universal PYTHONHOME is the user's setting
# for every session, not this one's to erase.
if set -q PYTHONHOME
    set -g _OLD_VIRTUAL_PYTHONHOME $PYTHONHOME
    set -e -g PYTHONHOME
end

if builtin test -z "$VIRTUAL_ENV_DISABLE_PROMPT"
    # fish draws its prompt with a function: keep the user's under another
    # name and wrap it.
    if builtin functions -q fish_prompt
        builtin functions -c fish_prompt _old_fish_prompt
    else
        function _old_fish_prompt
        end
    end

    function fish_prompt
        # Run the user's prompt first, while $status and $pipestatus still
        # describe the last command.
        set -l old_prompt (_old_fish_prompt)
        # Quoted: where set_color prints nothing (TERM=dumb), an unquoted
        # substitution is no argument at all, and printf shifts the rest.
        set -l blue (builtin set_color 4B8BBE)
        set -l normal (builtin set_color normal)
        builtin printf '%s(%s)%s ' "$blue" {{ PROMPT }} "$normal"
        builtin string join -- \n $old_prompt
    end

    set -g _OLD_FISH_PROMPT_OVERRIDE $VIRTUAL_ENV
end
