# fenv's interpreter probe: run once per interpreter as `python -I -B -c`,
# its answer is cached by fenv. It prints one JSON object between two marker
# lines so that output from a noisy sitecustomize cannot corrupt it.
# Keep it parseable by Python 2.7, so that fenv can say why 2.7 is refused.
import json
import os
import platform
import sys

BEGIN = "<<<fenv-probe-begin>>>"
END = "<<<fenv-probe-end>>>"


def emit(obj):
    sys.stdout.write("\n" + BEGIN + "\n" + json.dumps(obj) + "\n" + END + "\n")
    sys.stdout.flush()


def version_only():
    return {
        "result": "unsupported",
        "implementation": getattr(sys, "implementation", None)
        and sys.implementation.name
        or platform.python_implementation().lower(),
        "version": list(sys.version_info[:3]),
    }


def libc():
    # The C library decides which manylinux/musllinux wheels can run.
    try:
        name, version = os.confstr("CS_GNU_LIBC_VERSION").split()
        if name == "glibc":
            return {"kind": "glibc", "version": version}
    except (AttributeError, OSError, ValueError):
        pass
    name, version = platform.libc_ver()
    if name == "glibc" and version:
        return {"kind": "glibc", "version": version}
    try:
        import subprocess

        ldd = subprocess.Popen(
            ["ldd", "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        ).communicate()[0].decode("utf-8", "replace")
        if "musl" in ldd:
            for line in ldd.splitlines():
                if line.startswith("Version"):
                    return {"kind": "musl", "version": line.split()[-1]}
    except Exception:
        pass
    return None


def venv_scheme():
    # The paths `python -m venv` would use, relative to the environment.
    import sysconfig

    placeholder = os.path.join(os.sep, "fenv-placeholder-prefix")
    names = ("scripts", "include", "purelib", "platlib")
    if "venv" in sysconfig.get_scheme_names() or hasattr(
        sysconfig, "get_preferred_scheme"
    ):
        try:
            paths = sysconfig.get_paths(
                scheme="venv",
                vars={
                    "base": placeholder,
                    "platbase": placeholder,
                    "installed_base": placeholder,
                    "installed_platbase": placeholder,
                },
            )
            return dict(
                (name, os.path.relpath(paths[name], placeholder)) for name in names
            )
        except KeyError:
            pass
    return None


def ensurepip_wheels():
    # The exact wheels `ensurepip` would install, as each version finds them
    # (a distribution's WHEEL_PKG_DIR first where that version looks there).
    try:
        import ensurepip
    except ImportError:
        return {"available": False, "wheels": []}
    bundled = os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")
    packages = []
    if hasattr(ensurepip, "_get_packages"):
        for project, package in sorted(ensurepip._get_packages().items()):
            path = package.wheel_path or os.path.join(bundled, package.wheel_name)
            packages.append((project, package.version, path))
    elif hasattr(ensurepip, "_get_pip_whl_path_ctx"):
        # 3.13+: pip only, WHEEL_PKG_DIR's newest first.
        with ensurepip._get_pip_whl_path_ctx() as path:
            packages.append(("pip", ensurepip._get_pip_version(), str(path)))
    else:
        for project in ensurepip._PROJECTS:
            name, version = project[0], project[1]
            prefix = "%s-%s-" % (name, version)
            for wheel in sorted(os.listdir(bundled)):
                if wheel.startswith(prefix) and wheel.endswith(".whl"):
                    packages.append((name, version, os.path.join(bundled, wheel)))
                    break
    return {
        "available": True,
        "wheels": [
            {"project": project, "version": version, "path": str(path)}
            for project, version, path in packages
        ],
    }


def main():
    if sys.version_info < (3, 7):
        emit(version_only())
        return
    import sysconfig

    impl = sys.implementation
    iv = impl.version
    implementation_version = "%d.%d.%d" % (iv.major, iv.minor, iv.micro)
    if iv.releaselevel != "final":
        implementation_version += iv.releaselevel[0] + str(iv.serial)
    stdlib = sysconfig.get_path("stdlib")
    gil_disabled = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    emit(
        {
            "result": "ok",
            "implementation": impl.name,
            "version": list(sys.version_info[:3]),
            "release_level": sys.version_info.releaselevel,
            "serial": sys.version_info.serial,
            "executable": sys.executable,
            "base_executable": getattr(sys, "_base_executable", sys.executable),
            "real_executable": os.path.realpath(sys.executable),
            "prefix": sys.prefix,
            "base_prefix": getattr(sys, "base_prefix", sys.prefix),
            "exec_prefix": sys.exec_prefix,
            "base_exec_prefix": getattr(sys, "base_exec_prefix", sys.exec_prefix),
            "stdlib": stdlib,
            "abiflags": getattr(sys, "abiflags", ""),
            "gil_disabled": gil_disabled,
            "pointer_size": 64 if sys.maxsize > 2**32 else 32,
            "os_name": os.name,
            "sys_platform": sys.platform,
            "sysconfig_platform": sysconfig.get_platform(),
            "soabi": sysconfig.get_config_var("SOABI"),
            "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
            "libc": libc(),
            "venv_scheme": venv_scheme(),
            "markers": {
                "implementation_name": impl.name,
                "implementation_version": implementation_version,
                "os_name": os.name,
                "platform_machine": platform.machine(),
                "platform_python_implementation": platform.python_implementation(),
                "platform_release": platform.release(),
                "platform_system": platform.system(),
                "platform_version": platform.version(),
                "python_full_version": platform.python_version(),
                "python_version": ".".join(platform.python_version_tuple()[:2]),
                "sys_platform": sys.platform,
            },
            "ensurepip": ensurepip_wheels(),
        }
    )


main()
