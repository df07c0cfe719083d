"""Where this mod_python is installed, and the lines that load it into
Apache: the `mod_python module-config` command, `serve` and the
configurations httpdconf writes all use these."""

import os
import subprocess

from mod_python import version as mpversion

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
SITE_DIR = os.path.dirname(PACKAGE_DIR)


def module_so():
    """Path of the mod_python.so this package belongs to."""
    candidates = [os.path.join(PACKAGE_DIR, "mod_python.so"),
                  os.path.join(SITE_DIR, "mod_python.so"),
                  os.path.join(mpversion.LIBEXECDIR, "mod_python.so"),
                  getattr(mpversion, "TEST_MOD_PYTHON_SO", "")]
    for path in candidates:
        if path and os.path.isfile(path):
            return path
    return candidates[2]


def _embedded_sys_path():
    """sys.path of the embedded Python's interpreter, isolated (-I).  The
    module embeds the real interpreter (symbolic links resolved), which for
    a virtualenv's python is the base Python, blind to the venv."""
    try:
        out = subprocess.run([os.path.realpath(mpversion.PYTHON_BIN), "-I", "-c",
                              "import sys; print('\\n'.join(sys.path))"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [os.path.realpath(p) for p in out.stdout.splitlines() if p]


def site_dirs_needed():
    """True when the embedded Python would not find this package."""
    return os.path.realpath(SITE_DIR) not in _embedded_sys_path()


def module_config_lines():
    """The configuration lines that load this mod_python into Apache."""
    from mod_python.httpdconf import quote_if_space
    lines = ["LoadModule python_module %s" % quote_if_space(module_so())]
    if site_dirs_needed():
        lines.append('PythonOption mod_python.site_dirs "%s"' % SITE_DIR)
    return lines
