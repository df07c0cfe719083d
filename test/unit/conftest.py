"""Unit tests of the pure-Python parts of mod_python, run outside httpd.

A stand-in for the C module's built-in ``_apache`` module is installed in
sys.modules before ``mod_python.apache`` is imported.
"""

import os
import stat
import sys
import types

import pytest

LIB = os.path.abspath(os.path.join(os.path.dirname(__file__),
                                   os.pardir, os.pardir, "lib", "python"))
if LIB not in sys.path:
    sys.path.insert(0, LIB)


class FakeTable:
    """Just enough of mp_table: ordered, case-insensitive, duplicates."""

    def __init__(self, init=None):
        self._items = []
        for key, value in (dict(init) if init else {}).items():
            self[key] = value

    def _matches(self, key):
        return [v for k, v in self._items if k.lower() == key.lower()]

    def __getitem__(self, key):
        found = self._matches(key)
        if not found:
            raise KeyError(key)
        return found[0] if len(found) == 1 else found

    def __setitem__(self, key, value):
        del self[key]
        self._items.append((key, value))

    def __delitem__(self, key):
        self._items = [(k, v) for k, v in self._items
                       if k.lower() != key.lower()]

    def __contains__(self, key):
        return bool(self._matches(key))

    def __len__(self):
        return len(self._items)

    def get(self, key, default=None):
        found = self._matches(key)
        return found[0] if found else default

    def add(self, key, value):
        self._items.append((key, value))

    def items(self):
        return list(self._items)

    def keys(self):
        return [k for k, _ in self._items]

    def _as_dict(self):
        return dict(self._items)

    def copy(self):
        new = FakeTable()
        new._items = list(self._items)
        return new


class FakeServerReturn(Exception):
    pass


def exchange_files(a, b):
    """_apache._exchange_files, in three renames (not atomic: a stub)."""
    if not os.path.lexists(b):
        raise FileNotFoundError(2, "No such file or directory", b)
    middle = a + ".exchanging"
    os.rename(a, middle)
    os.rename(b, a)
    os.rename(middle, b)


def apache_file_stamp(filename):
    """req._file_stamp() as Apache's stat of the request's file gives it."""
    try:
        st = os.stat(filename)
    except (OSError, TypeError, ValueError):
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_mtime_ns // 1000, st.st_size, st.st_ino, st.st_dev)


def make_fake_apache():
    mod = types.ModuleType("_apache")
    mod.logged = []          # (message, level, server)
    mod.cleanups = []        # (interpreter, server, callable, data)
    mod.defines = set()

    def log_error(message, level=3, server=None):
        if message is not None:
            mod.logged.append((message, level, server))

    mod.log_error = log_error
    mod.table = FakeTable
    mod.SERVER_RETURN = FakeServerReturn
    mod.config_tree = lambda: []
    mod.server_root = lambda: "/srv"
    mod.mpm_query = lambda code: 0
    mod.exists_config_define = lambda name: name in mod.defines
    mod.stat = lambda fname, wanted: None
    mod.register_cleanup = (lambda interp, server, func, data=None:
                            mod.cleanups.append((interp, server, func, data)))
    mod._global_lock = mod._global_trylock = mod._global_unlock = (
        lambda server, key, index=-1: None)
    mod._global_lock_index = lambda key: 1
    mod._exchange_files = exchange_files
    mod.MODULE_MAGIC_NUMBER_MAJOR = 20120211
    mod.MODULE_MAGIC_NUMBER_MINOR = 129
    for value, name in enumerate(("AP_CONN_UNKNOWN", "AP_CONN_CLOSE",
                                  "AP_CONN_KEEPALIVE")):
        setattr(mod, name, value)
    for value, name in enumerate(("APR_NOFILE", "APR_REG", "APR_DIR", "APR_CHR",
                                  "APR_BLK", "APR_PIPE", "APR_LNK", "APR_SOCK")):
        setattr(mod, name, value)
    mod.APR_UNKFILE = 127
    return mod


_fake = make_fake_apache()
sys.modules.setdefault("_apache", _fake)

from mod_python import apache  # noqa: E402  (needs the stub first)


@pytest.fixture
def fake_apache():
    """The stub _apache module, with its recordings cleared."""
    mod = sys.modules["_apache"]
    mod.logged.clear()
    mod.cleanups.clear()
    mod.defines.clear()
    return mod


@pytest.fixture
def moddir(tmp_path, monkeypatch):
    """A fresh directory on sys.path; modules imported from it are
    forgotten afterwards."""
    directory = tmp_path / "mods"
    directory.mkdir()
    monkeypatch.syspath_prepend(str(directory))
    before = set(sys.modules)
    yield directory
    for name in set(sys.modules) - before:
        del sys.modules[name]


@pytest.fixture
def isolated_path():
    """Restore sys.path and the PythonPath cache after the test."""
    saved = list(sys.path)
    saved_applied = set(apache._applied_paths)
    yield
    sys.path[:] = saved
    apache._applied_paths.clear()
    apache._applied_paths.update(saved_applied)
