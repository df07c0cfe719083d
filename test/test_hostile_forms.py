"""Hostile and malformed form data through real Apache: FieldStorage
refuses each case with its 4xx status after one log line, no child
crashes, memory stays bounded, and the server keeps answering.

Runs under both the prefork and the event MPM.
"""

import socket

import pytest

from helpers import assert_healthy, Site, parse_response

SMALL_LIMITS = """\
PythonOption mod_python.util.max_body_size 2M
PythonOption mod_python.util.max_field_size 64k
PythonOption mod_python.util.max_fields 100
PythonOption mod_python.util.max_part_header_size 1k
"""

FORM_HANDLER = """
    import resource
    from mod_python import util

    def handler(req):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        fs = util.FieldStorage(req)
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        return reply(req, {"names": [f.name for f in fs.list],
                           "sizes": [len(f.value) for f in fs.list],
                           "values": [f.value if isinstance(f, str) else None
                                      for f in fs.list][:20],
                           "grown_kib": grown})
"""

SITE = Site()
SITE.handler("hf_form", FORM_HANDLER)
SITE.handler("hf_small", FORM_HANDLER, directives=SMALL_LIMITS)
SITE.handler("hf_ok", """
    def handler(req):
        req.write("ok")
        return apache.OK
""")


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm, timeout=5) as srv:
        yield srv


def send(site, path, body, ctype, length=None, extra=b""):
    """A POST on its own connection; the body may be only partly read by
    the server, so sending stops quietly if the server has closed."""
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            "Content-Type: %s\r\nContent-Length: %d\r\n" % (
                path, ctype, len(body) if length is None else length)).encode()
    s = socket.create_connection(("127.0.0.1", site.port), timeout=30)
    try:
        try:
            s.sendall(head + extra + b"\r\n" + body)
        except OSError:
            pass
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return parse_response(b"".join(chunks))
    finally:
        s.close()


def multipart_body(parts, boundary=b"HB", close=True):
    out = b""
    for headers, data in parts:
        out += b"--" + boundary + b"\r\n" + headers + b"\r\n" + data + b"\r\n"
    return out + (b"--" + boundary + b"--\r\n" if close else b"")


def text_part(name, data):
    return b'Content-Disposition: form-data; name="' + name + b'"\r\n', data


MULTIPART = "multipart/form-data; boundary=HB"
URLENCODED = "application/x-www-form-urlencoded"


def chunked(body, size=1000):
    """body in chunked transfer coding, `size` bytes a chunk."""
    pieces = [body[i:i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def post_chunked(site, path, body, ctype):
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            "Content-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n" % (path, ctype))
    return site.raw_response(head.encode() + chunked(body), timeout=20)


def test_chunked_urlencoded_form(site):
    r = post_chunked(site, "/hf_form.py", b"a=1&b=" + b"x" * 5000 + b"&c=3", URLENCODED)
    assert r.json()["names"] == ["a", "b", "c"] and r.json()["sizes"] == [1, 5000, 1]


def test_chunked_multipart_form(site):
    body = multipart_body([text_part(b"t", b"text"), text_part(b"u", b"y" * 3000)])
    r = post_chunked(site, "/hf_form.py", body, MULTIPART)
    assert r.json()["names"] == ["t", "u"] and r.json()["sizes"] == [4, 3000]


@pytest.mark.parametrize("ctype,body", [
    (URLENCODED, b"&".join([b"a=" + b"1" * (60 << 10)] * 50)),
    (MULTIPART, multipart_body([text_part(b"t", b"y" * (60 << 10))] * 50))],
    ids=["urlencoded", "multipart"])
def test_chunked_body_over_max_body_size(site, ctype, body):
    # no Content-Length to check up front: refused as it grows past the limit
    mark = site.log_mark()
    r = post_chunked(site, "/hf_small.py", body, ctype)
    assert r.status == 413, r
    site.wait_log("the chunked request body exceeds mod_python.util.max_body_size",
                  since=mark)
    assert_healthy(site, "/hf_ok.py", "ok")


CASES = {
    # name: (path, body, content type, extra kwargs, status, log text)
    "declared_body_over_limit": (
        "/hf_form.py", b"a=1", URLENCODED, {"length": 10 ** 10}, 413, "max_body_size"),
    "body_over_configured_limit": (
        "/hf_small.py", b"a=" + b"1" * (3 << 20), URLENCODED, {}, 413, "max_body_size"),
    "urlencoded_field_over_limit": (
        "/hf_small.py", b"a=" + b"x" * (1 << 20), URLENCODED, {}, 413, "max_field_size"),
    "urlencoded_field_over_default_limit": (
        "/hf_form.py", b"a=" + b"%41" * (1 << 20), URLENCODED, {}, 413, "max_field_size"),
    "too_many_urlencoded_fields": (
        "/hf_form.py", b"&".join(b"f%d=1" % i for i in range(10001)), URLENCODED, {},
        413, "max_fields"),
    "too_many_parts": (
        "/hf_small.py", multipart_body([text_part(b"p", b"1")] * 101), MULTIPART, {},
        413, "max_fields"),
    "multipart_text_field_over_limit": (
        "/hf_small.py", multipart_body([text_part(b"t", b"y" * (65 << 10))]), MULTIPART, {},
        413, "max_field_size"),
    "huge_part_headers": (
        "/hf_small.py", multipart_body([(b"X-Junk: " + b"j" * 2000 + b"\r\n", b"1")]),
        MULTIPART, {}, 400, "max_part_header_size"),
    "header_line_longer_than_a_block": (
        "/hf_form.py", multipart_body([(b"X-Junk: " + b"j" * 70000 + b"\r\n", b"1")]),
        MULTIPART, {}, 400, "max_part_header_size"),
    "endless_part_headers": (
        "/hf_form.py", b"--HB\r\n" + b"X: y\r\n" * 5000, MULTIPART, {}, 400,
        "max_part_header_size"),
    "missing_final_boundary": (
        "/hf_form.py", multipart_body([text_part(b"a", b"1")], close=False), MULTIPART, {},
        400, "closing boundary"),
    "no_boundary_line": (
        "/hf_form.py", b"just some bytes\r\n" * 100, MULTIPART, {}, 400, "no boundary line"),
    "body_ends_in_headers": (
        "/hf_form.py", b"--HB\r\nContent-Disposition: form-data; name=a\r\n", MULTIPART, {},
        400, "inside the headers"),
    "nul_in_part_header": (
        "/hf_form.py", multipart_body([(b'Content-Disposition: form-data; name="a\0b"\r\n',
                                        b"1")]), MULTIPART, {}, 400, "NUL"),
    "no_boundary_parameter": (
        "/hf_form.py", b"--HB--\r\n", "multipart/form-data", {}, 400, "without a boundary"),
    "boundary_too_long": (
        "/hf_form.py", b"--HB--\r\n", "multipart/form-data; boundary=" + "b" * 1000, {},
        400, "boundary longer"),
    "unsupported_type": (
        "/hf_form.py", b"{}", "application/json", {}, 501, "unsupported form content type"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused(site, case):
    path, body, ctype, kw, status, log_text = CASES[case]
    mark = site.log_mark()
    r = send(site, path, body, ctype, **kw)
    assert r.status == status, r
    log = site.wait_log("refused with %d" % status, since=mark)
    assert log_text in log
    assert log.count("mod_python.util:") == 1, log
    assert_healthy(site, "/hf_ok.py", "ok")


def test_client_gone_mid_multipart(site):
    mark = site.log_mark()
    s = socket.create_connection(("127.0.0.1", site.port), timeout=10)
    s.sendall(b"POST /hf_form.py HTTP/1.1\r\nHost: x\r\nContent-Type: " + MULTIPART.encode()
              + b"\r\nContent-Length: 100000\r\n\r\n--HB\r\n"
              b"Content-Disposition: form-data; name=a; filename=f\r\n\r\nxxxx")
    s.shutdown(socket.SHUT_WR)
    s.settimeout(15)
    try:
        s.recv(100)
    except OSError:
        pass
    s.close()
    site.wait_log("refused with 400", since=mark, timeout=15)
    assert_healthy(site, "/hf_ok.py", "ok")


@pytest.mark.parametrize("body, expect", [
    (b"a=%FF%FE&%C3=1", [["a", "\ufffd\ufffd"], ["\ufffd", "1"]]),
    (b"n%00ul=v%00", [["n\0ul", "v\0"]]),
    (b"&&&;;;a&b=&=&c=1", [["c", "1"]]),
], ids=["non_utf8", "nul", "empty_pieces"])
def test_odd_urlencoded_input_is_accepted(site, body, expect):
    d = send(site, "/hf_form.py", body, URLENCODED).json()
    assert [[n, v] for n, v in zip(d["names"], d["values"])] == expect
    assert_healthy(site, "/hf_ok.py", "ok")


def test_deeply_bracketed_names(site):
    name = b"a" + b"[" * 50000 + b"]" * 50000
    d = send(site, "/hf_form.py", name + b"=1&" + name + b"[x]=2", URLENCODED).json()
    assert [len(n) for n in d["names"]] == [100001, 100004]
    assert_healthy(site, "/hf_ok.py", "ok")


def test_empty_and_nameless_parts(site):
    body = multipart_body([(b"", b""), (b"Content-Type: text/plain\r\n", b"no name"),
                           text_part(b"e", b""), text_part(b"v", b"1")])
    d = send(site, "/hf_form.py", body, MULTIPART).json()
    assert (d["names"], d["values"]) == (["e", "v"], ["", "1"])
    assert_healthy(site, "/hf_ok.py", "ok")


def test_quote_heavy_part_headers(site):
    # parse_header works in linear time: 8 KiB of unbalanced quotes and
    # escapes in one header costs no more than any other 8 KiB
    junk = b';x="\\' * 1600
    body = multipart_body([(b'Content-Disposition: form-data; name="a"' + junk + b"\r\n",
                            b"1"), text_part(b"b", b"2")])
    d = send(site, "/hf_form.py", body, MULTIPART).json()
    assert d["names"] == ["a", "b"]
    assert_healthy(site, "/hf_ok.py", "ok")


def test_boundary_split_across_packets(site):
    body = multipart_body([text_part(b"a", b"x" * 5000 + b"\r"), text_part(b"b", b"2")])
    cut = body.index(b"--HB", 10) + 2
    head = ("POST /hf_form.py HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            "Content-Type: %s\r\nContent-Length: %d\r\n\r\n" % (MULTIPART, len(body))).encode()
    r = site.raw_response(head + body[:cut], pause=0.3, more=body[cut:])
    assert r.json()["sizes"] == [5001, 1]


def test_large_upload_is_streamed(site):
    size = 40 << 20
    body = (b'--HB\r\nContent-Disposition: form-data; name="f"; filename="big"\r\n\r\n'
            + b"\0\r\n" * (size // 3) + b"\r\n--HB--\r\n")
    d = send(site, "/hf_form.py", body, MULTIPART).json()
    assert d["sizes"] == [size // 3 * 3]
    assert d["grown_kib"] < 8 * 1024, d
    assert_healthy(site, "/hf_ok.py", "ok")


def file_part(name, filename, data):
    return (b'Content-Disposition: form-data; name="' + name + b'"; filename="'
            + filename + b'"\r\n', data)


SITE.handler("hf_fds", """
    import os
    from mod_python import util

    def handler(req):
        fs = util.FieldStorage(req)
        return reply(req, {"parts": len(fs.list),
                           "fds": len(os.listdir("/proc/self/fd"))})
""")
SITE.handler("hf_baseline", """
    import os
    def handler(req):
        return reply(req, {"fds": len(os.listdir("/proc/self/fd"))})
""")


@pytest.mark.parametrize("count, status", [(1000, 200), (1001, 413)])
def test_number_of_parts_is_capped_at_the_boundary(site, count, status):
    body = multipart_body([file_part(b"f%d" % i, b"x.txt", b"d")
                           for i in range(count)])
    mark = site.log_mark()
    r = send(site, "/hf_fds.py", body, MULTIPART)
    assert r.status == status
    if status == 413:
        log = site.wait_log("refused with 413", since=mark)
        assert "number of multipart parts exceeds mod_python.util.max_parts " \
               "(1000)" in log
        assert log.count("mod_python.util:") == 1
    else:
        # small uploads stay in memory: no descriptor per part
        baseline = send(site, "/hf_baseline.py", b"", URLENCODED).json()["fds"]
        assert r.json()["parts"] == 1000
        assert r.json()["fds"] <= baseline + 5
    assert_healthy(site, "/hf_ok.py", "ok")


@pytest.mark.parametrize("fields, status", [(7, 200), (9, 413)])
def test_memory_of_text_fields_is_capped(site, fields, status):
    # 1 MB fields each within max_field_size; 8 MB in all is the cap
    body = multipart_body([text_part(b"t%d" % i, b"v" * (1000 * 1000))
                           for i in range(fields)])
    mark = site.log_mark()
    r = send(site, "/hf_form.py", body, MULTIPART)
    assert r.status == status
    if status == 413:
        log = site.wait_log("refused with 413", since=mark)
        assert "max_form_memory_size" in log
    assert_healthy(site, "/hf_ok.py", "ok")
