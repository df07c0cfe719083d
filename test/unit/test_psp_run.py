"""mod_python.psp outside httpd (library.md 3.2-3.5): the PSP class, page
variables, sessions and forms, error pages, caches, the code view and the
handler.  The Apache-level behaviour is in test/test_l_psp.py."""

import os
import sys
import time
import types

import pytest

import mod_python
from mod_python import apache, psp, util

from .conftest import apache_file_stamp


class FakeRequest:
    def __init__(self, filename, args=None, config=None, options=None,
                 docroot="/nonexistent"):
        self.filename = filename
        self.args = args
        self.method = "GET"
        self.headers_in = apache.table()
        self.headers_out = apache.table()
        self.err_headers_out = apache.table()
        self.config = config or {}
        self.options = options or {}
        self.docroot = docroot
        self.server = object()
        self.main = self.prev = None
        self.notes = apache.table()     # the re-entrant request locks use it
        self.content_type = None
        self.status = 200
        self.sent_bodyct = 0
        self.flushed = 0
        self.out = []
        self.logged = []

    def get_config(self):
        return self.config

    def _file_stamp(self):
        return apache_file_stamp(self.filename)

    def get_options(self):
        return self.options

    def document_root(self):
        return self.docroot

    def log_error(self, message, level=apache.APLOG_ERR):
        self.logged.append(message)

    def write(self, data, flush=1):
        self.out.append(data)

    def flush(self):
        self.flushed += 1

    @property
    def body(self):
        return "".join(self.out)


class FakeSession(dict):
    made = []

    def __init__(self, req):
        super().__init__()
        self.saved = self.unlocked = 0
        FakeSession.made.append(self)

    def save(self):
        self.saved += 1

    def unlock(self):
        self.unlocked += 1


@pytest.fixture(autouse=True)
def fresh_cache():
    psp._memory.clear()
    yield
    psp._memory.clear()


@pytest.fixture
def sessions(monkeypatch):
    """mod_python.Session replaced by FakeSession."""
    module = types.ModuleType("mod_python.Session")
    module.Session = FakeSession
    monkeypatch.setitem(sys.modules, "mod_python.Session", module)
    monkeypatch.setattr(mod_python, "Session", module, raising=False)
    FakeSession.made = []
    return FakeSession.made


@pytest.fixture
def page(tmp_path):
    """page(name, text) -> FakeRequest for tmp_path/name."""
    def make(name, text, **kw):
        path = tmp_path / name
        path.write_text(text)
        return FakeRequest(str(path), **kw)
    return make


def run(req, **kw):
    psp.PSP(req, **kw).run()
    return req.body


# ---------------------------------------------------------------------------
# parse / parsestring

def test_parsestring_returns_source():
    # L-288
    source = psp.parsestring("<%= 1 %>")
    assert isinstance(source, str)
    req = FakeRequest(None)
    exec(source, {"req": req})
    assert req.body == "1"
    assert psp.parsestring(b"<%= 2 %>") == psp.parsestring("<%= 2 %>")


def test_parse_concatenates_dir(tmp_path):
    # L-289
    (tmp_path / "x.psp").write_text('x<%@ include file="y.psp" %>')
    (tmp_path / "y.psp").write_text("y")
    source = psp.parse("x.psp", str(tmp_path) + "/")
    req = FakeRequest(None)
    exec(source, {"req": req})
    assert req.body == "xy"
    with pytest.raises(OSError) as info:
        psp.parse("missing.psp", str(tmp_path) + "/")
    assert info.value.filename == str(tmp_path) + "/missing.psp"


# ---------------------------------------------------------------------------
# the PSP class

def test_filename_and_string_are_exclusive():
    # L-287
    with pytest.raises(ValueError, match="Must specify either filename or string"):
        psp.PSP(FakeRequest("/x"), filename="a", string="b")


def test_default_and_relative_filenames(page, tmp_path):
    req = page("main.psp", "main")
    (tmp_path / "t.html").write_text("Hello, <%=what%>!")
    assert run(req) == "main"
    req.out = []
    # L-286
    psp.PSP(req, filename="t.html").run({"what": "world"})
    assert req.body == "Hello, world!"


def test_missing_file_is_404(tmp_path):
    # L-281
    with pytest.raises(apache.SERVER_RETURN) as info:
        psp.PSP(FakeRequest(str(tmp_path / "none.psp")))
    assert info.value.args[0] == apache.HTTP_NOT_FOUND
    with pytest.raises(apache.SERVER_RETURN):
        psp.PSP(FakeRequest(str(tmp_path)))   # a directory


def test_string_source_and_vars():
    req = FakeRequest("/dir/page.py")
    page = psp.PSP(req, string="<%= a %>,<%= b %>", vars={"a": 1, "b": 2})
    page.run({"b": 3})
    assert req.body == "1,3"


def test_bytes_string_source():
    req = FakeRequest("/p")
    psp.PSP(req, string="caf\u00e9 <%= 1 %>".encode("utf-8")).run()
    assert req.body == "caf\u00e9 1"


def test_page_globals():
    req = FakeRequest("/dir/page.py")
    # globals()[...] reads them without asking for a form or session
    psp.PSP(req, string="<%= (req is REQ, __file__, globals()['form'], "
                        "globals()['session'], type(psp).__name__) %>"
            ).run({"REQ": req})
    assert req.body == "(True, '/dir/page.py', None, None, 'PSPInterface')"


def test_fresh_namespace_every_run():
    req = FakeRequest("/p")
    page = psp.PSP(req, string="<%= 'x' in globals() %><% x = 1 %>")
    page.run()
    page.run()
    assert req.body == "FalseFalse"


def test_flush():
    req = FakeRequest("/p")
    psp.PSP(req, string="x").run(flush=1)
    assert req.flushed == 1
    psp.PSP(req, string="x").run()
    assert req.flushed == 1


def test_str_runs_as_html():
    req = FakeRequest("/p")
    assert str(psp.PSP(req, string="<b>x</b>")) == ""
    assert (req.content_type, req.body) == ("text/html", "<b>x</b>")


# ---------------------------------------------------------------------------
# form and session

def test_form_made_only_when_used():
    req = FakeRequest("/p", args="a=1&b=")
    psp.PSP(req, string="<%= 1 %>").run()
    assert not hasattr(req, "form")
    # L-284
    psp.PSP(req, string="<%= form['a'] %>[<%= form['b'] %>]").run()
    assert isinstance(req.form, util.FieldStorage)
    assert req.body == "11[]"
    form = req.form
    psp.PSP(req, string="<%= form is F %>").run({"F": form})
    assert req.form is form and req.body.endswith("True")


def test_attribute_named_form_does_not_count():
    req = FakeRequest("/p", args="a=1")
    psp.PSP(req, string="<%= getattr(req, 'form', None) %><% req.form = 1 %>").run()
    assert req.body == "None"


def test_form_used_in_a_function():
    req = FakeRequest("/p", args="a=7")
    psp.PSP(req, string="<%\ndef f():\n    return form['a']\n# end\n%><%= f() %>").run()
    assert req.body == "7"


def test_form_given_in_vars_is_not_made():
    req = FakeRequest("/p", args="a=1")
    psp.PSP(req, string="<%= form %>", vars={"form": "mine"}).run()
    assert req.body == "mine" and not hasattr(req, "form")


def test_session_created_saved_and_unlocked(sessions):
    # L-283
    req = FakeRequest("/p")
    psp.PSP(req, string="<% session['n'] = 1 %><%= type(session).__name__ %>").run()
    assert req.body == "FakeSession"
    (made,) = sessions
    assert (made, made.saved, made.unlocked) == ({"n": 1}, 1, 1)
    assert not hasattr(req, "session")


def test_no_session_unless_used(sessions):
    req = FakeRequest("/p")
    psp.PSP(req, string="<%= 'session' %>").run()
    assert sessions == [] and not hasattr(req, "session")


def test_inherited_session_is_reused_not_unlocked(sessions):
    req = FakeRequest("/p")
    req.session = FakeSession(req)
    psp.PSP(req, string="<%= session is req.session %>").run()
    assert req.body == "True"
    assert (req.session.saved, req.session.unlocked) == (1, 0)
    # saved after every page, even one that does not use it
    psp.PSP(req, string="x").run()
    assert req.session.saved == 2


def test_session_unlocked_when_the_page_fails(sessions):
    req = FakeRequest("/p")
    with pytest.raises(ZeroDivisionError):
        psp.PSP(req, string="<% session; 1/0 %>").run()
    (made,) = sessions
    assert (made.saved, made.unlocked) == (0, 1)
    assert not hasattr(req, "session")


# ---------------------------------------------------------------------------
# exceptions and error pages

def test_exception_reraised_unchanged():
    # ambiguity 27: the very object, so SERVER_RETURN keeps working
    error = apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)
    req = FakeRequest("/p")
    with pytest.raises(apache.SERVER_RETURN) as info:
        psp.PSP(req, string="<% raise E %>").run({"E": error})
    assert info.value is error
    error = KeyError("k")
    with pytest.raises(KeyError) as info:
        psp.PSP(req, string="<% raise E %>").run({"E": error})
    assert info.value is error


def test_redirect(sessions):
    # L-290, with the session kept
    req = FakeRequest("/p")
    with pytest.raises(apache.SERVER_RETURN) as info:
        psp.PSP(req, string="<% session['user'] = 'u'\npsp.redirect('/next') %>").run()
    assert info.value.args[0] == apache.DONE
    assert (req.status, req.err_headers_out["Location"]) == (302, "/next")
    assert sessions[0].saved == 1
    req = FakeRequest("/p")
    with pytest.raises(apache.SERVER_RETURN):
        psp.PSP(req, string="<% psp.redirect('/p', 1) %>").run()
    assert req.status == 301


def test_error_page(page, tmp_path, sessions):
    # L-285
    (tmp_path / "err.psp").write_text(
        "fail:<%= exception[0].__name__ %>:<%= exception[1] %><% session %>")
    req = page("main.psp", "<% psp.set_error_page('err.psp') %>okay "
                           "<% session['x'] = 1\nraise ValueError('v') %>")
    psp.PSP(req).run()
    assert req.body == "okay fail:ValueError:v"
    (made,) = sessions
    assert made.unlocked == 1 and made.saved >= 1


def test_error_page_from_document_root(page, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "e.psp").write_text("root error")
    req = page("sub/p.psp", "<% psp.set_error_page('/e.psp')\n1/0 %>",
               docroot=str(tmp_path))
    assert run(req) == "root error"


def test_error_page_not_used_for_server_return(page, tmp_path):
    (tmp_path / "err.psp").write_text("error page")
    req = page("p.psp", "<% psp.set_error_page('err.psp')\npsp.redirect('/x') %>")
    with pytest.raises(apache.SERVER_RETURN):
        psp.PSP(req).run()
    assert "error page" not in req.body


def test_apply_data():
    req = FakeRequest("/p", args="a=1&b=2&c=3")
    psp.PSP(req, string="<%\ndef f(req, a, b):\n    return a + b + str(req is REQ)\n# end\n%>"
                        "<%= psp.apply_data(f) %>").run({"REQ": req})
    assert req.body == "12True"
    assert isinstance(req.form, util.FieldStorage)


# ---------------------------------------------------------------------------
# errors name the page and the line

def test_syntax_error_names_page_and_line(page):
    req = page("page.psp", "a\nb\n<%= 1 %>\nc\n\n<% x = 1 %>\n<% if x %>\n")
    with pytest.raises(SyntaxError) as info:
        psp.PSP(req)
    assert info.value.filename == req.filename
    assert info.value.lineno == 7
    assert info.value.text == "<% if x %>"
    assert info.value.offset == 8     # just after "if x", as Python says


def test_syntax_error_in_an_included_file(page, tmp_path):
    (tmp_path / "inc.psp").write_text("one\n<% ) %>")
    req = page("page.psp", 'x\n<%@ include file="inc.psp" %>')
    with pytest.raises(SyntaxError) as info:
        psp.PSP(req)
    assert (info.value.filename, info.value.lineno) == (str(tmp_path / "inc.psp"), 2)


def test_indentation_error_keeps_its_class(page):
    req = page("page.psp", "\n<% if 1: %><% x = 1 %>")
    with pytest.raises(IndentationError) as info:
        psp.PSP(req)
    assert (info.value.filename, info.value.lineno) == (req.filename, 2)


def test_parse_error_names_page_and_line(page):
    req = page("page.psp", "\n\n\n<%= oops ")
    with pytest.raises(SyntaxError) as info:
        psp.PSP(req)
    assert (info.value.filename, info.value.lineno) == (req.filename, 4)


def test_runtime_error_line(page):
    req = page("page.psp", "a\n\n<%= 1 %>\n<% x = 0 %>\n\n<%= 1 / x %>")
    with pytest.raises(ZeroDivisionError) as info:
        psp.PSP(req).run()
    tb = info.value.__traceback__
    while tb.tb_next:
        tb = tb.tb_next
    assert (tb.tb_frame.f_code.co_filename, tb.tb_lineno) == (req.filename, 6)


def test_runtime_error_in_include_gets_a_note(page, tmp_path):
    (tmp_path / "inc.psp").write_text("\n\n\n<%= 1/0 %>")
    req = page("page.psp", 'x\n<%@ include file="inc.psp" %>')
    with pytest.raises(ZeroDivisionError) as info:
        psp.PSP(req).run()
    notes = getattr(info.value, "__notes__", [])
    assert any("is line 4 of %s" % (tmp_path / "inc.psp") in n for n in notes)


# ---------------------------------------------------------------------------
# caches

def bump(path):
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))


def test_compiled_once_per_mtime(page):
    req = page("p.psp", "one")
    first = psp.PSP(req).page
    assert psp.PSP(req).page is first
    with open(req.filename, "w") as f:
        f.write("two")
    bump(req.filename)
    assert run(req) == "two"


def test_include_change_recompiles(page, tmp_path):
    inc = tmp_path / "inc.psp"
    inc.write_text("A")
    req = page("p.psp", '<%@ include file="inc.psp" %>')
    assert run(req) == "A"
    inc.write_text("B")
    bump(str(inc))
    req.out = []
    assert run(req) == "B"


def test_string_pages_are_cached():
    req = FakeRequest("/p")
    assert psp.PSP(req, string="s").page is psp.PSP(req, string="s").page


def test_memory_cache_evicts_least_used():
    cache = psp._MemoryCache(size=4)
    pages = [psp._compile_string(str(n)) for n in range(5)]
    for n, page in enumerate(pages[:4]):
        cache.put(n, page)
        for _ in range(n):
            cache.get(n)
    cache.put(4, pages[4])       # 5 > 4: down to 3, the new one and the most used
    assert sorted(cache.pages) == [2, 3, 4]


def test_dbm_cache(page, tmp_path, monkeypatch):
    db = str(tmp_path / "psp_cache")
    req = page("p.psp", "<%= 6 * 7 %>",
               options={"mod_python.psp.cache_database_filename": db})
    assert run(req) == "42"
    assert any(name.startswith("psp_cache") for name in os.listdir(tmp_path))
    # another process: nothing in memory, the code comes from the dbm file
    psp._memory.clear()

    def no_compile(*args):
        raise AssertionError("compiled again")
    monkeypatch.setattr(psp, "_compile_file", no_compile)
    req.out = []
    assert run(req) == "42"
    # a changed page is compiled again
    monkeypatch.undo()
    with open(req.filename, "w") as f:
        f.write("new")
    bump(req.filename)
    psp._memory.clear()
    req.out = []
    assert run(req) == "new"


def test_dbm_cache_legacy_option_and_bad_file(page, tmp_path):
    req = page("p.psp", "ok", options={"PSPDbmCache": str(tmp_path / "no" / "db")})
    assert run(req) == "ok"       # unusable cache file: logged, page still runs
    assert any("cache database" in m for m in req.logged)


# ---------------------------------------------------------------------------
# the code view and the handler

def test_display_code(page):
    req = page("p.psp", "<b>\t&</b>\n<% x = 1 %>")
    psp.PSP(req).display_code()
    body = req.body
    assert body.startswith("<table")
    assert "&lt;b&gt;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&amp;&lt;/b&gt;" in body
    assert "x&nbsp;=&nbsp;1" in body
    assert "req.write(" in body


def test_handler_runs_page(page):
    req = page("p.psp", "<%= 1 %>")
    assert psp.handler(req) == apache.OK
    assert (req.content_type, req.body) == ("text/html", "1")


def test_handler_code_view_needs_debug(page):
    req = page("p.psp", "<%= 1 %>", config={"PythonDebug": "1"})
    req.filename += "_"
    assert psp.handler(req) == apache.OK
    assert "<table" in req.body
    req = page("q.psp", "<%= 1 %>", config={"PythonDebug": "0"})
    req.filename += "_"
    with pytest.raises(apache.SERVER_RETURN) as info:
        psp.handler(req)
    assert info.value.args[0] == apache.HTTP_NOT_FOUND


def test_code_view_of_a_page_that_does_not_compile(page):
    req = page("p.psp", "<% if %>", config={"PythonDebug": "1"})
    req.filename += "_"
    assert psp.handler(req) == apache.OK
    # the code view, not an error: the escaped source next to its Python
    assert req.body.startswith('<table border="1"')
    assert "<td><code>&lt;%&nbsp;if&nbsp;%&gt;</code></td><td><code>if</code></td>" \
        in req.body


def test_cached_pages_run_fast(page):
    req = page("p.psp", "<% for i in range(10): %><%= i %><% %>")
    psp.PSP(req).run()
    start = time.perf_counter()
    for _ in range(1000):
        psp.PSP(req).run()
    assert time.perf_counter() - start < 2


def test_dbm_cache_under_a_mutex_the_request_holds(page, tmp_path, monkeypatch):
    # a request holding mutex 0 (a DbmSession's) must not wait for itself
    from mod_python import session_locks
    db = str(tmp_path / "psp_cache")
    req = page("p.psp", "<%= 6 * 7 %>",
               options={"mod_python.psp.cache_database_filename": db})
    with session_locks.GlobalMutex(req, "dbm", 0):
        def deadlock(*args):
            raise AssertionError("mutex 0 taken twice by one request")
        monkeypatch.setattr(apache, "_global_lock", deadlock)
        assert run(req) == "42"
    assert any(name.startswith("psp_cache") for name in os.listdir(tmp_path))
