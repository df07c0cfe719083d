"""C. Handler dispatch and phases (behaviours.md items 50-94, 97).

The whole site runs under both the prefork and the event MPM.
"""

import base64
import hashlib

import pytest

from helpers import Site, basic_auth

SITE = Site()

MARK = """
def mark(req, name):
    lst = getattr(req, "marks", None)
    if lst is None:
        lst = req.marks = []
    lst.append(name)
"""

SITE.handler("c50", """
    def handler(req):
        req.write("Hello")
        return apache.OK
""")

# 51: default callables
SITE.handler("c51", MARK + """
def headerparserhandler(req):
    mark(req, "headerparserhandler"); return apache.OK
def accesshandler(req):
    mark(req, "accesshandler"); return apache.OK
def authenhandler(req):
    mark(req, "authenhandler"); req.user = "c51user"; return apache.OK
def authzhandler(req):
    mark(req, "authzhandler"); return apache.OK
def typehandler(req):
    mark(req, "typehandler"); return apache.OK
def fixuphandler(req):
    mark(req, "fixuphandler"); return apache.OK
def handler(req):
    mark(req, "handler")
    return reply(req, req.marks)
def loghandler(req):
    req.log_error("c51 loghandler ran", apache.APLOG_NOTICE)
    return apache.OK
""", directives="""
PythonHeaderParserHandler c51
PythonAccessHandler c51
PythonAuthenHandler c51
PythonAuthzHandler c51
PythonTypeHandler c51
PythonFixupHandler c51
PythonLogHandler c51
AuthType dummy
AuthName c51
Require valid-user
""", pattern="c51")

SITE.handler("c52", """
    def handler(req):
        req.write("wrong function")
        return apache.OK
    def spam(req):
        req.write("spam called")
        return apache.OK
""", handler="c52::spam")

SITE.handler("c53", """
    class Cls:
        def __init__(self, req):
            self.got = type(req).__name__
            self.uri = req.uri
        def meth(self, req):
            req.write("%s %s %s" % (type(self).__name__, self.got, self.uri))
            return apache.OK
""", handler="c53::Cls.meth")

SITE.handler("c54", """
    def handler(req):
        req.write("wrong function")
        return apache.OK
""", handler="c54::nonexistent")

SITE.handler("c55", """
    none_handler = None
""", handler="c55::none_handler")

SITE.handler("c56", """
    def returns_none(req):
        req.content_type = "text/plain"
        return None
    def returns_str(req):
        return "a string"
""", handler="c56::returns_none")
SITE.files_section("c56b.py", "PythonHandler c56::returns_str")

for d in ("c57", "c58", "c59", "c60", "c67", "c87"):
    SITE.file("%s/static.txt" % d, "%s static content\n" % d)
SITE.module("c57/c57.py", """
    def handler(req):
        return apache.DECLINED
""")
SITE.module("c59/c59.py", """
    def handler(req):
        req.write("c59 handler ran")
        return apache.OK
""")
SITE.module("c60/c60.py", """
    def handler(req):
        req.write("c60 ran handler=%s" % req.handler)
        return apache.OK
""")
SITE.file("c60/page.py", "# not a module, just a file\n")
SITE.config("""
    <Directory @DOCROOT@/c57>
        PythonHandler c57
    </Directory>
    <Directory @DOCROOT@/c59>
        SetHandler None
        PythonHandler c59
    </Directory>
    <Directory @DOCROOT@/c60>
        SetHandler None
        AddHandler python-program .py
        PythonHandler c60
    </Directory>
""")

SITE.handler("c61", """
    def handler(req):
        return apache.HTTP_NOT_FOUND
""")

SITE.handler("c62", """
    def handler(req):
        req.status = 404
        req.write("custom 404 page")
        return apache.OK
""")

SITE.handler("c63", """
    def handler(req):
        raise apache.SERVER_RETURN(apache.HTTP_FORBIDDEN)
""")

SITE.handler("c64", """
    def handler(req):
        req.write("x", 0)
        raise apache.SERVER_RETURN(apache.OK, 201)
""")

SITE.handler("c65", """
    def first(req):
        raise apache.SERVER_RETURN(apache.OK)
    def second(req):
        req.write("test ok")
        return apache.OK
""", handler="c65::first c65::second")

SITE.handler("c66", """
    def first(req):
        req.write("a")
        return apache.OK
    def second(req):
        req.write("b")
        return apache.OK
""", handler="c66::first c66::second")

SITE.module("c67/c67.py", """
    def first(req):
        return apache.DECLINED
    def second(req):
        req.write("second ran")
        return apache.OK
""")
SITE.config("""
    <Directory @DOCROOT@/c67>
        PythonHandler c67::first c67::second
    </Directory>
""")

SITE.handler("c68", """
    def first(req):
        return apache.HTTP_FORBIDDEN
    def second(req):
        req.log_error("c68 second ran")
        req.write("second ran")
        return apache.OK
""", handler="c68::first c68::second")

SITE.handler("c69", MARK + """
def a1(req):
    mark(req, "a1"); return apache.DECLINED
def a2(req):
    mark(req, "a2"); req.user = "c69user"; return apache.OK
def a3(req):
    mark(req, "a3"); return apache.OK
def handler(req):
    return reply(req, {"marks": getattr(req, "marks", None), "user": req.user})
""", directives="""
PythonAuthenHandler c69::a1 c69::a2 c69::a3
AuthType dummy
AuthName c69
Require valid-user
""")

SITE.handler("c70", MARK + """
def f1(req):
    mark(req, "f1"); return apache.DECLINED
def f2(req):
    mark(req, "f2"); return apache.OK
def f3(req):
    mark(req, "f3"); return apache.OK
def handler(req):
    return reply(req, getattr(req, "marks", None))
""", directives="PythonFixupHandler c70::f1 c70::f2 c70::f3")

SITE.handler("c71", MARK + """
def ac1(req):
    mark(req, "ac1"); return apache.OK
def ac2(req):
    mark(req, "ac2"); return apache.DECLINED
def ac3(req):
    mark(req, "ac3"); return apache.OK
def hp1(req):
    mark(req, "hp1"); return apache.DECLINED
def hp2(req):
    mark(req, "hp2"); return apache.OK
def hp3(req):
    mark(req, "hp3"); return apache.OK
def lg1(req):
    req.log_error("c71 log1", apache.APLOG_NOTICE); return apache.OK
def lg2(req):
    req.log_error("c71 log2", apache.APLOG_NOTICE); return apache.DECLINED
def lg3(req):
    req.log_error("c71 log3", apache.APLOG_NOTICE); return apache.OK
def handler(req):
    return reply(req, getattr(req, "marks", None))
""", directives="""
PythonHeaderParserHandler c71::hp1 c71::hp2 c71::hp3
PythonAccessHandler c71::ac1 c71::ac2 c71::ac3
PythonLogHandler c71::lg1 c71::lg2 c71::lg3
""")

SITE.handler("c72az", MARK + """
def authen(req):
    req.user = "c72user"; return apache.OK
def z1(req):
    mark(req, "z1"); return apache.DECLINED
def z2(req):
    mark(req, "z2"); return apache.OK
def z3(req):
    mark(req, "z3"); return apache.OK
def y1(req):
    mark(req, "y1"); return apache.DECLINED
def y2(req):
    mark(req, "y2"); return apache.OK
def y3(req):
    mark(req, "y3"); return apache.OK
def handler(req):
    return reply(req, getattr(req, "marks", None))
""", directives="""
PythonAuthenHandler c72az::authen
PythonAuthzHandler c72az::z1 c72az::z2 c72az::z3
PythonTypeHandler c72az::y1 c72az::y2 c72az::y3
AuthType dummy
AuthName c72
Require valid-user
""", pattern="c72az")
SITE.module("@ROOT@/vhmods/c72.py", MARK + """
def t1(req):
    mark(req, "t1"); return apache.DECLINED
def t2(req):
    mark(req, "t2")
    req.filename = req.document_root() + req.uri
    return apache.OK
def t3(req):
    mark(req, "t3"); return apache.OK
def handler(req):
    return reply(req, getattr(req, "marks", None))
""")

PHASES = ["postreadrequesthandler", "transhandler", "headerparserhandler",
          "accesshandler", "authenhandler", "authzhandler", "typehandler",
          "fixuphandler", "handler"]
SITE.module("@ROOT@/vhmods/c73.py", MARK + """
def postreadrequesthandler(req):
    mark(req, "postreadrequesthandler"); return apache.OK
def transhandler(req):
    mark(req, "transhandler"); return apache.DECLINED
def headerparserhandler(req):
    mark(req, "headerparserhandler"); return apache.OK
def accesshandler(req):
    mark(req, "accesshandler"); return apache.OK
def authenhandler(req):
    mark(req, "authenhandler"); req.user = "c73user"; return apache.OK
def authzhandler(req):
    mark(req, "authzhandler"); return apache.OK
def typehandler(req):
    mark(req, "typehandler"); return apache.DECLINED
def fixuphandler(req):
    mark(req, "fixuphandler"); return apache.OK
def handler(req):
    mark(req, "handler")
    return reply(req, req.marks)
def loghandler(req):
    req.log_error("c73 phase loghandler", apache.APLOG_NOTICE); return apache.OK
def cleanuphandler(req):
    req.log_error("c73 phase cleanuphandler", apache.APLOG_NOTICE); return apache.OK
""")

SITE.handler("c74", """
    def fixup(req):
        req.c74 = req.phase
        return apache.OK
    def handler(req):
        return reply(req, {"fixup": getattr(req, "c74", None), "handler": req.phase})
""", directives="PythonFixupHandler c74::fixup")

SITE.module("@ROOT@/vhmods/c75.py", """
    def prr(req):
        req.write("test ok")
        return apache.DONE
    def fixup(req):
        req.log_error("c75 fixup ran")
        return apache.OK
    def handler(req):
        req.log_error("c75 handler ran")
        req.write("c75 handler ran")
        return apache.OK
""")

SITE.module("@ROOT@/vhmods/c76.py", """
    def transhandler(req):
        req.filename = req.document_root() + "/c76target.txt"
        return apache.OK
""")
SITE.file("@ROOT@/vhdocs/c76target.txt", "c76 target file content\n")

SITE.module("@ROOT@/vhmods/c77.py", """
    def postreadrequesthandler(req):
        req.log_error("c77 postread ran for %s" % req.uri, apache.APLOG_NOTICE)
        return apache.OK
""")
SITE.file("@ROOT@/vhdocs/c77static.txt", "c77 static\n")

SITE.handler("c78", """
    def authen(req):
        return apache.OK
    def handler(req):
        req.write("should not be reached")
        return apache.OK
""", directives="""
PythonAuthenHandler c78::authen
AuthType dummy
AuthName c78
Require valid-user
""")

SITE.handler("c79", """
    def authen(req):
        req.c79 = {"pw": req.get_basic_auth_pw(), "user": req.user}
        return apache.OK
    def handler(req):
        return reply(req, getattr(req, "c79", None))
""", directives="""
PythonAuthenHandler c79::authen
AuthType Basic
AuthName c79
Require valid-user
""")

SITE.handler("c80", """
    def authen(req):
        pw = req.get_basic_auth_pw()
        if req.user == "spam" and pw == "eggs":
            return apache.OK
        return apache.HTTP_UNAUTHORIZED
    def handler(req):
        req.write("authenticated")
        return apache.OK
""", directives="""
PythonAuthenHandler c80::authen
AuthType Basic
AuthName "c80 realm"
Require valid-user
""")

SITE.handler("c81", """
    def record(req):
        d = getattr(req, "c81", None)
        if d is None:
            d = req.c81 = {}
        d[req.phase] = [req.auth_type(), req.auth_name()]
    def authen(req):
        record(req)
        req.user = "dummyuser"
        req.ap_auth_type = "dummy"
        return apache.OK
    def authz(req):
        record(req)
        return apache.OK
    def handler(req):
        record(req)
        return reply(req, {"phases": req.c81, "user": req.user,
                           "ap_auth_type": req.ap_auth_type})
""", directives="""
PythonAuthenHandler c81::authen
PythonAuthzHandler c81::authz
AuthType dummy
AuthName blah
Require valid-user
""")

SITE.handler("c82", """
    def handler(req):
        pw = req.get_basic_auth_pw()
        if req.user != "spam" or pw != "eggs":
            return apache.HTTP_UNAUTHORIZED
        req.write("welcome")
        return apache.OK
""", directives="""
AuthType Basic
AuthName c82
""")

SITE.handler("c83", """
    def cleanup(req):
        req.log_error("c83 cleanup ran", apache.APLOG_NOTICE)
        return apache.HTTP_FORBIDDEN
    def handler(req):
        req.write("c83 body")
        return apache.OK
""", directives="PythonCleanupHandler c83::cleanup")

SITE.handler("c84", """
    def cleanup(req):
        raise ValueError("c84 cleanup boom")
    def handler(req):
        req.write("c84 body")
        return apache.OK
""", directives="PythonCleanupHandler c84::cleanup")

SITE.handler("c85", """
    def handler(req):
        req.c85 = "attribute from first"
        req.add_handler("PythonHandler", "c85::second")
        req.write("first|")
        return apache.OK
    def second(req):
        req.write("second saw " + req.c85)
        return apache.OK
""")

SITE.module("c86.py", """
    def access(req):
        req.add_handler("PythonHandler", "c86::content")
        return apache.OK
    def content(req):
        req.write("c86 content ran")
        return apache.OK
""")
SITE.files_section("c86.py", "PythonAccessHandler c86::access")

SITE.module("c87/c87.py", """
    def fixup(req):
        req.handler = None
        req.c87 = req.handler
        req.handler = "mod_python"
        req.add_handler("PythonHandler", "c87::content")
        return apache.OK
    def content(req):
        req.write("c87 content ran, handler was %r" % (req.c87,))
        return apache.OK
""")
SITE.config("""
    <Directory @DOCROOT@/c87>
        SetHandler None
        PythonFixupHandler c87::fixup
    </Directory>
""")

SITE.handler("c88", """
    def handler(req):
        req.add_handler("PythonHandler", "c88::bad_handler")
        req.write("added without error|")
        return apache.OK
""")

SITE.handler("c89", """
    def handler(req):
        req.add_handler("PythonHandler", "")
        req.err_headers_out["X-C89"] = "no raise"
        return apache.OK
""")

SITE.handler("c90", """
    def handler(req):
        return reply(req, {
            "cleanup": capture(lambda: req.add_handler("PythonCleanupHandler", "c90::x")),
            "bogus": capture(lambda: req.add_handler("PythonBogusHandler", "c90::x"))})
""")

SITE.handler("c91", """
    def handler(req):
        req.add_handler("PythonHandler", "c91::second", req.document_root() + "/c91")
        return apache.OK
    def second(req):
        return reply(req, {"directory": req.hlist.directory})
""")
SITE.file("c91/keep.txt", "x\n")

SITE.module("c92/c92fix.py", """
    def fixuphandler(req):
        req.add_handler("PythonHandler", "c92content", req.document_root() + "/c92/sub")
        return apache.OK
""")
SITE.module("c92/sub/c92content.py", """
    def handler(req):
        return reply(req, {"interpreter": req.interpreter,
                           "directory": req.hlist.directory})
""")
SITE.config("""
    <Directory @DOCROOT@/c92>
        PythonInterpPerDirective On
        PythonFixupHandler c92fix
    </Directory>
""")

SITE.module("c93.py", """
    def fixuphandler(req):
        req.c93 = "yes"
        return apache.OK
    def handler(req):
        req.write("handler ran; fixup=%s" % getattr(req, "c93", None))
        return apache.OK
""")
SITE.files_section("c93.py", "PythonHandlerModule c93")

SITE.module("c94/c94.py", """
    def handler(req):
        req.write("c94 user=%s" % req.user)
        return apache.OK
""")
SITE.file("@ROOT@/c94.htpasswd", "spam:{SHA}%s\n" % base64.b64encode(
    hashlib.sha1(b"eggs").digest()).decode())
SITE.config("""
    <Directory @DOCROOT@/c94>
        PythonHandlerModule c94
        AuthType Basic
        AuthName c94
        AuthBasicProvider file
        AuthUserFile @ROOT@/c94.htpasswd
        Require valid-user
    </Directory>
""")

SITE.module("@ROOT@/vhmods/c97.py", MARK + """
def init(req):
    mark(req, "init"); return apache.OK
def prr(req):
    mark(req, "postread"); return apache.OK
def handler(req):
    return reply(req, getattr(req, "marks", None))
""")

SITE.config("""
    <Directory @ROOT@/vhdocs>
        Require all granted
    </Directory>
    <VirtualHost *:@PORT2@>
        ServerName c72.example
        DocumentRoot @ROOT@/vhdocs
        PythonPath "sys.path+['@ROOT@/vhmods']"
        PythonDebug On
        PythonTransHandler c72::t1 c72::t2 c72::t3
        SetHandler mod_python
        PythonHandler c72
    </VirtualHost>
    <VirtualHost *:@PORT2@>
        ServerName c73.example
        DocumentRoot @ROOT@/vhdocs
        PythonPath "sys.path+['@ROOT@/vhmods']"
        PythonDebug On
        SetHandler mod_python
        PythonPostReadRequestHandler c73
        PythonTransHandler c73
        PythonHeaderParserHandler c73
        PythonAccessHandler c73
        PythonAuthenHandler c73
        PythonAuthzHandler c73
        PythonTypeHandler c73
        PythonFixupHandler c73
        PythonHandler c73
        PythonLogHandler c73
        PythonCleanupHandler c73
        <Location /c73>
            AuthType dummy
            AuthName c73
            Require valid-user
        </Location>
    </VirtualHost>
    <VirtualHost *:@PORT2@>
        ServerName c75.example
        DocumentRoot @ROOT@/vhdocs
        PythonPath "sys.path+['@ROOT@/vhmods']"
        PythonDebug On
        SetHandler mod_python
        PythonPostReadRequestHandler c75::prr
        PythonFixupHandler c75::fixup
        PythonHandler c75
    </VirtualHost>
    <VirtualHost *:@PORT2@>
        ServerName c76.example
        DocumentRoot @ROOT@/vhdocs
        PythonPath "sys.path+['@ROOT@/vhmods']"
        PythonDebug On
        PythonTransHandler c76
    </VirtualHost>
    <VirtualHost *:@PORT2@>
        ServerName c77.example
        DocumentRoot @ROOT@/vhdocs
        PythonPath "sys.path+['@ROOT@/vhmods']"
        PythonDebug On
        PythonPostReadRequestHandler c77
    </VirtualHost>
    <VirtualHost *:@PORT2@>
        ServerName c97.example
        DocumentRoot @ROOT@/vhdocs
        PythonPath "sys.path+['@ROOT@/vhmods']"
        PythonDebug On
        SetHandler mod_python
        PythonInitHandler c97::init
        PythonPostReadRequestHandler c97::prr
        PythonHandler c97
    </VirtualHost>
""")


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm, modules=["authn_file"]) as srv:
        yield srv


def vhost_get(site, name, path, **kw):
    return site.get(path, port=site.port2, host=name, **kw)


def test_hello(site):
    # C-50
    r = site.get("/c50.py")
    assert (r.status, r.text) == (200, "Hello")


def test_default_callables(site):
    # C-51
    mark = site.log_mark()
    # no extension: mod_mime (whose type_checker hook runs before mod_python's
    # at the same hook order) would otherwise settle the type phase itself
    r = site.get("/c51")
    assert r.status == 200, r.text
    assert r.json() == ["headerparserhandler", "accesshandler", "authenhandler",
                        "authzhandler", "typehandler", "fixuphandler", "handler"]
    site.wait_log("c51 loghandler ran", since=mark)


def test_named_callable(site):
    # C-52
    r = site.get("/c52.py")
    assert (r.status, r.text) == (200, "spam called")


def test_class_method_callable(site):
    # C-53
    r = site.get("/c53.py")
    assert (r.status, r.text) == (200, "Cls mp_request /c53.py")


def test_missing_callable(site):
    # C-54
    mark = site.log_mark()
    r = site.get("/c54.py")
    assert r.status == 500
    assert "wrong function" not in r.text
    site.wait_log("contains no 'nonexistent'", since=mark)


def test_none_callable(site):
    # C-55
    r = site.get("/c55.py")
    assert r.status == 500


@pytest.mark.parametrize("path", ["/c56.py", "/c56b.py"])
def test_non_int_return(site, path):
    # C-56
    mark = site.log_mark()
    r = site.get(path)
    assert r.status == 500
    site.wait_log("an int status is required", since=mark)


def test_declined_serves_static(site):
    # C-57
    r = site.get("/c57/static.txt")
    assert (r.status, r.text) == (200, "c57 static content\n")


def test_no_python_handler_declines(site):
    # C-58
    r = site.get("/c58/static.txt")
    assert (r.status, r.text) == (200, "c58 static content\n")


def test_handler_phase_needs_mod_python_handler(site):
    # C-59
    r = site.get("/c59/static.txt")
    assert (r.status, r.text) == (200, "c59 static content\n")


def test_python_program_alias(site):
    # C-60
    r = site.get("/c60/page.py")
    assert (r.status, r.text) == (200, "c60 ran handler=python-program")
    r = site.get("/c60/static.txt")
    assert (r.status, r.text) == (200, "c60 static content\n")


def test_return_not_found(site):
    # C-61
    r = site.get("/c61.py")
    assert r.status == 404
    assert "Not Found" in r.text


def test_status_404_with_own_body(site):
    # C-62
    r = site.get("/c62.py")
    assert (r.status, r.text) == (404, "custom 404 page")


def test_server_return_forbidden(site):
    # C-63
    r = site.get("/c63.py")
    assert r.status == 403


def test_server_return_two_args(site):
    # C-64
    r = site.get("/c64.py")
    assert (r.status, r.text) == (201, "x")


def test_server_return_ok_continues(site):
    # C-65
    r = site.get("/c65.py")
    assert (r.status, r.text) == (200, "test ok")


def test_stack_ok_continues(site):
    # C-66
    r = site.get("/c66.py")
    assert (r.status, r.text) == (200, "ab")


def test_stack_declined_stops(site):
    # C-67
    r = site.get("/c67/static.txt")
    assert (r.status, r.text) == (200, "c67 static content\n")


def test_stack_forbidden_stops(site):
    # C-68
    mark = site.log_mark()
    r = site.get("/c68.py")
    assert r.status == 403
    assert "second ran" not in r.text
    assert "c68 second ran" not in site.error_log(mark)


def test_stacked_authen_stops_at_ok(site):
    # C-69
    r = site.get("/c69.py")
    assert r.status == 200, r.text
    assert r.json() == {"marks": ["a1", "a2"], "user": "c69user"}


def test_stacked_fixups_all_run(site):
    # C-70
    r = site.get("/c70.py")
    assert r.status == 200, r.text
    assert r.json() == ["f1", "f2", "f3"]


def test_stacked_access_headerparser_log_continue(site):
    # C-71
    mark = site.log_mark()
    r = site.get("/c71.py")
    assert r.status == 200, r.text
    assert r.json() == ["hp1", "hp2", "hp3", "ac1", "ac2", "ac3"]
    log = site.wait_log("c71 log3", since=mark)
    assert 0 <= log.index("c71 log1") < log.index("c71 log2") < log.index("c71 log3")


def test_stacked_trans_authz_type_stop_at_ok(site):
    # C-72
    r = site.get("/c72az")   # no extension, see test_default_callables
    assert r.status == 200, r.text
    assert r.json() == ["z1", "z2", "y1", "y2"]
    r = vhost_get(site, "c72.example", "/c72-anything")
    assert r.status == 200, r.text
    assert r.json() == ["t1", "t2"]


def test_phase_order(site):
    # C-73
    mark = site.log_mark()
    r = vhost_get(site, "c73.example", "/c73/x")
    assert r.status == 200, r.text
    assert r.json() == PHASES
    log = site.wait_log("c73 phase cleanuphandler", since=mark)
    assert "c73 phase loghandler" in log
    assert log.index("c73 phase loghandler") < log.index("c73 phase cleanuphandler")


def test_req_phase(site):
    # C-74
    r = site.get("/c74.py")
    assert r.json() == {"fixup": "PythonFixupHandler", "handler": "PythonHandler"}


def test_postread_done(site):
    # C-75
    mark = site.log_mark()
    r = vhost_get(site, "c75.example", "/x")
    assert (r.status, r.text) == (200, "test ok")
    log = site.error_log(mark)
    assert "c75 fixup ran" not in log
    assert "c75 handler ran" not in log


def test_trans_handler_sets_filename(site):
    # C-76
    r = vhost_get(site, "c76.example", "/some/other/uri")
    assert (r.status, r.text) == (200, "c76 target file content\n")


def test_postread_runs_for_static(site):
    # C-77
    mark = site.log_mark()
    r = vhost_get(site, "c77.example", "/c77static.txt")
    assert (r.status, r.text) == (200, "c77 static\n")
    site.wait_log("c77 postread ran for /c77static.txt", since=mark)


def test_authen_ok_without_user(site):
    # C-78
    mark = site.log_mark()
    r = site.get("/c78.py")
    assert r.status == 500
    assert "should not be reached" not in r.text
    site.wait_log("req->user is NULL", since=mark)


def test_authen_get_basic_auth_pw(site):
    # C-79
    r = site.get("/c79.py", headers={"Authorization": basic_auth("spam", "eggs")})
    assert r.status == 200, r.text
    assert r.json() == {"pw": "eggs", "user": "spam"}


def test_authen_unauthorized_basic(site):
    # C-80
    r = site.get("/c80.py", headers={"Authorization": basic_auth("spam", "wrong")})
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Basic realm="c80 realm"'
    r = site.get("/c80.py", headers={"Authorization": basic_auth("spam", "eggs")})
    assert (r.status, r.text) == (200, "authenticated")


def test_auth_type_and_name(site):
    # C-81
    r = site.get("/c81.py")
    assert r.status == 200, r.text
    d = r.json()
    assert d["phases"] == {"PythonAuthenHandler": ["dummy", "blah"],
                           "PythonAuthzHandler": ["dummy", "blah"],
                           "PythonHandler": ["dummy", "blah"]}
    assert d["user"] == "dummyuser"
    assert d["ap_auth_type"] == "dummy"


def test_content_handler_unauthorized(site):
    # C-82
    r = site.get("/c82.py", headers={"Authorization": basic_auth("spam", "bad")})
    assert r.status == 401
    r = site.get("/c82.py", headers={"Authorization": basic_auth("spam", "eggs")})
    assert (r.status, r.text) == (200, "welcome")


def test_cleanup_handler(site):
    # C-83
    mark = site.log_mark()
    r = site.get("/c83.py")
    assert (r.status, r.text) == (200, "c83 body")
    site.wait_log("c83 cleanup ran", since=mark)


def test_cleanup_exception_only_logged(site):
    # C-84
    mark = site.log_mark()
    r = site.get("/c84.py")
    assert (r.status, r.text) == (200, "c84 body")
    site.wait_log("c84 cleanup boom", since=mark)


def test_add_handler_same_phase(site):
    # C-85
    r = site.get("/c85.py")
    assert (r.status, r.text) == (200, "first|second saw attribute from first")


def test_add_handler_from_access(site):
    # C-86
    r = site.get("/c86.py")
    assert (r.status, r.text) == (200, "c86 content ran")


def test_add_handler_from_fixup_sets_handler(site):
    # C-87
    r = site.get("/c87/static.txt")
    assert (r.status, r.text) == (200, "c87 content ran, handler was None")


def test_add_handler_bad_handler_fails_later(site):
    # C-88
    mark = site.log_mark()
    r = site.get("/c88.py")
    assert "added without error|" in r.text
    site.wait_log("contains no 'bad_handler'", since=mark)


def test_add_handler_empty_string(site):
    # C-89
    r = site.get("/c89.py")
    assert r.header("X-C89") == "no raise"
    assert r.status == 500 or "Traceback" in r.text, (r.status, r.text)


def test_add_handler_invalid_phase(site):
    # C-90
    d = site.get("/c90.py").json()
    assert d["cleanup"].startswith("EXC:IndexError:"), d
    assert "Invalid phase" in d["cleanup"] and "PythonCleanupHandler" in d["cleanup"]
    assert d["bogus"].startswith("EXC:IndexError:"), d
    assert "Invalid phase" in d["bogus"]


def test_add_handler_dir_gets_trailing_slash(site):
    # C-91
    r = site.get("/c91.py")
    assert r.status == 200, r.text
    assert r.json() == {"directory": site.docroot + "/c91/"}


def test_add_handler_dir_names_interpreter(site):
    # C-92
    r = site.get("/c92/x")
    assert r.status == 200, r.text
    d = r.json()
    assert d["directory"] == site.docroot + "/c92/sub/"
    assert d["interpreter"] == site.docroot + "/c92/sub/"


def test_handler_module_silent(site):
    # C-93
    r = site.get("/c93.py")
    assert (r.status, r.text) == (200, "handler ran; fixup=yes")


def test_handler_module_keeps_other_authentication(site):
    # C-94
    r = site.get("/c94/x", headers={"Authorization": basic_auth("spam", "eggs")})
    assert (r.status, r.text) == (200, "c94 user=spam")
    r = site.get("/c94/x", headers={"Authorization": basic_auth("spam", "nope")})
    assert r.status == 401
    r = site.get("/c94/x")
    assert r.status == 401


def test_init_handler_before_postread(site):
    # C-97
    r = vhost_get(site, "c97.example", "/x")
    assert r.status == 200, r.text
    assert r.json() == ["init", "postread"]
