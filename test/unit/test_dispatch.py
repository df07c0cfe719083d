"""CallBack.HandlerDispatch and friends against fake request objects."""

import itertools
import os
import sys

import pytest

from mod_python import apache

_names = itertools.count()


def unique():
    return "mpdisp_%d_%d" % (os.getpid(), next(_names))


class FakeHList:
    def __init__(self, entries):
        self.entries = list(entries)   # (handler, directory, is_location, silent)
        self.pos = 0

    def _field(self, i):
        return self.entries[self.pos][i] if self.pos < len(self.entries) else None

    handler = property(lambda self: self._field(0))
    directory = property(lambda self: self._field(1))
    is_location = property(lambda self: self._field(2))
    silent = property(lambda self: self._field(3))

    def next(self):
        self.pos += 1


class FakeServer:
    def __init__(self, config=None):
        self.config = apache.table(config or {})

    def get_config(self):
        return self.config


class FakeRequest:
    def __init__(self, phase, handlers, config=None, fail_write=False):
        self.phase = phase
        self.hlist = FakeHList(handlers)
        self.config = apache.table(config or {})
        self.status = 200
        self.content_type = None
        self.written = []
        self.calls = []
        self.fail_write = fail_write
        self.server = FakeServer()
        self.logged = []

    def get_config(self):
        return self.config

    def _dispatch_settings(self):
        return apache._server_settings(self.config)

    def log_error(self, message, level):
        self.logged.append((message, level))

    def write(self, data, flush=1):
        if self.fail_write:
            raise OSError("Write failed, client closed connection.")
        self.written.append(data)

    def add_handler(self, handler, directory=None, silent=0):
        self.hlist.entries.append((handler, directory, 0, silent))


@pytest.fixture
def handlers(moddir):
    """Write a handler module; returns its name."""
    def make(source):
        name = unique()
        (moddir / (name + ".py")).write_text(source)
        return name
    return make


SOURCE = '''
from mod_python import apache

def handler(req):
    req.calls.append("handler")
    return apache.OK

def fixuphandler(req):
    req.calls.append("fixup")
    return apache.OK

def authenhandler(req):
    req.calls.append("authen")
    return apache.OK

def ok(req):
    req.calls.append("ok")
    return apache.OK

def declined(req):
    req.calls.append("declined")
    return apache.DECLINED

def forbidden(req):
    req.calls.append("forbidden")
    return apache.HTTP_FORBIDDEN

def raise_ok(req):
    req.calls.append("raise_ok")
    raise apache.SERVER_RETURN(apache.OK)

def raise_two(req):
    raise apache.SERVER_RETURN(apache.OK, 201)

def raise_tuple(req):
    raise apache.SERVER_RETURN((apache.HTTP_NOT_FOUND, 410))

def raise_forbidden(req):
    raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)

def returns_none(req):
    return None

def returns_str(req):
    return "x"

def boom(req):
    req.calls.append("boom")
    raise ValueError("bad <b>thing</b>")

def writes_then_fails(req):
    req.write("partial")
    return apache.OK

def add_more(req):
    req.calls.append("add_more")
    req.add_handler(__name__ + "::ok")
    return apache.OK

none_handler = None

class Page:
    def __init__(self, req):
        self.req = req
    def show(self, req):
        req.calls.append(("show", self.req is req))
        return apache.OK
'''


def dispatch(req):
    return apache.CallBack().HandlerDispatch(req)


def one(name, obj=None):
    return (name + "::" + obj if obj else name, None, 0, 0)


def test_default_callable_per_phase(handlers):
    mod = handlers(SOURCE)
    for phase, call in (("PythonHandler", "handler"),
                        ("PythonFixupHandler", "fixup"),
                        ("PythonAuthenHandler", "authen")):
        req = FakeRequest(phase, [one(mod)])
        assert dispatch(req) == apache.OK
        assert req.calls == [call]


def test_named_object_and_class_method(handlers):
    mod = handlers(SOURCE)
    req = FakeRequest("PythonHandler", [one(mod, "ok"), one(mod, "Page.show")])
    assert dispatch(req) == apache.OK
    assert req.calls == ["ok", ("show", True)]


def test_no_handlers_is_declined():
    assert dispatch(FakeRequest("PythonHandler", [])) == apache.DECLINED


@pytest.mark.parametrize("phase, objs, expected_calls, status", [
    ("PythonHandler", ["ok", "ok"], ["ok", "ok"], apache.OK),
    ("PythonHandler", ["declined", "ok"], ["declined"], apache.DECLINED),
    ("PythonHandler", ["forbidden", "ok"], ["forbidden"], 403),
    ("PythonHandler", ["raise_ok", "ok"], ["raise_ok", "ok"], apache.OK),
    ("PythonAuthenHandler", ["declined", "ok", "ok"], ["declined", "ok"],
     apache.OK),
    ("PythonFixupHandler", ["declined", "ok", "ok"],
     ["declined", "ok", "ok"], apache.OK),
    ("PythonAccessHandler", ["ok", "declined"], ["ok", "declined"],
     apache.DECLINED),
    ("PythonTransHandler", ["ok", "ok"], ["ok"], apache.OK),
    ("PythonLogHandler", ["declined", "ok"], ["declined", "ok"], apache.OK),
    ("PythonCleanupHandler", ["ok", "declined", "ok"], ["ok", "declined"],
     apache.DECLINED),
])
def test_continue_rules(handlers, phase, objs, expected_calls, status):
    mod = handlers(SOURCE)
    req = FakeRequest(phase, [one(mod, o) for o in objs])
    assert dispatch(req) == status
    assert req.calls == expected_calls


def test_server_return_forms(handlers):
    mod = handlers(SOURCE)
    req = FakeRequest("PythonHandler", [one(mod, "raise_forbidden")])
    assert dispatch(req) == 403
    req = FakeRequest("PythonHandler", [one(mod, "raise_two")])
    assert dispatch(req) == apache.OK and req.status == 201
    req = FakeRequest("PythonHandler", [one(mod, "raise_tuple")])
    assert dispatch(req) == 404 and req.status == 410


def test_handler_added_during_phase_runs(handlers):
    mod = handlers(SOURCE)
    req = FakeRequest("PythonHandler", [one(mod, "add_more")])
    assert dispatch(req) == apache.OK
    assert req.calls == ["add_more", "ok"]


def test_error_with_debug_off(handlers, fake_apache):
    mod = handlers(SOURCE)
    req = FakeRequest("PythonHandler", [one(mod, "boom"), one(mod, "ok")])
    assert dispatch(req) == apache.HTTP_INTERNAL_SERVER_ERROR
    assert req.calls == ["boom"]          # remaining handlers skipped
    assert req.written == []
    prefix = "PythonHandler %s::boom: " % mod
    lines = [m for m, level, server in fake_apache.logged]
    assert lines and all(m.startswith(prefix) for m in lines)
    assert lines[0] == prefix + "Traceback (most recent call last):"
    assert lines[-1] == prefix + "ValueError: bad <b>thing</b>"
    assert all(level == apache.APLOG_ERR and server is req.server
               for m, level, server in fake_apache.logged)


def test_error_with_debug_on(handlers):
    mod = handlers(SOURCE)
    req = FakeRequest("PythonHandler", [one(mod, "boom")],
                      {"PythonDebug": "1"})
    assert dispatch(req) == apache.DONE
    assert req.status == 500 and req.content_type == "text/html"
    page = "".join(req.written)
    assert page.startswith('<pre>\nMod_python error: "PythonHandler %s::boom"'
                           '\n\nTraceback (most recent call last)' % mod)
    assert page.endswith("</pre>")
    assert "bad &lt;b&gt;thing&lt;/b&gt;" in page


def test_cleanup_errors_never_reach_the_client(handlers, fake_apache):
    mod = handlers(SOURCE)
    req = FakeRequest("PythonCleanupHandler", [one(mod, "boom")],
                      {"PythonDebug": "1"})
    dispatch(req)
    assert req.written == [] and req.status == 200
    assert fake_apache.logged


def test_a_client_gone_is_one_info_line_and_keeps_the_status(handlers,
                                                             fake_apache):
    mod = handlers(SOURCE)
    req = FakeRequest("PythonHandler", [one(mod, "writes_then_fails")],
                      {"PythonDebug": "1"}, fail_write=True)
    req.uri = "/page"
    assert dispatch(req) == apache.OK       # the access log keeps 200
    assert req.written == []                # no error page either
    assert req.logged == [
        ("PythonHandler %s::writes_then_fails: the client closed the "
         "connection before the response to /page was complete" % mod,
         apache.APLOG_INFO)]
    # no traceback (PythonDebug On logs the import at notice level only)
    assert [m for m, level, _ in fake_apache.logged
            if level <= apache.APLOG_ERR] == []


@pytest.mark.parametrize("obj", ["returns_none", "returns_str", "none_handler",
                                 "nonexistent"])
def test_bad_handlers_are_errors(handlers, fake_apache, obj):
    mod = handlers(SOURCE)
    req = FakeRequest("PythonHandler", [one(mod, obj)])
    assert dispatch(req) == apache.HTTP_INTERNAL_SERVER_ERROR
    if obj == "nonexistent":
        assert any("contains no 'nonexistent'" in m
                   for m, _, _ in fake_apache.logged)


def test_missing_module_and_empty_handler_are_errors(fake_apache):
    for handler in ("no_such_module_xyz", ""):
        req = FakeRequest("PythonHandler", [(handler, None, 0, 0)])
        assert dispatch(req) == apache.HTTP_INTERNAL_SERVER_ERROR


def test_silent_handler_without_callable_is_skipped(handlers, fake_apache):
    mod = handlers(SOURCE)
    req = FakeRequest("PythonTypeHandler", [(mod, None, 0, 1)])
    assert dispatch(req) == apache.DECLINED
    req = FakeRequest("PythonHandler", [(mod + "::nope", None, 0, 1),
                                        one(mod, "ok")])
    assert dispatch(req) == apache.OK and req.calls == ["ok"]
    assert fake_apache.logged == []


def test_directory_is_prepended_once(handlers, isolated_path, tmp_path):
    mod = handlers(SOURCE)
    directory = str(tmp_path) + "/"
    for _ in range(2):
        req = FakeRequest("PythonHandler", [(mod, directory, 0, 0)])
        assert dispatch(req) == apache.OK
    assert sys.path[0] == directory
    assert sys.path.count(directory) == 1


def test_location_is_never_added(handlers, isolated_path):
    mod = handlers(SOURCE)
    req = FakeRequest("PythonHandler", [(mod, "/loc", 1, 0)])
    assert dispatch(req) == apache.OK
    assert "/loc" not in sys.path


def test_python_path_evaluated_once(handlers, isolated_path, tmp_path):
    mod = handlers(SOURCE)
    extra = str(tmp_path / "extra")
    expr = "[%r] + sys.path" % extra
    req = FakeRequest("PythonHandler", [(mod, "/ignored/", 0, 0)],
                      {"PythonPath": expr})
    assert dispatch(req) == apache.OK
    assert sys.path[0] == extra and "/ignored/" not in sys.path
    sys.path.remove(extra)
    dispatch(FakeRequest("PythonHandler", [one(mod)], {"PythonPath": expr}))
    assert extra not in sys.path


def test_python_path_error_is_a_handler_error(handlers, isolated_path):
    mod = handlers(SOURCE)
    req = FakeRequest("PythonHandler", [one(mod)], {"PythonPath": "[1/0]"})
    assert dispatch(req) == apache.HTTP_INTERNAL_SERVER_ERROR


def test_autoreload_off_is_passed_on(handlers, moddir, monkeypatch):
    mod = handlers(SOURCE)
    seen = []
    real = apache.import_module

    def spy(name, autoreload=1, log=0, path=None):
        seen.append((autoreload, log))
        return real(name, autoreload, log, path)

    monkeypatch.setattr(apache, "import_module", spy)
    dispatch(FakeRequest("PythonHandler", [one(mod)],
                         {"PythonAutoReload": "0", "PythonDebug": "1"}))
    dispatch(FakeRequest("PythonHandler", [one(mod)]))
    assert seen == [(False, True), (True, False)]


def test_pdb_needs_one_process(handlers, fake_apache, monkeypatch):
    mod = handlers(SOURCE)
    import pdb
    used = []
    monkeypatch.setattr(pdb, "runcall", lambda f, *a: used.append(f) or f(*a))
    config = {"PythonEnablePdb": "1"}
    dispatch(FakeRequest("PythonHandler", [one(mod)], config))
    assert used == []
    fake_apache.defines.add("ONE_PROCESS")
    assert dispatch(FakeRequest("PythonHandler", [one(mod)], config)) == 0
    assert len(used) == 1


def test_init_sets_interpreter_globals(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["x"])
    monkeypatch.setattr(apache, "interpreter", None)
    monkeypatch.setattr(apache, "main_server", None)
    server = FakeServer()
    callback = apache.init("main_interpreter", server)
    assert isinstance(callback, apache.CallBack)
    assert apache.interpreter == "main_interpreter"
    assert apache.main_server is server
    assert sys.argv == ["mod_python"]


def test_register_cleanup(fake_apache, monkeypatch):
    server = FakeServer()
    monkeypatch.setattr(apache, "interpreter", "i1")
    monkeypatch.setattr(apache, "main_server", server)
    with pytest.raises(ValueError):
        apache.register_cleanup("not callable")
    apache.register_cleanup(print, "data")
    assert fake_apache.cleanups == [("i1", server, print, "data")]


def test_import_dispatch(handlers, fake_apache, monkeypatch, isolated_path,
                         tmp_path):
    mod = handlers("CALLS = []\ndef start():\n    CALLS.append('start')\n")
    monkeypatch.setattr(apache, "main_server",
                        FakeServer({"PythonPath": "sys.path + [%r]"
                                    % str(tmp_path)}))
    apache.CallBack().ImportDispatch(mod + "::start")
    assert sys.modules[mod].CALLS == ["start"]
    assert str(tmp_path) in sys.path
    assert fake_apache.logged == []


def test_import_dispatch_failure_is_logged(fake_apache, monkeypatch):
    monkeypatch.setattr(apache, "main_server", FakeServer())
    apache.CallBack().ImportDispatch("no_such_module_abc::f")
    messages = [m for m, _, _ in fake_apache.logged]
    assert messages[0] == \
        "directive_PythonImport: error importing no_such_module_abc"
    assert any("ModuleNotFoundError" in m for m in messages)


class FakeFilter:
    def __init__(self, handler, req, is_input=0):
        self.handler, self.req, self.is_input = handler, req, is_input
        self.dir = None
        self.name = "myfilter"
        self.closed = 0
        self.disabled = False
        self.out = []
        self.flushed = 0

    def write(self, data):
        self.out.append(data)

    def flush(self):
        self.flushed += 1

    def close(self):
        self.closed = 1

    def disable(self):
        self.disabled = True


FILTERS = '''
def outputfilter(filter):
    filter.write("up")
    filter.close()

def noclose(filter):
    filter.write("x")

def broken(filter):
    raise RuntimeError("filter broke")
'''


def test_filter_dispatch(handlers):
    mod = handlers(FILTERS)
    req = FakeRequest(None, [])
    f = FakeFilter(mod, req)
    assert apache.CallBack().FilterDispatch(f) == apache.OK
    assert f.out == ["up"] and f.flushed == 0
    f = FakeFilter(mod + "::noclose", req)
    apache.CallBack().FilterDispatch(f)
    assert f.flushed == 1


def test_filter_error(handlers, fake_apache):
    mod = handlers(FILTERS)
    req = FakeRequest(None, [], {"PythonDebug": "1"})
    f = FakeFilter(mod + "::broken", req)
    apache.CallBack().FilterDispatch(f)
    assert f.disabled
    assert "Mod_python error: \"myfilter %s::broken\"" % mod in f.out[0]
    errors = [m for m, level, _ in fake_apache.logged
              if level == apache.APLOG_ERR]
    assert errors[0] == ("myfilter %s::broken: Traceback (most recent call "
                         "last):" % mod)


class FakeConn:
    def __init__(self, handler):
        self.hlist = FakeHList([(handler, None, 0, 0)])
        self.base_server = FakeServer()


def test_connection_dispatch(handlers, fake_apache):
    mod = handlers("def connectionhandler(conn):\n    return -1\n"
                   "def bad(conn):\n    raise IOError('x')\n")
    assert apache.CallBack().ConnectionDispatch(FakeConn(mod)) == -1
    assert apache.CallBack().ConnectionDispatch(FakeConn(mod + "::bad")) == 500
    assert fake_apache.logged[0][0].startswith(
        "PythonConnectionHandler %s::bad: " % mod)


def test_include_dispatch(fake_apache):
    req = FakeRequest(None, [])
    req.filename = "/srv/page.shtml"
    req.ssi_globals = {"data": "test"}
    f = FakeFilter(None, req)
    cb = apache.CallBack()
    assert cb.IncludeDispatch(f, "exec", "x = data[:2]\r\nfilter.write(x)\n ") == 0
    assert cb.IncludeDispatch(f, "eval", "x + 'st'") == 0
    assert cb.IncludeDispatch(f, "eval", "None") == 0
    assert f.out == ["te", "test"]
    assert req.ssi_globals["filter"] is None
    assert req.ssi_globals["__file__"] == "/srv/page.shtml"
    assert cb.IncludeDispatch(f, "eval", "1/0") == 500
    assert f.disabled
    assert fake_apache.logged[0][0].startswith("myfilter /srv/page.shtml: ")
