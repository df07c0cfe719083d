"""Bad input from clients and failing filters: the server answers what it
can, logs the problem, keeps serving, and no child crashes.

Runs under both the prefork and the event MPM.
"""

import socket
import time

import pytest

from helpers import assert_healthy, Site

SITE = Site(dir_directives="""SetHandler mod_python
PythonDebug On
PythonInputFilter bad_filters::raising_input BAD_INPUT_FILTER
PythonOutputFilter bad_filters::raising_output BAD_OUTPUT_FILTER""")

SITE.module("bad_filters.py", """
    def raising_input(filter):
        raise RuntimeError("bad input filter boom")

    def raising_output(filter):
        raise RuntimeError("bad output filter boom")
""")

SITE.handler("bad_ok", """
    def handler(req):
        req.write("fine")
        return apache.OK
""")

SITE.handler("bad_read", """
    def handler(req):
        data = req.read()
        req.log_error("bad_read got %d bytes" % len(data), apache.APLOG_NOTICE)
        req.write("read %d bytes" % len(data))
        return apache.OK
""")

SITE.config("""
    Alias /bad_limited @DOCROOT@
    <Location /bad_limited>
        LimitRequestBody 1500
    </Location>
""")

SITE.handler("bad_infilter", """
    def handler(req):
        data = req.read()
        req.write("handler read %d bytes|%s" % (len(data), data[-9:].decode()))
        return apache.OK
""", directives="AddInputFilter BAD_INPUT_FILTER .py")

SITE.handler("bad_outfilter", """
    def handler(req):
        req.write("hello ")
        req.write("world")
        return apache.OK
""", directives="PythonDebug Off\nAddOutputFilter BAD_OUTPUT_FILTER .py")


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm) as srv:
        yield srv


def test_client_disconnects_mid_body(site):
    # Content-Length 100000, 10 bytes sent, then the client goes away while
    # the handler is in req.read()
    mark = site.log_mark()
    s = socket.create_connection(("127.0.0.1", site.port), timeout=10)
    s.sendall(b"POST /bad_read.py HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n"
              + b"x" * 10)
    time.sleep(0.3)
    s.close()
    log = site.wait_log("PythonHandler bad_read", since=mark)
    assert "Traceback (most recent call last)" in log, log
    assert "bad_read got" not in log, log
    assert_healthy(site, "/bad_ok.py", "fine")


@pytest.mark.parametrize("body,status", [
    ("5\r\nhello\r\nzz\r\nbad size\r\n0\r\n\r\n", 400),     # not hex
    ("ffffffffffffffffffff\r\nx\r\n0\r\n\r\n", 413),             # overflows
    ("5\r\nhello", 500)])       # ends early: OSError, as a short Content-Length
def test_broken_chunked_body(site, body, status):
    # G-175 changed on purpose (issue 13: chunked bodies are read), so a
    # broken one must fail cleanly.  Apache's answer to a broken chunk is the response: the handler's
    # req.read() raises SERVER_RETURN(DONE) and nothing is added to it
    raw = ("POST /bad_read.py HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + body)
    r = site.raw_response(raw, timeout=10, shutdown=True)
    assert r.status == status, r
    assert (b"Mod_python error" in r.body) == (status == 500)
    assert_healthy(site, "/bad_ok.py", "fine")


def test_chunked_body_beyond_limit_request_body(site):
    raw = ("POST /bad_limited/bad_read.py HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
           "400\r\n" + "x" * 1024 + "\r\n400\r\n" + "y" * 1024 + "\r\n0\r\n\r\n")
    r = site.raw_response(raw, timeout=10)
    assert r.status == 413 and b"Mod_python error" not in r.body, r
    assert_healthy(site, "/bad_ok.py", "fine")


@pytest.mark.parametrize("raw", [
    b"GET /bad_ok.py HTTP/1.1 trailing garbage\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET /bad_ok.py HTTP/1.1\r\nHost: 127.0.0.1\r\nNo colon in this header line\r\n\r\n",
    b"GET /bad_ok.py HTTP/1.1\r\nHost: 127.0.0.1\r\n bad leading continuation\r\n\r\n",
], ids=["request-line", "header-no-colon", "header-continuation"])
def test_malformed_request_gives_400(site, raw):
    r = site.raw_response(raw, timeout=10)
    assert r.status == 400, r
    assert_healthy(site, "/bad_ok.py", "fine")


def test_raising_input_filter(site):
    mark = site.log_mark()
    r = site.post("/bad_infilter.py", "some body", timeout=10)
    # the failed filter turns pass-through: the handler reads the body
    assert r.status == 200, r
    # (with PythonDebug On the traceback block comes first)
    assert r.text.startswith("handler read ") and r.text.endswith("|some body"), r.text
    site.wait_log("bad input filter boom", since=mark)
    assert_healthy(site, "/bad_ok.py", "fine")


def test_raising_output_filter_without_debug(site):
    mark = site.log_mark()
    r = site.get("/bad_outfilter.py", timeout=10)
    assert r.status == 200
    # the filter failed before reading: everything passes unfiltered, and
    # without PythonDebug no traceback reaches the client
    assert r.text == "hello world", r.text
    log = site.wait_log("bad output filter boom", since=mark)
    assert "Traceback (most recent call last)" in log, log
    assert_healthy(site, "/bad_ok.py", "fine")
