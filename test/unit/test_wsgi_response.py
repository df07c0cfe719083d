"""mod_python.wsgi outside httpd: start_response/write and the environ."""

import io
import sys

import pytest

from mod_python import apache, wsgi


class Hlist:
    def __init__(self, directory=None, is_location=False):
        self.directory, self.is_location = directory, is_location


class Request:
    def __init__(self, uri="/app/x", options=None, hlist=None):
        self.uri = uri
        self.path_info = None
        self.filename = None        # a Python <Location>: no file
        self.options = apache.table(options or {})
        self.hlist = hlist or Hlist("/srv/www/")
        self.subprocess_env = apache.table({"REQUEST_METHOD": "GET"})
        self.headers_in = apache.table()
        self.headers_out = apache.table()
        self.status, self.status_line, self.content_type = 200, None, None
        self.length = None
        self.written = []
        self._body = io.BytesIO(b"one\ntwo\n")

    def get_options(self):
        return self.options

    def add_cgi_vars(self):
        self.subprocess_env["QUERY_STRING"] = ""

    def is_https(self):
        return 0

    def document_root(self):
        return "/srv/www"

    def set_content_length(self, n):
        self.length = n

    def write(self, data, flush=1):
        self.written.append(data)

    def readline(self, n=-1):
        return self._body.readline(n)


def test_headers_wait_for_the_first_body_data():
    req = Request()
    resp = wsgi.Response(req)
    write = resp.start_response("404 Not Found", [("Content-Type", "text/x"),
                                                  ("X-A", "1")])
    assert req.status == 200 and "X-A" not in req.headers_out
    write(b"")
    assert not resp.headers_sent
    write(b"body")
    assert (req.status, req.status_line) == (404, "404 Not Found")
    assert req.content_type == "text/x" and req.headers_out["X-A"] == "1"
    assert req.written == [b"body"]


def test_exc_info_before_and_after_headers():
    req = Request()
    resp = wsgi.Response(req)
    resp.start_response("200 OK", [("X-Old", "1")])
    try:
        raise KeyError("k")
    except KeyError:
        resp.start_response("500 Oops", [], sys.exc_info())
    resp.finish()
    assert req.status == 500 and "X-Old" not in req.headers_out
    try:
        raise KeyError("again")
    except KeyError:
        with pytest.raises(KeyError, match="again"):
            resp.start_response("500 Oops", [], sys.exc_info())


def test_second_call_without_exc_info():
    resp = wsgi.Response(Request())
    resp.start_response("200 OK", [])
    with pytest.raises(RuntimeError):
        resp.start_response("200 OK", [])


def test_content_length_caps_the_body():
    req = Request()
    resp = wsgi.Response(req)
    write = resp.start_response("200 OK", [("Content-Length", "4")])
    write(b"abc")
    write(b"defg")
    assert (req.length, b"".join(req.written)) == (4, b"abcd")


def test_write_before_start_response():
    with pytest.raises(RuntimeError):
        wsgi.Response(Request()).write(b"x")


@pytest.mark.parametrize("status", ["999 Bad", "99 Low", "OK", "", "2OO OK"])
def test_bad_status(status):
    with pytest.raises(ValueError, match="Invalid status line"):
        wsgi.Response(Request()).start_response(status, [])


@pytest.mark.parametrize("headers, error", [
    ((("A", "1"),), TypeError),
    ([["A", "1"]], TypeError),
    ([("A", "1", "2")], TypeError),
    ([(b"A", "1")], TypeError),
    ([("A", 1)], TypeError),
    ([("A", "1\r\nB: 2")], ValueError),
])
def test_bad_headers(headers, error):
    with pytest.raises(error):
        wsgi.Response(Request()).start_response("200 OK", headers)


@pytest.mark.parametrize("hlist, uri, script_name, path_info", [
    (Hlist("/srv/www/"), "/app.py", "", "/app.py"),
    (Hlist("/foo", True), "/foo/bar", "/foo", "/bar"),
    (Hlist("/foo/", True), "/foo/bar", "/foo", "/bar"),
    (Hlist("/", True), "/x", "", "/x"),
    (Hlist("/foo", True), "/foo", "/foo", ""),
])
def test_script_name_and_path_info(hlist, uri, script_name, path_info):
    req = Request(uri, hlist=hlist)
    env = wsgi.build_environ(req)
    assert (env["SCRIPT_NAME"], env["PATH_INFO"]) == (script_name, path_info)
    assert req.path_info == path_info
    assert env["wsgi.input"] is req   # iterating it is the C type's job


def test_base_uri_option():
    options = {wsgi.BASE_URI_OPTION: "/app"}
    env = wsgi.build_environ(Request("/app/x", options))
    assert (env["SCRIPT_NAME"], env["PATH_INFO"]) == ("/app", "/x")
    assert wsgi.build_environ(Request("/other", options)) is None
    assert wsgi.build_environ(Request("/application", options)) is None
    with pytest.raises(ValueError, match="must not end with '/'"):
        wsgi.build_environ(Request("/app/x", {wsgi.BASE_URI_OPTION: "/app/"}))


def test_url_scheme_from_https_variable():
    req = Request()
    req.subprocess_env["HTTPS"] = "on"
    assert wsgi.build_environ(req)["wsgi.url_scheme"] == "https"
    req.subprocess_env["HTTPS"] = "OFF"
    assert wsgi.build_environ(req)["wsgi.url_scheme"] == "http"
