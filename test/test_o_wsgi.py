"""O. mod_python.wsgi (behaviours.md items 328-338, library.md section 7).

The applications live in @ROOT@/apps/o_apps.py, on sys.path through a
server-level PythonPath.  The shared site runs under both the prefork and the
event MPM.  The Flask test needs Flask for the Python Apache embeds:
scripts/install-test-deps puts it into build/test-deps.
"""

import gzip
import os
import threading

import pytest

from helpers import LIBDIR, REPO, Site

APPS = '''
import json
import sys
import wsgiref.validate


def _json(start_response, obj, status="200 OK"):
    body = json.dumps(obj).encode("utf-8")
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))])
    return [body]


KEYS = ("SCRIPT_NAME", "PATH_INFO", "REQUEST_METHOD", "QUERY_STRING",
        "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "CONTENT_TYPE",
        "CONTENT_LENGTH", "HTTP_AUTHORIZATION", "HTTP_X_TEST",
        "wsgi.version", "wsgi.url_scheme", "wsgi.multithread",
        "wsgi.multiprocess", "wsgi.run_once")


def env_app(environ, start_response):
    info = {key: environ.get(key) for key in KEYS}
    info["input_class"] = environ["wsgi.input"].__class__.__name__
    info["errors_is_stderr"] = environ["wsgi.errors"] is sys.stderr
    info["is_dict"] = type(environ) is dict
    info["non_str"] = [k for k, v in environ.items()
                       if "." not in k and type(v) is not str]
    return _json(start_response, info)


base_uri = env_app


def errors_app(environ, start_response):
    environ["wsgi.errors"].write("o329 marker from wsgi.errors\\n")
    return _json(start_response, "logged")


def hello(environ, start_response):
    start_response("200 OK", [("Content-type", "text/plain"),
                              ("Content-Length", "12"),
                              ("X-O335", "yes")])
    return [b"Hello, ", b"world"]


def not_found(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"no such thing"]


def bad_start(environ, start_response):
    def attempt(*args):
        try:
            start_response(*args)
            return "accepted"
        except Exception as e:
            return "%s: %s" % (type(e).__name__, e)
    ok = [("Content-Type", "text/plain")]
    return _json(start_response, {
        "999": attempt("999 Bad", []),
        "99": attempt("99 Low", []),
        "word": attempt("OK", []),
        "list_header": attempt("200 OK", [["Content-Type", "text/plain"]]),
        "tuple_headers": attempt("200 OK", tuple(ok)),
        "bytes_name": attempt("200 OK", [(b"X-A", "1")]),
        "int_value": attempt("200 OK", [("X-A", 1)]),
        "newline": attempt("200 OK", [("X-A", "1\\r\\nX-Forged: 1")]),
    })


class ClosingBody:
    def __init__(self, tag, fail=False):
        self.tag, self.fail = tag, fail

    def __iter__(self):
        yield b"part1;"
        if self.fail:
            raise RuntimeError("%s failed while iterating" % self.tag)
        yield b"part2"

    def close(self):
        sys.stderr.write("%s close() called\\n" % self.tag)
        sys.stderr.flush()


def closing(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ClosingBody("o338")


def closing_error(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ClosingBody("o338err", fail=True)


def generated(environ, start_response):
    def body():
        # start_response may wait until the first iteration (PEP 3333)
        start_response("200 OK", [("Content-Type", "text/plain")])
        for i in range(3):
            yield ("chunk%d;" % i).encode()
    return body()


def with_write(environ, start_response):
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"written;")
    return [b"returned"]


def exc_before_headers(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Gone", "1")])
    try:
        raise ValueError("oops")
    except ValueError:
        start_response("500 Internal Server Error",
                       [("Content-Type", "text/plain")], sys.exc_info())
    return [b"recovered"]


def exc_after_headers(environ, start_response):
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"sent;")
    try:
        raise ValueError("o-exc after headers")
    except ValueError:
        try:
            start_response("500 Internal Server Error", [], sys.exc_info())
        except ValueError as e:
            sys.stderr.write("re-raised: %s\\n" % e)
            sys.stderr.flush()
            return [b"reraised"]
    return [b"not re-raised"]


def twice(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    try:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"accepted"]
    except Exception as e:
        return [type(e).__name__.encode()]


def too_long(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", "5")])
    return [b"12345", b"6789"]


def no_start(environ, start_response):
    return [b"never started"]


def echo_post(environ, start_response):
    stream = environ["wsgi.input"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    first = stream.readline()
    rest = stream.read(length - len(first))
    return _json(start_response, {"first": first.decode(), "rest": rest.decode()})


def validated(environ, start_response):
    if environ.get("REQUEST_METHOD") == "POST":
        body = b"".join(environ["wsgi.input"])
    else:
        body = b"-"
    environ["wsgi.errors"].write("validated request\\n")
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"[")
    return [body, b"]"]


validated = wsgiref.validate.validator(validated)


def more_keys(environ, start_response):
    req = environ["mod_python.request"]
    return _json(start_response, {
        key: environ.get(key) for key in (
            "SCRIPT_FILENAME", "PATH_TRANSLATED", "REQUEST_URI",
            "wsgi.input_terminated", "mod_python.version")} | {
        "request_uri_from_req": req.uri,
        "file_wrapper": environ["wsgi.file_wrapper"].__name__})


def read_all(environ, start_response):
    # a chunked body: no CONTENT_LENGTH, read to the end
    stream = environ["wsgi.input"]
    head = stream.read(0) + stream.readline()
    body = head + stream.read()
    return _json(start_response, {"length": environ.get("CONTENT_LENGTH"),
                                  "body": body.decode(),
                                  "terminated": environ["wsgi.input_terminated"]})


def wrapped_file(environ, start_response):
    query = dict(p.split("=") for p in environ["QUERY_STRING"].split("&") if p)
    f = open(__file__.replace("o_apps.py", "payload.bin"), "rb")
    f.seek(int(query.get("skip", 0)))
    headers = [("Content-Type", "application/octet-stream")]
    if "length" in query:
        headers.append(("Content-Length", query["length"]))
    start_response("200 OK", headers)
    if "plain" in query:        # a file-like object without a file behind it
        import io
        f = io.BytesIO(f.read())
    elif "gzip" in query:       # a file behind it, but not its bytes
        import gzip, io, tempfile
        f.close()
        f = tempfile.TemporaryFile()      # its name is a number
        f.write(gzip.compress(PAYLOAD))
        f.seek(0)
        f = gzip.GzipFile(fileobj=f)
        f.read(int(query.get("skip", 0)))
    elif "unnamed" in query:    # a regular file whose name is a number
        import tempfile
        f.close()
        f = tempfile.TemporaryFile()
        f.write(PAYLOAD)
        f.seek(int(query.get("skip", 0)))
    return environ["wsgi.file_wrapper"](f, 4096)
'''
PAYLOAD = bytes(range(256)) * 1000
APPS = APPS.replace("PAYLOAD", repr(bytes(range(256))) + " * 1000")

SITE = Site()
SITE.module("@ROOT@/apps/o_apps.py", APPS, prelude=False)
SITE.file("w/app.py", "# O-328: the URI maps to this file\n")
SITE.file("@ROOT@/apps/payload.bin", PAYLOAD)
SITE.config("""
    PythonPath "sys.path + ['@ROOT@/apps']"
    <Directory @DOCROOT@/w>
        SetHandler mod_python
        PythonHandler mod_python.wsgi
        PythonOption mod_python.wsgi.application o_apps::env_app
    </Directory>
""")


def location(path, app, *extra):
    SITE.config("<Location %s>\nSetHandler mod_python\nPythonDebug On\n"
                "PythonHandler mod_python.wsgi\n"
                "PythonOption mod_python.wsgi.application %s\n%s\n</Location>\n"
                % (path, app, "\n".join(extra)))


location("/foo", "o_apps::base_uri")
location("/foo2/", "o_apps::base_uri")
location("/o332", "o_apps::env_app", "PythonOption mod_python.wsgi.base_uri /o332/app")
location("/o333", "o_apps::env_app", "PythonOption mod_python.wsgi.base_uri /o333/")
location("/o334", "o_apps::nope")
for _name in ("errors_app", "hello", "not_found", "bad_start", "closing",
              "closing_error", "generated", "with_write", "exc_before_headers",
              "exc_after_headers", "twice", "too_long", "no_start", "echo_post",
              "validated", "env_app", "more_keys", "read_all", "wrapped_file"):
    location("/o/" + _name, "o_apps::" + _name)
location("/gz/generated", "o_apps::generated", "SetOutputFilter DEFLATE")
location("/default", "o_apps")  # callable defaults to 'application': none here
SITE.config("""
    <Location /unset>
        SetHandler mod_python
        PythonHandler mod_python.wsgi
    </Location>
""")


SITE.handler("osemi", """
    import sys

    def app(environ, start_response):
        write = start_response("201 Made", [("X-Semi", "yes")])
        write(b"written ")
        return [environ["PATH_INFO"].encode()]

    def handler(req):
        if req.args == "errors":
            return reply(req, [
                capture(lambda: req.wsgi_start_response("200 OK", "x")),
                capture(lambda: req.wsgi_start_response("200 OK", ["x"])),
                capture(lambda: req.wsgi_start_response("99 Low", [])),
                capture(lambda: req.wsgi_start_response(
                    "200 OK", [], (KeyError, KeyError("raised"), None)))])
        for chunk in app(req.build_wsgi_env(), req.wsgi_start_response):
            req.write(chunk)
        return apache.OK
""", directives="PythonPath \"sys.path + ['@DOCROOT@']\"")


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm, modules=["deflate"]) as srv:
        yield srv


def test_environ_in_directory(site):
    # O-328
    r = site.get("/w/app.py")
    assert r.status == 200, r.text
    env = r.json()
    assert (env["SCRIPT_NAME"], env["PATH_INFO"]) == ("", "/w/app.py")
    assert env["wsgi.version"] == [1, 0]
    assert env["wsgi.url_scheme"] == "http"
    assert env["input_class"] == "mp_request"
    assert env["errors_is_stderr"] is True
    assert isinstance(env["wsgi.multithread"], bool)
    assert isinstance(env["wsgi.multiprocess"], bool)
    assert env["wsgi.run_once"] is False
    assert env["is_dict"] and env["non_str"] == []


def test_multithread_follows_the_mpm(site):
    # O-328: the booleans say what the MPM is
    env = site.get("/o/env_app").json()
    assert env["wsgi.multithread"] is (site.mpm == "event")
    assert env["wsgi.multiprocess"] is True


def test_errors_go_to_the_error_log(site):
    # O-329
    mark = site.log_mark()
    assert site.get("/o/errors_app").status == 200
    site.wait_log("o329 marker from wsgi.errors", since=mark)


@pytest.mark.parametrize("prefix", ["/foo", "/foo2"])
def test_location_is_the_script_name(site, prefix):
    # O-330 (<Location /foo>), O-331 (<Location /foo2/>)
    env = site.get(prefix + "/bar?x=1").json()
    assert (env["SCRIPT_NAME"], env["PATH_INFO"]) == (prefix, "/bar")
    assert env["QUERY_STRING"] == "x=1"


def test_location_root_request(site):
    # O-330: the Location itself: empty PATH_INFO, never SCRIPT_NAME '/'
    env = site.get("/foo").json()
    assert (env["SCRIPT_NAME"], env["PATH_INFO"]) == ("/foo", "")


def test_base_uri_option(site):
    # O-332
    env = site.get("/o332/app/x").json()
    assert (env["SCRIPT_NAME"], env["PATH_INFO"]) == ("/o332/app", "/x")
    mark = site.log_mark()
    r = site.get("/o332/other")
    assert r.status == 404  # declined: nothing else serves it
    site.wait_log("req.uri (/o332/other) does not start with "
                  "mod_python.wsgi.base_uri (/o332/app), declining.", since=mark)


def test_base_uri_is_a_path_prefix(site):
    # O-332: /o332/application is not under /o332/app
    assert site.get("/o332/application").status == 404


def test_base_uri_with_trailing_slash(site):
    # O-333
    mark = site.log_mark()
    r = site.get("/o333/x")
    assert r.status == 500
    site.wait_log("ValueError: PythonOption 'mod_python.wsgi.base_uri' "
                  "('/o333/') must not end with '/'", since=mark)


def test_missing_application_declines(site):
    # O-334
    mark = site.log_mark()
    assert site.get("/o334/x").status == 404
    site.wait_log("WSGI handler: mod_python.wsgi.application ('o_apps::nope') "
                  "not found, declining.", since=mark)


def test_default_callable_name(site):
    # O-334: no '::' means 'application', which o_apps lacks
    mark = site.log_mark()
    assert site.get("/default").status == 404
    site.wait_log("('o_apps') not found, declining.", since=mark)


def test_application_option_unset(site):
    # ambiguity 10: a configuration error, not a silent decline
    mark = site.log_mark()
    assert site.get("/unset").status == 500
    site.wait_log("PythonOption mod_python.wsgi.application is not set", since=mark)


def test_headers_and_body(site):
    # O-335
    r = site.get("/o/hello")
    assert (r.status, r.body) == (200, b"Hello, world")
    assert r.header("Content-Type") == "text/plain"
    assert r.header("Content-Length") == "12"
    assert r.header("X-O335") == "yes"


def test_status_is_sent(site):
    # O-336 (ambiguity 9: req.status is set, not only status_line)
    r = site.get("/o/not_found")
    assert (r.status, r.reason, r.body) == (404, "Not Found", b"no such thing")


def test_bad_status_and_headers(site):
    # O-337
    res = site.get("/o/bad_start").json()
    assert res["999"] == "ValueError: Invalid status line: 999 Bad"
    assert res["99"].startswith("ValueError")
    assert res["word"].startswith("ValueError")
    assert res["list_header"].startswith("TypeError")
    assert res["tuple_headers"].startswith("TypeError: headers argument must be a list")
    assert res["bytes_name"].startswith("TypeError: header names must be strings")
    assert res["int_value"].startswith("TypeError: header values must be strings")
    assert res["newline"].startswith("ValueError")


def test_close_is_called(site):
    # O-338
    mark = site.log_mark()
    r = site.get("/o/closing")
    assert r.body == b"part1;part2"
    site.wait_log("o338 close() called", since=mark)


def test_close_is_called_on_error(site):
    # O-338: close() runs even when iterating fails
    mark = site.log_mark()
    site.get("/o/closing_error")
    log = site.wait_log("o338err close() called", since=mark)
    assert "o338err failed while iterating" in log


def test_generator_streamed(site):
    # O-338: the body is the concatenation of what the generator yields,
    # start_response called lazily from inside it
    r = site.get("/o/generated")
    assert (r.status, r.body) == (200, b"chunk0;chunk1;chunk2;")


def test_streamed_chunks_are_flushed(site):
    # each item is sent as it comes: chunked encoding, no Content-Length
    data = site.raw("GET /o/generated HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in data
    assert data.count(b"\r\n7\r\nchunk") == 3


def test_write_callable(site):
    assert site.get("/o/with_write").body == b"written;returned"


def test_exc_info_replaces_unsent_headers(site):
    r = site.get("/o/exc_before_headers")
    assert (r.status, r.body) == (500, b"recovered")
    assert r.header("X-Gone") is None


def test_exc_info_reraised_after_headers_sent(site):
    mark = site.log_mark()
    r = site.get("/o/exc_after_headers")
    assert r.body == b"sent;reraised"
    site.wait_log("re-raised: o-exc after headers", since=mark)


def test_second_start_response_without_exc_info(site):
    assert site.get("/o/twice").body == b"RuntimeError"


def test_content_length_honoured(site):
    r = site.get("/o/too_long")
    assert (r.header("Content-Length"), r.body) == ("5", b"12345")


def test_no_start_response_is_an_error(site):
    mark = site.log_mark()
    assert site.get("/o/no_start").status == 500
    site.wait_log("calling start_response()", since=mark)


def test_request_body_and_headers(site):
    r = site.post("/o/echo_post", "line one\nline two", headers={
        "Content-Type": "text/plain", "Authorization": "Bearer o-token"})
    assert r.json() == {"first": "line one\n", "rest": "line two"}
    env = site.post("/o/env_app", "abc", headers={
        "Content-Type": "text/x-o", "Authorization": "Bearer o-token",
        "X-Test": "caf\xe9".encode("latin-1")}).json()
    assert env["CONTENT_TYPE"] == "text/x-o" and env["CONTENT_LENGTH"] == "3"
    assert env["HTTP_AUTHORIZATION"] == "Bearer o-token"
    assert env["HTTP_X_TEST"] == "caf\xe9"


def test_path_info_is_latin1_of_the_raw_bytes(site):
    # PEP 3333: URL-decoded bytes, decoded as Latin-1
    env = site.get("/foo/caf%C3%A9").json()
    assert env["PATH_INFO"] == "/caf\xc3\xa9"


def test_environ_keys_beyond_pep_3333(site):
    env = site.get("/o/more_keys/extra%20path?q=1").json()
    assert env["SCRIPT_FILENAME"] == site.path("@ROOT@/apps/o_apps.py")
    assert env["PATH_TRANSLATED"] == site.docroot + "/extra path"
    assert env["REQUEST_URI"] == "/o/more_keys/extra%20path?q=1"
    assert env["wsgi.input_terminated"] is True
    assert env["mod_python.version"] and env["file_wrapper"] == "FileWrapper"
    assert env["request_uri_from_req"] == "/o/more_keys/extra path"
    assert "PATH_TRANSLATED" not in {k for k, v in site.get("/o/more_keys").json().items()
                                     if v is not None}


def test_chunked_request_body(site):
    raw = ("POST /o/read_all HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
           "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
           "6\r\nline1\n\r\n8\r\nand more\r\n0\r\n\r\n")
    r = site.raw_response(raw)
    assert r.json() == {"length": None, "body": "line1\nand more", "terminated": True}


@pytest.mark.parametrize("query,expected", [
    ("", PAYLOAD), ("skip=1000", PAYLOAD[1000:]), ("length=5000", PAYLOAD[:5000]),
    ("skip=10&length=20", PAYLOAD[10:30]), ("plain=1&skip=7", PAYLOAD[7:]),
    ("gzip=1&skip=9", PAYLOAD[9:]), ("unnamed=1&skip=3&length=10", PAYLOAD[3:13])], ids=lambda v: v if isinstance(v, str) else "")
def test_file_wrapper(site, query, expected):
    r = site.get("/o/wrapped_file?" + query)
    assert (r.status, r.body) == (200, expected)


def test_file_wrapper_with_head_and_range(site):
    r = site.request("HEAD", "/o/wrapped_file?length=%d" % len(PAYLOAD))
    assert (r.status, r.body, r.header("Content-Length")) == (200, b"", str(len(PAYLOAD)))
    # Apache's byterange filter needs the whole body at once: a file sent
    # with sendfile goes out whole (200 is a valid answer to a Range)
    r = site.get("/o/wrapped_file?length=%d" % len(PAYLOAD),
                 headers={"Range": "bytes=100-199"})
    assert (r.status, r.body) == (200, PAYLOAD)


def test_range_request_gets_the_whole_body(site):
    # each block is sent as it comes (PEP 3333), as mod_wsgi does, so
    # Apache cannot cut ranges out of it: the whole body, a valid answer
    r = site.get("/o/hello", headers={"Range": "bytes=7-10"})
    assert (r.status, r.body, r.header("Content-Range")) == (200, b"Hello, world", None)


def test_gzip_response(site):
    # mod_deflate over a streamed response, as with mod_wsgi
    plain = site.get("/o/generated").body
    r = site.get("/gz/generated", headers={"Accept-Encoding": "gzip"})
    assert r.header("Content-Encoding") == "gzip"
    assert gzip.decompress(r.body) == plain and plain
    assert site.get("/gz/generated").body == plain    # not asked for: plain


def test_wsgiref_validator(site):
    mark = site.log_mark()
    assert site.get("/o/validated").body == b"[-]"
    r = site.post("/o/validated", "a\nb\nc", headers={"Content-Type": "text/plain"})
    assert (r.status, r.body) == (200, b"[a\nb\nc]")
    log = site.wait_log("validated request", since=mark)
    assert "AssertionError" not in log and "WSGIWarning" not in log, log


# --------------------------------------------------------------------------
# A real application: Flask

TEST_DEPS = os.path.join(REPO, "build", "test-deps")

FLASK_APP = '''
import time

from flask import Flask, Response, abort, jsonify, request, stream_with_context

app = Flask(__name__)


@app.route("/")
def index():
    return "index of %s" % request.script_root


@app.route("/hello/<name>")
def hello(name):
    return "Hello, %s!" % name


@app.route("/form", methods=["GET", "POST"])
def form():
    if request.method == "POST":
        return "got %s=%s" % ("name", request.form["name"])
    return '<form method="post"><input name="name"></form>'


@app.route("/json")
def data():
    return jsonify(items=[1, 2, 3], path=request.path, url=request.url)


@app.route("/missing")
def missing():
    abort(404)


@app.route("/stream")
def stream():
    def generate():
        for i in range(3):
            yield "line %d\\n" % i
            time.sleep(0.05)
    return Response(stream_with_context(generate()), mimetype="text/plain")
'''


@pytest.fixture(scope="module")
def flask_site(module_apache):
    if not os.path.isdir(os.path.join(TEST_DEPS, "flask")):
        pytest.fail("Flask for Apache's Python is missing from %s: "
                    "run scripts/install-test-deps" % TEST_DEPS, pytrace=False)
    site = Site()
    site.module("@ROOT@/apps/o_flask.py", FLASK_APP, prelude=False)
    site.config("""
        PythonPath "sys.path + ['@ROOT@/apps']"
        <Location /flask>
            SetHandler mod_python
            PythonHandler mod_python.wsgi
            PythonOption mod_python.wsgi.application o_flask::app
        </Location>
    """)
    return site.start(module_apache, mpm="event",
                      site_dirs="%s:%s" % (LIBDIR, TEST_DEPS))


def test_flask_routes(flask_site):
    r = flask_site.get("/flask/")
    assert (r.status, r.text) == (200, "index of /flask")
    r = flask_site.get("/flask/hello/world")
    assert (r.status, r.text) == (200, "Hello, world!")
    assert r.header("Content-Type") == "text/html; charset=utf-8"


def test_flask_form_post(flask_site):
    assert "<form" in flask_site.get("/flask/form").text
    r = flask_site.post("/flask/form", "name=mod_python+%C3%A9")
    assert (r.status, r.text) == (200, "got name=mod_python \xe9")


def test_flask_json(flask_site):
    r = flask_site.get("/flask/json", host="example.test")
    assert r.header("Content-Type") == "application/json"
    assert r.json() == {"items": [1, 2, 3], "path": "/json",
                        "url": "http://example.test/flask/json"}


def test_flask_404(flask_site):
    r = flask_site.get("/flask/missing")
    assert r.status == 404 and "Not Found" in r.text
    assert flask_site.get("/flask/no/such/route").status == 404


def test_flask_streaming(flask_site):
    r = flask_site.get("/flask/stream")
    assert (r.status, r.text) == (200, "line 0\nline 1\nline 2\n")
    assert r.header("Transfer-Encoding") == "chunked"


def test_flask_concurrent_requests(flask_site):
    results = []

    def fetch(i):
        results.append(flask_site.get("/flask/hello/%d" % i).text)

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == sorted("Hello, %d!" % i for i in range(8))


def test_request_semi_private_wsgi_helpers(site):
    # python-api.md 4.1, library.md 7: req.build_wsgi_env() and
    # req.wsgi_start_response() drive an application from any handler
    r = site.get("/osemi.py")
    assert (r.status, r.text) == (201, "written /osemi.py")
    assert r.header("X-Semi") == "yes"
    assert site.get("/osemi.py?errors").json() == [
        "EXC:TypeError:headers argument must be a list, not a 'str'",
        "EXC:TypeError:each header must be a tuple of two strings, not a 'str'",
        "EXC:ValueError:Invalid status line: 99 Low",
        "EXC:KeyError:'raised'"]
