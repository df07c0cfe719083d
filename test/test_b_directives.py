"""B. Configuration directives (behaviours.md items 19-49)."""

import json
import os
import time
import urllib.parse

import pytest

from helpers import LIBDIR, Site, code

MAIN_OPTIONS = {"PythonOptionTest": "sample_value", "b21key": "old",
                "b22key": "outer", "b23key": "outer"}

SITE = Site()
SITE.config("\n".join("PythonOption %s %s" % kv for kv in MAIN_OPTIONS.items()))

OPTIONS_HANDLER = """
    def handler(req):
        return reply(req, {"options": dict(req.get_options()),
                           "server": dict(req.server.get_options()),
                           "main": dict(apache.main_server.get_options())})
"""

SITE.handler("b19", OPTIONS_HANDLER, directives="PythonOption b19key b19value")
SITE.handler("b20", OPTIONS_HANDLER)
SITE.handler("b21", OPTIONS_HANDLER, directives="PythonOption b21key new")
SITE.handler("b22", OPTIONS_HANDLER, directives='PythonOption b22key ""')
SITE.handler("b23", OPTIONS_HANDLER, directives="PythonOption b23key")

SITE.module("b24/b24.py", OPTIONS_HANDLER)
SITE.config("""
    <Directory @DOCROOT@/b24>
        PythonOption local 1
        PythonOption override 2
        PythonHandler b24
    </Directory>
""")

# A section path that Apache reads with escapes: the handler directory is
# the directory Apache matched, not the escaped text.
SITE.module('b_quote/say "hi"/page.py', """
    def index(req):
        return "published from " + req.hlist.directory
""", prelude=False)
SITE.config(r"""
    <Directory "@DOCROOT@/b_quote/say \"hi\"">
        SetHandler mod_python
        PythonHandler mod_python.publisher
    </Directory>
""")


SITE.handler("b25", """
    import urllib.parse
    def handler(req):
        expected = json.loads(urllib.parse.unquote(req.args))
        opts = req.get_options()
        more = dict(expected)
        more["b25extra"] = "x"
        return reply(req, {"eq_table": opts == apache.table(expected),
                           "eq_dict": opts == expected,
                           "eq_more": opts == apache.table(more),
                           "options": dict(opts)})
""", directives="PythonOption b25a one\nPythonOption b25b two")

SITE.module("b26/b26.py", """
    def handler(req):
        return reply(req, {"server": req.server.get_config().get("PythonDebug"),
                           "req": req.get_config().get("PythonDebug")})
""")
SITE.config("""
    <Directory @DOCROOT@/b26>
        PythonDebug Off
        PythonHandler b26
    </Directory>
""")

SITE.handler("b27", """
    def handler(req):
        return reply(req, {"config": dict(req.get_config())})
""", directives="""PythonAutoReload On
PythonEnablePdb Off
PythonOption b27opt x
PythonFixupHandler b27::fixup
PythonLogHandler b27::fixup""")
SITE.files["b27.py"] += "\ndef fixup(req):\n    return apache.OK\n"

PATH_HANDLER = """
    def handler(req):
        present = "/b30-marker" in sys.path
        if present:
            sys.path.remove("/b30-marker")
        return reply(req, {"path": sys.path, "present": present, "pid": os.getpid()})
"""
SITE.module("@ROOT@/b28lib/b28.py", PATH_HANDLER)
SITE.module("@ROOT@/b29lib/b29.py", PATH_HANDLER)
SITE.module("@ROOT@/b30lib/b30.py", PATH_HANDLER)
SITE.file("b28/index.txt", "x\n")
SITE.file("b29/index.txt", "x\n")
SITE.file("b30/index.txt", "x\n")
SITE.config("""
    <Directory @DOCROOT@/b28>
        PythonInterpreter b28
        PythonPath "[r'@ROOT@/b28lib']+sys.path"
        PythonHandler b28
    </Directory>
    <Directory @DOCROOT@/b29>
        PythonInterpreter b29
        PythonPath "['@ROOT@/b29lib'] + [p for p in sys.path if p.rstrip('/') != '@LIB@']"
        PythonHandler b29
    </Directory>
    <Directory @DOCROOT@/b30>
        PythonInterpreter b30
        PythonPath "sys.path+['/b30-marker', '@ROOT@/b30lib']"
        PythonHandler b30
    </Directory>
""")

SITE.module("b31/b31.py", """
    import b31helper
    def handler(req):
        return reply(req, {"count": sys.path.count(req.hlist.directory),
                           "directory": req.hlist.directory,
                           "helper": b31helper.VALUE, "pid": os.getpid()})
""")
SITE.module("b31/b31helper.py", "VALUE = 'helper imported'\n", prelude=False)
SITE.config("""
    <Directory @DOCROOT@/b31>
        PythonHandler b31
    </Directory>
""")

SITE.module("b32mod.py", """
    def handler(req):
        req.write("b32mod was importable")
        return apache.OK
""")
SITE.config("""
    <Location /b32loc>
        SetHandler mod_python
        PythonInterpreter b32
        PythonDebug On
        PythonHandler b32mod
    </Location>
""")

# 35: handler directives in .htaccess
HTACCESS_HANDLER = """
    def handler(req):
        req.write("htaccess handler ran")
        return apache.OK
"""
for d in ("b35all", "b35auth", "b35none"):
    SITE.module("%s/b35%s.py" % (d, d[3:]), HTACCESS_HANDLER)
    SITE.file("%s/.htaccess" % d, "PythonHandler b35%s\nPythonDebug On\n" % d[3:])
    SITE.file("%s/index.txt" % d, "static content\n")
SITE.config("""
    <Directory @DOCROOT@/b35all>
        AllowOverride All
    </Directory>
    <Directory @DOCROOT@/b35auth>
        AllowOverride AuthConfig
    </Directory>
    <Directory @DOCROOT@/b35none>
        AllowOverride None
    </Directory>
""")

# 36: filter directives in .htaccess
SITE.file("b36in/.htaccess", "PythonInputFilter b36f B36IN\n")
SITE.file("b36in/index.txt", "static content\n")
SITE.file("b36out/.htaccess", "PythonOutputFilter b36f B36OUT\n")
SITE.file("b36out/index.txt", "static content\n")
SITE.config("""
    <Directory @DOCROOT@/b36in>
        AllowOverride All
    </Directory>
    <Directory @DOCROOT@/b36out>
        AllowOverride All
    </Directory>
""")

SITE.handler("b37", """
    def one(req):
        req.write("one ")
        return apache.OK
    def two(req):
        req.write("two ")
        return apache.OK
    def three(req):
        req.write("three")
        return apache.OK
""", handler="b37::one b37::two", directives="PythonHandler b37::three")

SITE.module("b38/b38.py", """
    def parent(req):
        req.write("parent")
        return apache.OK
""")
SITE.module("b38/sub/b38child.py", """
    def child(req):
        req.write("child")
        return apache.OK
""")
SITE.config("""
    <Directory @DOCROOT@/b38>
        PythonHandler b38::parent
    </Directory>
    <Directory @DOCROOT@/b38/sub>
        PythonHandler b38child::child
    </Directory>
""")

SITE.module("b39/b39app.py", """
    def pipe_ext(req):
        return "pipe ext"
    def simplehandler(req):
        req.write("simple handler")
        return apache.OK
""")
SITE.config("""
    <Directory @DOCROOT@/b39>
        PythonHandler mod_python.publisher | .py
        PythonHandler b39app::simplehandler
    </Directory>
""")

SITE.module("b40/b40.py", """
    def ext(req):
        return reply(req, {"ran": "ext", "extension": req.extension})
    def noext(req):
        return reply(req, {"ran": "noext", "extension": req.extension})
""")
SITE.config("""
    <Directory @DOCROOT@/b40>
        PythonHandler b40::ext | .py
        PythonHandler b40::noext
    </Directory>
""")

HLIST_HANDLER = """
    def handler(req):
        return reply(req, {"directory": req.hlist.directory,
                           "is_location": bool(req.hlist.is_location),
                           "filename": req.filename,
                           "options": dict(req.get_options())})
"""
SITE.module("b41/b41.py", HLIST_HANDLER)
SITE.config("""
    <Directory @DOCROOT@/b41>
        <Files "*.py">
            PythonHandler b41
        </Files>
    </Directory>
""")

SITE.module("b42/sub/b42.py", HLIST_HANDLER)
SITE.file("b42/sub/.htaccess", "PythonHandler b42\n")
SITE.config("""
    <Directory @DOCROOT@/b42>
        AllowOverride All
    </Directory>
""")

SITE.module("@ROOT@/vhmods/b43.py", HLIST_HANDLER)
SITE.module("@ROOT@/locmods/b44.py", HLIST_HANDLER)
SITE.module("@ROOT@/locmods/b45.py", HLIST_HANDLER)
SITE.file("b45loc/file.txt", "static\n")
SITE.config("""
    <Location /b44loc>
        SetHandler mod_python
        PythonPath "sys.path+['@ROOT@/locmods']"
        PythonHandler b44
    </Location>
    <Location /b45loc>
        SetHandler mod_python
        PythonPath "sys.path+['@ROOT@/locmods']"
        PythonHandler b45
    </Location>
    <Directory @DOCROOT@/b45loc>
        PythonOption b45opt fromdir
    </Directory>
""")

RELOAD_V1 = """
    def handler(req):
        req.write("version one|%d" % os.getpid())
        return apache.OK
"""
RELOAD_V2 = """
    def handler(req):
        req.write("version two, longer|%d" % os.getpid())
        return apache.OK
"""
SITE.handler("b46", RELOAD_V1)
SITE.handler("b47", RELOAD_V1, directives="PythonAutoReload Off")

SITE.handler("b48", """
    def handler(req):
        req.write("served normally")
        return apache.OK
""", directives="PythonEnablePdb On")

SITE.handler("b49", """
    def handler(req):
        req.write("b49")
        return apache.OK
""")

SITE.config("""
    <VirtualHost *:@PORT2@>
        ServerName b20.example
    </VirtualHost>
    <VirtualHost *:@PORT2@>
        ServerName b24.example
        PythonOption global 1
        PythonOption override 1
    </VirtualHost>
    <VirtualHost *:@PORT2@>
        ServerName b26.example
        PythonDebug On
    </VirtualHost>
    <VirtualHost *:@PORT2@>
        ServerName b43.example
        PythonPath "sys.path+['@ROOT@/vhmods']"
        PythonHandler b43
    </VirtualHost>
""")


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm) as srv:
        yield srv


def test_section_path_with_escaped_quotes(site):
    # B-41 for a <Directory> path Apache reads with escapes
    r = site.get("/b_quote/say%20%22hi%22/page.py")
    assert (r.status, r.text) == (
        200, 'published from %s/b_quote/say "hi"/' % site.docroot)


def test_python_option(site):
    # B-19
    r = site.get("/b19.py")
    assert r.status == 200, r.text
    assert r.json()["options"]["b19key"] == "b19value"


def test_main_server_option_visible_everywhere(site):
    # B-20
    d = site.get("/b20.py").json()
    assert d["options"]["PythonOptionTest"] == "sample_value"
    d = site.get("/b20.py", port=site.port2, host="b20.example").json()
    assert d["options"]["PythonOptionTest"] == "sample_value"


def test_directory_option_overrides_server(site):
    # B-21
    d = site.get("/b21.py").json()
    assert d["options"]["b21key"] == "new"
    assert site.get("/b20.py").json()["options"]["b21key"] == "old"


def test_empty_option_removes_key(site):
    # B-22
    d = site.get("/b22.py").json()
    assert "b22key" not in d["options"]
    assert site.get("/b20.py").json()["options"]["b22key"] == "outer"


def test_option_without_value_removes_key(site):
    # B-23
    d = site.get("/b23.py").json()
    assert "b23key" not in d["options"]
    assert site.get("/b20.py").json()["options"]["b23key"] == "outer"


def test_option_levels(site):
    # B-24
    r = site.get("/b24/x", port=site.port2, host="b24.example")
    assert r.status == 200, r.text
    d = r.json()
    opts = d["options"]
    assert (opts.get("global"), opts.get("override"), opts.get("local")) == ("1", "2", "1")
    server = d["server"]
    assert (server.get("global"), server.get("override")) == ("1", "1")
    assert "local" not in server
    assert "global" not in d["main"] and "override" not in d["main"]
    assert "local" not in d["main"]


def test_options_compare_equal_to_table(site):
    # B-25
    expected = dict(MAIN_OPTIONS, b25a="one", b25b="two")
    r = site.get("/b25.py?" + urllib.parse.quote(json.dumps(expected)))
    assert r.status == 200, r.text
    d = r.json()
    assert d["options"] == expected
    assert d["eq_table"] is True
    assert d["eq_dict"] is True
    assert d["eq_more"] is False


def test_debug_flag_server_vs_directory(site):
    # B-26
    r = site.get("/b26/x", port=site.port2, host="b26.example")
    assert r.status == 200, r.text
    assert r.json() == {"server": "1", "req": "0"}


def test_get_config_contents(site):
    # B-27
    cfg = site.get("/b27.py").json()["config"]
    allowed = {"PythonDebug", "PythonAutoReload", "PythonEnablePdb",
               "PythonInterpPerDirectory", "PythonInterpPerDirective",
               "PythonInterpreter", "PythonPath"}
    assert set(cfg) <= allowed, cfg
    assert cfg["PythonDebug"] == "1"
    assert cfg["PythonAutoReload"] == "1"
    assert cfg["PythonEnablePdb"] == "0"


def test_python_path_prepends_before_import(site):
    # B-28
    r = site.get("/b28/")
    assert r.status == 200, r.text
    assert r.json()["path"][0] == site.root + "/b28lib"


def test_python_path_replaces_sys_path(site):
    # B-29
    r = site.get("/b29/")
    assert r.status == 200, r.text
    path = r.json()["path"]
    assert path[0] == site.root + "/b29lib"
    assert not [p for p in path if p.rstrip("/") == LIBDIR], path


def test_python_path_evaluated_once(site):
    # B-30
    c = site.conn()
    try:
        d1 = c.get("/b30/").json()
        d2 = c.get("/b30/").json()
        d3 = c.get("/b30/").json()
    finally:
        c.close()
    assert d1["pid"] == d2["pid"] == d3["pid"]
    assert d1["present"] is True
    assert d2["present"] is False
    assert d3["present"] is False


def test_directory_added_to_sys_path_once(site):
    # B-31
    c = site.conn()
    try:
        for _ in range(4):
            r = c.get("/b31/x")
            assert r.status == 200, r.text
            d = r.json()
            assert d["helper"] == "helper imported"
            assert d["directory"] == site.docroot + "/b31/"
            assert d["count"] == 1
    finally:
        c.close()


def test_location_not_added_to_sys_path(site):
    # B-32
    r = site.get("/b32loc/x")
    assert r.status == 500
    assert "b32mod was importable" not in r.text
    assert "b32mod" in r.text
    assert "ModuleNotFoundError" in r.text or "ImportError" in r.text


@pytest.mark.parametrize("directive", ["PythonTransHandler", "PythonPostReadRequestHandler"])
def test_pipe_ext_refused(apache, directive):
    # B-33
    srv = apache(start=False, config="%s b33 | .py\n" % directive)
    rc, out = srv.config_test()
    assert rc != 0, out
    assert 'does not accept "| .ext" syntax.' in out, out
    assert directive in out, out


@pytest.mark.parametrize("line", ["PythonPostReadRequestHandler b34",
                                  "PythonTransHandler b34",
                                  "PythonConnectionHandler b34",
                                  "PythonImport b34 main_interpreter",
                                  "PythonOptimize On"])
def test_server_only_directives_refused_in_directory(apache, line):
    # B-34
    srv = apache(start=False, config="<Directory @DOCROOT@>\n    %s\n</Directory>\n" % line)
    rc, out = srv.config_test()
    assert rc != 0, out
    assert line.split()[0] in out, out
    # sanity: the same directive is fine outside the section
    srv2 = apache(start=False, config=line + "\n")
    rc2, out2 = srv2.config_test()
    assert rc2 == 0, out2


def test_handlers_in_htaccess(site):
    # B-35
    r = site.get("/b35all/index.txt")
    assert (r.status, r.text) == (200, "htaccess handler ran")
    r = site.get("/b35auth/index.txt")
    assert (r.status, r.text) == (200, "htaccess handler ran")
    r = site.get("/b35none/index.txt")
    assert (r.status, r.text) == (200, "static content\n")


@pytest.mark.parametrize("d,directive", [("b36in", "PythonInputFilter"),
                                          ("b36out", "PythonOutputFilter")])
def test_filter_directives_refused_in_htaccess(site, d, directive):
    # B-36
    mark = site.log_mark()
    r = site.get("/%s/index.txt" % d)
    assert r.status == 500
    log = site.wait_log(directive, since=mark)
    assert "not allowed" in log


def test_handler_order(site):
    # B-37
    r = site.get("/b37.py")
    assert (r.status, r.text) == (200, "one two three")


def test_subdirectory_handler_replaces_parent(site):
    # B-38
    assert site.get("/b38/x").text == "parent"
    r = site.get("/b38/sub/x")
    assert (r.status, r.text) == (200, "child")


def test_pipe_ext_selects_publisher(site):
    # B-39
    r = site.get("/b39/b39app.py/pipe_ext")
    assert (r.status, r.text) == (200, "pipe ext")
    r = site.get("/b39/b39app/anything")
    assert (r.status, r.text) == (200, "simple handler")


def test_req_extension(site):
    # B-40
    assert site.get("/b40/x.py").json() == {"ran": "ext", "extension": ".py"}
    assert site.get("/b40/x.txt").json() == {"ran": "noext", "extension": None}


def test_hlist_directory_files_section(site):
    # B-41
    r = site.get("/b41/b41.py")
    assert r.status == 200, r.text
    assert r.json()["directory"] == site.docroot + "/b41/"


def test_hlist_directory_htaccess(site):
    # B-42
    r = site.get("/b42/sub/x")
    assert r.status == 200, r.text
    assert r.json()["directory"] == site.docroot + "/b42/sub/"


def test_hlist_directory_server_level(site):
    # B-43
    r = site.get("/b43-nothing", port=site.port2, host="b43.example")
    assert r.status == 200, r.text
    d = r.json()
    assert d["directory"] is None
    assert d["is_location"] is False


def test_hlist_location(site):
    # B-44
    r = site.get("/b44loc/x")
    assert r.status == 200, r.text
    d = r.json()
    assert d["is_location"] is True
    assert d["directory"] == "/b44loc"


def test_location_skips_mapping(site):
    # B-45
    r = site.get("/b45loc/file.txt")
    assert r.status == 200, r.text
    d = r.json()
    assert d["filename"] is None
    assert "b45opt" not in d["options"]


def _rewrite(site, name, text):
    time.sleep(1.2)
    path = site.write(name, code(text))
    later = time.time() + 2
    os.utime(path, (later, later))


def test_autoreload_on(site):
    # B-46
    c = site.conn()
    try:
        r1 = c.get("/b46.py")
        assert r1.text.startswith("version one|"), r1.text
        _rewrite(site, "b46.py", RELOAD_V2)
        time.sleep(0.2)
        r2 = c.get("/b46.py")
    finally:
        c.close()
    assert r2.text.split("|")[1] == r1.text.split("|")[1]   # same child
    assert r2.text.startswith("version two, longer|"), r2.text


def test_autoreload_off(site):
    # B-47
    c = site.conn()
    try:
        r1 = c.get("/b47.py")
        assert r1.text.startswith("version one|"), r1.text
        _rewrite(site, "b47.py", RELOAD_V2)
        time.sleep(0.2)
        r2 = c.get("/b47.py")
    finally:
        c.close()
    assert r2.text.split("|")[1] == r1.text.split("|")[1]   # same child
    assert r2.text.startswith("version one|"), r2.text


def test_enable_pdb_without_one_process(site):
    # B-48
    r = site.get("/b48.py", timeout=15)
    assert (r.status, r.text) == (200, "served normally")


def test_debug_logs_module_import(site):
    # B-49
    mark = site.log_mark()
    assert site.get("/b49.py").text == "b49"
    site.wait_log("mod_python: (Re)importing module 'b49'", since=mark)


# req.get_options() is one table per request and configuration (issue 14:
# library modules read many options a request); the configuration after
# the directory walk gets a table of its own.
SITE.module("@ROOT@/b_phase_mods/b_phase.py", """
def postread(req):
    options = req.get_options()          # the server's: no walk yet
    req.notes["early"] = options.get("b_phase", "none")
    options["b_early"] = "set"
    return apache.OK

def handler(req):
    req.get_options()["b_mut"] = "kept"
    options = req.get_options()
    return reply(req, {"early": req.notes["early"], "late": options.get("b_phase"),
                       "early_change": options.get("b_early"),
                       "change": options.get("b_mut")})
""")
SITE.file("@ROOT@/b_phase_docs/x", "")
SITE.config("""
    <VirtualHost *:@PORT2@>
        ServerName bphase.example
        DocumentRoot @ROOT@/b_phase_docs
        PythonPath "sys.path+['@ROOT@/b_phase_mods']"
        PythonOption b_phase server
        PythonPostReadRequestHandler b_phase::postread
        <Directory @ROOT@/b_phase_docs>
            Require all granted
            SetHandler mod_python
            PythonHandler b_phase
            PythonOption b_phase dir
        </Directory>
    </VirtualHost>
""")


def test_options_follow_the_configuration_of_each_phase(site):
    # B-19, in each phase's configuration
    r = site.get("/x", port=site.port2, host="bphase.example")
    assert r.status == 200, r.text
    assert r.json() == {"early": "server", "late": "dir", "early_change": None,
                        "change": "kept"}
