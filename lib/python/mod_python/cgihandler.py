"""mod_python.cgihandler: run CGI-style Python scripts inside httpd.

    SetHandler mod_python
    PythonHandler mod_python.cgihandler

The script (SCRIPT_FILENAME, else req.filename) runs with os.environ holding
the CGI variables, sys.stdin reading the request body and sys.stdout parsed
as CGI output (headers, a blank line, the body), in its own directory.  Those
are process-wide, so one script runs at a time per interpreter.  See
docs/cgihandler.md.
"""

import os
import sys
import sysconfig
import threading
import types

from mod_python import apache, cgi_emulation
from mod_python.lookup import lookup

# os.environ writes through to the C environment, shared by every thread of
# the process and inherited by children; a plain dict keeps the emulated CGI
# variables inside this interpreter.
if not isinstance(os.environ, dict):
    os.environ = dict(os.environ)

# Held while a script runs: os.environ, sys.stdin/stdout/argv and the
# current directory are global.  Re-entrant for a script that runs another
# CGI request in the same thread (an internal redirect).
_lock = threading.RLock()

# Modules from here stay imported; everything else a script imports is
# forgotten afterwards so that it runs afresh on the next request.
_KEEP_DIRS = tuple(os.path.join(os.path.realpath(d), "") for d in {
    sysconfig.get_path("stdlib"),
    sysconfig.get_path("platstdlib"),
    os.path.dirname(os.path.abspath(apache.__file__)),
} if d)


def handler(req):
    """Run the CGI script req.filename (or SCRIPT_FILENAME) in this
    interpreter, with CGI's environment, stdin and stdout."""
    path = req.subprocess_env.get("SCRIPT_FILENAME") or req.filename
    if not path or not os.path.isfile(path):
        return apache.HTTP_NOT_FOUND
    if not _inside_its_directory(path):
        req.log_error("mod_python.cgihandler: %s leads out of its directory"
                      % path, apache.APLOG_WARNING)
        return apache.HTTP_NOT_FOUND
    with _lock:
        _run_in_cgi_context(req, path)
    return apache.OK


def _inside_its_directory(path):
    """False for a script that is a symbolic link to a file elsewhere."""
    directory = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    return os.path.realpath(path).startswith(os.path.join(directory, ""))


def _run_in_cgi_context(req, path):
    directory = os.path.dirname(os.path.abspath(path))
    old_cwd = _getcwd()
    modules_before = set(sys.modules)
    saved = cgi_emulation.setup_cgi(req)
    cgi_stdout = sys.stdout
    try:
        os.chdir(directory)
        sys.path.insert(0, directory)  # as for a real CGI run: imports of
        try:                           # modules next to the script work
            _run_script(path)
        finally:
            sys.path.remove(directory)
        cgi_stdout.finish()
    finally:
        cgi_emulation.restore_nocgi(*saved)
        if old_cwd is not None:
            os.chdir(old_cwd)
        _forget_modules(modules_before)


def _getcwd():
    try:
        return os.getcwd()
    except OSError:  # the directory was removed under us
        return None


def _run_script(path):
    """Execute the file as a module named after it (without extension)."""
    with open(path, "rb") as f:
        code = compile(f.read(), path, "exec", dont_inherit=True)
    name = os.path.splitext(os.path.basename(path))[0]
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules.setdefault(name, module)
    try:
        exec(code, module.__dict__)
    except SystemExit:
        pass  # sys.exit() ends a CGI script, not the server


def _forget_modules(before):
    """Forget the modules imported since `before`, as a new CGI process
    would not have them; but not handler modules (import_module's, which
    have __mtime__) nor modules being imported: other threads import
    those meanwhile, and need them."""
    for name in set(sys.modules) - before:
        module = lookup(sys.modules, name)
        file = getattr(module, "__file__", None)
        if (file and not os.path.realpath(file).startswith(_KEEP_DIRS)
                and "__mtime__" not in getattr(module, "__dict__", {})
                and not getattr(getattr(module, "__spec__", None),
                                "_initializing", False)):
            sys.modules.pop(name, None)
