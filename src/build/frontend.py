# fenv's PEP 517 frontend: calls one hook of a build backend.
#
# Run by the isolated build environment's python with -I, in the unpacked
# source tree:
#
#   python -I frontend.py HOOK BACKEND BACKEND_PATH_JSON OUT_DIR RESULT_FILE
#
# HOOK is `get_requires_for_build_wheel`, `prepare_metadata_for_build_wheel`,
# `build_wheel`, or PEP 660's `get_requires_for_build_editable` and
# `build_editable`. The hook's
# return value is written as JSON to RESULT_FILE, so that whatever the
# backend prints on stdout or stderr stays its own (fenv shows it when the
# build fails). Compatible with Python 3.7+.
import importlib
import json
import os
import sys


def load_backend(spec, backend_path):
    tree = os.getcwd()
    # PEP 517: backend-path entries go first on sys.path, relative to the
    # source tree, and an in-tree backend must be loaded from them.
    paths = [os.path.abspath(os.path.join(tree, entry)) for entry in backend_path]
    sys.path[:0] = paths
    module_name, _, attributes = spec.partition(":")
    backend = importlib.import_module(module_name.strip())
    if paths:
        origin = os.path.abspath(getattr(backend, "__file__", "") or "")
        if not any(origin == path or origin.startswith(path + os.sep) for path in paths):
            raise SystemExit(
                "fenv: the backend %r was not loaded from its backend-path %r" % (spec, backend_path)
            )
    for attribute in filter(None, attributes.strip().split(".")):
        backend = getattr(backend, attribute)
    return backend


def main():
    hook, spec, backend_path, out_dir, result = sys.argv[1:6]
    backend = load_backend(spec, json.loads(backend_path))
    if hook in ("get_requires_for_build_wheel", "get_requires_for_build_editable"):
        # PEP 517 and PEP 660: optional; without it the answer is [].
        function = getattr(backend, hook, None)
        value = list(function({})) if function is not None else []
    elif hook == "prepare_metadata_for_build_wheel":
        # PEP 517: optional; without it (null) the frontend builds a wheel.
        function = getattr(backend, hook, None)
        value = function(out_dir, {}) if function is not None else None
    elif hook == "build_wheel":
        value = backend.build_wheel(out_dir, {}, None)
    elif hook == "build_editable":
        # PEP 660: optional; without it there is no editable install.
        function = getattr(backend, hook, None)
        if function is None:
            raise SystemExit("fenv: the build backend %r has no `build_editable` hook (PEP 660)" % spec)
        value = function(out_dir, {}, None)
    else:
        raise SystemExit("fenv: unknown hook %r" % hook)
    with open(result, "w") as file:
        json.dump({"value": value}, file)


if __name__ == "__main__":
    main()
