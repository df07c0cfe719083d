"""mod_python.importer: import_module / module_mtime: first import,
auto-reload, path."""

import importlib
import py_compile
import itertools
import os
import sys
import threading
import time

import pytest

from mod_python import apache, importer

_names = itertools.count()


def unique(prefix="mpunit"):
    return "%s_%d_%d" % (prefix, os.getpid(), next(_names))


def write(path, text, mtime=None):
    path.write_text(text)
    if mtime is not None:
        os.utime(str(path), (mtime, mtime))


def expire_check(module):
    """Pretend the last mtime check was long ago."""
    module.__mtime_check__ = 0.0


def test_first_import_sets_mtime_and_returns_same_object(moddir, fake_apache):
    name = unique()
    write(moddir / (name + ".py"), "X = 1\n")
    module = importer.import_module(name)
    assert module.X == 1
    assert module.__mtime__ == os.stat(module.__file__).st_mtime
    assert importer.import_module(name) is module
    assert fake_apache.logged == []


def test_stdlib_module_is_returned_unchanged():
    assert importer.import_module("os") is os
    assert importer.import_module("os") is os
    assert importer.import_module("sys") is sys


def test_log_flag_logs_notice(moddir, fake_apache):
    name = unique()
    write(moddir / (name + ".py"), "X = 1\n")
    importer.import_module(name, log=1)
    assert fake_apache.logged == [
        ("mod_python: (Re)importing module '%s'" % name, apache.APLOG_NOTICE,
         None)]


def test_changed_file_is_reexecuted_in_place(moddir, fake_apache):
    name = unique()
    path = moddir / (name + ".py")
    write(path, "X = 1\nY = 'kept'\n", mtime=time.time() - 100)
    module = importer.import_module(name)
    write(path, "X = 2\n", mtime=time.time() - 50)
    expire_check(module)
    again = importer.import_module(name, log=1)
    assert again is module
    assert module.X == 2
    assert module.Y == "kept"  # reload semantics: namespace re-populated
    assert module.__mtime__ == os.stat(str(path)).st_mtime
    assert fake_apache.logged[0][0] == \
        "mod_python: (Re)importing module '%s'" % name


def test_change_within_the_same_second_is_seen(moddir):
    # Same size and same whole second: CPython's .pyc check cannot tell.
    name = unique()
    path = moddir / (name + ".py")
    base = int(time.time()) - 100
    write(path, "X = 1\n", mtime=base + 0.1)
    py_compile.compile(str(path), doraise=True)
    module = importer.import_module(name)
    write(path, "X = 2\n", mtime=base + 0.6)
    expire_check(module)
    assert importer.import_module(name).X == 2


def test_stale_pyc_is_not_used_on_first_import(moddir):
    name = unique()
    path = moddir / (name + ".py")
    base = int(time.time()) - 100
    write(path, "X = 1\n", mtime=base + 0.1)
    cached = py_compile.compile(str(path), doraise=True)  # records base
    os.utime(cached, (base + 0.2, base + 0.2))
    write(path, "X = 2\n", mtime=base + 0.5)
    assert importer.import_module(name).X == 2


def test_unchanged_file_is_not_reexecuted(moddir):
    name = unique()
    write(moddir / (name + ".py"), "import sys\nRUNS = [1]\n")
    module = importer.import_module(name)
    runs = module.RUNS
    expire_check(module)
    assert importer.import_module(name).RUNS is runs


def test_check_happens_at_most_once_per_second(moddir, monkeypatch):
    name = unique()
    path = moddir / (name + ".py")
    write(path, "X = 1\n", mtime=time.time() - 100)
    module = importer.import_module(name)
    write(path, "X = 2\n", mtime=time.time() - 50)

    def no_stat(*args, **kwargs):
        raise AssertionError("hot path must not stat")

    monkeypatch.setattr(importer.os, "stat", no_stat)
    assert importer.import_module(name).X == 1
    monkeypatch.undo()
    expire_check(module)
    assert importer.import_module(name).X == 2


def test_autoreload_off_never_reloads(moddir):
    name = unique()
    path = moddir / (name + ".py")
    write(path, "X = 1\n", mtime=time.time() - 100)
    module = importer.import_module(name)
    write(path, "X = 2\n", mtime=time.time() - 50)
    expire_check(module)
    assert importer.import_module(name, autoreload=0).X == 1


def test_plainly_imported_module_is_adopted_not_rerun(moddir):
    name = unique()
    write(moddir / (name + ".py"), "RUNS = []\nRUNS.append(1)\n")
    module = importlib.import_module(name)
    runs = module.RUNS
    assert importer.import_module(name) is module
    assert module.RUNS is runs and runs == [1]
    assert module.__mtime__ > 0


def test_failed_reload_is_reported_and_retried(moddir):
    name = unique()
    path = moddir / (name + ".py")
    write(path, "X = 1\n", mtime=time.time() - 100)
    module = importer.import_module(name)
    write(path, "X = 2\nraise RuntimeError('broken')\n",
          mtime=time.time() - 50)
    expire_check(module)
    with pytest.raises(RuntimeError):
        importer.import_module(name)
    write(path, "X = 3\n", mtime=time.time() - 40)
    expire_check(module)
    assert importer.import_module(name).X == 3


def test_missing_module_raises(moddir):
    with pytest.raises(ModuleNotFoundError):
        importer.import_module(unique("missing"))


def test_module_created_after_a_failed_import(moddir):
    name = unique()
    with pytest.raises(ModuleNotFoundError):
        importer.import_module(name)
    write(moddir / (name + ".py"), "X = 'late'\n")
    assert importer.import_module(name).X == "late"


def test_missing_dependency_is_not_masked(moddir):
    name = unique()
    dep = unique("nodep")
    write(moddir / (name + ".py"), "import %s\n" % dep)
    with pytest.raises(ModuleNotFoundError) as info:
        importer.import_module(name)
    assert info.value.name == dep


def test_package_submodule(moddir):
    pkg = unique("pkg")
    (moddir / pkg).mkdir()
    write(moddir / pkg / "__init__.py", "")
    write(moddir / pkg / "sub.py", "X = 'sub'\n")
    module = importer.import_module(pkg + ".sub")
    assert module.X == "sub"
    assert sys.modules[pkg].sub is module


def test_path_restricts_search_and_reimports_other_file(tmp_path, moddir):
    name = unique()
    dir_a, dir_b = tmp_path / "a", tmp_path / "b"
    for d, value in ((dir_a, "a"), (dir_b, "b")):
        d.mkdir()
        write(d / (name + ".py"), "WHERE = %r\n" % value)
    first = importer.import_module(name, path=[str(dir_a)])
    assert first.WHERE == "a"
    assert importer.import_module(name, path=[str(dir_a)]) is first
    second = importer.import_module(name, path=[str(dir_b)])
    assert second.WHERE == "b"
    assert second.__file__.startswith(str(dir_b))
    assert sys.modules[name] is second


def test_path_is_the_only_place_searched(tmp_path, moddir):
    name = unique()
    write(moddir / (name + ".py"), "X = 1\n")   # on sys.path only
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModuleNotFoundError):
        importer.import_module(name, path=[str(empty)])


def test_path_with_package(tmp_path, moddir):
    pkg = unique("pkg")
    root = tmp_path / "root"
    (root / pkg).mkdir(parents=True)
    write(root / pkg / "__init__.py", "")
    write(root / pkg / "page.py", "X = 'page'\n")
    module = importer.import_module(pkg + ".page", path=[str(root)], log=1)
    assert module.X == "page"
    assert sys.modules[pkg + ".page"] is module
    assert sys.modules[pkg].page is module


def test_path_log_message(tmp_path, moddir, fake_apache):
    name = unique()
    write(moddir / (name + ".py"), "X = 1\n")
    importer.import_module(name, log=1, path=[str(moddir)])
    assert fake_apache.logged[0][0] == (
        "mod_python: (Re)importing module '%s' with path set to '%s'"
        % (name, [str(moddir)]))


def test_failed_reimport_keeps_old_module(tmp_path, moddir):
    name = unique()
    write(moddir / (name + ".py"), "X = 1\n")
    old = importer.import_module(name)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModuleNotFoundError):
        importer.import_module(name, path=[str(empty)])
    assert sys.modules[name] is old


def _in_thread(func, *args):
    """Start func(*args) in a thread; the thread's .result() joins it."""
    box = {}
    def run():
        try:
            box["value"] = func(*args)
        except BaseException as exc:
            box["error"] = exc
    thread = threading.Thread(target=run)
    thread.start()
    def result():
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["value"]
    thread.result = result
    return thread


def test_threads_importing_from_a_path_get_the_whole_module(tmp_path, moddir):
    # B-120, from two threads
    # the second thread waits for the first one's load, instead of taking
    # the module it put in sys.modules before running it
    name = unique()
    where = tmp_path / "slow"
    where.mkdir()
    write(where / (name + ".py"), "import time\ntime.sleep(0.5)\nVALUE = 1\n")
    first = _in_thread(importer.import_module, name, 1, 0, [str(where)])
    time.sleep(0.2)
    second = importer.import_module(name, path=[str(where)])
    assert second.VALUE == 1
    assert first.result() is second


def test_threads_asking_during_a_reload_get_the_new_version(moddir):
    # B-46, from two threads
    name = unique()
    path = moddir / (name + ".py")
    write(path, "def f():\n    return 1\n", mtime=time.time() - 10)
    module = importer.import_module(name)
    write(path, "import time\ndef f():\n    return g()\ntime.sleep(0.5)\n"
                "def g():\n    return 2\n")
    expire_check(module)
    first = _in_thread(importer.import_module, name)
    time.sleep(0.2)
    assert importer.import_module(name).f() == 2
    assert first.result() is module


def test_module_mtime(moddir):
    name = unique()
    path = moddir / (name + ".py")
    write(path, "X = 1\n", mtime=1000000000.5)
    module = importer.import_module(name)
    before = time.time()
    assert importer.module_mtime(module) == 1000000000.5
    assert module.__mtime_check__ >= before


def test_module_mtime_unknown_is_zero():
    import types
    module = types.ModuleType("nofile")
    assert importer.module_mtime(module) == 0
    assert hasattr(module, "__mtime_check__")


def test_apache_reexports_the_importer():
    assert apache.import_module is importer.import_module
    assert apache.module_mtime is importer.module_mtime
