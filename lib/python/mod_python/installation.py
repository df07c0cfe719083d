"""Facts about this mod_python and the Apache it was built for: where its
module is and what that module says it is, where its package is and
whether the embedded Python finds it, where Apache's own modules are, and
who Apache's children run as.

Facts only: mod_python.httpdconf turns them into directives.
"""

import collections
import os
import re
import subprocess

from mod_python import version as mpversion

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
SITE_DIR = os.path.dirname(PACKAGE_DIR)


def in_source_tree():
    """True when this package is the lib/python/mod_python of the source
    tree it was configured in (tests, scripts/serve-examples)."""
    tree = getattr(mpversion, "SOURCE_TREE", "")
    return bool(tree) and os.path.realpath(PACKAGE_DIR) == os.path.realpath(
        os.path.join(tree, "lib", "python", "mod_python"))


def module_so():
    """Path of the mod_python.so this package was built with: inside the
    package after pip, the tree's src/ in a source tree, Apache's module
    directory after `make install`.  Never another one that happens to be
    there (an older make install, Debian's 3.5 package)."""
    inside = os.path.join(PACKAGE_DIR, "mod_python.so")
    if os.path.isfile(inside):
        return inside
    if in_source_tree():
        return os.path.join(mpversion.SOURCE_TREE, "src", "mod_python.so")
    return os.path.join(mpversion.LIBEXECDIR, "mod_python.so")


_IDENTITY_RE = re.compile(rb"mod_python-build: version=([^;\0]*); python=([^\0]*)\0")
_OTHER_VERSION_RE = re.compile(rb"mod_python/([0-9][0-9A-Za-z.+~-]*)")

Identity = collections.namedtuple("Identity", "version python")


def module_identity(path):
    """(version, embedded python) a mod_python.so says it is, read from the
    file without loading it.  A module that is not of this project gives
    python None and whatever version it names (3.5 does), else "unknown"."""
    with open(path, "rb") as f:
        data = f.read()
    match = _IDENTITY_RE.search(data)
    if match:
        return Identity(*(m.decode("utf-8", "replace") for m in match.groups()))
    other = _OTHER_VERSION_RE.search(data)
    return Identity(other.group(1).decode("ascii") if other else "unknown", None)


def module_mismatch(path):
    """Why the module at `path` is not the one this package was built with,
    or None when it is."""
    try:
        found = module_identity(path)
    except OSError as exc:
        return "cannot read %s: %s" % (path, exc.strerror)
    expected_python = os.path.realpath(mpversion.PYTHON_BIN)
    if found.python is None:
        return ("%s is not this mod_python (%s) but another one (version %s)"
                % (path, mpversion.version, found.version))
    if found.version != mpversion.version:
        return ("%s is mod_python %s, but this package is %s"
                % (path, found.version, mpversion.version))
    if os.path.realpath(found.python) != expected_python:
        return ("%s embeds %s, but this package was built for %s"
                % (path, found.python, expected_python))
    return None


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


def apache_module_dir():
    """The directory of Apache's own modules (mod_mime.so...): Debian's
    when there is one, else the one apxs named at build time (not
    LIBEXECDIR, the package's own directory after a pip install)."""
    debian = "/usr/lib/apache2/modules"
    return debian if os.path.isdir(debian) else mpversion.APACHE_LIBEXECDIR


def apache_builtin_modules():
    """Names of the modules compiled into httpd ("mod_log_config",
    "core"...), as `httpd -l` lists them; those have no .so to load."""
    listed = (line.strip() for line in
              command_output([mpversion.HTTPD, "-l"]).splitlines())
    return {name[:-len(".c")] for name in listed if name.endswith(".c")}


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
