"""D. Errors and debug output (behaviours.md items 98-103)."""

import re

import pytest

from helpers import Site

SITE = Site(dir_directives="SetHandler mod_python")

SITE.handler("d98", """
    def handler(req):
        raise ValueError("d98 secret detail")
""", directives="PythonDebug Off")

SITE.handler("d99", """
    def handler(req):
        raise ValueError("d99 failure")
""", handler="d99::handler", directives="PythonDebug On")

SITE.handler("d100", """
    def handler(req):
        raise ValueError("<b>d100 bold</b>")
""", handler="d100::handler", directives="PythonDebug On")

SITE.handler("d101", """
    def handler(req):
        raise ValueError("d101 logged failure")
""", handler="d101::handler", directives="PythonDebug On")

SITE.handler("d102", """
    def fixup(req):
        raise ValueError("d102 fixup failure")
    def handler(req):
        req.log_error("d102 content ran")
        req.write("d102 content ran")
        return apache.OK
    def log(req):
        req.log_error("d102 log phase ran", apache.APLOG_NOTICE)
        return apache.OK
""", handler="d102::handler", directives="""PythonDebug On
PythonFixupHandler d102::fixup
PythonLogHandler d102::log""")

SITE.handler("d103", """
    def handler(req):
        data = req.read()
        req.write("read %d bytes" % len(data))
        return apache.OK
""", handler="d103::handler", directives="PythonDebug On")


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm, timeout=5) as srv:
        yield srv


def test_exception_without_debug(site):
    # D-98
    r = site.get("/d98.py")
    assert r.status == 500
    assert "Internal Server Error" in r.text
    assert "Traceback" not in r.text
    assert "d98 secret detail" not in r.text


def test_exception_with_debug(site):
    # D-99
    r = site.get("/d99.py")
    assert r.status == 500
    assert (r.header("Content-Type") or "").startswith("text/html")
    assert 'Mod_python error: "PythonHandler d99::handler"' in r.text
    assert "Traceback (most recent call last)" in r.text
    assert "d99 failure" in r.text


def test_traceback_is_html_escaped(site):
    # D-100
    r = site.get("/d100.py")
    assert r.status == 500
    assert "&lt;b&gt;d100 bold&lt;/b&gt;" in r.text
    assert "<b>d100 bold</b>" not in r.text


def test_traceback_lines_logged_with_prefix(site):
    # D-101
    mark = site.log_mark()
    site.get("/d101.py")
    log = site.wait_log("d101 logged failure", since=mark)
    lines = [l for l in log.splitlines() if "PythonHandler d101::handler: " in l]
    assert any(l.endswith("PythonHandler d101::handler: Traceback (most recent call last):")
               for l in lines), log
    assert any("PythonHandler d101::handler: ValueError: d101 logged failure" in l
               for l in lines), log
    for l in lines:
        assert re.search(r"\[[a-z_]*:error\]", l), l


def test_fixup_exception(site):
    # D-102
    mark = site.log_mark()
    r = site.get("/d102.py")
    assert r.status == 500
    assert 'Mod_python error: "PythonFixupHandler d102::fixup"' in r.text
    assert "Traceback (most recent call last)" in r.text
    assert "d102 content ran" not in r.text
    log = site.wait_log("d102 log phase ran", since=mark)
    assert "d102 content ran" not in log


def test_read_timeout_raises(site):
    # D-103
    req = ("POST /d103.py HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n"
           "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n" + "x" * 10)
    data = site.raw(req, timeout=30)
    text = data.decode("latin-1")
    assert "read 10 bytes" not in text and "read 100 bytes" not in text, text
    assert re.search(r"OSError|IOError", text), text
    assert "Traceback (most recent call last)" in text, text
