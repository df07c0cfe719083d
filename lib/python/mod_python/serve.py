"""`mod_python serve TARGET`: a private Apache serving a handler file, a
WSGI application or a directory, in the foreground.

Before Apache starts, everything that would otherwise turn into a 500 on
every request is checked and reported in one line (exit status 2): the
target, the mod_python.so (it must be the one this package was built
with), whether the children's user can read the embedded Python, the port.
While Apache runs, the Python errors of its error log are copied to the
terminal.  The server root is a new temporary directory, removed at the
end, unless --root names one (or --keep-root keeps it).
"""

import argparse
import errno
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading

from mod_python import childaccess, errorlog
from mod_python import version as mpversion
from mod_python.installation import (PACKAGE_DIR, children_user,
                                     in_source_tree, module_mismatch,
                                     module_so)
from mod_python.serve_config import check_target, server_config, url_host
from mod_python.serve_target import TargetError, resolve_target

PROG = "mod_python serve"

# -------------------------------------------------- before Apache starts

_ROOT_DIRS = ("conf", "logs", "run", "data")


def _make_root(opts):
    """The server root and its directories.  None of them may be a
    symbolic link: the command writes, chmods and (as root) chowns them,
    and a --root in a shared place could have links planted in it."""
    if opts.root is None:
        # recorded at once, so that a failure below still removes it
        opts.root = tempfile.mkdtemp(prefix="mod_python-serve-")
    root = os.path.abspath(opts.root)
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


def _check_module():
    """The module Apache will load is the one this package was built with
    (an older `make install` or Debian's 3.5 package may sit in Apache's
    module directory, and would answer every request with a 500)."""
    path = module_so()
    if not os.path.isfile(path):
        hint = (" (build it: make)" if in_source_tree()
                else " (reinstall mod_python)")
        raise TargetError("no mod_python.so at %s%s" % (path, hint))
    mismatch = module_mismatch(path)
    if mismatch:
        raise TargetError("%s; reinstall mod_python so that the module and "
                          "its Python package match" % mismatch)


def _python_fix():
    if in_source_tree() or not os.path.isfile(
            os.path.join(PACKAGE_DIR, "mod_python.so")):
        fix = childaccess.FIX
    else:
        fix = ("install mod_python into a virtualenv made from a Python that "
               "user can read (/usr/bin/python3 -m venv ENV; ENV/bin/pip "
               "install SOURCE, the same source tree or sdist)")
    return fix + ", or run serve as a normal user (not root)"


def _check_access(target, run_as):
    """As root, the children run as another user (www-data): the Python
    they embed, this package and TARGET must be readable by that user."""
    if os.geteuid() != 0:
        return
    if not run_as:
        raise TargetError("no user for Apache's children: www-data does not "
                          "exist (set APACHE_RUN_USER) or run as a normal user")
    problem = childaccess.problem(run_as.user, mpversion.PYTHON_BIN,
                                  _python_fix())
    if problem:
        raise TargetError(problem)
    user = childaccess.Identity(run_as.user)
    for path in (PACKAGE_DIR, target["dir"]):
        blocked = childaccess.blocking_path(user, path, want=1)
        if blocked:
            raise TargetError("Apache's children run as %s, who cannot enter "
                              "%s (on the way to %s); move it or run serve "
                              "as a normal user" % (run_as.user, blocked, path))
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
            raise TargetError("cannot listen on %s:%d: %s; %s"
                              % (host, port, exc.strerror or exc,
                                 _listen_fix(exc)))


def _listen_fix(exc):
    if exc.errno == errno.EADDRINUSE:
        return "choose another port with --port N"
    if exc.errno == errno.EACCES:
        return "ports below 1024 need root: choose another with --port N"
    return "check --host (an address of this machine, such as 127.0.0.1)"


def _config_test(conf):
    out = subprocess.run([mpversion.HTTPD, "-t", "-f", conf],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise TargetError("Apache rejected %s" % conf)


# --------------------------------------------------------------- running

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
    stopping, started = [], []

    def on_signal(signum, frame):
        stopping.append(signum)
        for proc in started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    # (the handlers first: a Ctrl-C now must not leave Apache behind)
    old = {s: signal.signal(s, on_signal)
           for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    proc = subprocess.Popen([mpversion.HTTPD, "-f", conf, "-DFOREGROUND"],
                            start_new_session=True)
    started.append(proc)
    if stopping:
        proc.send_signal(signal.SIGTERM)
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
    parser = argparse.ArgumentParser(
        prog=PROG, usage="%(prog)s TARGET|--wsgi MODULE:CALLABLE [options]",
        description="Serve a handler file, a directory or a WSGI application "
        "on a private Apache in the foreground; Ctrl-C stops it.")
    add = parser.add_argument
    add("target", nargs="?", help="app.py (its handler), app.py::NAME, or a "
        "directory (the publisher for .py, PSP for .psp)")
    add("--wsgi", metavar="MODULE:CALLABLE", help="serve a WSGI application "
        "(a module name or path.py; CALLABLE defaults to application)")
    add("--port", type=int, default=8000,
        help="port to listen on (default: %(default)s)")
    add("--host", default="127.0.0.1",
        help="address to listen on (default: %(default)s)")
    add("--mpm", choices=("event", "prefork", "worker"), default="event",
        help="Apache's MPM (default: %(default)s)")
    add("--processes", type=int, default=1, metavar="N",
        help="child processes (default: %(default)s)")
    add("--threads", type=int, default=16, metavar="N",
        help="threads per child, event and worker (default: %(default)s)")
    add("--root", metavar="DIR", help="server root to use and keep (conf/, "
        "logs/, data/) (default: a new temporary directory, removed on exit)")
    add("--keep-root", action="store_true",
        help="keep the temporary server root on exit (default: off)")
    add("--reload", action="store_true", help="restart Apache gracefully "
        "when a .py or .psp file under the target changes (default: off)")
    add("--debug", action="store_true", help="PythonDebug On: tracebacks in "
        "the browser and the whole error log on the terminal (default: off)")
    return parser


def _check_all(opts):
    """Everything that would make Apache fail or answer 500s; the target.
    Raises TargetError."""
    target = resolve_target(opts)
    _check_nameable(target)
    _check_access(target, children_user())
    _check_module()
    _check_port(opts.host, opts.port)
    return target


def _check_nameable(target):
    """Apache's configuration can name the target's directory (before
    _check_access opens it up)."""
    try:
        check_target(target)
    except ValueError as exc:
        raise TargetError(str(exc))


def _write_config(root, opts, target):
    """The server root's httpd.conf, checked by Apache; its path."""
    run_as = children_user()
    conf = os.path.join(root, "conf", "httpd.conf")
    try:
        text = str(server_config(root, opts, target, run_as))
    except ValueError as exc:       # a --root with a line break
        raise TargetError(str(exc))
    with open(conf, "w") as f:
        f.write(text)
    _give_to_children(root, run_as)
    _config_test(conf)
    return conf


def _error_follower(root, opts):
    """Copies Python errors of the error log to stderr (with --debug the
    whole log goes there already)."""
    if opts.debug:
        return None
    copier = errorlog.ErrorCopier([PACKAGE_DIR])
    follower = errorlog.LogFollower(
        os.path.join(root, "logs", "error_log"), copier,
        lambda line: print(line, file=sys.stderr, flush=True))
    follower.start()
    return follower


def cmd_serve(args):
    """`mod_python serve ARGS`: check, write the configuration, run Apache
    until it stops or is stopped; the exit status."""
    parser = _serve_parser()
    opts = parser.parse_args(args)
    if opts.processes < 1 or opts.threads < 1:
        parser.error("--processes and --threads must be at least 1")
    if not 1 <= opts.port <= 65535:
        parser.error("--port must be from 1 to 65535")
    remove_root = opts.root is None and not opts.keep_root
    try:
        target = _check_all(opts)
        root = _make_root(opts)
        conf = _write_config(root, opts, target)
    except TargetError as exc:
        print("%s: error: %s" % (PROG, exc), file=sys.stderr)
        _remove_root(opts.root, remove_root, started=False)
        return 2
    except KeyboardInterrupt:       # Ctrl-C before Apache started
        _remove_root(opts.root, remove_root, started=False)
        return 130
    follower = None
    try:
        _banner(root, opts, target)
        follower = _error_follower(root, opts)
        return _run_httpd(conf, opts, target)
    except KeyboardInterrupt:       # Ctrl-C before the handlers were set
        return 130
    finally:
        if follower:
            follower.stop()
        _remove_root(root, remove_root)


def _banner(root, opts, target):
    print("Server root: %s" % root)
    if not opts.debug:
        print("Error log: %s (its errors are also shown here)"
              % os.path.join(root, "logs", "error_log"))
    print("Serving %s at http://%s:%d/ (Ctrl-C stops)"
          % (target["what"], url_host(opts.host), opts.port), flush=True)


def _remove_root(root, remove, started=True):
    """Remove the temporary server root; say where a kept one is."""
    if root and remove:
        shutil.rmtree(root, ignore_errors=True)
    elif root and started:
        print("Server root kept: %s" % root)
