"""PythonInterpreterGIL: sub-interpreters with a GIL of their own (3.12+).

The effect is checked, not the setting: an interpreter holding its GIL in
C code for seconds must not stop another interpreter of the same child
that owns its GIL, and must stop one that shares it.  Two small extension
modules (test/ext) are compiled for the embedded Python: one that holds
the GIL on request, one with single-phase init, which CPython refuses in
an interpreter with its own GIL.
"""

import os
import runpy
import subprocess
import threading
import time

import pytest

from helpers import HTTPD, LIBDIR, REPO

BUILD = runpy.run_path(os.path.join(LIBDIR, "mod_python", "version.py"))
PYTHON = BUILD["PYTHON_BIN"]


def _embedded(expr):
    return subprocess.run([PYTHON, "-c", "import sys, sysconfig; print(%s)" % expr],
                          check=True, capture_output=True, text=True).stdout.strip()


VERSION = tuple(int(n) for n in _embedded("'%d %d' % sys.version_info[:2]").split())
FREE_THREADED = _embedded("sysconfig.get_config_var('Py_GIL_DISABLED') or 0") == "1"
needs_312 = pytest.mark.skipif(VERSION < (3, 12), reason="own GIL needs Python 3.12+")

PROBE = """\
import sys
import threading
import mp_gil_probe
from mod_python import apache

def handler(req):
    text = req.interpreter
    if req.args == "gil":   # is there a GIL at all (free-threaded build)?
        text = str(int(getattr(sys, "_is_gil_enabled", lambda: True)()))
    elif req.args:
        mp_gil_probe.hold(float(req.args))
    req.content_type = "text/plain"
    req.write(text, 0)
    return apache.OK

def single_phase(req):
    try:
        import mp_single_phase
        text = "imported"
    except ImportError as exc:
        text = "refused: %s" % exc
    req.content_type = "text/plain"
    req.write(text, 0)
    return apache.OK

def options(req):
    # the server's options are one Apache table for every interpreter;
    # each writes its own letter, so a value written over by another
    # interpreter (memory handed out twice) shows
    table = apache.main_server.get_options()
    mine = req.interpreter
    for i in range(4000):
        table["k-%s-%d" % (mine, i % 40)] = mine * (1 + i % 50)
        table.add("a-" + mine, mine)
        if i % 100 == 0:
            del table["a-" + mine]
        len(table.items())
    bad = [k for k, v in table.items()
           if k.startswith("k-" + mine) and set(v) != {mine}]
    req.content_type = "text/plain"
    req.write("%d %d" % (len([k for k in table.keys() if k.startswith("k-")]),
                         len(bad)), 0)
    return apache.OK

def thread(req):
    # a thread Python started calls into the C module
    seen = []
    def work():
        apache.log_error("from a thread of %s" % req.interpreter, apache.APLOG_ERR)
        seen.append(apache.main_server.server_hostname)
    t = threading.Thread(target=work)
    t.start()
    t.join()
    req.content_type = "text/plain"
    req.write("thread saw %s" % seen, 0)
    return apache.OK
"""


def section(name, interpreter, gil=None, handler="probe"):
    return """
<Files "%s">
  SetHandler mod_python
  PythonHandler %s
  PythonInterpreter %s
  %s
</Files>""" % (name, handler, interpreter, "PythonInterpreterGIL %s" % gil if gil else "")


@pytest.fixture(scope="module")
def extensions(tmp_path_factory):
    """{file name: bytes} of the two test extensions, built for the
    embedded Python."""
    out = tmp_path_factory.mktemp("ext")
    include = _embedded("sysconfig.get_paths()['include']")
    suffix = _embedded("sysconfig.get_config_var('EXT_SUFFIX')")
    built = {}
    for name in ("mp_gil_probe", "mp_single_phase"):
        target = out / (name + suffix)
        subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-Wall", "-I", include,
                        "-o", str(target), os.path.join(REPO, "test", "ext", name + ".c")],
                       check=True)
        built[target.name] = target.read_bytes()
    return built


# one child, so that the interpreters of a test share a process
ONE_CHILD = "ServerLimit 1\nStartServers 1\nMaxRequestWorkers 8\n"


def serve(apache, extensions, config, mpm="event", main_config=""):
    files = dict(extensions, **{"probe.py": PROBE, "a.py": "", "b.py": "",
                                "c.py": "", "d.py": "", "m.py": ""})
    config = "<Directory @DOCROOT@>%s\n</Directory>" % config
    srv = apache(config=config, files=files, mpm=mpm, start=False,
                 main_config=ONE_CHILD + main_config)
    for name in extensions:
        os.chmod(srv.path(name), 0o755)
    return srv.start()


def gil_enabled(srv, path):
    """Whether the interpreter of path runs with a GIL (the free-threaded
    build has none once every module loaded says it needs none)."""
    return srv.get(path + "?gil").text == "1"


def wait_while_held(srv, held_path, hold, other_path):
    """Seconds `other_path` took while `held_path` held its GIL."""
    holder = threading.Thread(target=srv.get, args=("%s?%s" % (held_path, hold),))
    holder.start()
    time.sleep(0.5)
    start = time.monotonic()
    r = srv.get(other_path)
    took = time.monotonic() - start
    holder.join()
    assert r.status == 200, r
    return took


def test_own_gil_refused_on_old_python(apache):
    if VERSION >= (3, 12):
        pytest.skip("the embedded Python has per-interpreter GILs")
    srv = apache(config="<Directory @DOCROOT@>\n  PythonInterpreterGIL own\n</Directory>",
                 start=False)
    rc, out = srv.config_test()
    assert rc != 0
    assert "PythonInterpreterGIL own needs Python 3.12 or newer" in out
    assert "line" in out and srv.conf_path in out


def test_shared_is_accepted_everywhere(apache, extensions):
    # shared is what every Python does: accepted on 3.9-3.11 too
    srv = serve(apache, extensions, section("a.py", "a", "shared"),
                main_config="PythonInterpreterGIL shared")
    assert srv.get("/a.py").text == "a"


@pytest.mark.parametrize("word, where, message", [
    ("both", "server", "PythonInterpreterGIL takes own or shared"),
    ("", "server", "PythonInterpreterGIL takes one argument"),
    ("shared", "htaccess", "PythonInterpreterGIL not allowed here"),
])
def test_bad_uses_are_config_errors(apache, word, where, message):
    directive = "PythonInterpreterGIL %s" % word
    if where == "htaccess":
        srv = apache(config="<Directory @DOCROOT@>\n  AllowOverride All\n</Directory>",
                     files={".htaccess": directive + "\n", "x.py": ""})
        r = srv.get("/x.py")
        assert r.status == 500
        srv.wait_log(message)
        return
    srv = apache(main_config=directive, start=False)
    rc, out = srv.config_test()
    assert rc != 0 and message in out, out


@needs_312
@pytest.mark.parametrize("gil, waits", [("own", False), ("shared", True)])
def test_an_interpreter_holding_its_gil_stops_only_those_sharing_it(
        apache, extensions, gil, waits):
    srv = serve(apache, extensions,
                section("a.py", "a", gil) + section("b.py", "b", gil))
    assert srv.get("/a.py").text == "a" and srv.get("/b.py").text == "b"
    took = wait_while_held(srv, "/a.py", 3, "/b.py")
    if waits and gil_enabled(srv, "/a.py"):
        assert took >= 2.0, took
    else:
        assert took < 1.5, took


@needs_312
def test_shared_interpreters_of_an_own_gil_server_share_among_them(apache, extensions):
    # a section may ask for the shared GIL under a server-level own
    srv = serve(apache, extensions,
                section("a.py", "a", "shared") + section("b.py", "b") + section("c.py", "c", "shared"),
                main_config="PythonInterpreterGIL own")
    for path in ("/a.py", "/b.py", "/c.py"):
        assert srv.get(path).status == 200
    assert wait_while_held(srv, "/a.py", 3, "/b.py") < 1.5
    if gil_enabled(srv, "/a.py"):
        assert wait_while_held(srv, "/a.py", 3, "/c.py") >= 2.0


@needs_312
def test_refused_extension_module_is_logged_with_the_remedy(apache, extensions):
    srv = serve(apache, extensions,
                section("a.py", "a", "own", "probe::single_phase")
                + section("b.py", "b", "shared", "probe::single_phase")
                + section("m.py", "main_interpreter", "own", "probe::single_phase"))
    mark = srv.log_mark()
    r = srv.get("/a.py")
    assert r.text.startswith("refused: ") and "mp_single_phase" in r.text
    log = srv.wait_log("PythonInterpreterGIL shared", since=mark)
    lines = [line for line in log.splitlines() if "mp_single_phase" in line]
    assert len(lines) == 1, log
    assert "interpreter 'a'" in lines[0] and "main_interpreter" in lines[0]
    # the main interpreter is never refused; a shared one is not on 3.12+
    # with the GIL (the free-threaded build refuses single-phase modules in
    # every sub-interpreter)
    assert srv.get("/m.py").text == "imported"
    shared = srv.get("/b.py").text
    if FREE_THREADED:
        assert shared.startswith("refused: ")
    else:
        assert shared == "imported"


@needs_312
def test_threads_python_started_work_in_an_own_gil_interpreter(apache, extensions):
    srv = serve(apache, extensions, section("a.py", "a", "own", "probe::thread"))
    mark = srv.log_mark()
    r = srv.get("/a.py")
    assert r.status == 200 and r.text == "thread saw ['127.0.0.1']", r
    srv.wait_log("from a thread of a", since=mark)


@needs_312
def test_a_section_cannot_change_an_existing_interpreters_gil(apache, extensions):
    srv = serve(apache, extensions, section("c.py", "x", "shared") + section("d.py", "x", "own"))
    mark = srv.log_mark()
    assert srv.get("/c.py").text == "x"
    assert srv.get("/d.py").text == "x"
    assert srv.get("/d.py").text == "x"
    log = srv.wait_log("interpreter 'x' was made with the shared GIL", since=mark)
    assert log.count("was made with the shared GIL") == 1, log


@needs_312
def test_own_gil_interpreters_survive_a_graceful_restart(apache, extensions):
    srv = serve(apache, extensions, section("a.py", "a", "own") + section("b.py", "b", "own"),
                main_config="PythonImport probe a")
    for _ in range(3):
        assert srv.get("/a.py").text == "a" and srv.get("/b.py").text == "b"
    mark = srv.log_mark()
    subprocess.run([HTTPD, "-f", srv.conf_path, "-k", "graceful"], check=True,
                   capture_output=True)
    srv.wait_log("resuming normal operations", since=mark)
    deadline = time.time() + 10
    while time.time() < deadline:
        r = srv.get("/a.py")
        if r.status == 200:
            break
        time.sleep(0.2)
    assert srv.get("/a.py").text == "a" and srv.get("/b.py").text == "b"
    log = srv.error_log(mark)
    assert "Segmentation fault" not in log and "exit signal" not in log, log


@needs_312
def test_interpreters_with_their_own_gil_share_the_server_options_safely(
        apache, extensions):
    # the server's option table is shared by every interpreter: its
    # operations must not overlap (a lock), or the child crashes
    srv = serve(apache, extensions, section("a.py", "a", "own", "probe::options")
                + section("b.py", "b", "own", "probe::options"))
    mark = srv.log_mark()
    results = []
    def hit(path):
        results.append(srv.get(path))
    threads = [threading.Thread(target=hit, args=(p,))
               for p in ("/a.py", "/b.py") * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [(r.status, r.text) for r in results] == [(200, "80 0")] * 8, results
    log = srv.error_log(mark)
    assert "exit signal" not in log and "Segmentation" not in log, log
