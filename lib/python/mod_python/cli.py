"""The ``mod_python`` command-line tool (``python -m mod_python``).

Commands: create, genconfig, start, stop, restart, version, module-config
and serve.  Usage errors exit with status 2.
"""

import argparse
import ast
import os
import platform
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading

from mod_python import version as mpversion
from mod_python.installation import (PACKAGE_DIR, SITE_DIR, children_user,
                                     command_output, module_config_lines,
                                     module_so)
PROG = "mod_python"


class TargetError(Exception):
    """A problem with what `serve` was asked to serve (exit status 2)."""


# ---------------------------------------------------------------- helpers

def _parser(command, usage=None):
    return argparse.ArgumentParser(prog="%s %s" % (PROG, command),
                                   usage=usage)


def _positional(parser, args, what):
    """The single positional argument, or a usage error."""
    if len(args) != 1:
        parser.error("Must specify %s" % what)
    return args[0]


def _python_version():
    text = command_output([mpversion.PYTHON_BIN, "-c",
                           "import sys; print(sys.version)"]).strip()
    return " ".join((text or sys.version).split())


# --------------------------------------------------------- simple commands

def cmd_version(args):
    _parser("version").parse_args(args)
    print("mod_python: %s %s" % (mpversion.version, module_so()))
    print("python: %s %s" % (_python_version(), mpversion.PYTHON_BIN))
    print("httpd: %s %s" % (mpversion.HTTPD_VERSION, mpversion.HTTPD))
    print("apr: %s" % mpversion.APR_VERSION)
    print("platform: %s" % platform.platform())
    return 0


def cmd_module_config(args):
    _parser("module-config").parse_args(args)
    print("\n".join(module_config_lines()))
    return 0


def cmd_create(args):
    parser = _parser("create", "%(prog)s <directory> --pythonhandler=NAME "
                     "[--listen [ip:]port] [--pythonpath a:b] "
                     "[--pythonoption 'key value' ...]")
    parser.add_argument("--listen", default="8888")
    parser.add_argument("--pythonpath", default="")
    parser.add_argument("--pythonhandler")
    parser.add_argument("--pythonoption", action="append", default=[])
    opts, rest = parser.parse_known_args(args)
    directory = _positional(parser, rest, "<directory>")
    if not opts.pythonhandler:
        parser.error("Must specify a --pythonhandler")
    from mod_python import httpdconf
    comments = []
    if opts.pythonhandler == "mod_python.wsgi":
        comments.append("PythonOption mod_python.wsgi.base_uri /mountpoint"
                        "  (if the application is not at /)")
    path = httpdconf.write_basic_config(
        directory, listen=opts.listen, pythonhandler=opts.pythonhandler,
        pythonpath=[p for p in opts.pythonpath.split(":") if p],
        pythonoptions=opts.pythonoption, mp_comments=comments)
    if not path:
        return 1
    print(path)
    print("Generate the Apache configuration with:\n  %s genconfig %s > %s"
          % (PROG, path, os.path.join(os.path.dirname(path), "httpd.conf")))
    return 0


def cmd_genconfig(args):
    parser = _parser("genconfig", "%(prog)s <src>")
    opts, rest = parser.parse_known_args(args)
    src = _positional(parser, rest, "<src>")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [SITE_DIR] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                      if p])
    sys.stdout.flush()
    return subprocess.call([mpversion.PYTHON_BIN, src], env=env)


def _apachectl(command, signal_name):
    def run(args):
        parser = _parser(command, "%(prog)s <httpd.conf>")
        opts, rest = parser.parse_known_args(args)
        conf = os.path.abspath(_positional(parser, rest, "<httpd.conf>"))
        sys.stdout.flush()
        os.execv(mpversion.HTTPD,
                 [mpversion.HTTPD, "-f", conf, "-k", signal_name])
    return run


# ------------------------------------------------------- serve: the target

def _read_module(path):
    """Parse a module file; syntax errors become TargetError."""
    if not os.path.isfile(path):
        raise TargetError("no such file: %s" % path)
    with open(path, "rb") as f:
        source = f.read()
    try:
        return ast.parse(source, path)
    except SyntaxError as exc:
        raise TargetError("syntax error in %s, line %s: %s"
                          % (path, exc.lineno, exc.msg))


def _top_level_names(tree):
    """Names bound at module level, and whether a `*` import is present."""
    names, star = set(), False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                             ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = getattr(node, "targets", None) or [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target)
                             if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                star = star or alias.name == "*"
                names.add((alias.asname or alias.name).split(".")[0])
    return names, star


def _require_callable(path, name):
    names, star = _top_level_names(_read_module(path))
    if name.split(".")[0] not in names and not star:
        raise TargetError("%s defines no %s" % (path, name.split(".")[0]))


def _handler_target(spec):
    path, _, handler = spec.partition("::")
    handler = handler or "handler"
    if not path.endswith(".py"):
        raise TargetError("not a Python file: %s" % path)
    path = os.path.abspath(path)
    _require_callable(path, handler)
    module = os.path.basename(path)[:-3]
    return {"kind": "handler", "dir": os.path.dirname(path),
            "handler": "%s::%s" % (module, handler),
            "what": "%s::%s" % (path, handler)}


def _wsgi_module_file(module):
    """The file of a WSGI module given as path/to/mod.py or pkg.mod."""
    if module.endswith(".py") or os.sep in module:
        path = os.path.abspath(module)
        return path, os.path.basename(path)[:-3]
    if not all(part.isidentifier() for part in module.split(".")):
        raise TargetError("bad module name in --wsgi: %r" % module)
    base = os.path.join(os.getcwd(), *module.split("."))
    for path in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(path):
            return path, module
    raise TargetError("module %s not found (no %s.py)" % (module, base))


def _wsgi_target(spec):
    module, sep, func = spec.replace("::", ":").partition(":")
    func = func if sep else "application"
    if not module or not func.replace(".", "_").isidentifier():
        raise TargetError("bad --wsgi %r: use module:callable" % spec)
    path, name = _wsgi_module_file(module)
    _require_callable(path, func)
    depth = name.count(".") + (path.endswith("__init__.py"))
    top = os.path.dirname(path)
    for _ in range(depth):
        top = os.path.dirname(top)
    return {"kind": "wsgi", "dir": top, "app": "%s::%s" % (name, func),
            "what": "WSGI %s:%s" % (path, func)}


def _dir_target(path):
    path = os.path.abspath(path)
    return {"kind": "dir", "dir": path, "what": path + "/"}


def resolve_target(opts):
    """Validate what to serve; raises TargetError."""
    if opts.wsgi:
        if opts.target:
            raise TargetError("give either TARGET or --wsgi, not both")
        return _wsgi_target(opts.wsgi)
    if not opts.target:
        raise TargetError("nothing to serve: give TARGET or --wsgi")
    if os.path.isdir(opts.target):
        return _dir_target(opts.target)
    return _handler_target(opts.target)


# ------------------------------------------------------- serve: the config

def _module_dir():
    # (LIBEXECDIR is the package's own directory after a pip install)
    debian = "/usr/lib/apache2/modules"
    return debian if os.path.isdir(debian) else mpversion.APACHE_LIBEXECDIR


def _load_lines(mpm):
    builtin, mdir = command_output([mpversion.HTTPD, "-l"]), _module_dir()
    # authentication and authorization modules too: .htaccess files use them
    names = ["mpm_" + mpm, "authz_core", "authz_user", "authz_host",
             "authn_core", "authn_file", "auth_basic", "mime", "dir", "alias",
             "env", "log_config", "unixd", "autoindex"]
    return ["LoadModule %s_module %s/mod_%s.so" % (n, mdir, n)
            for n in names if "mod_%s.c" % n not in builtin]


def _mpm_lines(opts):
    procs, threads = opts.processes, opts.threads
    if opts.mpm == "prefork":
        return ["StartServers %d" % procs, "MinSpareServers 1",
                "MaxSpareServers %d" % procs, "ServerLimit %d" % procs,
                "MaxRequestWorkers %d" % procs]
    return ["StartServers %d" % procs, "ServerLimit %d" % procs,
            "ThreadLimit %d" % threads, "ThreadsPerChild %d" % threads,
            "MinSpareThreads 1", "MaxSpareThreads %d" % (procs * threads),
            "MaxRequestWorkers %d" % (procs * threads)]


def _target_block(target):
    d = target["dir"]
    if target["kind"] == "handler":
        body = ["SetHandler mod_python",
                "PythonHandler %s" % target["handler"]]
    elif target["kind"] == "wsgi":
        body = ["SetHandler mod_python", "PythonHandler mod_python.wsgi",
                "PythonOption mod_python.wsgi.application %s"
                % target["app"], "PythonPath \"[%r] + sys.path\"" % d]
    else:
        body = ["AddHandler mod_python .py .psp",
                "PythonHandler mod_python.publisher | .py",
                "PythonHandler mod_python.psp | .psp",
                "DirectoryIndex index.py index.psp index.html",
                "Options +Indexes",
                # the application's own .htaccess files (authentication,
                # options) apply, as they would on a system Apache
                "AllowOverride All"]
    lines = ['DocumentRoot "%s"' % d]
    if target["kind"] == "wsgi":
        lines += ["<Location />"] + ["    " + b for b in body]
        lines += ["</Location>", '<Directory "%s">' % d]
    else:
        lines += ['<Directory "%s">' % d] + ["    " + b for b in body]
    lines += ["    Require all granted", "</Directory>"]
    if target["kind"] == "dir":
        lines += _hidden_files_block(d)
    return lines


def _hidden_files_block(directory):
    """Dot files (.htaccess, .git) and bytecode caches under the served
    directory are never served."""
    inside = "^%s/(.*/)?(\\.|__pycache__(/|$))" % re.escape(directory)
    return ['<DirectoryMatch "%s">' % inside, "    Require all denied",
            "</DirectoryMatch>", '<FilesMatch "^\\.">',
            "    Require all denied", "</FilesMatch>"]


def _server_config(root, opts, target, run_as):
    logs = os.path.join(root, "logs")
    error_log = "/dev/stderr" if opts.debug else os.path.join(logs,
                                                              "error_log")
    lines = ["# Generated by `mod_python serve`; rewritten on every run.",
             'ServerRoot "%s"' % root, "ServerName %s" % opts.host,
             "Listen %s:%d" % (_listen_host(opts.host), opts.port),
             'PidFile "%s/httpd.pid"' % logs,
             'DefaultRuntimeDir "%s"' % os.path.join(root, "run"),
             'ErrorLog "%s"' % error_log,
             "LogLevel %s" % ("info" if opts.debug else "warn")]
    if run_as:
        lines += ["User %s" % run_as.user, "Group %s" % run_as.group]
    lines += _load_lines(opts.mpm) + _mpm_lines(opts) + module_config_lines()
    lines += [r'LogFormat "%h %l %u %t \"%r\" %>s %b" common',
              'CustomLog "%s/access_log" common' % logs,
              'TypesConfig "%s"' % _mime_types(root),
              "PythonDebug %s" % ("On" if opts.debug else "Off"),
              "<Directory />", "    AllowOverride None",
              "    Require all denied", "</Directory>"]
    return "\n".join(lines + _target_block(target)) + "\n"


def _listen_host(host):
    return "[%s]" % host if ":" in host else host


def _mime_types(root):
    if os.path.isfile("/etc/mime.types"):
        return "/etc/mime.types"
    path = os.path.join(root, "conf", "mime.types")
    open(path, "a").close()
    return path


_ROOT_DIRS = ("conf", "logs", "run", "data")


def _make_root(opts):
    """The server root and its directories.  None of them may be a
    symbolic link: the command writes, chmods and (as root) chowns them,
    and a --root in a shared place could have links planted in it."""
    root = os.path.abspath(opts.root or tempfile.mkdtemp(
        prefix="mod_python-serve-"))
    for path in [root] + [os.path.join(root, sub) for sub in _ROOT_DIRS]:
        if os.path.islink(path):
            raise TargetError("%s is a symbolic link" % path)
        os.makedirs(path, exist_ok=True)
    conf = os.path.join(root, "conf", "httpd.conf")
    if os.path.islink(conf):
        raise TargetError("%s is a symbolic link" % conf)
    os.chmod(root, 0o755)
    return root


def _give_to_children(root, run_as):
    """As root, the children write the logs, the runtime dir and data/, the
    directory applications may keep their files in."""
    if not run_as:
        return
    for sub in ("logs", "run", "data"):
        os.chown(os.path.join(root, sub), run_as.uid, run_as.gid,
                 follow_symlinks=False)


def _readable_by(user, path):
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    test = "-x" if os.path.isdir(path) else "-r"
    return subprocess.call([runuser, "-u", user, "--", "test", test,
                            path]) == 0


def _check_access(target, run_as):
    """As root, the TARGET and the package must be readable by the user
    Apache's children run as."""
    if os.geteuid() != 0:
        return
    if not run_as:
        raise TargetError("no user for Apache's children: www-data does not "
                          "exist (set APACHE_RUN_USER) or run as a normal user")
    for path in (target["dir"], PACKAGE_DIR):
        if not _readable_by(run_as.user, path):
            raise TargetError("%s cannot read %s (a parent directory is not "
                              "searchable); move it or run as a normal user"
                              % (run_as.user, path))
    _open_up(target["dir"])


# Dot files Apache itself must read; other dot files (.env, keys) keep
# their permissions, as they are never served.
_APACHE_DOT_FILES = (".htaccess", ".htpasswd")


def _open_up(directory):
    """Make the files of TARGET's directory readable by all (a+rX).
    Symbolic links are left alone: following one would open up a file
    outside the tree (a link to /etc/shadow in a cloned repository)."""
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        names = [f for f in filenames
                 if not f.startswith(".") or f in _APACHE_DOT_FILES]
        for path in [dirpath] + [os.path.join(dirpath, f) for f in names]:
            _add_read(path)


def _add_read(path):
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            return
        mode = st.st_mode
        extra = 0o555 if stat.S_ISDIR(mode) or mode & 0o111 else 0o444
        if mode & extra != extra:
            os.chmod(path, stat.S_IMODE(mode) | extra)
    except OSError:
        pass


def _check_port(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise TargetError("cannot listen on %s:%d: %s"
                              % (host, port, exc.strerror))


def _config_test(conf):
    out = subprocess.run([mpversion.HTTPD, "-t", "-f", conf],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise TargetError("Apache rejected %s" % conf)


# --------------------------------------------------------- serve: running

def _watched_mtimes(directory):
    result = {}
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")
                       and d != "__pycache__"]
        for name in filenames:
            if name.endswith((".py", ".psp")):
                path = os.path.join(dirpath, name)
                try:
                    result[path] = os.stat(path).st_mtime
                except OSError:
                    pass
    return result


def _reloader(proc, directory, stop):
    """Graceful restart of Apache when a .py/.psp file changes."""
    seen = _watched_mtimes(directory)
    while not stop.wait(1.0):
        now = _watched_mtimes(directory)
        if now != seen and proc.poll() is None:
            print("Change detected, restarting Apache", flush=True)
            os.kill(proc.pid, signal.SIGUSR1)
        seen = now


def _stop_httpd(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _run_httpd(conf, opts, target):
    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    proc = subprocess.Popen([mpversion.HTTPD, "-f", conf, "-DFOREGROUND"],
                            start_new_session=True)
    old = {s: signal.signal(s, on_signal)
           for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    stop = threading.Event()
    if opts.reload:
        threading.Thread(target=_reloader, args=(proc, target["dir"], stop),
                         daemon=True).start()
    try:
        status = proc.wait()
    finally:
        stop.set()
        _stop_httpd(proc)
        for signum, handler in old.items():
            signal.signal(signum, handler)
    return 0 if stopping else (status or 1)


def _serve_parser():
    parser = _parser("serve", "%(prog)s TARGET|--wsgi module:callable "
                     "[options]")
    parser.add_argument("target", nargs="?",
                        help="app.py, app.py::handler or a directory")
    parser.add_argument("--wsgi", metavar="MODULE:CALLABLE")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--mpm", choices=("event", "prefork", "worker"),
                        default="event")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--root", help="server root (default: a new "
                        "temporary directory)")
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--debug", action="store_true")
    return parser


def cmd_serve(args):
    parser = _serve_parser()
    opts = parser.parse_args(args)
    if opts.processes < 1 or opts.threads < 1:
        parser.error("--processes and --threads must be at least 1")
    try:
        target = resolve_target(opts)
        run_as = children_user()
        _check_access(target, run_as)
        _check_port(opts.host, opts.port)
        root = _make_root(opts)
        conf = os.path.join(root, "conf", "httpd.conf")
        with open(conf, "w") as f:
            f.write(_server_config(root, opts, target, run_as))
        _give_to_children(root, run_as)
        _config_test(conf)
    except TargetError as exc:
        print("%s serve: error: %s" % (PROG, exc), file=sys.stderr)
        return 2
    print("Server root: %s" % root)
    print("Serving %s at http://%s:%d/ (Ctrl-C stops)"
          % (target["what"], _listen_host(opts.host), opts.port), flush=True)
    return _run_httpd(conf, opts, target)


# ------------------------------------------------------------ dispatching

COMMANDS = {
    "create": cmd_create,
    "genconfig": cmd_genconfig,
    "start": _apachectl("start", "start"),
    "stop": _apachectl("stop", "graceful-stop"),
    "restart": _apachectl("restart", "graceful"),
    "version": cmd_version,
    "module-config": cmd_module_config,
    "serve": cmd_serve,
}

USAGE = """usage: %s <command> [options] [args]

commands:
  create DIR --pythonhandler=NAME   write a server skeleton (httpdconf)
  genconfig SRC                     print the Apache config SRC generates
  start|stop|restart HTTPD_CONF     control Apache running HTTPD_CONF
  version                           versions of mod_python and friends
  module-config                     the lines that load this mod_python
  serve TARGET [--port N] ...       serve a handler file, a directory or
                                    --wsgi module:callable in the foreground

'%s <command> --help' describes a command.""" % (PROG, PROG)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    command = COMMANDS.get(argv[0])
    if command is None:
        print("%s\n\n%s: error: Invalid command: %s" % (USAGE, PROG, argv[0]),
              file=sys.stderr)
        return 2
    return command(argv[1:])
