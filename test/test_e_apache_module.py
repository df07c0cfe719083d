"""E. `apache` module functions and constants (behaviours.md 106-117, 120-124)."""

import pytest

from helpers import Site

SITE = Site()

SITE.handler("e106", """
    def handler(req):
        names = ["OK", "DECLINED", "DONE", "HTTP_NOT_FOUND", "HTTP_INTERNAL_SERVER_ERROR",
                 "REQ_PROCEED", "REQ_NOACTION"]
        return reply(req, {n: getattr(apache, n, "missing") for n in names})
""")

SITE.handler("e107", """
    def handler(req):
        names = ["APLOG_EMERG", "APLOG_ALERT", "APLOG_CRIT", "APLOG_ERR",
                 "APLOG_WARNING", "APLOG_NOTICE", "APLOG_INFO", "APLOG_DEBUG"]
        return reply(req, [getattr(apache, n, "missing") for n in names])
""")

SITE.handler("e108", """
    def handler(req):
        names = ["M_GET", "M_POST", "M_INVALID", "URI_PATH", "FINFO_FNAME",
                 "PROXYREQ_RESPONSE", "AP_MPMQ_IS_THREADED", "REMOTE_NOLOOKUP"]
        return reply(req, {n: getattr(apache, n, "missing") for n in names})
""")

LEVELS = ["EMERG", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO", "DEBUG"]
LEVEL_TAGS = ["error", "alert", "crit", "error", "warn", "notice", "info", "debug"]

SITE.handler("e109", """
    def handler(req):
        for name in %r:
            apache.log_error("e109 message level %%s" %% name,
                             getattr(apache, "APLOG_" + name), req.server)
        req.write("logged")
        return apache.OK
""" % LEVELS)

SITE.handler("e110", """
    def handler(req):
        req.server.log_error("e110 server message", apache.APLOG_NOTICE)
        req.connection.log_error("e110 connection message", apache.APLOG_NOTICE)
        req.write("logged")
        return apache.OK
""")

SITE.handler("e111", """
    def handler(req):
        apache.log_error("e111 before", apache.APLOG_NOTICE)
        ret = apache.log_error(None)
        apache.log_error("e111 after", apache.APLOG_NOTICE)
        return reply(req, {"ret": ret})
""")

SITE.handler("e112", """
    def handler(req):
        return reply(req, {"FOOBAR": apache.exists_config_define("FOOBAR")})
""")

SITE.handler("e113", """
    def handler(req):
        root = apache.server_root()
        return reply(req, {"root": root, "type": type(root).__name__,
                           "log_exists": os.path.exists(root + "/logs/error_log")})
""")

SITE.handler("e114", """
    def handler(req):
        v = apache.mpm_query(apache.AP_MPMQ_IS_THREADED)
        return reply(req, {"type": type(v).__name__, "value": v,
                           "bad": capture(lambda: apache.mpm_query("x"))})
""")

SITE.handler("e115", """
    def handler(req):
        tree = apache.config_tree()
        first = repr(tree)
        sn = [x for x in tree if isinstance(x, tuple) and x[0] == "ServerName"]
        dirs = []
        for i, item in enumerate(tree):
            if isinstance(item, tuple) and item[0] == "<Directory":
                nxt = tree[i + 1] if i + 1 < len(tree) else None
                dirs.append((item, nxt))
        with_handler = [list(d) for d, nested in dirs
                        if isinstance(nested, list) and ("SetHandler", "mod_python") in nested]
        all_str = all(isinstance(x, str) for t in tree if isinstance(t, tuple) for x in t)
        del tree[:]
        again = apache.config_tree()
        return reply(req, {"is_list": type(again).__name__ == "list",
                           "servername": list(sn[0]) if sn else None,
                           "dirs": len(dirs),
                           "with_handler": with_handler,
                           "all_str": all_str,
                           "unchanged": repr(again) == first})
""")

SITE.handler("e116", """
    def handler(req):
        path = req.document_root() + "/e116data.bin"
        fi = apache.stat(path, apache.APR_FINFO_MIN)
        return reply(req, {"type": type(fi).__name__, "filetype": fi.filetype,
                           "APR_REG": apache.APR_REG, "size": fi.size})
""")
SITE.file("e116data.bin", b"0123456789" * 123)

SITE.handler("e117", """
    def handler(req):
        fi = apache.stat(req.document_root() + "/e117-does-not-exist",
                         apache.APR_FINFO_MIN)
        return reply(req, {"filetype": fi.filetype, "APR_NOFILE": apache.APR_NOFILE})
""")

SITE.handler("e120", """
    import os as real_os
    def handler(req):
        m1 = apache.import_module("os")
        m2 = apache.import_module("os")
        return reply(req, {"is_os": m1 is real_os, "same": m1 is m2})
""")

SITE.handler("e121", """
    def handler(req):
        m = apache.import_module("e121mod", log=1)
        req.write(m.VALUE)
        return apache.OK
""", directives="PythonDebug Off")
SITE.module("e121mod.py", "VALUE = 'e121mod value'\n", prelude=False)

SITE.handler("e122", """
    def handler(req):
        env = apache.build_cgi_env(req)
        return reply(req, {"gi": env["GATEWAY_INTERFACE"], "script": env["SCRIPT_NAME"],
                           "uri": req.uri, "path_info": req.path_info})
""")

SITE.handler("e123", """
    def handler(req):
        return reply(req, {"sub": issubclass(apache.SERVER_RETURN, Exception)})
""")

SITE.handler("e124", """
    def handler(req):
        t = apache.make_table({"a": "b"})
        return reply(req, {"same": apache.make_table is apache.table,
                           "type": type(t) is type(apache.table()),
                           "eq": t == apache.table({"a": "b"}),
                           "value": t["A"]})
""")


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm, loglevel="debug") as srv:
        yield srv


def test_return_code_constants(site):
    # E-106
    assert site.get("/e106.py").json() == {
        "OK": 0, "DECLINED": -1, "DONE": -2, "HTTP_NOT_FOUND": 404,
        "HTTP_INTERNAL_SERVER_ERROR": 500, "REQ_PROCEED": 0, "REQ_NOACTION": -1}


def test_log_level_constants(site):
    # E-107
    assert site.get("/e107.py").json() == list(range(8))


def test_misc_constants(site):
    # E-108
    assert site.get("/e108.py").json() == {
        "M_GET": 0, "M_POST": 2, "M_INVALID": 26, "URI_PATH": 6, "FINFO_FNAME": 10,
        "PROXYREQ_RESPONSE": 3, "AP_MPMQ_IS_THREADED": 2, "REMOTE_NOLOOKUP": 2}


def test_log_error_levels(site):
    # E-109
    mark = site.log_mark()
    assert site.get("/e109.py").text == "logged"
    log = site.wait_log("e109 message level DEBUG", since=mark)
    positions = []
    for name, tag in zip(LEVELS, LEVEL_TAGS):
        lines = [l for l in log.splitlines() if l.endswith("e109 message level %s" % name)]
        assert len(lines) == 1, (name, log)
        assert ":%s]" % tag in lines[0], (name, lines[0])
        positions.append(log.index(lines[0]))
    assert positions == sorted(positions)


def test_server_and_connection_log_error(site):
    # E-110
    mark = site.log_mark()
    site.get("/e110.py")
    log = site.wait_log("e110 connection message", since=mark)
    assert "e110 server message" in log


def test_log_error_none(site):
    # E-111
    mark = site.log_mark()
    assert site.get("/e111.py").json() == {"ret": None}
    log = site.wait_log("e111 after", since=mark).splitlines()
    start = [i for i, l in enumerate(log) if l.endswith("e111 before")][0]
    end = [i for i, l in enumerate(log) if l.endswith("e111 after")][0]
    between = log[start + 1:end]
    assert not [l for l in between if "[python:" in l or l.endswith("None")], between


def test_exists_config_define(site, apache):
    # E-112
    assert site.get("/e112.py").json() == {"FOOBAR": False}
    srv = apache(defines=["FOOBAR"], config=SITE.render(), files=dict(SITE.files))
    assert srv.get("/e112.py").json() == {"FOOBAR": True}


def test_server_root(site):
    # E-113
    d = site.get("/e113.py").json()
    assert d == {"root": site.root, "type": "str", "log_exists": True}


def test_mpm_query(site):
    # E-114
    d = site.get("/e114.py").json()
    assert d["type"] == "int"
    # AP_MPMQ_NOT_SUPPORTED (0) for prefork, AP_MPMQ_STATIC (1) for event
    assert d["value"] == {"prefork": 0, "event": 1}[site.mpm]
    assert d["bad"].startswith("EXC:TypeError"), d


def test_config_tree(site):
    # E-115
    d = site.get("/e115.py").json()
    assert d["is_list"] is True
    assert d["servername"] == ["ServerName", "127.0.0.1"]
    assert d["all_str"] is True
    assert d["dirs"] >= 2
    assert d["with_handler"] == [["<Directory", site.docroot + ">"]], d
    assert d["unchanged"] is True
    assert site.get("/e106.py").status == 200


def test_stat_existing(site):
    # E-116
    d = site.get("/e116.py").json()
    assert d["type"] == "mp_finfo"
    assert d["filetype"] == d["APR_REG"] == 1
    assert d["size"] == 1230


def test_stat_missing(site):
    # E-117
    d = site.get("/e117.py").json()
    assert d["filetype"] == d["APR_NOFILE"] == 0


def test_import_module_os(site):
    # E-120
    assert site.get("/e120.py").json() == {"is_os": True, "same": True}


def test_import_module_log(site):
    # E-121
    mark = site.log_mark()
    assert site.get("/e121.py").text == "e121mod value"
    log = site.wait_log("mod_python: (Re)importing module 'e121mod'", since=mark)
    line = [l for l in log.splitlines() if "(Re)importing module 'e121mod'" in l][0]
    assert ":notice]" in line, line


def test_build_cgi_env(site):
    # E-122
    d = site.get("/e122.py/extra/path").json()
    assert d["gi"] == "Python-CGI/1.1"
    assert d["path_info"] == "/extra/path"
    assert d["script"] == "/e122.py"
    assert d["script"] + d["path_info"] == d["uri"]


def test_server_return_is_exception(site):
    # E-123
    assert site.get("/e123.py").json() == {"sub": True}


def test_make_table(site):
    # E-124
    d = site.get("/e124.py").json()
    assert d["type"] is True and d["eq"] is True and d["value"] == "b"
