# Activates this virtual environment in xonsh. Source it:
#     source bin/activate.xsh
# and leave with `deactivate`. Written by fenv; every value below is a
# Python string literal.


def _fenv_activate():
    import os.path

    session = __xonsh__
    env = session.env
    env_dir = {{ VIRTUAL_ENV }}
    bin_name = {{ BIN_NAME }}
    prompt = {{ PROMPT }}
    if {{ RELOCATABLE }}:
        # A relocatable env is wherever this file is now.
        env_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    # Leave any environment active now (this one or another) first.
    previous = getattr(session, '_fenv_deactivate', None)
    if previous is not None:
        previous(['nondestructive'])

    # What activation changes, to put back; `unset` marks a variable that
    # was not set.
    unset = object()
    saved = {
        'PATH': list(env['PATH']),
        'PYTHONHOME': env['PYTHONHOME'] if 'PYTHONHOME' in env else unset,
    }
    fields = env.get('PROMPT_FIELDS')
    old_env_name = fields.get('env_name', unset) if fields is not None else unset

    def deactivate(args=None):
        for name, value in saved.items():
            if value is unset:
                env.pop(name, None)
            else:
                env[name] = value
        saved.clear()
        if fields is not None:
            if old_env_name is unset:
                fields.pop('env_name', None)
            else:
                fields['env_name'] = old_env_name
        env.pop('VIRTUAL_ENV', None)
        env.pop('VIRTUAL_ENV_PROMPT', None)
        if not args or args[0] != 'nondestructive':
            aliases.pop('deactivate', None)
            if getattr(session, '_fenv_deactivate', None) is deactivate:
                del session._fenv_deactivate

    env['VIRTUAL_ENV'] = env_dir
    env['VIRTUAL_ENV_PROMPT'] = prompt
    env['PATH'] = [os.path.join(env_dir, bin_name), *saved['PATH']]
    env.pop('PYTHONHOME', None)

    # xonsh's default prompt shows the `{env_name}` field, which would show
    # VIRTUAL_ENV_PROMPT bare: make it `(prompt) `, braces doubled so that
    # the prompt formatter shows them as they are.
    if fields is not None:
        shown = '(' + prompt.replace('{', '{{').replace('}', '}}') + ') '

        def env_name():
            return '' if env.get('VIRTUAL_ENV_DISABLE_PROMPT') else shown

        fields['env_name'] = env_name

    session._fenv_deactivate = deactivate
    aliases['deactivate'] = deactivate


_fenv_activate()
del _fenv_activate
