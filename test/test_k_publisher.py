"""K. mod_python.publisher (behaviours.md items 245-273, library.md section 2),
plus the security rules: underscore names, modules, classes, built-ins,
dict methods, `..` and symbolic links out of the handler's directory.

The whole DocumentRoot is published; subdirectories add their own settings.
The site runs under both the prefork and the event MPM.
"""

import hashlib
import json
import os
import time
import urllib.request
from contextlib import closing

import pytest

from helpers import Site, basic_auth

SITE = Site(dir_directives="SetHandler mod_python\n"
                           "PythonHandler mod_python.publisher\n"
                           "PythonDebug On")


def page(rel, text):
    SITE.module(rel, text, prelude=False)


page("index.py", """
    def index(req):
        return "docroot index"

    def foobar():
        return "foobar from index.py"
""")

page("app.py", """
    import re
    import json
    from mod_python import apache, util

    _SECRET_PASSWORD = "swordfish"
    __ANSWER = 42

    def index(req):
        return "app index"

    def test_publisher(req):
        return "test_publisher ok"

    class SomeClass:
        def __call__(self):
            return "class called"

    class Instance:
        def __call__(self, req):
            return "instance called"

        def traverse(self, req):
            return "traverse called"

    instance = Instance()

    class Page:
        def __init__(self, name):
            self.name = name

        def __call__(self, req):
            return "page " + self.name

    hierarchy_root = Page("root")
    hierarchy_root.page1 = Page("page1")
    hierarchy_root.page1.subpage1 = Page("subpage1")

    test_dict = {"a": 1, "b": 2}
    test_dict_keys = test_dict.keys
    text = "just text"

    def html(req):
        return "<HTML><body>x</body></html  >\\n  "

    def not_html(req):
        return "<html>no end tag"

    def own_type(req):
        req.content_type = "application/x-own"
        return "<html></html>"

    def writes(req):
        req.write("written ")
        req.write("directly")

    def returns_bytes(req):
        return b"\\x00\\xffraw"

    def nothing(req):
        return None

    def big(req):
        # below ap_rwrite's buffer, so it all reaches CONTENT_LENGTH at once
        return "x" * 5000

    def form_kind(req):
        return "%s %s" % (type(req.form).__name__,
                          isinstance(req.form, util.FieldStorage))
""")

page("hello.py", """
    def say(req, what="NOTHING"):
        return "I am saying %s" % what
""")

page("form.py", """
    import json

    def fields(req, spam, eggs="no eggs"):
        return json.dumps({"spam": spam, "eggs": eggs})

    def everything(req, **kw):
        return json.dumps(sorted((k, str(v)) for k, v in kw.items() if k != "req"))

    def no_req(spam):
        return "no req: " + spam

    def uses_req(req):
        return "req is " + type(req).__name__
""")

page("meta.py", """
    import sys, time
    LOADED = repr(time.time())

    def loaded(req):
        return LOADED

    def identity(req):
        return "%s|%s|%s" % (__name__, __file__, __name__ in sys.modules)

    from mod_python import apache
    LOADED_IN = apache.interpreter

    def interpreter(req):
        return "%s|%s" % (LOADED_IN, apache.interpreter)
""")
# Same files, another interpreter (named after this virtual host).
SITE.config("""
    <VirtualHost *:@PORT2@>
        ServerName k-other.example
    </VirtualHost>
""")


def test_index_of_page(site):
    # K-245
    for path in ("/app.py", "/app.py/", "/app.py/index"):
        r = site.get(path)
        assert (r.status, r.text) == (200, "app index"), path


def test_function_return_is_body(site):
    # K-246
    r = site.get("/app.py/test_publisher")
    assert (r.status, r.text) == (200, "test_publisher ok")


def test_index_py_fallbacks(site):
    # K-247
    assert site.get("/").text == "docroot index"
    assert site.get("/index").text == "docroot index"
    assert site.get("/index/index").text == "docroot index"
    assert site.get("/foobar").text == "foobar from index.py"
    r = site.get("/app")
    assert (r.status, r.text) == (200, "app index")
    assert site.get("/app/test_publisher").text == "test_publisher ok"


def test_query_arguments(site):
    # K-248
    assert site.get("/hello.py/say?what=hello").text == "I am saying hello"
    assert site.get("/hello.py/say").text == "I am saying NOTHING"


page("early.py", """
    def fields(req, spam=None):
        return "spam=%s" % spam
""")
page("early_fixup.py", """
    from mod_python import apache, util

    def fixuphandler(req):
        # an earlier phase reads the form, as 3.5 code often did
        req.form = util.FieldStorage(req, keep_blank_values=1)
        return apache.OK
""")
SITE.files_section("early.py", "PythonFixupHandler early_fixup")


def test_form_of_an_earlier_phase_is_used(site):
    # K-249: the body can be read once; the publisher takes req.form
    r = site.post("/early.py/fields", "spam=1")
    assert (r.status, r.text) == (200, "spam=1")


def test_post_fields(site):
    # K-249
    r = site.post("/form.py/fields", "spam=1&eggs=2&ham=3")
    assert r.json() == {"spam": "1", "eggs": "2"}  # ham dropped
    r = site.post("/form.py/fields?eggs=q", "spam=s")
    assert r.json() == {"spam": "s", "eggs": "q"}
    r = site.post("/form.py/everything", "spam=1&eggs=2&ham=3")
    assert r.json() == [["eggs", "2"], ["ham", "3"], ["spam", "1"]]


def test_function_without_req(site):
    # K-250
    assert site.get("/form.py/no_req?spam=x&req=y").text == "no req: x"
    assert site.get("/form.py/uses_req").text == "req is mp_request"


def test_underscore_names_forbidden(site):
    # K-251
    mark = site.log_mark()
    for path in ("/app.py/_SECRET_PASSWORD", "/app.py/__ANSWER",
                 "/app.py/__dict__", "/app.py/instance/__class__",
                 "/app.py/__builtins__", "/_private"):
        r = site.get(path)
        assert r.status == 403, path
        assert "swordfish" not in r.text
    site.wait_log("Cannot traverse _SECRET_PASSWORD in /app.py/_SECRET_PASSWORD "
                  "because it starts with an underscore", since=mark)


def test_modules_forbidden(site):
    # K-252
    for path in ("/app.py/re", "/app.py/json", "/app.py/apache",
                 "/app.py/re/compile", "/app.py/apache/log_error"):
        assert site.get(path).status == 403, path


def test_classes_forbidden(site):
    # K-253
    assert site.get("/app.py/SomeClass").status == 403
    assert site.get("/app.py/Instance/traverse").status == 403


def test_no_traversal_into_functions(site):
    # K-254
    for path in ("/app.py/index/__code__", "/app.py/index/func_code",
                 "/app.py/index/index"):
        assert site.get(path).status == 403, path


def test_no_traversal_into_methods(site):
    # K-255
    assert site.get("/app.py/instance/traverse/anything").status == 403
    assert site.get("/app.py/instance/traverse/__func__").status == 403


def test_builtin_methods_forbidden(site):
    # K-256
    for path in ("/app.py/test_dict/keys", "/app.py/test_dict/clear",
                 "/app.py/test_dict_keys", "/app.py/text/upper",
                 "/app.py/test_dict/get"):
        assert site.get(path).status == 403, path
    assert site.get("/app.py/test_dict").text == "{'a': 1, 'b': 2}"
    assert site.get("/app.py/text").text == "just text"


SITE.file("k_noindex/readme.txt", "no index.py here\n")


def test_not_found(site):
    # K-257
    assert site.get("/app.py/does_not_exist").status == 404
    assert site.get("/app.py/instance/does_not_exist").status == 404
    assert site.get("/k_noindex/missing.py").status == 404
    assert site.get("/k_noindex/").status == 404


def test_callable_instance(site):
    # K-258
    assert site.get("/app.py/instance").text == "instance called"
    assert site.get("/app.py/instance/traverse").text == "traverse called"


def test_hierarchy_of_callables(site):
    # K-259
    assert site.get("/app.py/hierarchy_root").text == "page root"
    assert site.get("/app.py/hierarchy_root/page1").text == "page page1"
    assert site.get("/app.py/hierarchy_root/page1/subpage1").text == "page subpage1"


def test_other_methods_not_allowed(site):
    # K-260
    for method in ("PUT", "DELETE"):
        r = site.request(method, "/app.py/index", body=b"x")
        assert r.status == 405, method
        allow = {m.strip() for m in r.header("Allow", "").split(",")}
        assert {"GET", "POST", "HEAD"} <= allow


def test_content_type_guess(site):
    # K-261
    r = site.get("/app.py/html")
    assert r.header("Content-Type").startswith("text/html")
    assert r.header("Content-Type") == "text/html"
    r = site.get("/app.py/not_html")
    assert r.header("Content-Type") == "text/plain"
    r = site.get("/app.py/own_type")
    assert r.header("Content-Type") == "application/x-own"


def test_none_result_sends_only_written_data(site):
    # K-262
    r = site.get("/app.py/writes")
    assert (r.status, r.text) == (200, "written directly")


def test_req_form_is_field_storage(site):
    # K-263
    assert site.get("/app.py/form_kind?x=1").text == "FieldStorage True"


def test_bytes_written_verbatim(site):
    # ambiguity 21: this implementation writes bytes as they are
    r = site.get("/app.py/returns_bytes")
    assert r.body == b"\x00\xffraw"


def test_nothing_to_publish_logged(site):
    mark = site.log_mark()
    r = site.get("/app.py/nothing")
    assert (r.status, r.body) == (200, b"")
    site.wait_log("mod_python.publisher: nothing to publish.", since=mark)


def test_head_request(site):
    r = site.request("HEAD", "/app.py/test_publisher")
    assert (r.status, r.body) == (200, b"")


# ---------------------------------------------------------------------------
# __auth__, __access__, __auth_realm__

page("auth/realm.py", """
    __auth_realm__ = "Module realm"
    __auth__ = {"eggs": "spam"}

    def index(req):
        return "realm ok " + req.user if req.user else "realm ok"
""")
page("auth/norealm.py", """
    __auth__ = {"eggs": "spam", "jos\\u00e9": "p\\u00e4ss"}

    def index(req):
        return "norealm ok"
""")
page("auth/access.py", """
    __auth__ = {"eggs": "spam", "joe": "joe"}
    __access__ = ["eggs"]

    def index(req):
        return "access ok"
""")
page("auth/calls.py", """
    def __auth__(req, user, password):
        return password == "secret"

    def __access__(req, user):
        return user != "denied"

    def index(req):
        return "calls ok"
""")
page("auth/nested.py", """
    import json
    CALLED = []

    __auth_realm__ = "Outer"

    def helper_users():
        return ("spam",)

    def protected(req):
        def __auth__(req, user, password):
            return (user, password) == ("spam", "eggs")
        def __access__(req, user):
            return user in helper_users()
        CALLED.append("protected")
        return "protected body"

    def with_constants(req):
        __auth_realm__ = "Function realm"
        __auth__ = False
        return "never"

    def open_page(req):
        return "open page"

    class Obj:
        def method(self, req):
            def __auth__(req, user, password):
                return (user, password) == ("spam", "eggs")
            return "method body"

    obj = Obj()

    class Area:
        __auth__ = {"spam": "eggs"}
        __auth_realm__ = "Area"

        def page(self, req):
            def __access__(req, user):
                return False
            return "never"

        def free(self, req):
            return "area free"

    area = Area()

    def calls(req):
        return json.dumps(CALLED)
""")


def test_module_auth_challenge(site):
    # K-264
    r = site.get("/auth/realm.py")
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Basic realm="Module realm"'
    r = site.get("/auth/norealm.py")
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Basic realm="unknown"'


def test_module_auth_credentials(site):
    # K-265
    r = site.get("/auth/realm.py", headers={"Authorization": basic_auth("eggs", "bad")})
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Basic realm = "Module realm"'
    r = site.get("/auth/realm.py", headers={"Authorization": basic_auth("nobody", "spam")})
    assert r.status == 401
    r = site.get("/auth/realm.py", headers={"Authorization": basic_auth("eggs", "spam")})
    assert (r.status, r.text) == (200, "realm ok")
    # ambiguity 22: credentials decoded as UTF-8
    auth = basic_auth("jos\u00e9", "p\u00e4ss", encoding="utf-8")
    r = site.get("/auth/norealm.py", headers={"Authorization": auth})
    assert (r.status, r.text) == (200, "norealm ok")


def test_module_access(site):
    # K-266
    r = site.get("/auth/access.py", headers={"Authorization": basic_auth("joe", "joe")})
    assert r.status == 403
    r = site.get("/auth/access.py", headers={"Authorization": basic_auth("eggs", "spam")})
    assert (r.status, r.text) == (200, "access ok")


def test_callable_auth_and_access(site):
    # K-267
    r = site.get("/auth/calls.py", headers={"Authorization": basic_auth("joe", "bad")})
    assert r.status == 401
    r = site.get("/auth/calls.py", headers={"Authorization": basic_auth("denied", "secret")})
    assert r.status == 403
    r = site.get("/auth/calls.py", headers={"Authorization": basic_auth("joe", "secret")})
    assert (r.status, r.text) == (200, "calls ok")


def test_nested_auth_in_function_and_method(site):
    # K-268
    good = {"Authorization": basic_auth("spam", "eggs")}
    r = site.get("/auth/nested.py/protected")
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Basic realm="Outer"'
    r = site.get("/auth/nested.py/protected",
                 headers={"Authorization": basic_auth("spam", "bad")})
    assert r.status == 401
    r = site.get("/auth/nested.py/protected", headers=good)
    assert (r.status, r.text) == (200, "protected body")
    r = site.get("/auth/nested.py/obj/method")
    assert r.status == 401
    r = site.get("/auth/nested.py/obj/method", headers=good)
    assert (r.status, r.text) == (200, "method body")


def test_nested_auth_does_not_run_the_function(site):
    # K-268: checking a function's nested auth never calls it
    with closing(site.conn()) as conn:
        before = json.loads(conn.get("/auth/nested.py/calls").text)
        assert conn.get("/auth/nested.py/protected").status == 401
        assert json.loads(conn.get("/auth/nested.py/calls").text) == before


def test_auth_levels(site):
    # module realm carried down, function constants, instance attributes,
    # then a method's nested __access__ below them
    good = {"Authorization": basic_auth("spam", "eggs")}
    r = site.get("/auth/nested.py/with_constants", headers=good)
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Basic realm = "Function realm"'
    assert site.get("/auth/nested.py/open_page").text == "open page"
    r = site.get("/auth/nested.py/area/free")
    assert (r.status, r.header("WWW-Authenticate")) == (401, 'Basic realm="Area"')
    assert site.get("/auth/nested.py/area/free", headers=good).text == "area free"
    assert site.get("/auth/nested.py/area/page", headers=good).status == 403


@pytest.mark.parametrize("value", [
    "Basic !!!notbase64", "Basic " + "c3BhbQ==",  # "spam": no colon
    "Basic //79", "Bearer abc",
    'Digest username="spam", realm="r", nonce="n", uri="/", response="0"'])
def test_malformed_authorization(site, value):
    # K-269 (a Digest header on an __auth__ object is not Basic: 400 too)
    r = site.get("/auth/realm.py", headers={"Authorization": value})
    assert r.status == 400, value


def test_digest_header_ignored_without_auth(site):
    # K-270
    value = 'Digest username="spam", realm="r", nonce="n", uri="/", response="0"'
    r = site.get("/app.py/test_publisher", headers={"Authorization": value})
    assert (r.status, r.text) == (200, "test_publisher ok")
    r = site.get("/app.py/test_publisher", headers={"Authorization": "Basic !!!"})
    assert r.status == 200


# Digest handled by mod_auth_digest in front of a published page.
page("k_digest/dig.py", """
    def index(req):
        return "digest user " + req.user
""")
SITE.file("@ROOT@/digest.users", "spam:Digest area:%s\n" % hashlib.md5(
    b"spam:Digest area:eggs").hexdigest())
SITE.config("""
    <Directory @DOCROOT@/k_digest>
        AuthType Digest
        AuthName "Digest area"
        AuthDigestProvider file
        AuthUserFile @ROOT@/digest.users
        Require valid-user
    </Directory>
""")


def test_digest_auth_by_apache(site):
    # K-270: real Digest authentication by Apache, publisher unaffected
    url = "http://127.0.0.1:%d/k_digest/dig.py" % site.port
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, "spam", "eggs")
    opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
    with opener.open(url, timeout=30) as response:
        assert (response.status, response.read()) == (200, b"digest user spam")
    assert site.get("/k_digest/dig.py").status == 401


# ---------------------------------------------------------------------------
# Page loading

page("k_reload/live.py", """
    import time
    VERSION = 1
    LOADED = repr(time.time())

    def index(req):
        return "%d %s" % (VERSION, LOADED)
""")
page("k_noreload/frozen.py", """
    import time
    VERSION = 1
    LOADED = repr(time.time())

    def index(req):
        return "%d %s" % (VERSION, LOADED)
""")
SITE.config("""
    <Directory @DOCROOT@/k_noreload>
        PythonAutoReload Off
    </Directory>
""")


def rewrite(site, rel, version):
    path = site.path(rel)
    with open(path) as f:
        text = f.read()
    site.write(rel, text.replace("VERSION = %d" % (version - 1), "VERSION = %d" % version))


def test_page_reloaded_when_changed(site):
    # K-271
    mark = site.log_mark()
    with closing(site.conn()) as conn:
        first = conn.get("/k_reload/live.py").text
        site.wait_log("Publisher loading page %s/k_reload/live.py" % site.docroot,
                      since=mark)
        assert conn.get("/k_reload/live.py").text == first  # not executed again
        rewrite(site, "k_reload/live.py", 2)
        second = conn.get("/k_reload/live.py").text
        assert second.startswith("2 ") and second != "2" + first[1:]
        assert conn.get("/k_reload/live.py").text == second
    site.wait_log("Publisher reloading page %s/k_reload/live.py" % site.docroot,
                  since=mark)


def test_autoreload_off_keeps_loaded_page(site):
    with closing(site.conn()) as conn:
        first = conn.get("/k_noreload/frozen.py").text
        assert first.startswith("1 ")
        rewrite(site, "k_noreload/frozen.py", 2)
        time.sleep(0.01)
        assert conn.get("/k_noreload/frozen.py").text == first


def test_pages_not_in_sys_modules(site):
    # K-272
    name, file, in_modules = site.get("/meta.py/identity").text.split("|")
    assert file == site.docroot + "/meta.py"
    assert name.endswith("_meta_py") and "/" not in name
    assert in_modules == "False"


def test_pages_cached_per_interpreter(site):
    # library.md 2.4: each interpreter loads (executes) the page itself
    assert site.get("/meta.py/interpreter").text == "127.0.0.1|127.0.0.1"
    r = site.get("/meta.py/interpreter", port=site.port2, host="k-other.example")
    assert r.text == "k-other.example|k-other.example"


def test_output_not_flushed(site):
    # K-273
    r = site.get("/app.py/big")
    assert r.header("Content-Length") == "5000"
    assert r.header("Transfer-Encoding") is None
    assert r.body == b"x" * 5000
    r = site.get("/app.py/test_publisher")
    assert r.header("Content-Length") == str(len("test_publisher ok"))


# ---------------------------------------------------------------------------
# AddHandler extensions and files out of the handler's directory

page("k_add/page.py", """
    def hello(req):
        return "hello via " + req.uri
""")
SITE.config("""
    <Directory @DOCROOT@/k_add>
        SetHandler None
        AddHandler mod_python .mpy
    </Directory>
""")


def test_addhandler_extension_names_the_page(site):
    r = site.get("/k_add/page.mpy/hello")
    assert (r.status, r.text) == (200, "hello via /k_add/page.mpy/hello")


page("@ROOT@/outside/secret.py", """
    import os
    open(os.path.join(os.path.dirname(__file__), "..", "tmp", "secret-ran"), "w").close()

    def index(req):
        return "SECRET"

    def hello(req):
        return "SECRET"
""")
page("k_dotdot/fix.py", """
    def fixuphandler(req):
        # a rewrite that climbs out of the directory
        req.filename = req.filename.replace("/k_dotdot/", "/k_dotdot/../../outside/")
        return 0
""")
SITE.config("""
    <Directory @DOCROOT@/k_dotdot>
        PythonFixupHandler fix
    </Directory>
    <Directory @DOCROOT@/k_pub>
        PythonHandler mod_python.publisher
    </Directory>
""")
page("k_pub/ok.py", """
    def index(req):
        return "ok"
""")


def make_links(srv):
    outside = srv.path("@ROOT@/outside")
    os.symlink(os.path.join(outside, "secret.py"), srv.path("k_pub/link.py"))
    os.symlink(outside, srv.path("k_pub/linkdir"))
    os.symlink(outside, srv.path("linked"))
    os.symlink(srv.path("k_pub/ok.py"), srv.path("k_pub/inside.py"))


def secret_ran(site):
    return os.path.exists(site.path("@ROOT@/tmp/secret-ran"))


@pytest.mark.parametrize("path", [
    "/k_pub/link.py", "/k_pub/link.py/hello", "/k_pub/link", "/k_pub/linkdir/secret.py",
    "/linked/secret.py/hello", "/k_dotdot/secret.py", "/k_dotdot/secret",
    "/../outside/secret.py", "/%2e%2e/outside/secret.py", "/k_pub/..%2f..%2foutside/secret.py",
    "/app.py/..%2f..%2foutside%2fsecret.py", "/k_pub/%2e%2e/%2e%2e/outside/secret.py"])
def test_no_escape_from_handler_directory(site, path):
    r = site.get(path)
    assert r.status in (400, 403, 404), (path, r.status, r.text)
    assert b"SECRET" not in r.body
    assert not secret_ran(site)


def test_symlink_inside_directory_allowed(site):
    assert site.get("/k_pub/inside.py").text == "ok"


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm, modules=["auth_digest", "authn_file"]) as srv:
        make_links(srv)
        yield srv


page("k_namespaces.py", '''
import types

class Settings(types.SimpleNamespace):
    pass

def hello(req):
    return "hello from a namespace"

mine = Settings(hello=hello)
plain = types.SimpleNamespace(hello=hello)
''')


def test_instances_of_subclasses_of_types_classes_are_traversed(site):
    # 3.5 tested the exact type: only the types module's own types are
    # opaque, not an application's subclass of one
    r = site.get("/k_namespaces.py/mine/hello")
    assert (r.status, r.text) == (200, "hello from a namespace")
    assert site.get("/k_namespaces.py/plain/hello").status == 403
    assert site.get("/k_namespaces.py/types/SimpleNamespace").status == 403


page("k_auth_forms.py", '''
import functools

def check_user(req, user, password):
    return (user, password) == ("alice", "pw")

def users_dict(req):
    __auth__ = {"alice": "pw", "bob": "pw2"}
    __access__ = ["alice"]
    __auth_realm__ = "Members"
    return "dict ok"

def users_elsewhere(req):
    __auth__ = check_user
    return "elsewhere ok"

def users_tuple(req):
    __auth__ = {"alice": "pw", "bob": "pw2"}
    __access__ = ("bob",)
    return "tuple ok"

ns = {}
exec("def no_source(req):\\n    __auth__ = {'x': 'y'}\\n    return 'leaked'\\n", ns)
no_source = ns["no_source"]

def hide(func):
    def wrapper(req):
        return func(req)
    return wrapper

@hide
def hidden(req):
    __auth__ = {"alice": "pw"}
    return "leaked"

def computed(req):
    __auth__ = dict(alice="pw")
    return "leaked"
''')


def test_nested_auth_in_every_form_35_documented(site):
    # K-266, K-267, K-268, nested
    url = "/k_auth_forms.py/"
    r = site.get(url + "users_dict")
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Basic realm="Members"'
    auth = {"Authorization": basic_auth("alice", "pw")}
    assert site.get(url + "users_dict", headers=auth).text == "dict ok"
    bob = {"Authorization": basic_auth("bob", "pw2")}
    assert site.get(url + "users_dict", headers=bob).status == 403
    wrong = {"Authorization": basic_auth("alice", "nope")}
    assert site.get(url + "users_dict", headers=wrong).status == 401
    assert site.get(url + "users_elsewhere").status == 401
    assert site.get(url + "users_elsewhere", headers=auth).text == "elsewhere ok"
    assert site.get(url + "users_elsewhere", headers=bob).status == 401
    assert site.get(url + "users_tuple", headers=auth).status == 403
    assert site.get(url + "users_tuple", headers=bob).text == "tuple ok"


def test_nested_auth_that_cannot_be_read_fails_closed(site):
    # K-268: never served without the protection it asks for
    mark = site.log_mark()
    auth = {"Authorization": basic_auth("alice", "pw")}
    for name, why in (("no_source", "its source cannot be found"),
                      ("hidden", "without functools.wraps"),
                      ("computed", "cannot be evaluated without running")):
        r = site.get("/k_auth_forms.py/" + name, headers=auth)
        assert r.status == 500 and "leaked" not in r.text, name
        site.wait_log(why, since=mark)


# ---------------------------------------------------------------------------
# Strict mode: only what a page defines is published

STRICT_PAGE = """
    from glob import glob
    from subprocess import check_output
    from os.path import join as joined
    from os import sep
    import functools
    from mod_python import util

    def _wrapped(func):
        @functools.wraps(func)
        def wrapper(*args, **kw):
            return func(*args, **kw)
        return wrapper

    def index(req):
        return "own index"

    @_wrapped
    def decorated(req):
        return "own decorated"

    also_glob = glob             # assigned in the page, still glob's function

    class Greeter:
        def __call__(self, req):
            return "own instance"

    greeter = Greeter()
    text = "own text"
    if True:
        in_block = "own block"
"""
page("k_strict/page.py", STRICT_PAGE)
page("k_lax/page.py", STRICT_PAGE)
SITE.config("""
    <Directory @DOCROOT@/k_strict>
        PythonOption mod_python.publisher.strict On
    </Directory>
    <Directory @DOCROOT@/k_lax>
        PythonOption mod_python.publisher.strict Off
    </Directory>
""")


def test_strict_mode_publishes_only_what_the_page_defines(site):
    for name, text in (("index", "own index"), ("decorated", "own decorated"),
                       ("greeter", "own instance"), ("text", "own text"),
                       ("in_block", "own block")):
        r = site.get("/k_strict/page.py/" + name)
        assert (r.status, r.text) == (200, text), name
    assert site.get("/k_strict/page.py").text == "own index"
    mark = site.log_mark()
    for name in ("glob", "check_output", "joined", "also_glob", "sep"):
        r = site.get("/k_strict/page.py/%s?pathname=/etc/*&args=id" % name)
        assert r.status == 404 and "/etc/" not in r.text, name
    site.wait_log("check_output is not defined in %s/k_strict/page.py"
                  % site.docroot, since=mark)


def test_without_strict_mode_imported_callables_are_published(site):
    # as in 3.5; PythonDebug On names each one, once per page version
    mark = site.log_mark()
    with closing(site.conn()) as conn:   # one child: one page load
        r = conn.get("/k_lax/page.py/glob?pathname=/etc/host*")
        assert r.status == 200 and "/etc/hosts" in r.text
        for name in ("also_glob", "check_output", "glob", "joined", "sep"):
            site.wait_log("k_lax/page.py publishes %s, which it imports" % name,
                          since=mark)
        log = site.error_log(since=mark)
        for own in ("index", "decorated", "greeter", "Greeter", "util"):
            assert "publishes %s," % own not in log
        assert conn.get("/k_lax/page.py/index").text == "own index"
    assert site.error_log(since=mark).count("publishes glob,") == 1


# ---------------------------------------------------------------------------
# Remembered routes: the lookup of a URL that led to a plain function is
# reused while the page is unchanged (issue 14); each way it can change
# must take the full lookup again.

ROUTE_PAGE = """
    VERSION = 1

    def hello(req):
        return "hello %d" % VERSION

    def greet(req, name="nobody"):
        return "hi " + name

    def form_kind(req):
        return type(req.form).__name__

    def protect(req):
        # not "__auth__ = ..." here: that would protect this function only
        globals()["__auth__"] = {"user": "secret"}
        return "protected from now on"

    def swap(req):
        global hello
        def hello(req):
            return "swapped"
        return "done"
"""
# one page per test: what a test does to its page stays there
for name in ("edit", "query", "auth", "swap"):
    page("k_route/%s.py" % name, ROUTE_PAGE)


def rewrite_in_place(site, rel, old, new):
    """Same size, same inode, within the same second: only the mtime's
    fraction tells the versions apart."""
    assert len(old) == len(new)
    with open(site.path(rel), "r+") as f:
        text = f.read()
        f.seek(0)
        f.write(text.replace(old, new))


def test_remembered_route_follows_an_edit_in_the_same_second(site):
    # K-271, through a remembered route
    with closing(site.conn()) as conn:
        for _ in range(3):
            assert conn.get("/k_route/edit.py/hello").text == "hello 1"
        rewrite_in_place(site, "k_route/edit.py", "VERSION = 1", "VERSION = 2")
        assert conn.get("/k_route/edit.py/hello").text == "hello 2"


def test_remembered_route_passes_the_query_and_makes_req_form(site):
    with closing(site.conn()) as conn:
        for _ in range(2):
            assert conn.get("/k_route/query.py/greet").text == "hi nobody"
            assert conn.get("/k_route/query.py/form_kind").text == "FieldStorage"
        assert conn.get("/k_route/query.py/greet?name=bob").text == "hi bob"
        r = conn.post("/k_route/query.py/greet", "name=ann",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.text == "hi ann"


def test_auth_set_on_the_page_later_protects_a_remembered_route(site):
    # fails closed: a page that starts asking for credentials gets them asked
    with closing(site.conn()) as conn:
        for _ in range(2):
            assert conn.get("/k_route/auth.py/greet").status == 200
        assert conn.get("/k_route/auth.py/protect").status == 200
        assert conn.get("/k_route/auth.py/greet").status == 401
        r = conn.get("/k_route/auth.py/greet",
                     headers={"Authorization": basic_auth("user", "secret")})
        assert (r.status, r.text) == (200, "hi nobody")


def test_a_function_replaced_in_the_page_is_the_one_published(site):
    with closing(site.conn()) as conn:
        first = conn.get("/k_route/swap.py/hello").text
        assert first.startswith("hello")
        assert conn.get("/k_route/swap.py/hello").text == first
        assert conn.get("/k_route/swap.py/swap").text == "done"
        assert conn.get("/k_route/swap.py/hello").text == "swapped"
