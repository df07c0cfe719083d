"""H. Connection, server, hlist, finfo objects (behaviours.md items 201-213)."""

import json

import pytest

from helpers import Site

SITE = Site()

SITE.handler("h201", """
    def handler(req):
        return reply(req, {"type": type(req.connection.base_server).__name__})
""")

SITE.handler("h202", """
    def handler(req):
        c = req.connection
        return reply(req, {"local": repr(c.local_addr), "client": repr(c.client_addr),
                           "local_type": type(c.local_addr).__name__,
                           "client_type": type(c.client_addr).__name__,
                           "client_ip": c.client_ip})
""")

SITE.handler("h203", """
    def handler(req):
        c = req.connection
        return reply(req, {"remote_ip": c.remote_ip, "client_ip": c.client_ip})
""")

SITE.handler("h204", """
    def handler(req):
        c = req.connection
        d = {"remote_host": c.remote_host, "remote_logname": c.remote_logname,
             "aborted": c.aborted, "double_reverse": c.double_reverse,
             "local_host": c.local_host}
        req.write("x")
        d["keepalive"] = c.keepalive
        d["keepalives"] = c.keepalives
        d["AP_CONN_KEEPALIVE"] = apache.AP_CONN_KEEPALIVE
        req.write(json.dumps(d))
        return apache.OK
""")

SITE.handler("h205", """
    def handler(req):
        c = req.connection
        def set_zero():
            c.keepalive = 0
            return c.keepalive
        def set_str():
            c.keepalive = "x"
        return reply(req, {"zero": capture(set_zero), "str": capture(set_str)})
""")

SITE.handler("h206", """
    def handler(req):
        return reply(req, {"id": req.connection.id,
                           "type": type(req.connection.id).__name__})
""")

SERVER_HANDLER = """
    def handler(req):
        s = req.server
        names = ["defn_name", "defn_line_number", "server_admin", "server_hostname",
                 "error_fname", "loglevel", "is_virtual", "timeout", "keep_alive_timeout",
                 "keep_alive_max", "keep_alive", "path", "pathlen", "limit_req_line",
                 "limit_req_fieldsize", "limit_req_fields", "names", "wild_names"]
        d = {n: capture(lambda: getattr(s, n)) for n in names}
        d["types"] = {n: type(getattr(s, n)).__name__ for n in
                      ("timeout", "keep_alive_timeout", "names", "wild_names")}
        return reply(req, d)
"""
SITE.handler("h207", SERVER_HANDLER)

SITE.handler("h211", """
    def handler(req):
        return reply(req, {"handler": req.hlist.handler, "silent": req.hlist.silent})
""")

SITE.handler("h212", """
    def handler(req):
        return reply(req, {"repr": repr(req.hlist)})
""", handler="h212::handler")

SITE.handler("h213", """
    def handler(req):
        fi = apache.stat(req.document_root() + "/h213.dat", apache.APR_FINFO_MIN)
        return reply(req, {"size": [fi[apache.FINFO_SIZE], fi.size],
                           "mtime": [fi[apache.FINFO_MTIME], fi.mtime]})
""")
SITE.file("h213.dat", "abcdefghij" * 7)

SITE.config("""
    <VirtualHost *:@PORT2@>
        ServerName h207.example
        ServerAdmin h207admin@example.com
        ErrorLog logs/error_log
        ServerAlias h207alias.example *.h207wild.example
        LogLevel debug
        KeepAliveTimeout 15
    </VirtualHost>
    <VirtualHost *:@PORT2@>
        ServerName h209.example
        ServerPath some/path
    </VirtualHost>
""")


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm, timeout=17) as srv:
        yield srv


def test_base_server_type(site):
    # H-201
    assert site.get("/h201.py").json() == {"type": "mp_server"}


def test_connection_addresses(site):
    # H-202
    d = site.get("/h202.py").json()
    assert d["local_type"] == "tuple" and d["client_type"] == "tuple"
    assert d["local"] == "('127.0.0.1', %d)" % site.port
    assert d["client"].startswith("('127.0.0.1', ")
    assert d["client_ip"] == "127.0.0.1"


def test_remote_ip_deprecated(site):
    # H-203
    mark = site.log_mark()
    d = site.get("/h203.py").json()
    assert d["remote_ip"] == d["client_ip"] == "127.0.0.1"
    log = site.wait_log("remote_ip", since=mark)
    assert "deprecat" in log.lower(), log


def test_connection_fields(site):
    # H-204
    c = site.conn()
    try:
        r = c.get("/h204.py")
    finally:
        c.close()
    assert r.text.startswith("x")
    d = json.loads(r.text[1:])
    assert d["remote_host"] is None
    assert d["remote_logname"] is None
    assert d["aborted"] == 0
    assert d["double_reverse"] == 0
    assert d["local_host"] is None
    assert d["keepalive"] == d["AP_CONN_KEEPALIVE"] == 2
    assert d["keepalives"] == 1


def test_keepalive_assignment(site):
    # H-205
    d = site.get("/h205.py").json()
    assert d["zero"] == 0
    assert d["str"].startswith("EXC:TypeError"), d


def test_connection_id(site):
    # H-206
    d = site.get("/h206.py").json()
    assert d["type"] == "int"
    assert d["id"] >= 0


def test_vhost_server_members(site):
    # H-207
    d = site.get("/h207.py", port=site.port2, host="h207.example").json()
    assert d["defn_name"] == site.conf_path
    assert d["defn_line_number"] != 0
    assert d["server_admin"] == "h207admin@example.com"
    assert d["server_hostname"] == "h207.example"
    assert d["error_fname"] == "logs/error_log"
    assert d["loglevel"] == 7
    assert d["is_virtual"] == 1


def test_server_timeouts(site):
    # H-208
    d = site.get("/h207.py", port=site.port2, host="h207.example").json()
    assert d["types"]["timeout"] == "float"
    assert d["timeout"] == 17.0
    assert d["types"]["keep_alive_timeout"] == "float"
    assert d["keep_alive_timeout"] == 15.0
    assert d["keep_alive_max"] == 100
    assert d["keep_alive"] == 1


def test_server_path(site):
    # H-209
    d = site.get("/h207.py", port=site.port2, host="h209.example").json()
    assert d["path"] == "some/path"
    assert d["pathlen"] == 9


def test_server_limits_and_names(site):
    # H-210
    d = site.get("/h207.py").json()
    assert (d["limit_req_line"], d["limit_req_fieldsize"], d["limit_req_fields"]) \
        == (8190, 8190, 100)
    assert d["names"] == [] and d["wild_names"] == []
    assert d["types"]["names"] == d["types"]["wild_names"] == "tuple"
    d = site.get("/h207.py", port=site.port2, host="h207.example").json()
    assert d["names"] == ["h207alias.example"]
    assert d["wild_names"] == ["*.h207wild.example"]


def test_hlist_handler(site):
    # H-211
    assert site.get("/h211.py").json() == {"handler": "h211", "silent": 0}


def test_hlist_repr(site):
    # H-212
    d = site.get("/h212.py").json()
    assert "'handler':" in d["repr"]
    assert "h212::handler" in d["repr"]


def test_finfo_tuple_access(site):
    # H-213
    d = site.get("/h213.py").json()
    assert d["size"] == [70, 70]
    assert d["mtime"][0] == d["mtime"][1]
    assert isinstance(d["mtime"][0], int) and d["mtime"][0] > 0
