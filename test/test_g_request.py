"""G. Request object (behaviours.md items 145-200).

The site runs under both the prefork and the event MPM.
"""

import hashlib
import os
import random
import socket
import struct

import pytest

from helpers import Site, basic_auth, parse_response

SITE = Site()

SITE.handler("g145", """
    def handler(req):
        return reply(req, {"the_request": req.the_request, "protocol": req.protocol,
                           "proto_num": req.proto_num})
""")


def test_the_request_protocol(site):
    # G-145
    d = site.get("/g145.py?x=1").json()
    assert d == {"the_request": "GET /g145.py?x=1 HTTP/1.1", "protocol": "HTTP/1.1",
                 "proto_num": 1001}
    r = site.raw_response("GET /g145.py HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    assert r.json() == {"the_request": "GET /g145.py HTTP/1.0", "protocol": "HTTP/1.0",
                        "proto_num": 1000}


SITE.handler("g146", """
    def handler(req):
        req.headers_out["X-Method"] = req.method
        req.headers_out["X-Method-Number"] = str(req.method_number)
        req.headers_out["X-Header-Only"] = str(req.header_only)
        req.write("body")
        return apache.OK
""")


def test_method_and_header_only(site):
    # G-146
    r = site.get("/g146.py")
    assert (r.header("X-Method"), r.header("X-Method-Number"), r.header("X-Header-Only")) \
        == ("GET", "0", "0")
    r = site.request("HEAD", "/g146.py")
    assert r.status == 200
    assert (r.header("X-Method"), r.header("X-Header-Only")) == ("HEAD", "1")
    assert r.body == b""


SITE.handler("g147", """
    def handler(req):
        return reply(req, {"hostname": req.hostname, "host": req.headers_in["Host"]})
""")


def test_hostname(site):
    # G-147
    d = site.get("/g147.py", host="example.org:%d" % site.port).json()
    assert d["hostname"] == "example.org"
    assert d["host"].startswith(d["hostname"])
    assert d["host"] == "example.org:%d" % site.port


SITE.handler("g148", """
    def handler(req):
        return reply(req, {"type": type(req.request_time).__name__,
                           "delta": time.time() - req.request_time})
""")


def test_request_time(site):
    # G-148
    d = site.get("/g148.py").json()
    assert d["type"] == "float"
    assert -1 <= d["delta"] < 5


SITE.handler("g149", """
    def handler(req):
        before = (req.status, req.status_line)
        req.status = 202
        req.headers_out["X-Before"] = repr(before)
        req.headers_out["X-After"] = str(req.status)
        req.write("accepted")
        return apache.OK
""")


def test_status(site):
    # G-149
    r = site.get("/g149.py")
    assert r.header("X-Before") == "(200, None)"
    assert r.header("X-After") == "202"
    assert (r.status, r.text) == (202, "accepted")


SITE.handler("g150", """
    def handler(req):
        return reply(req, {"next": repr(req.next), "prev": repr(req.prev),
                           "main": repr(req.main)})
""")


def test_next_prev_main(site):
    # G-150
    assert site.get("/g150.py").json() == {"next": "None", "prev": "None", "main": "None"}


SITE.handler("g151", """
    def handler(req):
        return reply(req, {"assbackwards": repr(req.assbackwards),
                           "proxyreq": repr(req.proxyreq), "allowed": repr(req.allowed),
                           "allowed_xmethods": repr(req.allowed_xmethods),
                           "allowed_methods": repr(req.allowed_methods),
                           "sent_bodyct": repr(req.sent_bodyct)})
""")


def test_misc_request_fields(site):
    # G-151
    assert site.get("/g151.py").json() == {
        "assbackwards": "0", "proxyreq": "0", "allowed": "0", "allowed_xmethods": "()",
        "allowed_methods": "()", "sent_bodyct": "0"}


SITE.handler("g152", """
    def handler(req):
        before = req.bytes_sent
        req.write("1234")
        after = req.bytes_sent
        req.write("|%d|%d" % (before, after))
        return apache.OK
""")


def test_bytes_sent(site):
    # G-152
    r = site.get("/g152.py")
    body, before, after = r.text.split("|")
    assert body == "1234"
    assert int(after) - int(before) == 4


SITE.handler("g153", """
    def handler(req):
        initial = req.mtime
        req.update_mtime(100.0)
        first = req.mtime
        req.update_mtime(50.0)
        return reply(req, [repr(initial), repr(first), repr(req.mtime)])
""")


def test_mtime(site):
    # G-153
    assert site.get("/g153.py").json() == ["0.0", "100.0", "100.0"]


SITE.handler("g154", """
    def handler(req):
        if req.args == "set":
            return reply(req, capture(lambda: setattr(req, "chunked", "x")))
        before = req.chunked
        req.write("x")
        after = req.chunked
        req.write("|%d|%d" % (before, after))
        return apache.OK
""")


def test_chunked(site):
    # G-154
    data = site.raw("GET /g154.py HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    r = parse_response(data)
    assert (r.header("Transfer-Encoding") or "").lower() == "chunked"
    assert r.text.split("|")[0] == "x"
    assert r.text.split("|")[2] == "1"
    # python-api.md 4.2: int only, with 3.5's message
    assert site.get("/g154.py?set").json() == \
        "EXC:TypeError:chunked must be a integer"


SITE.handler("g155", """
    def handler(req):
        return reply(req, {"range": req.range, "remaining": req.remaining,
                           "read_length": req.read_length, "read_body": req.read_body,
                           "read_chunked": req.read_chunked,
                           "expecting_100": req.expecting_100})
""")


def test_body_fields_without_body(site):
    # G-155
    assert site.get("/g155.py").json() == {
        "range": None, "remaining": 0, "read_length": 0, "read_body": 0,
        "read_chunked": 0, "expecting_100": 0}


SITE.handler("g156", """
    def handler(req):
        req.set_content_length(15)
        req.headers_out["X-Clength"] = str(req.clength)
        req.headers_out["X-Header"] = str(req.headers_out["content-length"])
        req.write("123456789012345")
        return apache.OK
""")


def test_set_content_length(site):
    # G-156
    r = site.get("/g156.py")
    assert r.header("X-Clength") == "15"
    assert r.header("X-Header") == "15"
    assert r.header("Content-Length") == "15"
    assert r.text == "123456789012345"


SITE.handler("g157", """
    def handler(req):
        req.notes["testing"] = "123"
        return reply(req, {"notes": req.notes["testing"]})
""")


def test_notes(site):
    # G-157
    assert site.get("/g157.py").json() == {"notes": "123"}


SITE.handler("g158", """
    def handler(req):
        before = req._content_type_set
        req.content_type = "test/123"
        req.headers_out["X-Info"] = repr([before, bool(req._content_type_set),
                                          req.content_type])
        req.write("x")
        return apache.OK
""")


def test_content_type(site):
    # G-158
    r = site.get("/g158.py")
    assert r.header("X-Info") == "[0, True, 'test/123']"
    assert r.header("Content-Type") == "test/123"


SITE.handler("g159", """
    def handler(req):
        return reply(req, {"handler": req.handler})
""")


def test_handler_name(site):
    # G-159
    assert site.get("/g159.py").json() == {"handler": "mod_python"}


SITE.handler("g160", """
    def handler(req):
        return reply(req, {n: repr(getattr(req, n)) for n in
                           ("content_encoding", "vlist_validator", "user", "ap_auth_type",
                            "args", "range", "content_languages")})
""")


def test_none_fields(site):
    # G-160
    assert site.get("/g160.py").json() == {
        "content_encoding": "None", "vlist_validator": "None", "user": "None",
        "ap_auth_type": "None", "args": "None", "range": "None",
        "content_languages": "()"}


SITE.handler("g161", """
    def handler(req):
        req.no_cache = 1
        req.write("nocache")
        return apache.OK
""")


def test_no_cache(site):
    # G-161
    r = site.get("/g161.py")
    assert r.status == 200
    assert r.header("Expires") is not None


SITE.handler("g162", """
    def handler(req):
        return reply(req, {"uri": req.uri, "unparsed_uri": req.unparsed_uri,
                           "path": req.parsed_uri[apache.URI_PATH],
                           "len": len(req.parsed_uri)})
""")


def test_uri(site):
    # G-162
    assert site.get("/g162.py").json() == {"uri": "/g162.py", "unparsed_uri": "/g162.py",
                                           "path": "/g162.py", "len": 9}


SITE.handler("g163", """
    def handler(req):
        return reply(req, {"filename": req.filename, "expected": req.document_root() + req.uri,
                           "canonical": req.canonical_filename,
                           "path_info": req.path_info})
""")


def test_filename(site):
    # G-163
    d = site.get("/g163.py").json()
    assert d["filename"] == d["expected"] == site.docroot + "/g163.py"
    assert d["canonical"]
    assert d["path_info"] == ""


SITE.handler("g164", """
    def handler(req):
        return reply(req, {"fname": req.finfo[apache.FINFO_FNAME],
                           "canonical": req.canonical_filename,
                           "filetype": req.finfo.filetype, "APR_REG": apache.APR_REG})
""")


def test_finfo(site):
    # G-164
    d = site.get("/g164.py").json()
    assert d["fname"] == d["canonical"] == site.docroot + "/g164.py"
    assert d["filetype"] == d["APR_REG"] == 1


SITE.handler("g165", """
    def handler(req):
        other = req.document_root() + "/g165other.txt"
        req.finfo = apache.stat(other, apache.APR_FINFO_MIN)
        def bad():
            req.finfo = "not a finfo"
        return reply(req, {"fname": req.finfo.fname, "size": req.finfo.size,
                           "bad": capture(bad)})
""")
SITE.file("g165other.txt", "12345\n")


def test_finfo_assignment(site):
    # G-165
    d = site.get("/g165.py").json()
    assert d["fname"] == site.docroot + "/g165other.txt"
    assert d["size"] == 6
    assert d["bad"].startswith("EXC:TypeError"), d


SITE.handler("g166", """
    def handler(req):
        before = req.used_path_info
        req.used_path_info = 1
        return reply(req, [before, req.used_path_info])
""")


def test_used_path_info(site):
    # G-166
    assert site.get("/g166.py").json() == [2, 1]


SITE.handler("g167", """
    def handler(req):
        return reply(req, {"eos_sent": req.eos_sent})
""")


def test_eos_sent(site):
    # G-167
    assert site.get("/g167.py").json() == {"eos_sent": 0}


SITE.handler("g168", """
    def handler(req):
        return reply(req, {"ip": req.useragent_ip, "addr": list(req.useragent_addr)})
""")


def test_useragent(site):
    # G-168
    d = site.get("/g168.py").json()
    assert d["ip"] == "127.0.0.1"
    assert d["addr"][0] == "127.0.0.1"
    assert isinstance(d["addr"][1], int)


SITE.handler("g169", """
    def fixup(req):
        req.g169_fixup = "set in fixup"
        return apache.OK
    def handler(req):
        req.g169_parent = "set in content (seen fixup: %s)" % getattr(req, "g169_fixup", None)
        req.internal_redirect("/g169target.int")
        return apache.OK
    def target(req):
        return reply(req, {"prev_parent": getattr(req.prev, "g169_parent", None),
                           "prev_fixup": getattr(req.prev, "g169_fixup", None),
                           "uri": req.uri})
""", directives="PythonFixupHandler g169::fixup")
SITE.files_section("g169target.int", "PythonHandler g169::target")


def test_arbitrary_attributes(site):
    # G-169
    r = site.get("/g169.py")
    assert r.status == 200, r.text
    assert r.json() == {"prev_parent": "set in content (seen fixup: set in fixup)",
                        "prev_fixup": "set in fixup", "uri": "/g169target.int"}


SITE.handler("g170", """
    def handler(req):
        dr = req.document_root()
        return reply(req, {"root": dr, "type": type(dr).__name__})
""")


def test_document_root(site):
    # G-170
    assert site.get("/g170.py").json() == {"root": site.docroot, "type": "str"}


SITE.handler("g171", """
    def handler(req):
        return reply(req, {"url": req.construct_url("/index.html")})
""")


def test_construct_url(site):
    # G-171
    d = site.get("/g171.py", port=site.port2, host="g171.example:%d" % site.port2).json()
    assert d["url"] == "http://g171.example:%d/index.html" % site.port2


SITE.handler("g172", """
    def handler(req):
        return reply(req, {"host": repr(req.get_remote_host(apache.REMOTE_HOST)),
                           "default": repr(req.get_remote_host()),
                           "tuple": repr(req.get_remote_host(apache.REMOTE_NOLOOKUP, 1))})
""")


def test_get_remote_host(site):
    # G-172
    d = site.get("/g172.py").json()
    assert d["host"] == "None"
    assert d["default"] == "'127.0.0.1'"
    assert d["tuple"].startswith("('127.0.0.1', "), d


SITE.handler("g173", """
    import hashlib
    def handler(req):
        data = req.read()
        return reply(req, {"type": type(data).__name__, "len": len(data),
                           "md5": hashlib.md5(data).hexdigest()})
""")


def test_read_large_body(site):
    # G-173
    body = bytes(random.Random(173).getrandbits(8) for _ in range(100000))
    r = site.post("/g173.py", body, headers={"Content-Type": "application/octet-stream"})
    assert r.json() == {"type": "bytes", "len": 100000,
                        "md5": hashlib.md5(body).hexdigest()}


SITE.handler("g174", """
    def handler(req):
        return reply(req, {"read": repr(req.read()), "read0": repr(req.read(0))})
""")


def test_read_without_body(site):
    # G-174
    assert site.get("/g174.py").json() == {"read": "b''", "read0": "b''"}


SITE.handler("g175", """
    def handler(req):
        try:
            data = req.read()
        except apache.SERVER_RETURN as e:
            return reply(req, {"server_return": list(e.args)})
        return reply(req, {"data": repr(data)})
""")


def test_chunked_body_is_read_dechunked(site):
    # G-175 changed on purpose: 3.5 refused a chunked body with 411; WSGI
    # applications (and mod_wsgi) read it
    r = site.raw_response("POST /g175.py HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                          "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n")
    assert r.json() == {"data": "b'hello, world'"}


SITE.handler("g176", """
    def handler(req):
        while True:
            line = req.readline()
            if not line:
                break
            req.write(line)
        return apache.OK
""")

LINES = [(chr(ord("a") + i) * 30000 + "\n").encode() for i in range(4)]


def test_readline_echo(site):
    # G-176
    body = b"".join(LINES)
    r = site.post("/g176.py", body, headers={"Content-Type": "application/octet-stream"})
    assert r.status == 200
    assert r.body == body


SITE.handler("g177", """
    def handler(req):
        if req.args:
            lines = req.readlines(int(req.args))
        else:
            lines = req.readlines()
        return reply(req, [len(l) for l in lines] + [bytes(l[:1]).decode() for l in lines])
""")


@pytest.mark.parametrize("hint,expected", [(None, 4), (30000, 1), (32000, 2)])
def test_readlines(site, hint, expected):
    # G-177
    body = b"".join(LINES)
    path = "/g177.py" if hint is None else "/g177.py?%d" % hint
    r = site.post(path, body, headers={"Content-Type": "application/octet-stream"})
    assert r.status == 200, r.text
    assert r.json() == [30001] * expected + ["a", "b", "c", "d"][:expected]


SITE.handler("g178", """
    def handler(req):
        first = req.read(10)
        ret = req.discard_request_body()
        rest = req.read()
        return reply(req, {"first": repr(first), "ret": ret, "rest": repr(rest)})
""")


def test_discard_request_body(site):
    # G-178
    r = site.post("/g178.py", b"0123456789abcdefghij" * 100,
                  headers={"Content-Type": "application/octet-stream"})
    assert r.json() == {"first": "b'0123456789'", "ret": 0, "rest": "b''"}


SITE.handler("g179", """
    def handler(req):
        req.write("\\u00e9\\u20ac")
        req.write(b"\\xff\\x00")
        req.write("")
        return apache.OK
""")


def test_write_str_and_bytes(site):
    # G-179
    r = site.get("/g179.py")
    assert r.body == "\u00e9\u20ac".encode("utf-8") + b"\xff\x00"


SITE.handler("g180", """
    def handler(req):
        req.add_output_filter("CONTENT_LENGTH")
        req.write("content length filtered", 0)
        return apache.OK
""")


def test_content_length_filter(site):
    # G-180
    data = site.raw("GET /g180.py HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    r = parse_response(data)
    assert r.header("Content-Length") == str(len("content length filtered"))
    assert r.text == "content length filtered"


SITE.handler("g181", """
    def handler(req):
        n = req.sendfile(req.document_root() + "/g181.txt", 2, 7)
        req.write("|%s" % n)
        return apache.OK
""")
SITE.file("g181.txt", "  test ok  ")


def test_sendfile_offset(site):
    # G-181
    assert site.get("/g181.py").text == "test ok|7"


SITE.handler("g182", """
    def handler(req):
        name = "/g182link.bin" if req.args == "link" else "/g182.bin"
        n = req.sendfile(req.document_root() + name)
        req.write("|%s" % n)
        return apache.OK
""")
G182 = bytes(range(200)) * 5
SITE.file("g182.bin", G182)


def test_sendfile_whole(site):
    # G-182
    link = os.path.join(site.docroot, "g182link.bin")
    if not os.path.lexists(link):
        os.symlink(os.path.join(site.docroot, "g182.bin"), link)
    for path in ("/g182.py", "/g182.py?link"):
        r = site.get(path)
        assert r.body == G182 + b"|1000", path


SITE.handler("g183", """
    def handler(req):
        try:
            req.sendfile("/nonexistent")
        except IOError as e:
            return reply(req, {"exc": type(e).__name__, "ioerror": isinstance(e, IOError)})
        return reply(req, {"exc": None})
""")


def test_sendfile_missing(site):
    # G-183
    d = site.get("/g183.py").json()
    assert d["ioerror"] is True, d


SITE.handler("g184", """
    def handler(req):
        req.internal_redirect("/g184.int")
        return apache.OK
    def target(req):
        req.prev.write("test ")
        req.write("ok")
        return apache.OK
""")
SITE.files_section("g184.int", "PythonHandler g184::target")


def test_internal_redirect(site):
    # G-184
    r = site.get("/g184.py")
    assert (r.status, r.text) == (200, "test ok")


SITE.handler("g185", """
    def handler(req):
        req.allow_methods(["MKWORKSPACE"])
        return apache.HTTP_METHOD_NOT_ALLOWED
""")


def test_allow_methods(site):
    # G-185
    r = site.get("/g185.py")
    assert r.status == 405
    assert "MKWORKSPACE" in (r.header("Allow") or ""), r.headers


SITE.handler("g186", """
    def handler(req):
        return reply(req, {"exc": capture(lambda: req.allow_methods(5))})
""")


def test_allow_methods_type_error(site):
    # G-186
    assert site.get("/g186.py").json()["exc"].startswith("EXC:TypeError")


SITE.handler("g187", """
    def handler(req):
        pw = req.get_basic_auth_pw()
        return reply(req, {"pw": pw, "user": req.user})
""", directives="AuthType Basic\nAuthName g187")


def test_get_basic_auth_pw(site):
    # G-187
    d = site.get("/g187.py", headers={"Authorization": basic_auth("spam", "eggs")}).json()
    assert d == {"pw": "eggs", "user": "spam"}


def test_basic_auth_latin1(site):
    # G-188
    d = site.get("/g187.py",
                 headers={"Authorization": basic_auth("sp\xe1m", "\xe9ggs")}).json()
    assert d == {"pw": "\xe9ggs", "user": "sp\xe1m"}


def test_basic_auth_missing(site):
    # G-189
    assert site.get("/g187.py").json() == {"pw": None, "user": None}


SITE.handler("g190", """
    def cleanup(req):
        req.log_error("g190 cleanup ran for %s" % req.uri, apache.APLOG_NOTICE)
    def handler(req):
        req.register_cleanup(cleanup, req)
        req.write("registered")
        return apache.OK
""")


def test_register_cleanup(site):
    # G-190
    mark = site.log_mark()
    assert site.get("/g190.py").text == "registered"
    site.wait_log("g190 cleanup ran for /g190.py", since=mark)


SITE.handler("g191", """
    def handler(req):
        return reply(req, {"exc": capture(lambda: req.register_cleanup(123))})
""")


def test_register_cleanup_not_callable(site):
    # G-191
    assert site.get("/g191.py").json()["exc"].startswith("EXC:ValueError")


SITE.handler("g192", """
    def handler(req):
        req.update_mtime(100.0)
        req.set_etag()
        req.set_last_modified()
        req.write("tagged")
        return apache.OK
""")


def test_etag_last_modified(site):
    # G-192
    r = site.get("/g192.py")
    assert r.header("ETag")
    assert r.header("Last-Modified") == "Thu, 01 Jan 1970 00:01:40 GMT"


SITE.handler("g193", """
    def handler(req):
        req.update_mtime(100.0)
        req.set_last_modified()
        return reply(req, {"ret": req.meets_conditions()})
""")


def test_meets_conditions(site):
    # G-193
    d = site.get("/g193.py").json()
    assert d == {"ret": 0}
    r = site.get("/g193.py", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert r.status == 200
    assert r.json() == {"ret": 304}


SITE.handler("g194", """
    def handler(req):
        return reply(req, {"https": req.is_https(),
                           "ssl": req.ssl_var_lookup("SSL_PROTOCOL")})
""")


def test_https(site):
    # G-194
    assert site.get("/g194.py").json() == {"https": 0, "ssl": None}


SITE.handler("g195", """
    def handler(req):
        before = len(req.subprocess_env)
        if req.args == "common":
            req.add_common_vars()
        else:
            req.add_cgi_vars()
        return reply(req, [before, len(req.subprocess_env)])
""")


@pytest.mark.parametrize("which", ["common", "cgi"])
def test_add_vars_grow_env(site, which):
    # G-195
    before, after = site.get("/g195.py?" + which).json()
    assert after > before


SITE.handler("g196", """
    def handler(req):
        req.add_cgi_vars()
        env = req.subprocess_env
        return reply(req, {"uri": req.uri, "REQUEST_URI": env.get("REQUEST_URI"),
                           "QUERY_STRING": env.get("QUERY_STRING"),
                           "GATEWAY_INTERFACE": env.get("GATEWAY_INTERFACE"),
                           "SCRIPT_NAME": env.get("SCRIPT_NAME"),
                           "PATH_INFO": env.get("PATH_INFO"),
                           "has_path_translated": "PATH_TRANSLATED" in env})
""")


def test_add_cgi_vars(site):
    # G-196
    d = site.get("/g196.py/extra/info").json()
    assert d["REQUEST_URI"] == d["uri"] == "/g196.py/extra/info"
    assert d["QUERY_STRING"] == ""
    assert d["GATEWAY_INTERFACE"] == "CGI/1.1"
    assert d["SCRIPT_NAME"] == "/g196.py"
    assert d["SCRIPT_NAME"] + d["PATH_INFO"] == d["uri"]
    assert d["has_path_translated"] is False


def test_request_uri_is_the_raw_uri_of_the_request_line(site):
    # G-196 refined on purpose (issue 13): REQUEST_URI is what Apache's CGI
    # gives, still %-encoded and with the query string, so it equals
    # req.uri only for a plain URI without a query
    d = site.get("/g196.py/some/path%20x%3F?q=1&r=%2F").json()
    assert d["REQUEST_URI"] == "/g196.py/some/path%20x%3F?q=1&r=%2F"
    assert d["uri"] == "/g196.py/some/path x?"
    assert d["QUERY_STRING"] == "q=1&r=%2F"


SITE.handler("g197", """
    def handler(req):
        return reply(req, [type(req.get_config()).__name__, type(req.get_config()).__name__])
""")


def test_get_config_type(site):
    # G-197
    assert site.get("/g197.py").json() == ["mp_table", "mp_table"]


SITE.handler("g198", """
    def handler(req):
        req.log_error("g198 request log message")
        req.write("logged")
        return apache.OK
""")


def test_req_log_error(site):
    # G-198
    mark = site.log_mark()
    site.get("/g198.py")
    log = site.wait_log("g198 request log message", since=mark)
    line = [l for l in log.splitlines() if "g198 request log message" in l][0]
    assert ":error]" in line, line
    assert "[client 127.0.0.1:" in line, line


SITE.handler("g199", """
    def handler(req):
        req.send_http_header()
        req.headers_out["X-After-Send"] = str(req.sent_bodyct)
        req.write("still fine")
        return apache.OK
""")


def test_send_http_header_noop(site):
    # G-199
    r = site.get("/g199.py")
    assert (r.status, r.text) == (200, "still fine")
    assert r.header("X-After-Send") == "0"


SITE.handler("g200", """
    def handler(req):
        req.write("start")
        time.sleep(1.0)
        chunk = "x" * 65536
        try:
            for i in range(400):
                req.write(chunk)
                time.sleep(0.01)
        except IOError as e:
            req.log_error("g200 caught %s: %s" % (type(e).__name__, e), apache.APLOG_NOTICE)
            return apache.OK
        req.log_error("g200 no error", apache.APLOG_NOTICE)
        return apache.OK
""")


def test_write_after_client_closed(site):
    # G-200
    mark = site.log_mark()
    s = socket.create_connection(("127.0.0.1", site.port), timeout=10)
    s.sendall(b"GET /g200.py HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    s.recv(100)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    log = site.wait_log(r"g200 (caught|no error)", since=mark, regex=True, timeout=30)
    assert "g200 caught" in log, log
    assert "Write failed, client closed connection." in log


SITE.config("""
    <VirtualHost *:@PORT2@>
        ServerName g171.example
    </VirtualHost>
""")


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm) as srv:
        yield srv
