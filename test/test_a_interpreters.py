"""A. Module loading, identity, interpreters (behaviours.md items 1-18)."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from helpers import LIBDIR, Site, code

SITE = Site()

SITE.handler("a1", """
    import platform
    import mod_python
    def handler(req):
        from mod_python import version
        return reply(req, {"python": platform.python_version(),
                           "mp_version": getattr(mod_python, "mp_version", None),
                           "version": getattr(version, "version", None)})
""")

SITE.handler("a2", """
    def handler(req):
        req.add_common_vars()
        return reply(req, {"software": req.subprocess_env.get("SERVER_SOFTWARE")})
""")

SITE.handler("a3", """
    def handler(req):
        return reply(req, {"argv": sys.argv})
""")

SITE.handler("a4", """
    def handler(req):
        return reply(req, {"apache": apache.interpreter, "req": req.interpreter})
""")

SITE.handler("a5", """
    def handler(req):
        return reply(req, {"interpreter": req.interpreter,
                           "hostname": req.server.server_hostname})
""")

SITE.handler("a6", """
    STATE = {}
    def handler(req):
        if req.args == "set":
            STATE["v"] = req.server.server_hostname
        return reply(req, {"interpreter": req.interpreter, "v": STATE.get("v"),
                           "pid": os.getpid()})
""")

SITE.handler("a7", """
    COUNTER = [0]
    def handler(req):
        COUNTER[0] += 1
        return reply(req, {"n": COUNTER[0], "pid": os.getpid(),
                           "interpreter": req.interpreter})
""")

# 8: PythonInterpreter overrides both per-directory and per-directive naming
SITE.module("a8/a8.py", """
    def handler(req):
        return reply(req, {"interpreter": req.interpreter})
""")
SITE.config("""
    <Directory @DOCROOT@/a8>
        PythonInterpreter foo
        PythonInterpPerDirectory On
        PythonInterpPerDirective On
        PythonHandler a8
    </Directory>
""")

# 9: per-directive naming
SITE.module("a9/a9.py", """
    def handler(req):
        return reply(req, {"interpreter": req.interpreter})
""")
SITE.file("a9/subdir/foo.py", "# static\n")
SITE.config("""
    <Directory @DOCROOT@/a9>
        PythonInterpPerDirective On
        PythonHandler a9
    </Directory>
""")

# 10: per-directory naming
SITE.module("a10/a10.py", """
    def handler(req):
        return reply(req, {"interpreter": req.interpreter})
""")
SITE.file("a10/subdir/foo.py", "# static\n")
SITE.config("""
    <Directory @DOCROOT@/a10>
        # mod_dir would redirect /a10/subdir to /a10/subdir/ (Apache behaviour)
        DirectorySlash Off
        PythonInterpPerDirectory On
        PythonHandler a10
    </Directory>
""")

# 11: per-directive with a vhost-level handler
SITE.module("@ROOT@/vhmods/a11.py", """
    def handler(req):
        return reply(req, {"interpreter": req.interpreter,
                           "directory": req.hlist.directory})
""")

SITE.handler("a18", """
    def handler(req):
        return reply(req, {"main_server": type(apache.main_server).__name__,
                           "server": type(req.server).__name__,
                           "connection": type(req.connection).__name__,
                           "request": type(req).__name__})
""")

SITE.config("""
    <VirtualHost *:@PORT2@>
        ServerName a5.example
    </VirtualHost>
    <VirtualHost *:@PORT2@>
        ServerName vh1.example
    </VirtualHost>
    <VirtualHost *:@PORT2@>
        ServerName vh2.example
    </VirtualHost>
    <VirtualHost *:@PORT2@>
        ServerName a11.example
        PythonInterpPerDirective On
        PythonPath "sys.path+['@ROOT@/vhmods']"
        PythonHandler a11
    </VirtualHost>
""")


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm) as srv:
        yield srv


def test_server_header(site):
    #
    r = site.get("/a1.py")
    assert r.status == 200, r.text
    info = r.json()
    server = r.header("Server")
    assert server is not None
    versions = [v for v in (info["mp_version"], info["version"]) if v]
    assert versions, info
    assert any("mod_python/%s" % v in server for v in versions), (server, info)
    assert "Python/%s" % info["python"] in server, (server, info)
    assert re.search(r"Python/\d+\.\d+\.\d+", server), server


def test_server_software_contains_python(site):
    #
    r = site.get("/a2.py")
    assert r.status == 200, r.text
    assert "Python" in r.json()["software"]


def test_sys_argv(site):
    #
    r = site.get("/a3.py")
    assert r.json()["argv"] == ["mod_python"]


def test_apache_interpreter_equals_req_interpreter(site):
    #
    d = site.get("/a4.py").json()
    assert d["apache"] == d["req"] == "127.0.0.1"


def test_default_interpreter_is_server_name(site):
    #
    d = site.get("/a5.py", port=site.port2, host="a5.example").json()
    assert d["interpreter"] == "a5.example"
    assert d["hostname"] == "a5.example"
    d = site.get("/a5.py").json()
    assert d["interpreter"] == d["hostname"] == "127.0.0.1"


def test_vhosts_use_separate_interpreters(site):
    #
    c = site.conn(port=site.port2)
    try:
        d1 = c.get("/a6.py?set", host="vh1.example").json()
        assert d1["interpreter"] == "vh1.example"
        assert d1["v"] == "vh1.example"
        d2 = c.get("/a6.py", host="vh2.example").json()
        assert d2["pid"] == d1["pid"]
        assert d2["interpreter"] == "vh2.example"
        assert d2["v"] is None, "global set in vh1's interpreter leaked into vh2's"
        d3 = c.get("/a6.py", host="vh1.example").json()
        assert d3["pid"] == d1["pid"]
        assert d3["v"] == "vh1.example"
    finally:
        c.close()


def test_interpreter_reused_across_requests(site):
    #
    c = site.conn()
    try:
        d1 = c.get("/a7.py").json()
        d2 = c.get("/a7.py").json()
        d3 = c.get("/a7.py").json()
    finally:
        c.close()
    assert d1["pid"] == d2["pid"] == d3["pid"]
    assert d2["n"] == d1["n"] + 1
    assert d3["n"] == d1["n"] + 2


def test_python_interpreter_directive(site):
    #
    d = site.get("/a8/").json()
    assert d["interpreter"] == "foo"
    d = site.get("/a8/whatever.txt").json()
    assert d["interpreter"] == "foo"


def test_interp_per_directive(site):
    #
    expected = site.docroot + "/a9/"
    for path in ("/a9/", "/a9/subdir/foo.py", "/a9/subdir/"):
        r = site.get(path)
        assert r.status == 200, (path, r.status, r.text)
        assert r.json()["interpreter"] == expected, path


def test_interp_per_directory(site):
    #
    r = site.get("/a10/")
    assert r.status == 200, r.text
    assert r.json()["interpreter"] == site.docroot + "/a10/"
    for path in ("/a10/subdir/foo.py", "/a10/subdir/", "/a10/subdir"):
        r = site.get(path)
        assert r.status == 200, (path, r.status, r.text)
        assert r.json()["interpreter"] == site.docroot + "/a10/subdir/", path


def test_interp_per_directive_server_level_is_main(site):
    #
    r = site.get("/a11-nothing-here", port=site.port2, host="a11.example")
    assert r.status == 200, r.text
    d = r.json()
    assert d["directory"] is None
    assert d["interpreter"] == "main_interpreter"


IMPORT_FILES = {
    "@ROOT@/imports/a12mod.py": code("""
        apache.log_error("a12mod imported in interpreter %s" % apache.interpreter,
                         apache.APLOG_NOTICE)
    """),
    "@ROOT@/imports/a13mod.py": code("""
        def init():
            apache.main_server.get_options()["a13_option"] = "set by init in " + apache.interpreter
    """),
    "@ROOT@/imports/a15mod.py": code("""
        apache.log_error("a15mod imported via PythonPath in %s" % apache.interpreter,
                         apache.APLOG_NOTICE)
    """),
    "a13h.py": code("""
        def handler(req):
            return reply(req, {"option": apache.main_server.get_options().get("a13_option"),
                               "interpreter": req.interpreter})
    """),
}

IMPORT_CONFIG = """
PythonPath "sys.path+['@ROOT@/imports', '@DOCROOT@']"
PythonImport a12mod test_import
PythonImport a13mod::init a13interp
PythonImport a15mod a15interp
<Directory @DOCROOT@>
    SetHandler mod_python
    PythonDebug On
    PythonInterpreter a13interp
    PythonHandler a13h
</Directory>
"""


@pytest.fixture(scope="module")
def import_site(module_apache):
    return module_apache(config=IMPORT_CONFIG, files=IMPORT_FILES)


def test_python_import_at_child_start(apache):
    #
    # a server of its own, and no request is ever made to it: the log line
    # can only come from child initialisation
    srv = apache(config=IMPORT_CONFIG, files=IMPORT_FILES)
    log = srv.wait_log("a12mod imported in interpreter test_import")
    assert "error importing a12mod" not in log
    assert "a13h" not in log


def test_python_import_calls_function(import_site):
    #
    import_site.wait_log("a12mod imported")
    r = import_site.get("/anything")
    assert r.status == 200, r.text
    d = r.json()
    assert d["interpreter"] == "a13interp"
    assert d["option"] == "set by init in a13interp"


def test_failing_python_import_is_logged(apache):
    #
    srv = apache(config="""
PythonImport a14_no_such_module main_interpreter
<Directory @DOCROOT@>
    SetHandler mod_python
    PythonHandler a14h
</Directory>
""", files={"a14h.py": code("""
        def handler(req):
            req.write("still serving")
            return apache.OK
    """)})
    srv.wait_log("error importing a14_no_such_module")
    r = srv.get("/x")
    assert r.status == 200
    assert r.text == "still serving"


def test_python_import_uses_main_python_path(import_site):
    #
    log = import_site.wait_log("a15mod imported via PythonPath in a15interp")
    assert "error importing a15mod" not in log


def test_version_mismatch_logged(apache, site):
    #
    # equal versions: no warning in the normal server's log
    assert site.get("/a4.py").status == 200
    assert "mod_python version mismatch" not in site.error_log()
    # a copy of the package that reports another version
    srv = apache(start=False, site_dirs="@ROOT@/altlib", config="""
<Directory @DOCROOT@>
    SetHandler mod_python
    PythonHandler a16h
</Directory>
""", files={"a16h.py": code("""
        def handler(req):
            req.write("ok")
            return apache.OK
    """)})
    dest = os.path.join(srv.root, "altlib", "mod_python")
    shutil.copytree(os.path.join(LIBDIR, "mod_python"), dest,
                    ignore=shutil.ignore_patterns("__pycache__"))
    with open(os.path.join(dest, "__init__.py"), "a") as f:
        f.write("\nmp_version = '0.0.0-mismatch'\n")
    for dirpath, dirnames, filenames in os.walk(os.path.join(srv.root, "altlib")):
        os.chmod(dirpath, 0o755)
        for fn in filenames:
            os.chmod(os.path.join(dirpath, fn), 0o644)
    srv.start()
    srv.get("/x")
    srv.wait_log("mod_python version mismatch")


def test_package_importable_outside_apache():
    #
    env = dict(os.environ)
    env["PYTHONPATH"] = LIBDIR
    ok = subprocess.run([sys.executable, "-c",
                         "import mod_python; from mod_python import httpdconf; print('ok')"],
                        env=env, cwd="/", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert ok.returncode == 0, ok.stdout.decode()
    assert ok.stdout.decode().strip().endswith("ok")
    bad = subprocess.run([sys.executable, "-c", "from mod_python import apache"],
                         env=env, cwd="/", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert bad.returncode != 0, bad.stdout.decode()


def test_object_type_names(site):
    #
    d = site.get("/a18.py").json()
    assert d == {"main_server": "mp_server", "server": "mp_server",
                 "connection": "mp_conn", "request": "mp_request"}
