# Activates this virtual environment in nushell (0.106 or newer):
#     overlay use bin/activate.nu
# and leave with `deactivate`. Written by fenv; every value below is a raw
# string. The overlay keeps every change, so hiding it undoes them all.

# This very file (for relocatable envs).
const fenv_self = path self

export-env {
    let relocatable = {{ RELOCATABLE }}
    let env_dir = if $relocatable {
        $fenv_self | path dirname | path dirname
    } else {
        {{ VIRTUAL_ENV }}
    }
    let bin_dir = $env_dir | path join {{ BIN_NAME }}
    let prompt = {{ PROMPT }}

    # Windows spells it `Path`.
    let path_name = if ($nu.os-info.family == 'windows') and ('Path' in $env) {
        'Path'
    } else {
        'PATH'
    }
    let old_path = $env | get $path_name | if ($in | describe) == 'string' {
        $in | split row (char esep)
    } else {
        $in
    }
    # Re-activating in the same overlay: drop the previous env's folder.
    let old_path = if 'VIRTUAL_ENV' in $env {
        let previous = $env.VIRTUAL_ENV | path join {{ BIN_NAME }}
        $old_path | where {|dir| $dir != $previous }
    } else {
        $old_path
    }

    load-env {
        $path_name: ($old_path | prepend $bin_dir)
        VIRTUAL_ENV: $env_dir
        VIRTUAL_ENV_PROMPT: $prompt
    }
    hide-env -i PYTHONHOME

    let disabled = $env.VIRTUAL_ENV_DISABLE_PROMPT? | default '' | into string
    if ($disabled | is-empty) {
        # Wrap the prompt the user had before any activation.
        let old_prompt = if '_OLD_PROMPT_COMMAND' in $env {
            $env._OLD_PROMPT_COMMAND
        } else {
            $env.PROMPT_COMMAND? | default ''
        }
        let prefix = '(' + $prompt + ') '
        $env._OLD_PROMPT_COMMAND = $old_prompt
        $env.PROMPT_COMMAND = if ($old_prompt | describe) == 'closure' {
            {|| $prefix + (do $old_prompt | into string) }
        } else {
            {|| $prefix + ($old_prompt | into string) }
        }
    }
}

# `deactivate` hides the overlay named `activate` (nushell shows the line
# above an error, so the hint for it is one line):
# "not an active overlay": activate with `overlay use …/activate.nu` (not `use`); after `overlay use … as NAME`, run `overlay hide NAME`.
export alias deactivate = overlay hide activate
