"""Generate Apache configuration from Python.

Every object renders as Apache configuration with ``str()`` and as the
Python expression that rebuilds it with ``repr()``, so a configuration can
be saved as a Python script (see ``write_basic_config``) and edited there.

Facts about this installation (where the module is, whether the embedded
Python needs the package's directory) come from ``mod_python.installation``;
this module turns them into directives (``module_config``).

Works outside httpd: it never imports ``mod_python.apache``.
"""

import os
import re
import shutil
import sys

import mod_python
import mod_python.version  # only_if expressions refer to it
from mod_python import installation


def quote_if_space(s):
    """Wrap s in double quotes if it contains a space."""
    return '"%s"' % s if " " in s else s


def quote(s):
    """s as one quoted Apache argument that Apache reads back as s: spaces,
    quotes and backslashes included.  Double quotes, or single ones when s
    holds a double quote but no single one (no escapes are needed then).
    The backslashes it adds are escapes, so render it with flipslash off.
    Raises ValueError for a line break, which no configuration line can
    hold."""
    if "\n" in s or "\r" in s:
        raise ValueError("%r cannot be written in an Apache configuration: "
                         "it contains a line break" % s)
    mark = "'" if '"' in s and "'" not in s else '"'
    # Inside quotes Apache reads \\ as a backslash and \<mark> as the mark;
    # any other backslash stays as it is.
    escaped = re.sub(r"\\(?=[\\%s]|\Z)" % mark, r"\\\\", s)
    return mark + escaped.replace(mark, "\\" + mark) + mark


_NEEDS_QUOTES = re.compile(r'[\s"\'\\]')


def quote_if_needed(s):
    """s itself when Apache reads it as one argument unchanged, else
    quote(s)."""
    return quote(s) if not s or _NEEDS_QUOTES.search(s) else s


def _flip(val, flipslash):
    """Apache wants forward slashes, even for Windows paths."""
    text = str(val)
    return text.replace("\\", "/") if flipslash else text


class _Node:
    """Common rendering protocol: _render() gives config, _code() Python.

    Both take the indentation of the object's first line; _code() leaves
    that first indentation to the caller and indents later lines itself.
    """

    indent = 0

    def __str__(self):
        return self._render(self.indent)

    def __repr__(self):
        return self._code(self.indent)


class Directive(_Node):
    """A single configuration line: ``name val``."""

    def __init__(self, name, val, flipslash=1):
        self.name = name
        self.val = val
        self.flipslash = flipslash

    def _render(self, indent):
        return "%s%s %s\n" % (" " * indent, self.name,
                              _flip(self.val, self.flipslash))

    def _code(self, indent):
        extra = "" if self.flipslash else ", flipslash=0"
        return "Directive(%r, %r%s)" % (self.name, self.val, extra)


class Comment(_Node):
    """One ``# ...`` line per line of the comment."""

    def __init__(self, comment):
        self.comment = comment

    def _render(self, indent):
        pad = " " * indent
        return "".join("%s#%s\n" % (pad, " " + line if line else "")
                       for line in self.comment.splitlines())

    def _code(self, indent):
        # One string literal per line; Python concatenates them again.
        lines = self.comment.splitlines(True) or [""]
        sep = "\n" + " " * (indent + len("Comment("))
        return "Comment(%s)" % sep.join(repr(line) for line in lines)


class Container(_Node):
    """A sequence of directives, optionally rendered only if a condition
    (a string evaluated in this module's namespace) holds."""

    def __init__(self, *args, only_if=None):
        self.args = []
        self.only_if = only_if
        for arg in args:
            self.append(arg)

    def append(self, value):
        """Add a Directive, Container, ContainerTag or Comment at the end;
        anything else is a TypeError."""
        if not isinstance(value, _Node):
            raise TypeError("a Container holds Directive, Container, "
                            "ContainerTag or Comment objects, not %s"
                            % type(value).__name__)
        self.args.append(value)

    def _enabled(self):
        if self.only_if is None:
            return True
        if isinstance(self.only_if, str):
            return bool(eval(self.only_if, globals()))
        return bool(self.only_if)

    def _render(self, indent):
        if not self._enabled():
            return ""
        return "".join(arg._render(indent) for arg in self.args)

    def _children_code(self, indent):
        """Each child on its own line, 4 deeper, followed by a comma."""
        pad = " " * (indent + 4)
        return "".join("%s%s,\n" % (pad, arg._code(indent + 4))
                       for arg in self.args)

    def _code(self, indent):
        head = "%s(\n%s" % (type(self).__name__,
                            self._children_code(indent))
        if self.only_if is None:
            return head + " " * indent + ")"
        return head + "%sonly_if=%r)" % (" " * (indent + 4), self.only_if)


class ContainerTag(Container):
    """A section such as ``<Directory attr> ... </Directory>``."""

    def __init__(self, tag, attr, args, flipslash=1):
        Container.__init__(self, *args)
        self.tag = tag
        self.attr = attr
        self.flipslash = flipslash

    def _render(self, indent):
        pad = " " * indent
        return "%s<%s %s>\n%s%s</%s>\n" % (
            pad, self.tag, _flip(self.attr, self.flipslash),
            Container._render(self, indent + 2), pad, self.tag)

    def _code(self, indent):
        extra = "" if self.flipslash else ", flipslash=0"
        return "ContainerTag(%r, %r, [\n%s%s]%s)" % (
            self.tag, self.attr, self._children_code(indent), " " * indent,
            extra)


def _flipslash_code(obj):
    """The flipslash argument a named class needs to rebuild obj: none
    when obj flips as the class does by default."""
    if bool(obj.flipslash) == bool(type(obj)._flipslash):
        return ""
    return "flipslash=%d" % bool(obj.flipslash)


class _NamedDirective(Directive):
    """A directive named after its class; subclasses set _flipslash, the
    default of the optional flipslash argument."""

    _flipslash = 1

    def __init__(self, val, flipslash=None):
        if flipslash is None:
            flipslash = self._flipslash
        Directive.__init__(self, type(self).__name__, val, flipslash)

    def _code(self, indent):
        extra = _flipslash_code(self)
        return "%s(%r%s)" % (type(self).__name__, self.val,
                             ", " + extra if extra else "")


class _NamedTag(ContainerTag):
    """A section named after its class: ``Cls(attr, *children)``;
    subclasses set _flipslash like named directives."""

    _flipslash = 1

    def __init__(self, attr, *args, flipslash=None):
        if flipslash is None:
            flipslash = self._flipslash
        ContainerTag.__init__(self, type(self).__name__, attr, args,
                              flipslash)

    def _code(self, indent):
        extra = _flipslash_code(self)
        tail = "%s%s\n" % (" " * (indent + 4), extra) if extra else ""
        return "%s(%r,\n%s%s%s)" % (type(self).__name__, self.attr,
                                    self._children_code(indent), tail,
                                    " " * indent)


def _directive(name):
    """A Directive subclass whose directive name is its class name."""
    return type(name, (_NamedDirective,), {
        "__doc__": "The %s directive: ``%s(val)``." % (name, name)})


def _tag(name):
    """A ContainerTag subclass: ``name(attr, *children)``."""
    return type(name, (_NamedTag,), {
        "__doc__": "A <%s> section: ``%s(attr, *children)``." % (name, name)})


AddHandler = _directive("AddHandler")
AddOutputFilter = _directive("AddOutputFilter")
AddType = _directive("AddType")
AllowOverride = _directive("AllowOverride")
AuthBasicAuthoritative = _directive("AuthBasicAuthoritative")
AuthBasicProvider = _directive("AuthBasicProvider")
AuthType = _directive("AuthType")
AuthName = _directive("AuthName")
CustomLog = _directive("CustomLog")
DefaultRuntimeDir = _directive("DefaultRuntimeDir")
DirectoryIndex = _directive("DirectoryIndex")
DocumentRoot = _directive("DocumentRoot")
ErrorLog = _directive("ErrorLog")
Group = _directive("Group")
KeepAliveTimeout = _directive("KeepAliveTimeout")
Listen = _directive("Listen")
LoadModule = _directive("LoadModule")
LogLevel = _directive("LogLevel")
MaxConnectionsPerChild = _directive("MaxConnectionsPerChild")
MaxClients = _directive("MaxClients")
MaxRequestWorkers = _directive("MaxRequestWorkers")
MaxRequestsPerChild = _directive("MaxRequestsPerChild")
MaxSpareServers = _directive("MaxSpareServers")
MaxSpareThreads = _directive("MaxSpareThreads")
MaxThreadsPerChild = _directive("MaxThreadsPerChild")
MinSpareServers = _directive("MinSpareServers")
MinSpareThreads = _directive("MinSpareThreads")
Mutex = _directive("Mutex")
NameVirtualHost = _directive("NameVirtualHost")
NumServers = _directive("NumServers")
Options = _directive("Options")
PidFile = _directive("PidFile")
PythonAuthenHandler = _directive("PythonAuthenHandler")
PythonAuthzHandler = _directive("PythonAuthzHandler")
PythonCleanupHandler = _directive("PythonCleanupHandler")
PythonConnectionHandler = _directive("PythonConnectionHandler")
PythonDebug = _directive("PythonDebug")
PythonHandler = _directive("PythonHandler")
PythonAccessHandler = _directive("PythonAccessHandler")
PythonPostReadRequestHandler = _directive("PythonPostReadRequestHandler")
PythonTransHandler = _directive("PythonTransHandler")
PythonFixupHandler = _directive("PythonFixupHandler")
PythonImport = _directive("PythonImport")
PythonOutputFilter = _directive("PythonOutputFilter")
PythonOption = _directive("PythonOption")
Require = _directive("Require")
SetHandler = _directive("SetHandler")
ServerAdmin = _directive("ServerAdmin")
ServerLimit = _directive("ServerLimit")
ServerName = _directive("ServerName")
ServerPath = _directive("ServerPath")
ServerRoot = _directive("ServerRoot")
StartServers = _directive("StartServers")
StartThreads = _directive("StartThreads")
ThreadLimit = _directive("ThreadLimit")
ThreadsPerChild = _directive("ThreadsPerChild")
Timeout = _directive("Timeout")
TypesConfig = _directive("TypesConfig")
User = _directive("User")

Directory = _tag("Directory")
Files = _tag("Files")
IfModule = _tag("IfModule")
Location = _tag("Location")
VirtualHost = _tag("VirtualHost")


class LogFormat(_NamedDirective):
    """The LogFormat directive, whose backslashes are kept: they escape
    quotes in formats."""
    _flipslash = 0


class PythonPath(_NamedDirective):
    """The PythonPath directive, whose backslashes are kept: the value is
    Python code."""
    _flipslash = 0


class DirectoryMatch(_NamedTag):
    """A <DirectoryMatch> section, whose backslashes are kept: the
    attribute is a regular expression."""
    _flipslash = 0


class FilesMatch(_NamedTag):
    """A <FilesMatch> section, whose backslashes are kept: the attribute
    is a regular expression."""
    _flipslash = 0


class LockFile(_NamedDirective):
    """The LockFile directive (httpd 2.2), commented out on Windows."""

    def __init__(self, val, flipslash=None):
        _NamedDirective.__init__(self, val, flipslash)
        if sys.platform == "win32":
            self.name = "#LockFile"     # not supported there


class PythonInterpPerDirectory(_NamedDirective):
    """The PythonInterpPerDirectory directive, Off unless given."""

    def __init__(self, val="Off", flipslash=None):
        _NamedDirective.__init__(self, val, flipslash)


class PythonInterpPerDirective(_NamedDirective):
    """The PythonInterpPerDirective directive, Off unless given."""

    def __init__(self, val="Off", flipslash=None):
        _NamedDirective.__init__(self, val, flipslash)


def keep_backslashes(node):
    """Turn flipslash off in node and everything it holds; node.

    For configurations of POSIX systems, where a backslash is a character
    of a path or an escape quote() added, never a Windows separator."""
    if isinstance(node, (Directive, ContainerTag)):
        node.flipslash = 0
    if isinstance(node, Container):
        for child in node.args:
            keep_backslashes(child)
    return node


# What the generated scripts get from "from mod_python.httpdconf import *".
__all__ = ["quote_if_space", "write_basic_config"] + [
    name for name, obj in list(globals().items())
    if isinstance(obj, type) and issubclass(obj, _Node)
    and not name.startswith("_")]


# ---------------------------------------------------------------------------
# This mod_python

def module_config():
    """The directives that load this mod_python into Apache (what
    `mod_python module-config` prints): its own module, and the package's
    directory when the embedded Python would not find the package."""
    config = Container(LoadModule(
        "python_module " + quote_if_needed(installation.module_so())))
    if installation.site_dirs_needed():
        config.append(PythonOption(
            "mod_python.site_dirs " + quote(installation.SITE_DIR)))
    return keep_backslashes(config)


# ---------------------------------------------------------------------------
# A starter configuration

_STOCK_MODULES = (
    "authn_file", "authn_core", "authz_host", "authz_groupfile",
    "authz_user", "authz_core", "access_compat", "auth_basic",
    "reqtimeout", "include", "filter", "mime", "log_config", "env",
    "headers", "setenvif", "version", "unixd", "status", "autoindex",
    "dir", "alias",
)
# httpd builds where the MPM is a loadable module need one of these.
_MPMS = ("prefork", "worker", "event")

_HTTPD_VERSION = "mod_python.version.HTTPD_VERSION[0:3]"
_COMBINED = r'"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\""'


def _module_lines(libexecdir):
    """LoadModule for the stock modules present as shared objects.

    Modules compiled into httpd (often log_config, unixd, version) have no
    .so, and a LoadModule of a missing file would stop httpd starting.
    """
    lines = []
    mpms = ["mpm_" + m for m in _MPMS
            if os.path.exists(os.path.join(libexecdir, "mod_mpm_%s.so" % m))]
    for name in mpms[:1] + list(_STOCK_MODULES):
        so = os.path.join(libexecdir, "mod_%s.so" % name)
        if os.path.exists(so):
            lines.append(LoadModule("%s_module %s"
                                    % (name, quote_if_space(so))))
    return lines


def _python_lines(pythonhandler, pythonpath, pythonoptions, mp_comments):
    lines = module_config().args + [SetHandler("mod_python"),
                                    Comment("PythonDebug On"),
                                    PythonHandler(pythonhandler)]
    if pythonpath:
        paths = "".join("%r," % path for path in pythonpath)
        lines.append(PythonPath('"sys.path+[%s]"' % paths))
    lines += [PythonOption(option) for option in pythonoptions]
    lines += [Comment(comment) for comment in mp_comments]
    return lines


def _basic_config(server_root, listen, conf, logs, htdocs, pythonhandler,
                  pythonpath, pythonoptions, mp_comments):
    """The Container that write_basic_config saves as a script."""
    # A pip install puts mod_python.so in the package; Apache's own modules
    # stay where apxs says.
    return Container(*(
        _module_lines(mod_python.version.APACHE_LIBEXECDIR)
        + [ServerRoot(quote_if_space(server_root)),
           Container(MaxConnectionsPerChild("65536"),
                     only_if="%s == '2.4'" % _HTTPD_VERSION),
           Container(MaxRequestsPerChild("65536"),
                     only_if="%s < '2.4'" % _HTTPD_VERSION),
           LogFormat(_COMBINED + " combined"),
           CustomLog(os.path.join(logs, "access_log") + " combined"),
           ErrorLog(os.path.join(logs, "error_log")),
           LogLevel("warn"),
           PidFile(os.path.join(logs, "httpd.pid")),
           TypesConfig(os.path.join(conf, "mime.types")),
           ServerName("127.0.0.1"),
           Listen(listen),
           DocumentRoot(quote_if_space(os.path.join(server_root, htdocs))),
           Container(LockFile(os.path.join(logs, "accept.lock")),
                     only_if="%s == '2.2'" % _HTTPD_VERSION)]
        + _run_as_lines()
        + _python_lines(pythonhandler, pythonpath, pythonoptions,
                        mp_comments)))


def _run_as_lines():
    run_as = installation.children_user()
    return [User(run_as.user), Group(run_as.group)] if run_as else []


def _make_dirs(server_root, subdirs):
    for path in [server_root] + [os.path.join(server_root, d)
                                 for d in subdirs]:
        if os.path.isdir(path):
            print("Warning: %s already exists." % path, file=sys.stderr)
        else:
            os.makedirs(path)


def _copy_mime_types(conf_dir):
    """TypesConfig points into conf; keep a copy the user may have edited."""
    target = os.path.join(conf_dir, "mime.types")
    if os.path.exists(target):
        return
    for source in (mod_python.version.SYSCONFDIR, "/etc"):
        source = os.path.join(source, "mime.types")
        if os.path.isfile(source):
            shutil.copyfile(source, target)
            return


_SCRIPT = '''\
#!%(python)s
#
# Apache configuration for %(root)s, as Python.
# Edit this file, then generate httpd.conf from it:
#
#   mod_python genconfig %(path)s > %(conf_dir)s/httpd.conf
#
# (running it with %(python)s prints the configuration too).

from mod_python.httpdconf import *

config = %(config)r

print(config)
'''


def write_basic_config(server_root, listen="0.0.0.0:8888", conf="conf",
                       logs="logs", htdocs="public",
                       pythonhandler="mod_python.publisher",
                       pythonpath=[], pythonoptions=[], mp_comments=[],
                       conf_name="httpd_conf.py", createdirs=True,
                       replace_config=False):
    """Write a Python script printing a minimal mod_python httpd.conf.

    Returns the script's path, or None if it exists and replace_config
    is false.
    """
    server_root = os.path.abspath(server_root)
    conf_dir = os.path.join(server_root, conf)
    path = os.path.join(conf_dir, conf_name)
    if os.path.exists(path) and not replace_config:
        print("Error: %s already exists, aborting." % path, file=sys.stderr)
        return None
    if createdirs:
        _make_dirs(server_root, [htdocs, conf, logs])
        _copy_mime_types(conf_dir)
    config = _basic_config(server_root, listen, conf, logs, htdocs,
                           pythonhandler, pythonpath, pythonoptions,
                           mp_comments)
    with open(path, "w") as f:
        f.write(_SCRIPT % {"python": mod_python.version.PYTHON_BIN,
                           "root": server_root, "path": path,
                           "conf_dir": conf_dir, "config": config})
    os.chmod(path, 0o755)
    return path
