"""Where this mod_python is installed, and the lines that load it into
Apache: the `mod_python module-config` command, `serve` and the
configurations httpdconf writes all use these."""

import collections
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


def command_output(argv):
    """What a helper command (httpd -l, the embedded python) prints; "" when
    it cannot run or hangs: the callers then fall back to a default."""
    try:
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _embedded_sys_path():
    """sys.path of the embedded Python's interpreter, isolated (-I).  The
    module embeds the real interpreter (symbolic links resolved), which for
    a virtualenv's python is the base Python, blind to the venv."""
    out = command_output([os.path.realpath(mpversion.PYTHON_BIN), "-I", "-c",
                          "import sys; print('\\n'.join(sys.path))"])
    return [os.path.realpath(p) for p in out.splitlines() if p]


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


ChildrenUser = collections.namedtuple("ChildrenUser", "user group uid gid")


def children_user():
    """Who Apache's children should run as when root starts it: Debian's
    web server user ($APACHE_RUN_USER / $APACHE_RUN_GROUP, else www-data
    and its own group); None when not root, or when there is no such user.
    (Started as root without a User line, Apache would keep them root.)"""
    if os.geteuid() != 0:
        return None
    import grp
    import pwd
    try:
        entry = pwd.getpwnam(os.environ.get("APACHE_RUN_USER", "www-data"))
    except KeyError:
        return None
    group = os.environ.get("APACHE_RUN_GROUP")
    try:
        gid = grp.getgrnam(group).gr_gid if group else entry.pw_gid
        group = group or grp.getgrgid(gid).gr_name
    except KeyError:
        return None
    return ChildrenUser(entry.pw_name, group, entry.pw_uid, gid)
