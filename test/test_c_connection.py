"""PythonConnectionHandler (behaviours.md items C-95, C-96, D-105).

Each connection handler owns an IP-based <VirtualHost> on an extra port of
the server (the harness already Listens on every @PORTn@); its module lives
in @ROOT@/connmods, put on sys.path by the vhost's PythonPath.  The site runs
under both the prefork and the event MPM.
"""

import json

import pytest

from helpers import Site, parse_response

SITE = Site()

SITE.module("@ROOT@/connmods/c95.py", """
    def connectionhandler(conn):
        first = conn.readline()
        second = conn.readline()
        body = json.dumps({"type": type(conn).__name__,
                           "first": first.decode("latin-1"),
                           "second": second.decode("latin-1"),
                           "local_port": conn.local_addr[1]})
        conn.write(b"HTTP/1.0 200 OK\\r\\nContent-Type: application/json\\r\\n"
                   b"X-Raw: c95\\r\\n\\r\\n")
        conn.write(body)
        return apache.OK
""")

SITE.module("@ROOT@/connmods/c96.py", """
    def connectionhandler(conn):
        conn.log_error("c96 connection handler declined", apache.APLOG_NOTICE)
        return apache.DECLINED
""")

SITE.module("@ROOT@/connmods/d105.py", """
    def connectionhandler(conn):
        conn.readline()
        raise ValueError("d105 connection boom")
""")

SITE.module("@ROOT@/connmods/cshort.py", """
    def connectionhandler(conn):
        # readline(n) returns at most n bytes; the rest of the line, and
        # anything after it, comes with the next reads
        if conn.readline() == b"long\\n":
            # a line longer than Apache's line buffer, read whole by length
            line = conn.readline(50000)
            conn.write(json.dumps([len(line), line.endswith(b"!\\n")]))
            return apache.OK
        parts = [conn.readline(4), conn.readline(), conn.readline(3),
                 conn.read(2), conn.readline(0), conn.read(-1)]
        conn.write(json.dumps([p.decode() if p is not None else None
                               for p in parts]))
        return apache.OK
""")

SITE.module("@ROOT@/connmods/cinterp.py", """
    def connectionhandler(conn):
        conn.write(apache.interpreter)
        return apache.OK
""")

SITE.handler("c96http", """
    def handler(req):
        return reply(req, {"uri": req.uri, "port": req.connection.local_addr[1]})
""")

SITE.config("""
    <VirtualHost 127.0.0.1:@PORT2@>
        PythonPath "sys.path + ['@ROOT@/connmods']"
        PythonConnectionHandler c95
    </VirtualHost>
    <VirtualHost 127.0.0.1:@PORT3@>
        # the vhost's PythonPath also names the docroot, for c96http.py
        PythonPath "sys.path + ['@ROOT@/connmods', '@DOCROOT@']"
        PythonConnectionHandler c96::connectionhandler
    </VirtualHost>
    <VirtualHost 127.0.0.1:@PORT4@>
        PythonPath "sys.path + ['@ROOT@/connmods']"
        PythonDebug On
        PythonConnectionHandler d105
    </VirtualHost>
    <VirtualHost 127.0.0.1:@PORT5@>
        PythonPath "sys.path + ['@ROOT@/connmods']"
        PythonConnectionHandler cshort
    </VirtualHost>
    <VirtualHost 127.0.0.1:@PORT6@>
        # only the first handler word counts
        ServerName connvh
        PythonPath "sys.path + ['@ROOT@/connmods']"
        PythonInterpPerDirective On
        PythonConnectionHandler cinterp ignored::words
    </VirtualHost>
""")


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm, nports=6) as srv:
        yield srv


def test_connection_handler_raw_protocol(site):
    # C-95
    data = site.raw(b"HELLO raw line\r\nsecond line\n", port=site.ports[1], timeout=10)
    assert data.startswith(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
                           b"X-Raw: c95\r\n\r\n"), data
    r = parse_response(data)
    assert r.json() == {"type": "mp_conn", "first": "HELLO raw line\r\n",
                        "second": "second line\n", "local_port": site.ports[1]}
    # the main port is plain HTTP
    assert site.get("/c96http.py").json()["port"] == site.port


def test_connection_handler_declined(site):
    # C-96
    mark = site.log_mark()
    r = site.get("/c96http.py", port=site.ports[2], timeout=10)
    assert r.status == 200
    assert r.json() == {"uri": "/c96http.py", "port": site.ports[2]}
    site.wait_log("c96 connection handler declined", since=mark)
    # keep-alive requests on such a connection are normal HTTP too
    c = site.conn(port=site.ports[2], timeout=10)
    try:
        for _ in range(2):
            assert c.get("/c96http.py").status == 200
    finally:
        c.close()


def test_connection_handler_exception_only_logged(site):
    # D-105 (PythonDebug On in that vhost: still nothing sent to the client)
    mark = site.log_mark()
    data = site.raw(b"some line\r\n", port=site.ports[3], timeout=10)
    assert b"d105 connection boom" not in data
    assert b"Traceback" not in data
    assert data == b"", data
    log = site.wait_log("d105 connection boom", since=mark)
    assert "Traceback (most recent call last)" in log, log
    # the server goes on serving
    assert site.get("/c96http.py").status == 200


def test_readline_with_a_length_keeps_the_rest(site):
    data = site.raw(b"short\nfirst line\nab\nxyz0123\nlast\ntail", port=site.ports[4],
                    timeout=10, shutdown=True)
    assert json.loads(data) == ["firs", "t line\n", "ab\n", "xy", "z0123\n",
                                "last\ntail"]


def test_connection_handler_interpreter_per_directive(site):
    # directives.md 5.1 rule 3: a connection has no directory, so
    # PythonInterpPerDirective gives the main interpreter; 4.2: only the
    # first handler word is used
    data = site.raw(b"x", port=site.ports[5], timeout=10, shutdown=True)
    assert data == b"main_interpreter"


def test_readline_with_a_length_reads_a_long_line_whole(site):
    data = site.raw(b"long\n" + b"x" * 30000 + b"!\nmore", port=site.ports[4],
                    timeout=10, shutdown=True)
    assert json.loads(data) == [30002, True]
