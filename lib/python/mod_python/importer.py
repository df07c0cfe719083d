"""mod_python.importer: the handler-module importer, with auto-reload.

``import_module()`` imports a module once and, on later calls, runs its
current source again in the same module object when the file has changed
(reload semantics), so an edited handler takes effect without restarting
httpd.  mod_python.apache re-exports ``import_module`` and
``module_mtime``, where mod_python 3.5 had them.

Only importable inside httpd (it logs through the built-in ``_apache``).
"""

import contextlib
import importlib
import importlib.machinery
import importlib.util
import os
import sys
import time

import _apache
from mod_python.lookup import lookup
from mod_python.module_locks import module_lock

__all__ = ["import_module", "module_mtime"]

# apache.APLOG_WARNING and APLOG_NOTICE: mod_python.apache imports this
# module, not the other way round.
_APLOG_WARNING = 4
_APLOG_NOTICE = 5

# Seconds during which a module's file is not looked at again.
_CHECK_INTERVAL = 1.0


@contextlib.contextmanager
def _module_lock(name):
    """The lock of module `name` (module_locks.py), logged when skipped."""
    with module_lock(name) as held:
        if not held:
            _apache.log_error("mod_python: module '%s' is being loaded by another "
                              "thread, which waits for this one or took too long "
                              "(do modules import each other?); using it as it is"
                              % name, _APLOG_WARNING)
        yield


def import_module(module_name, autoreload=1, log=0, path=None):
    """Import `module_name`, re-executing it when its file has changed.

    With `log`, every (re)import is logged at NOTICE.  `path` (a directory
    or a list of them) restricts the search to those directories; a module
    of that name imported from elsewhere is replaced.

    This runs for every handler of every request, so the common case
    (already imported, checked less than a second ago) costs a dict lookup
    and a clock read.
    """
    if isinstance(path, str):
        path = [path]
    module = lookup(sys.modules, module_name)
    if module is None:
        return _import_fresh(module_name, log, path)
    if "__mtime__" not in module.__dict__:
        return _adopt(module_name)
    if not autoreload:
        return module
    file = getattr(module, "__file__", None)
    if not file or (path and not _is_under(file, path)):
        if _is_builtin(module):
            return module
        # A same-named module from elsewhere: a different module for us.
        return _import_replacing(module, log, path)
    last_check = module.__dict__.get("__mtime_check__", 0.0)
    if time.time() - last_check < _CHECK_INTERVAL:
        return module
    return _reload_if_changed(module, log, path)


def module_mtime(module):
    """Newest mtime of the module's file (and of that name minus its last
    character, the source of a legacy .pyc); 0 when unknown.  Records the
    time of this check in ``__mtime_check__``."""
    mtime = _file_mtime(module)
    module.__mtime_check__ = time.time()
    return mtime


def _file_mtime(module):
    mtime = 0.0
    file = getattr(module, "__file__", None)
    if file:
        for name in (file, file[:-1]):
            try:
                mtime = max(mtime, os.stat(name).st_mtime)
            except (OSError, ValueError):
                pass
    return mtime


def _is_under(file, path):
    return any(file.startswith(entry) for entry in path)


def _is_builtin(module):
    spec = getattr(module, "__spec__", None)
    origin = getattr(spec, "origin", None)
    return (origin in ("built-in", "frozen")
            or module.__name__ in sys.builtin_module_names)


def _log_import(module_name, path):
    msg = "mod_python: (Re)importing module '%s'" % module_name
    if path:
        msg += " with path set to '%s'" % (path,)
    _apache.log_error(msg, _APLOG_NOTICE)


# ---------------------------------------------------------------------------
# The three ways in: first import, adoption, replacement
# ---------------------------------------------------------------------------

def _import_fresh(module_name, log, path):
    if path:
        with _module_lock(module_name):
            # another thread may have loaded it while this one waited
            done = lookup(sys.modules, module_name)
            if (done is not None and "__mtime__" in done.__dict__
                    and _is_under(getattr(done, "__file__", None) or "", path)):
                return done
            return _import_new(module_name, log, path)
    return _import_new(module_name, log, path)


def _import_new(module_name, log, path):
    if log:
        _log_import(module_name, path)
    module = _import_retrying(module_name, path)
    if not path:
        _rerun_if_stale_pyc(module)
    module.__mtime__ = module_mtime(module)
    return module


def _adopt(module_name):
    """A module in sys.modules that we have not finished importing: another
    thread may still be running its code (importlib, or our lock for
    imports from a path, makes us wait for that), or a plain import
    statement loaded it.  Either way it is ours from now on."""
    with _module_lock(module_name):
        module = importlib.import_module(module_name)
        if "__mtime__" not in module.__dict__:
            module.__mtime__ = module_mtime(module)
    return module


def _import_replacing(old, log, path):
    """Import anew a module whose name is taken by `old`; keep `old` if the
    new import fails so that other users of the name are not broken."""
    name = old.__name__
    with _module_lock(name):
        if lookup(sys.modules, name) is not old:
            return import_module(name, 1, log, path)
        sys.modules.pop(name, None)
        try:
            return _import_fresh(name, log, path)
        except BaseException:
            sys.modules.setdefault(name, old)
            raise


# ---------------------------------------------------------------------------
# Finding and loading
# ---------------------------------------------------------------------------

def _import_retrying(module_name, path):
    """Import; if the module is not found, retry once with fresh finder
    caches (a handler file may have been created a moment ago)."""
    importer = _import_from_path if path else _import_default
    try:
        return importer(module_name, path)
    except ModuleNotFoundError as exc:
        if exc.name and not (module_name + ".").startswith(exc.name + "."):
            raise  # something the module itself imports is missing
    # Retried outside the handler so a second failure has a plain traceback.
    importlib.invalidate_caches()
    try:
        return importer(module_name, path)
    except ModuleNotFoundError as exc:
        if exc.name != module_name.partition(".")[0]:
            raise
        message = _not_found_message(exc.name, path or sys.path)
    raise ModuleNotFoundError(message, name=module_name)


def _not_found_message(name, search):
    """Where a missing top-level module was looked for, and the names
    found there that come close to it (a typo in PythonHandler)."""
    import difflib
    import pkgutil
    dirs = [d for d in search if isinstance(d, str)]
    close = []
    for directory in dirs:     # the nearest directory's names first
        present = sorted(m.name for m in pkgutil.iter_modules([directory]))
        close = difflib.get_close_matches(name, present, n=3)
        if close:
            break
    message = "No module named %r; searched: %s" % (
        name, ", ".join(d or os.getcwd() for d in dirs) or "nothing")
    if close:
        message += "; did you mean %s?" % " or ".join(repr(c) for c in close)
    return message


def _import_default(module_name, path):
    return importlib.import_module(module_name)


def _import_from_path(module_name, path):
    """Import `module_name` searching only `path` (and, below the first
    level, the package's ``__path__``).  Intermediate packages already
    imported from under `path` are reused; the module itself is loaded anew."""
    parts = module_name.split(".")
    parent, search = None, list(path)
    for depth in range(1, len(parts) + 1):
        fullname = ".".join(parts[:depth])
        existing = lookup(sys.modules, fullname)
        if (depth < len(parts) and existing is not None
                and _is_under(getattr(existing, "__file__", None) or "", path)):
            module = existing
        else:
            module = _load_from(fullname, search)
            if parent is not None:
                setattr(parent, parts[depth - 1], module)
        search = getattr(module, "__path__", None)
        if search is None and depth < len(parts):
            raise ModuleNotFoundError("No module named %r (%r is not a package)"
                                      % (module_name, fullname), name=module_name)
        parent = module
    return module


def _load_from(fullname, search):
    spec = importlib.machinery.PathFinder.find_spec(fullname, search)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError("No module named %r in %r" % (fullname, search),
                                  name=fullname)
    if isinstance(spec.loader, importlib.machinery.SourceFileLoader):
        # Compile from source: a .pyc written in the same second as an edit
        # would pass CPython's whole-second freshness check.
        spec.loader = _SourceOnlyLoader(spec.loader.name, spec.loader.path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[fullname] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(fullname, None)
        raise
    return lookup(sys.modules, fullname, module)


class _SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    """Source loader that never trusts the bytecode cache."""

    def get_code(self, fullname):
        path = self.get_filename(fullname)
        return self.source_to_code(self.get_data(path), path)


# ---------------------------------------------------------------------------
# Running the current source again
# ---------------------------------------------------------------------------

def _reload_if_changed(module, log, path):
    # The time of the check is recorded once the module is current (or
    # failed to run): until then other threads come here too, and wait for
    # the re-execution instead of calling into a namespace half run again.
    mtime = _file_mtime(module)
    try:
        if mtime != module.__dict__.get("__mtime__"):
            with _module_lock(module.__name__):
                if module.__mtime__ != mtime:  # not reloaded by another thread
                    if log:
                        _log_import(module.__name__, path)
                    _reexecute(module)
                    module.__mtime__ = mtime
    finally:
        module.__mtime_check__ = time.time()
    return module


def _source_code(file):
    with open(file, "rb") as f:
        return compile(f.read(), file, "exec", dont_inherit=True)


def _reexecute(module):
    """Run the module's current source again in its own namespace (reload
    semantics), never from a possibly stale .pyc."""
    file = module.__file__
    if file.endswith(".py"):
        exec(_source_code(file), module.__dict__)
    else:
        importlib.reload(module)


def _rerun_if_stale_pyc(module):
    """CPython trusts a .pyc whose recorded source mtime matches in whole
    seconds.  If the source was rewritten after the .pyc within the same
    second, the import just ran old code: run the current source instead."""
    file = getattr(module, "__file__", None)
    cached = getattr(module, "__cached__", None)
    if not (file and cached and file.endswith(".py")):
        return
    try:
        source_mtime = os.stat(file).st_mtime
        cache_mtime = os.stat(cached).st_mtime
    except OSError:
        return
    if cache_mtime < source_mtime and int(cache_mtime) == int(source_mtime):
        exec(_source_code(file), module.__dict__)
