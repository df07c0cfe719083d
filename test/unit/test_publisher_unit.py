"""mod_python.publisher outside httpd: locating pages, traversal rules,
auth (including nested definitions found with ast), publishing.  The
Apache-level behaviour is in test/test_k_publisher.py."""

import base64
import os
import textwrap
import time

import pytest

from mod_python import apache, publisher

from .conftest import apache_file_stamp


class Hlist:
    def __init__(self, directory=None, is_location=False):
        self.directory = directory
        self.is_location = is_location


class FakeRequest:
    def __init__(self, filename, path_info="", method="GET", args=None,
                 headers=None, directory=None, config=None, exts="",
                 extension=None):
        self.filename = filename
        self.path_info = path_info
        self.method = method
        self.args = args
        self.uri = "/uri"
        self.headers_in = apache.table(headers or {})
        self.err_headers_out = apache.table()
        self.hlist = Hlist(directory)
        self.extension = extension
        self.config = {"PythonDebug": "1"} if config is None else config
        self.exts = exts
        self.allowed = None
        self.logged = []
        self.written = []
        self._content_type = None
        self._content_type_set = 0
        self._bytes_queued = 0
        self.sent_bodyct = 0

    @property
    def content_type(self):
        return self._content_type

    @content_type.setter
    def content_type(self, value):
        self._content_type = value
        self._content_type_set = 1

    def allow_methods(self, methods, reset=0):
        self.allowed = list(methods)

    def get_config(self):
        return self.config

    def _file_stamp(self):
        return apache_file_stamp(self.filename)

    def get_options(self):
        return {}

    def get_addhandler_exts(self):
        return self.exts

    def log_error(self, message, level=apache.APLOG_ERR):
        self.logged.append((message, level))

    def write(self, data, flush=1):
        self.written.append((data, flush))
        self._bytes_queued += len(data)

    def read(self, size=-1):
        return b""

    def readline(self, size=-1):
        return b""

    @property
    def body(self):
        return "".join(d if isinstance(d, str) else d.decode("latin-1")
                       for d, _ in self.written)


def status_of(req):
    """Run the publisher; the SERVER_RETURN status, or OK."""
    try:
        return publisher.handler(req)
    except apache.SERVER_RETURN as exc:
        return exc.args[0]


@pytest.fixture
def pages(tmp_path):
    """Write pages into a fresh directory: pages(name=text, ...) -> dir."""
    def write(**files):
        for name, text in files.items():
            path = tmp_path / name.replace("__", "/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return str(tmp_path)
    return write


APP = """
    import os
    class Thing:
        def method(self):
            return "method"
        def __call__(self):
            return "called"
    thing = Thing()
    table = {"a": 1}
    keys = table.keys
    def index():
        return "index"
    def hello(req, who="world"):
        return "hello " + who
    def html():
        return "<html>x</HTML >  \\n"
    def raw():
        return b"\\x00\\xff"
    def nothing():
        return None
    def chain():
        return hello
    def _private():
        return "secret"
    text = "plain"
"""


def test_module_file_and_object_path(pages):
    d = pages(**{"app.py": APP, "index.py": "def index(): return 'i'\n"
                                            "def other(): return 'o'\n"})
    for filename, path_info, body in [
            (d + "/app.py", "", "index"), (d + "/app.py", "/hello", "hello world"),
            (d + "/app.py", "/hello/", "hello world"), (d + "/app", "/hello", "hello world"),
            (d + "/", "", "i"), (d + "/other", "", "o"), (d + "/index", "/other", "o")]:
        req = FakeRequest(filename, path_info)
        assert status_of(req) == apache.OK, (filename, path_info, req.logged)
        assert req.body == body
    req = FakeRequest(d + "/app.py", "/hello")
    status_of(req)
    assert req.filename == d + "/app.py"
    assert req.allowed == ["GET", "POST", "HEAD"]


def test_missing_page_and_object(pages):
    d = pages(**{"sub__app.py": APP})
    assert status_of(FakeRequest(d + "/sub/none.py")) == apache.HTTP_NOT_FOUND
    assert status_of(FakeRequest(d + "/sub/app.py", "/none")) == apache.HTTP_NOT_FOUND
    assert status_of(FakeRequest(None)) == apache.HTTP_NOT_FOUND


def test_extensions_stripped(pages):
    d = pages(**{"my.app.py": APP})
    req = FakeRequest(d + "/my.app.mpy", "/hello", exts=".mpy .py")
    assert status_of(req) == apache.OK and req.body == "hello world"
    req = FakeRequest(d + "/my.app.pub", "/hello", extension=".pub")
    assert status_of(req) == apache.OK and req.body == "hello world"
    req = FakeRequest(d + "/my.app.txt", "/hello")
    assert status_of(req) == apache.HTTP_NOT_FOUND


def test_methods():
    for method in ("PUT", "DELETE", "OPTIONS"):
        req = FakeRequest("/nonexistent/x.py", method=method)
        assert status_of(req) == apache.HTTP_METHOD_NOT_ALLOWED


@pytest.mark.parametrize("path_info, status", [
    ("/_private", 403), ("/__name__", 403), ("/os", 403), ("/Thing", 403),
    ("/index/__code__", 403), ("/index/func_code", 403),
    ("/thing/method/anything", 403), ("/table/keys", 403), ("/keys", 403),
    ("/text/upper", 403), ("/thing/__class__", 403), ("/missing", 404),
    ("/thing/missing", 404), ("/thing", 200), ("/thing/method", 200),
    ("/table", 200), ("/text", 200)])
def test_traversal_rules(pages, path_info, status):
    d = pages(**{"app.py": APP})
    req = FakeRequest(d + "/app.py", path_info)
    assert status_of(req) == (apache.OK if status == 200 else status), req.logged


def test_traversal_logs(pages):
    d = pages(**{"app.py": APP})
    req = FakeRequest(d + "/app.py", "/_private", config={})
    status_of(req)
    assert req.logged == [("Cannot traverse _private in /uri because it starts "
                           "with an underscore", apache.APLOG_WARNING)]
    req = FakeRequest(d + "/app.py", "/index/x", config={})
    status_of(req)
    assert "is not a traversable object" in req.logged[0][0]
    req = FakeRequest(d + "/app.py", "/os", config={})
    status_of(req)
    assert "is not publishable" in req.logged[0][0]


def test_content_types_and_bytes(pages):
    d = pages(**{"app.py": APP})
    req = FakeRequest(d + "/app.py", "/html")
    status_of(req)
    assert req.content_type == "text/html"
    assert req.written == [("<html>x</HTML >  \n", 0)]
    req = FakeRequest(d + "/app.py", "/raw")
    status_of(req)
    assert req.written == [(b"\x00\xff", 0)] and req.content_type == "text/plain"
    req = FakeRequest(d + "/app.py", "/chain")
    status_of(req)
    assert req.body == "hello world"
    assert req.form is not None


def test_nothing_to_publish_logged_with_debug(pages):
    d = pages(**{"app.py": APP})
    req = FakeRequest(d + "/app.py", "/nothing")
    assert status_of(req) == apache.OK and req.written == []
    assert ("mod_python.publisher: nothing to publish.", apache.APLOG_NOTICE) \
        in req.logged
    req = FakeRequest(d + "/app.py", "/nothing", config={})
    status_of(req)
    assert req.logged == []


def test_outside_handler_directory(pages, tmp_path):
    d = pages(**{"pub__app.py": APP, "secret.py": APP})
    os.symlink(d + "/secret.py", d + "/pub/link.py")
    os.symlink(d + "/pub/app.py", d + "/pub/inside.py")
    req = FakeRequest(d + "/pub/link.py", "/hello", directory=d + "/pub/")
    assert status_of(req) == apache.HTTP_FORBIDDEN
    req = FakeRequest(d + "/pub/link.py", "/hello")  # no handler directory
    assert status_of(req) == apache.HTTP_FORBIDDEN
    req = FakeRequest(d + "/pub/inside.py", "/hello", directory=d + "/pub/")
    assert status_of(req) == apache.OK
    req = FakeRequest(d + "/pub/../secret.py", "/hello")
    assert status_of(req) == apache.HTTP_FORBIDDEN
    req = FakeRequest(d + "/secret.py", "/hello", directory=d + "/pub/")
    assert status_of(req) == apache.HTTP_FORBIDDEN


def test_pages_cached_and_reloaded(pages):
    d = pages(**{"app.py": "import time\nT = time.time()\n"
                           "def index(): return repr(T)\n"})
    past = time.time() - 100
    os.utime(d + "/app.py", (past, past))
    first = FakeRequest(d + "/app.py")
    status_of(first)
    assert first.logged[0] == ("Publisher loading page %s/app.py" % d,
                               apache.APLOG_NOTICE)
    again = FakeRequest(d + "/app.py")
    status_of(again)
    assert again.body == first.body and again.logged == []
    with open(d + "/app.py", "a") as f:
        f.write("\n")
    off = FakeRequest(d + "/app.py", config={"PythonAutoReload": "0"})
    status_of(off)
    assert off.body == first.body
    changed = FakeRequest(d + "/app.py")
    status_of(changed)
    assert changed.body != first.body
    assert changed.logged[0][0] == "Publisher reloading page %s/app.py" % d


def basic(user, password):
    raw = ("%s:%s" % (user, password)).encode("utf-8")
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


AUTH = """
    __auth_realm__ = "Module realm"
    __auth__ = {"eggs": "spam", "jos\\u00e9": "p\\u00e4ss"}
    __access__ = ["eggs", "jos\\u00e9"]
    def index(req):
        return "in"
"""


def test_module_auth(pages):
    d = pages(**{"a.py": AUTH})
    req = FakeRequest(d + "/a.py")
    assert status_of(req) == apache.HTTP_UNAUTHORIZED
    assert req.err_headers_out["WWW-Authenticate"] == 'Basic realm="Module realm"'
    req = FakeRequest(d + "/a.py", headers=basic("eggs", "wrong"))
    assert status_of(req) == apache.HTTP_UNAUTHORIZED
    assert req.err_headers_out["WWW-Authenticate"] == 'Basic realm = "Module realm"'
    req = FakeRequest(d + "/a.py", headers=basic("eggs", "spam"))
    assert status_of(req) == apache.OK and req.body == "in"
    req = FakeRequest(d + "/a.py", headers=basic("jos\u00e9", "p\u00e4ss"))
    assert status_of(req) == apache.OK  # UTF-8 credentials


@pytest.mark.parametrize("header", [
    "Basic !!!!", "Basic " + base64.b64encode(b"nocolon").decode(),
    "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
    'Digest username="eggs", realm="r", nonce="n", uri="/", response="x"',
    "Basic"])
def test_malformed_authorization(pages, header):
    d = pages(**{"a.py": AUTH, "free.py": "def index(): return 'free'\n"})
    req = FakeRequest(d + "/a.py", headers={"Authorization": header})
    assert status_of(req) == apache.HTTP_BAD_REQUEST
    # not examined without __auth__/__access__
    req = FakeRequest(d + "/free.py", headers={"Authorization": header})
    assert status_of(req) == apache.OK and req.body == "free"


NESTED = '''
    import functools

    CALLS = []

    def allowed_users():
        return ["spam"]

    def protected(req):
        __auth_realm__ = "Inner"
        def __auth__(req, user, password):
            CALLS.append(("auth", user, password))
            return password == "eggs"
        def __access__(req, user):
            return user in allowed_users()  # module global, not a local
        return "protected body"

    def constants():
        __auth__ = 0
        return "never"

    def tuple_access():
        __auth__ = True
        __access__ = ("spam",)
        return "tuple ok"

    def list_access():
        __access__ = ["nobody"]
        return "list ok"

    def needs_closure():
        secret = "x"
        def __auth__(req, user, password):
            return password == secret
        return "never"

    def wrapped(f):
        @functools.wraps(f)
        def wrapper(*a, **kw):
            return f(*a, **kw)
        return wrapper

    @wrapped
    def decorated():
        def __access__(req, user):
            return False
        return "never"

    class Obj:
        __auth_realm__ = "Object"

        def method(self):
            def __auth__(req, user, password):
                return user == "spam"
            return "method body"

    obj = Obj()
'''


@pytest.mark.parametrize("path_info, user, status, body", [
    ("/protected", None, 401, None), ("/protected", ("spam", "bad"), 401, None),
    ("/protected", ("other", "eggs"), 403, None),
    ("/protected", ("spam", "eggs"), 200, "protected body"),
    ("/constants", ("spam", "eggs"), 401, None),
    ("/tuple_access", ("spam", "x"), 200, "tuple ok"),
    ("/tuple_access", ("joe", "x"), 403, None),
    ("/list_access", None, 403, None),            # lists count (3.5 did)
    ("/list_access", ("nobody", "x"), 200, "list ok"),
    ("/list_access", ("bob", "x"), 403, None),
    ("/decorated", ("spam", "x"), 403, None),
    ("/obj/method", ("joe", "x"), 401, None),
    ("/obj/method", ("spam", "x"), 200, "method body")])
def test_nested_auth(pages, path_info, user, status, body):
    d = pages(**{"n.py": NESTED})
    req = FakeRequest(d + "/n.py", path_info, headers=basic(*user) if user else None)
    assert status_of(req) == (apache.OK if status == 200 else status)
    if body is not None:
        assert req.body == body
    if status == 401 and path_info == "/protected":
        assert "Inner" in req.err_headers_out["WWW-Authenticate"]


def test_nested_auth_needing_the_closure_fails_closed(pages):
    d = pages(**{"n.py": NESTED})
    req = FakeRequest(d + "/n.py", "/needs_closure", headers=basic("a", "x"))
    with pytest.raises(NameError):
        publisher.handler(req)


def test_nested_auth_uses_the_source_the_page_ran(pages):
    # AutoReload Off and the file edited: line numbers no longer match
    # the file, but the loaded code is checked against its own source.
    d = pages(**{"n.py": NESTED})
    req = FakeRequest(d + "/n.py", "/protected", headers=basic("spam", "eggs"))
    assert status_of(req) == apache.OK
    with open(d + "/n.py", "r+") as f:
        text = f.read()
        f.seek(0)
        f.write("\n\n\n" + text.replace("return password == \"eggs\"", "return True"))
    req = FakeRequest(d + "/n.py", "/protected", headers=basic("spam", "bad"),
                      config={"PythonAutoReload": "0"})
    assert status_of(req) == apache.HTTP_UNAUTHORIZED


def test_function_without_source_is_refused_not_served(pages):
    # it sets __auth__ (its code says so) but no source shows how: fail closed
    d = pages(**{"g.py": '''
        ns = {}
        exec("def made():\\n    __auth__ = False\\n    return 'made'\\n", ns)
        made = ns["made"]
    '''})
    req = FakeRequest(d + "/g.py", "/made")
    assert status_of(req) == apache.HTTP_INTERNAL_SERVER_ERROR
    assert req.body == ""


def test_nested_auth_not_run_without_a_request_to_it(pages):
    d = pages(**{"n.py": NESTED})
    req = FakeRequest(d + "/n.py", "/list_access")
    status_of(req)
    path = d + "/n.py"
    module = publisher._pages[publisher._Lookup(path, os.stat(path), req, True, False, False)]
    assert module.CALLS == []


def test_callable_returning_itself_is_stopped(pages):
    d = pages(**{"loop.py": """
        class Loop:
            def __call__(self):
                return self
        loop = Loop()
    """})
    with pytest.raises(RuntimeError):
        publisher.handler(FakeRequest(d + "/loop.py", "/loop"))
